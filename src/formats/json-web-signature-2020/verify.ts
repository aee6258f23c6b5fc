/**
 * JsonWebSignature2020: the proof Gaia-X Tagus (22.10) credentials carry. A detached compact JWS
 * (`header..signature`, RFC 7797 unencoded payload) over the URDNA2015 canonical form of the
 * credential. Two signing inputs exist in the wild, and this module tells them apart by trying both:
 *
 * - 'standard' (W3C CCG lds-jws2020, the Linked Data Proofs "create verify data" algorithm): the
 *   payload is the 64 bytes sha256(canonical proof options) || sha256(canonical document).
 *   @see https://www.w3.org/community/reports/credentials/CG-FINAL-lds-jws2020-20220721/
 * - 'gaia-x' (the Gaia-X compliance service and notaries of the Tagus era): the payload is the
 *   ASCII hex sha256 of the canonical document alone; the proof options are not signed. The
 *   service signs `new jose.CompactSign(new TextEncoder().encode(hash))` with
 *   `{alg:'PS256', b64:false, crit:['b64']}` where `hash = sha256(normalize(vc)).digest('hex')`,
 *   and verifies with `compactVerify(proof.jws.replace('..', `.${hash}.`))`.
 *   @see https://github.com/smartSenseSolutions/Gaia-X-Compliance-Service/blob/main/src/common/services/signature.service.ts (`sign(hash: string)`)
 *   @see https://github.com/smartSenseSolutions/Gaia-X-Compliance-Service/blob/main/src/common/services/proof.service.ts (`checkSignature`)
 *
 * With `b64:false` the JWS signing input is ASCII(BASE64URL(header)) || '.' || payload bytes.
 * @see https://www.rfc-editor.org/rfc/rfc7797#section-3
 *
 * Unlike the Gaia-X service (which runs jsonld with `safe:false`), canonicalization runs in safe
 * mode: a term the contexts do not define fails instead of being silently left unsigned.
 */
import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import jsonld from 'jsonld';
import { LRUCache } from 'lru-cache';
import { GxTrustError, isGxTrustError, type ErrorCode } from '../../errors.js';
import { jsonLdInputFaults, type DocumentLoader } from '../../document-loader/index.js';
import type { ProofPurpose, VerificationMethod } from '../../dids/types.js';
import { verificationMethodJwk } from '../../dids/multikey.js';
import { ACCEPTED_ALGORITHMS, assertAlgorithmAllowed, type Algorithm } from '../../algorithms/index.js';
import { failed, passed, type Check } from '../../verifying/report.js';
import type { FormatResult, ProofFormat, VerifyContext } from '../../verifying/types.js';
import { isObject } from '../../json-input.js';

export const JSON_WEB_SIGNATURE_2020 = 'JsonWebSignature2020';

export type JsonWebSignature2020Variant = 'standard' | 'gaia-x';
export type JsonWebSignature2020Alg = Algorithm;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface JwsHeader {
  alg: JsonWebSignature2020Alg;
  b64: false;
  crit: ['b64'];
  [member: string]: unknown;
}

/** A parsed detached JWS: the encoded header as signed, the header, and the signature bytes. */
export interface DetachedJws {
  encodedHeader: string;
  header: JwsHeader;
  signature: Buffer;
}

/**
 * Parses `header..signature`. The header must be exactly the RFC 7797 unencoded-payload form:
 * "b64" false and listed in "crit" (RFC 7797 §6: "the "crit" Header Parameter MUST be included
 * with "b64" in its set of values"), and nothing else may be critical.
 */
export function parseDetachedJws(jws: unknown): DetachedJws {
  if (typeof jws !== 'string' || jws.length > 16_384) {
    throw new GxTrustError('INVALID_INPUT', 'proof.jws must be a compact JWS string', { pointer: '/proof/jws' });
  }
  const parts = jws.split('.');
  const [encodedHeader = '', payload, encodedSignature = ''] = parts;
  if (parts.length !== 3 || payload !== '' || !BASE64URL.test(encodedHeader) || !BASE64URL.test(encodedSignature)) {
    throw new GxTrustError('INVALID_INPUT', 'proof.jws must be a detached compact JWS: base64url(header)..base64url(signature)', {
      pointer: '/proof/jws',
    });
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new GxTrustError('INVALID_INPUT', 'the JWS header is not JSON', { pointer: '/proof/jws', cause });
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new GxTrustError('INVALID_INPUT', 'the JWS header is not a JSON object', { pointer: '/proof/jws' });
  }
  const { alg, b64, crit } = header as Record<string, unknown>;
  if (typeof alg !== 'string' || !ACCEPTED_ALGORITHMS.has(alg)) {
    throw new GxTrustError('ALG_NOT_ALLOWED', `JWS alg ${JSON.stringify(alg)} is not allowed`, {
      pointer: '/proof/jws',
      hint: `JsonWebSignature2020 proofs are accepted with ${[...ACCEPTED_ALGORITHMS].join(', ')}`,
    });
  }
  if (b64 !== false || !Array.isArray(crit) || crit.length !== 1 || crit[0] !== 'b64') {
    throw new GxTrustError('INVALID_INPUT', 'the JWS header must carry "b64": false and "crit": ["b64"] exactly', {
      pointer: '/proof/jws',
      hint: 'JsonWebSignature2020 signs an unencoded, detached payload (RFC 7797)',
    });
  }
  return { encodedHeader, header: header as JwsHeader, signature: Buffer.from(encodedSignature, 'base64url') };
}

/**
 * Refuses an alg that does not fit the key: the allowlist is tied to the key type, so an HMAC or a
 * curve confusion cannot pass (CVE-2015-9235). A JWK `alg` member, when the DID document sets one,
 * must also match (RFC 7517 §4.4).
 */
export function assertAlgFitsKey(alg: string, key: KeyObject, jwkAlg?: unknown): void {
  assertAlgorithmAllowed(alg, key);
  if (jwkAlg !== undefined && jwkAlg !== alg) {
    throw new GxTrustError('ALG_NOT_ALLOWED', `the verification method's JWK is for ${String(jwkAlg)}, the JWS uses ${alg}`);
  }
}

function cryptoArgs(alg: JsonWebSignature2020Alg, key: KeyObject): { digest: string | null; key: Parameters<typeof verify>[2] } {
  switch (alg) {
    case 'PS256':
      return { digest: 'sha256', key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } };
    case 'RS256':
      return { digest: 'sha256', key };
    case 'ES256':
      return { digest: 'sha256', key: { key, dsaEncoding: 'ieee-p1363' } };
    case 'ES384':
      return { digest: 'sha384', key: { key, dsaEncoding: 'ieee-p1363' } };
    case 'ES512':
      return { digest: 'sha512', key: { key, dsaEncoding: 'ieee-p1363' } };
    case 'EdDSA':
      return { digest: null, key };
  }
}

export function verifyJwsSignature(alg: JsonWebSignature2020Alg, key: KeyObject, signingInput: Buffer, signature: Buffer): boolean {
  const args = cryptoArgs(alg, key);
  try {
    return verify(args.digest, signingInput, args.key, signature);
  } catch {
    // A malformed signature (wrong length, bad DER) is a failed signature, not a crash.
    return false;
  }
}

/**
 * The jsonld error behind a failure, by our code: the closed loader's GxTrustError survives
 * inside jsonld's wrappers (`details.cause`), safe mode raises `jsonld.ValidationError`, and
 * rdf-canonize's work limit (default maxWorkFactor 1) raises "Maximum deep iterations exceeded".
 * @see https://github.com/digitalbazaar/rdf-canonize#limits
 */
export function canonicalizationError(error: unknown): GxTrustError {
  let current: unknown = error;
  for (let depth = 0; depth < 10 && current !== null && typeof current === 'object'; depth++) {
    if (isGxTrustError(current)) return current;
    const record = current as {
      name?: unknown;
      message?: unknown;
      details?: { cause?: unknown; event?: { code?: unknown; details?: unknown } };
      cause?: unknown;
    };
    if (record.name === 'jsonld.ValidationError') {
      const event = record.details?.event;
      const what = event === undefined ? '' : ` ${String(event.code)} ${JSON.stringify(event.details ?? {}).slice(0, 300)}`;
      return new GxTrustError('SAFE_MODE_VIOLATION', `JSON-LD safe mode refused the document:${what}`, {
        cause: error,
        hint: 'Every property and type must be defined by the @context; undefined terms would be dropped from the signed data',
      });
    }
    if (typeof record.message === 'string' && record.message.startsWith('Maximum deep iterations exceeded')) {
      return new GxTrustError('CANONICALIZATION_LIMIT', 'RDF canonicalization exceeded its work limit', { cause: error });
    }
    current = record.details?.cause ?? record.cause;
  }
  return new GxTrustError('INVALID_INPUT', `the document is not valid JSON-LD: ${String((error as { message?: unknown })?.message ?? error)}`, {
    cause: error,
  });
}

/** URDNA2015 N-Quads of a JSON-LD document, safe mode on, rdf-canonize limits at their defaults. */
export async function canonize(document: Record<string, unknown>, documentLoader: DocumentLoader): Promise<string> {
  try {
    const nquads: unknown = await jsonld.canonize(document, {
      algorithm: 'URDNA2015',
      format: 'application/n-quads',
      documentLoader,
      safe: true,
    });
    if (typeof nquads !== 'string') throw new GxTrustError('INTERNAL', 'jsonld.canonize returned no N-Quads');
    return nquads;
  } catch (error) {
    throw canonicalizationError(error);
  }
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * The JWS payload each variant signs, for a document (without `proof`) and its proof (without
 * `jws`). Standard: the proof options take the document's @context, as jsonld-signatures'
 * `canonizeProof` does.
 */
export async function jsonWebSignature2020Payload(
  variant: JsonWebSignature2020Variant,
  document: Record<string, unknown>,
  proofOptions: Record<string, unknown>,
  documentLoader: DocumentLoader,
): Promise<Buffer> {
  const documentNquads = await canonize(document, documentLoader);
  if (variant === 'gaia-x') {
    return Buffer.from(sha256(documentNquads).toString('hex'), 'ascii');
  }
  const options: Record<string, unknown> = { '@context': document['@context'], ...proofOptions };
  delete options['jws'];
  const optionsNquads = await canonize(options, documentLoader);
  return Buffer.concat([sha256(optionsNquads), sha256(documentNquads)]);
}

export function signingInput(encodedHeader: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${encodedHeader}.`, 'ascii'), payload]);
}

// ---------------------------------------------------------------------------------------------
// Verification

/** Keys imported once per verification method (a public key import costs about 67 µs under OpenSSL 3). */
const keyCache = new LRUCache<string, KeyObject>({ max: 512 });

function publicKeyOf(method: VerificationMethod): KeyObject {
  const jwk = verificationMethodJwk(method);
  const cacheKey = `${method.id}\n${[jwk.kty, jwk.crv, jwk.x, jwk.y, jwk.n, jwk.e].join('\n')}`;
  let key = keyCache.get(cacheKey);
  if (key === undefined) {
    key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    keyCache.set(cacheKey, key);
  }
  return key;
}

type JsonObject = Record<string, unknown>;

function types(value: unknown): string[] {
  const type = isObject(value) ? value['type'] : undefined;
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === 'string') : [];
}

/**
 * The Linked Data Signatures suites whose proof is a detached JWS over URDNA2015 canonical forms:
 * JsonWebSignature2020 (any allowed alg; the standard and the Gaia-X signing inputs) and
 * Ed25519Signature2018 (EdDSA only, the standard signing input), the suite of VCDM 1.1
 * credentials a connector still meets.
 * @see https://w3c-ccg.github.io/lds-ed25519-2018/
 */
interface DetachedJwsSuite {
  type: string;
  variants: readonly JsonWebSignature2020Variant[];
  /** The JWS algorithms the suite defines; undefined: any the allow-list ties to the key. */
  algorithms?: readonly string[];
}

const JSON_WEB_SIGNATURE_2020_SUITE: DetachedJwsSuite = { type: JSON_WEB_SIGNATURE_2020, variants: ['standard', 'gaia-x'] };
export const ED25519_SIGNATURE_2018 = 'Ed25519Signature2018';
const ED25519_SIGNATURE_2018_SUITE: DetachedJwsSuite = { type: ED25519_SIGNATURE_2018, variants: ['standard'], algorithms: ['EdDSA'] };

function hasProofOf(suite: DetachedJwsSuite, input: unknown): input is JsonObject & { proof: JsonObject } {
  return isObject(input) && isObject(input['proof']) && input['proof']['type'] === suite.type;
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value['id'] === 'string') return value['id'];
  return undefined;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function codeOf(error: unknown): ErrorCode {
  return isGxTrustError(error) ? error.code : 'INTERNAL';
}

interface ProofParts {
  jws: DetachedJws;
  proof: JsonObject;
  verificationMethod: string;
}

/** The 'format' check: proof members and the JWS header. */
function checkFormat(input: JsonObject & { proof: JsonObject }, suite: DetachedJwsSuite): ProofParts | Check {
  const proof = input.proof;
  const verificationMethod = proof['verificationMethod'];
  if (typeof verificationMethod !== 'string' || verificationMethod.length > 2048) {
    return failed('format', 'INVALID_INPUT', 'proof.verificationMethod must be a DID URL', '/proof/verificationMethod');
  }
  if (typeof proof['proofPurpose'] !== 'string') {
    return failed('format', 'INVALID_INPUT', 'proof.proofPurpose must be a string', '/proof/proofPurpose');
  }
  if (proof['created'] !== undefined && typeof proof['created'] !== 'string') {
    return failed('format', 'INVALID_INPUT', 'proof.created must be an xsd:dateTime string', '/proof/created');
  }
  try {
    const jws = parseDetachedJws(proof['jws']);
    if (suite.algorithms !== undefined && !suite.algorithms.includes(jws.header.alg)) {
      return failed('format', 'ALG_NOT_ALLOWED', `${suite.type} proofs are signed ${suite.algorithms.join(', ')}, not ${jws.header.alg}`, '/proof/jws');
    }
    return { jws, proof, verificationMethod };
  } catch (error) {
    return failed('format', codeOf(error), message(error), '/proof/jws');
  }
}

interface VerifyOptions {
  suite: DetachedJwsSuite;
  purpose: ProofPurpose;
  expectedController: string;
  /** Presentations with a challenge or domain accept only the standard variant, which signs them. */
  variants: readonly JsonWebSignature2020Variant[];
}

interface ProofOutcome {
  checks: Check[];
  method?: VerificationMethod;
  warnings: string[];
}

const notRun = (check: 'key-binding' | 'proof', why: string): Check => failed(check, 'CHECK_NOT_RUN', `not run: ${why}`);

async function verifyProof(
  input: JsonObject & { proof: JsonObject },
  context: VerifyContext,
  options: VerifyOptions,
): Promise<ProofOutcome> {
  const warnings: string[] = [];
  const parts = checkFormat(input, options.suite);
  if (!('jws' in parts)) {
    return { checks: [parts, notRun('key-binding', 'the proof is malformed'), notRun('proof', 'the proof is malformed')], warnings };
  }
  const checks: Check[] = [passed('format', `${options.suite.type}, JWS alg ${parts.jws.header.alg}, detached unencoded payload`)];

  // Key binding: the key comes only from the controller's DID document, never from the JWS header
  // (a `jwk`, `jku`, `x5u` or `kid` there is ignored), and the proof must name one exact method.
  let method: VerificationMethod;
  try {
    if (parts.proof['proofPurpose'] !== options.purpose) {
      throw new GxTrustError('KEY_BINDING', `proof.proofPurpose must be ${options.purpose}, not ${String(parts.proof['proofPurpose'])}`);
    }
    const hash = parts.verificationMethod.indexOf('#');
    if (!parts.verificationMethod.startsWith('did:') || hash === -1 || hash === parts.verificationMethod.length - 1) {
      throw new GxTrustError('KEY_BINDING', 'proof.verificationMethod must be a DID URL with a fragment naming one verification method', {
        pointer: '/proof/verificationMethod',
      });
    }
    method = await context.resolver.resolveVerificationMethod(parts.verificationMethod, {
      purpose: options.purpose,
      expectedController: options.expectedController,
    });
    // Defense in depth over the resolver: the method must be the one named, of the expected controller.
    if (method.id !== parts.verificationMethod || method.controller !== options.expectedController) {
      throw new GxTrustError('KEY_BINDING', `${parts.verificationMethod} is not a verification method controlled by ${options.expectedController}`);
    }
    checks.push(passed('key-binding', `${method.id} is an ${options.purpose} method of ${options.expectedController}`));
  } catch (error) {
    checks.push(failed('key-binding', codeOf(error), message(error), '/proof/verificationMethod'));
    checks.push(notRun('proof', 'the verification method is not bound to the signer'));
    return { checks, warnings };
  }

  // The pinned contexts and the prototype keys, before jsonld sees the document.
  const fault = jsonLdInputFaults(input, { loader: context.documentLoader })[0];
  if (fault !== undefined) {
    checks.push(failed('proof', fault.code, fault.detail, fault.pointer));
    return { checks, method, warnings };
  }
  try {
    const key = publicKeyOf(method);
    assertAlgFitsKey(parts.jws.header.alg, key, method.publicKeyJwk?.alg);
    const { proof: _proof, ...document } = input;
    const { jws: _jws, ...proofOptions } = parts.proof;
    let verifiedVariant: JsonWebSignature2020Variant | undefined;
    for (const variant of options.variants) {
      const payload = await jsonWebSignature2020Payload(variant, document, proofOptions, context.documentLoader);
      if (verifyJwsSignature(parts.jws.header.alg, key, signingInput(parts.jws.encodedHeader, payload), parts.jws.signature)) {
        verifiedVariant = variant;
        break;
      }
    }
    if (verifiedVariant === undefined) {
      throw new GxTrustError('INVALID_SIGNATURE', `the JWS does not verify under ${options.variants.map((v) => `the ${v} signing input`).join(' nor ')}`);
    }
    if (verifiedVariant === 'gaia-x') {
      warnings.push('JsonWebSignature2020 Gaia-X variant: proof.created, proofPurpose and verificationMethod are not covered by the signature');
    }
    checks.push(passed('proof', `${options.suite.type} (${verifiedVariant} variant) signature verified with ${method.id}`));
  } catch (error) {
    checks.push(failed('proof', codeOf(error), message(error)));
  }
  return { checks, method, warnings };
}

function withoutProof(input: JsonObject): JsonObject {
  const { proof: _proof, ...document } = input;
  return document;
}

async function verifyCredential(suite: DetachedJwsSuite, input: unknown, context: VerifyContext): Promise<FormatResult> {
  if (!hasProofOf(suite, input)) {
    throw new GxTrustError('UNSUPPORTED_FORMAT', `not a credential with a ${suite.type} proof`);
  }
  const issuer = idOf(input['issuer']);
  if (issuer === undefined) {
    return {
      format: suite.type,
      checks: [
        failed('format', 'INVALID_INPUT', 'the credential has no issuer', '/issuer'),
        notRun('key-binding', 'the credential has no issuer'),
        notRun('proof', 'the credential has no issuer'),
      ],
    };
  }
  await context.admitCanonicalization?.();
  const outcome = await verifyProof(input, context, {
    suite,
    purpose: 'assertionMethod',
    expectedController: issuer,
    variants: suite.variants,
  });
  const result: FormatResult = {
    format: suite.type,
    checks: outcome.checks,
    document: withoutProof(input),
    issuer,
    warnings: outcome.warnings,
  };
  if (outcome.method !== undefined) result.verificationMethod = outcome.method;
  return result;
}

async function verifyPresentation(suite: DetachedJwsSuite, input: unknown, context: VerifyContext): Promise<FormatResult> {
  if (!hasProofOf(suite, input) || !types(input).includes('VerifiablePresentation')) {
    throw new GxTrustError('UNSUPPORTED_FORMAT', `not a presentation with a ${suite.type} proof`);
  }
  const warnings: string[] = [];
  const verificationMethod = input.proof['verificationMethod'];
  let holder = idOf(input['holder']);
  if (holder === undefined && typeof verificationMethod === 'string') {
    // Without `holder`, the presentation is bound only to whoever controls the signing method.
    holder = verificationMethod.split('#')[0];
    warnings.push(`the presentation names no holder; it is bound to ${holder}, the controller of its verification method`);
  }
  const bindsChallenge = context.challenge !== undefined || context.domain !== undefined;
  await context.admitCanonicalization?.();
  const outcome = await verifyProof(input, context, {
    suite,
    purpose: 'authentication',
    expectedController: holder ?? '',
    // The Gaia-X variant signs the document only: a challenge or domain in its proof is unsigned
    // and replayable, so it can prove neither.
    variants: bindsChallenge ? ['standard'] : suite.variants,
  });
  const checks = outcome.checks;
  if (context.challenge !== undefined) {
    checks.push(
      input.proof['challenge'] === context.challenge
        ? passed('challenge')
        : failed('challenge', 'CHALLENGE_MISMATCH', 'proof.challenge does not equal the expected challenge', '/proof/challenge'),
    );
  }
  if (context.domain !== undefined) {
    checks.push(
      input.proof['domain'] === context.domain
        ? passed('domain')
        : failed('domain', 'DOMAIN_MISMATCH', 'proof.domain does not equal the expected domain', '/proof/domain'),
    );
  }
  const held = input['verifiableCredential'];
  const result: FormatResult = {
    format: suite.type,
    checks,
    document: withoutProof(input),
    heldCredentials: held === undefined ? [] : Array.isArray(held) ? [...held] : [held],
    warnings: [...warnings, ...outcome.warnings],
  };
  if (holder !== undefined) result.issuer = holder;
  if (outcome.method !== undefined) result.verificationMethod = outcome.method;
  return result;
}

/**
 * The JsonWebSignature2020 proof format. A presentation without a proof (as the Tagus samples'
 * presentations are) is not claimed: nothing here could verify it.
 */
function detachedJwsFormat(suite: DetachedJwsSuite): ProofFormat {
  return {
    name: suite.type,
    canVerifyCredential: (input) => hasProofOf(suite, input) && !types(input).includes('VerifiablePresentation'),
    verifyCredential: (input, context) => verifyCredential(suite, input, context),
    canVerifyPresentation: (input) => hasProofOf(suite, input) && types(input).includes('VerifiablePresentation'),
    verifyPresentation: (input, context) => verifyPresentation(suite, input, context),
  };
}

export const jsonWebSignature2020Format: ProofFormat = detachedJwsFormat(JSON_WEB_SIGNATURE_2020_SUITE);

/**
 * Ed25519Signature2018 (legacy, verification only): what VCDM 1.1 issuers such as DIDKit and older
 * wallets sign with. Its terms come with the credentials/v1 context; its key may be published as
 * Ed25519VerificationKey2018 (`publicKeyBase58`), Multikey or a JWK.
 */
export const ed25519Signature2018Format: ProofFormat = detachedJwsFormat(ED25519_SIGNATURE_2018_SUITE);
