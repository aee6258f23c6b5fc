/**
 * The SD-JWT proof format: credentials (`vc+sd-jwt`) and presentations (`vp+sd-jwt`) secured as
 * an issuer-signed JWT whose claims may be replaced by digests of disclosures, followed by the
 * disclosures the holder chose to reveal and, optionally, a key binding JWT (`kb+jwt`).
 *
 * The issuer JWT is held to the vc+jwt rules (src/formats/jose/): algorithm allow-listed and tied to
 * the key type, key only from the issuer's DID document through a `kid` of that DID, no `jwk`,
 * `jku`, `x5u`, `crit` or `b64`. Every disclosure must be referenced exactly once by a digest the
 * issuer signed; the credential is rebuilt from those disclosures and then meets the same checks as
 * any other (data model, validity, status).
 * @see https://www.w3.org/TR/vc-jose-cose/#securing-with-sd-jwt
 * @see https://www.rfc-editor.org/rfc/rfc9901 (Selective Disclosure for JWTs)
 */
import { createHash, createPublicKey, type JsonWebKey } from 'node:crypto';
import { compactVerify, type JWK } from 'jose';
import { ACCEPTED_ALGORITHMS, assertAlgorithmAllowed } from '../../algorithms/index.js';
import { dataUrlContent, envelopeContextFault, ignoredEnvelopeMembers, isEnvelope, ENVELOPE_TYPES, type EnvelopeKind } from '../../credentials/enveloped.js';
import type { ProofPurpose } from '../../dids/types.js';
import { jsonLdInputFaults } from '../../document-loader/index.js';
import { isGxTrustError } from '../../errors.js';
import { isObject, jsonInputFaults, MAX_INPUT_DEPTH } from '../../json-input.js';
import { failCheck, passCheck, settleChecks, type Check, type CheckName } from '../../verifying/report.js';
import { DEFAULT_KEY_BINDING_MAX_AGE_SECONDS, type FormatResult, type ProofFormat, type VerifyContext } from '../../verifying/types.js';
import { createIssuerKeys, type IssuerKeys } from '../jose/issuer-key.js';
import { MAX_JWS_LENGTH, readTimeClaims } from '../jose/verify.js';

type Kind = EnvelopeKind;

/** The media types (and `typ` values) VC-JOSE-COSE §3.2 registers, per kind. */
export const SD_JWT_TYPES: Readonly<Record<Kind, string>> = { credential: 'vc+sd-jwt', presentation: 'vp+sd-jwt' };

/**
 * RFC 9901 §4.1.1: "sha-256" is the default and the one hash every implementation supports.
 * gx-trust accepts no other: a weaker hash named by the issuer would let a disclosure be swapped.
 */
export const SD_ALG = 'sha-256';

/** Header parameters that carry or point at key material: the key comes only from the DID document. */
const KEY_CARRYING_HEADERS = ['jwk', 'jku', 'x5u'] as const;

const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

/** Claim names a disclosure may not carry (RFC 9901 §4.2.1: `_sd` and `...`; the rest would reach Object.prototype). */
const RESERVED_NAMES = new Set(['_sd', '...']);

function normalizeMediaType(value: string): string {
  const lower = value.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function looksLikeSdJwt(value: string): boolean {
  const tilde = value.indexOf('~');
  return tilde > 0 && JWS.test(value.slice(0, tilde));
}

/** The compact SD-JWT an input carries: bare, as a `data:` URL, or as an enveloped object's `id`. */
function extractSdJwt(input: unknown, kind: Kind): string | undefined {
  const fromUrl = (url: string): string | undefined => {
    const content = dataUrlContent(url, [`application/${SD_JWT_TYPES[kind]}`]);
    return content === undefined ? undefined : content.base64 ? content.bytes.toString('latin1') : content.text;
  };
  if (typeof input === 'string') return input.startsWith('data:') ? fromUrl(input) : looksLikeSdJwt(input) ? input : undefined;
  if (isEnvelope(input, kind) && typeof input.id === 'string') return fromUrl(input.id);
  return undefined;
}

function decodeJson(part: string, what: string, check: CheckName = 'format'): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(part, 'base64url')));
  } catch {
    failCheck(check, check === 'format' ? 'UNSUPPORTED_FORMAT' : 'INVALID_DISCLOSURE', `${what} is not base64url-encoded UTF-8 JSON`);
  }
}

function decodeJsonObject(part: string, what: string): Record<string, unknown> {
  const value = decodeJson(part, what);
  if (!isObject(value)) failCheck('format', 'UNSUPPORTED_FORMAT', `${what} is not a JSON object`);
  return value;
}

/** The parts of `<issuer JWT>~<disclosure>~...~[<KB-JWT>]` (RFC 9901 §4). */
interface Parts {
  jws: string;
  disclosures: string[];
  kbJwt?: string;
  /** Everything up to and including the last `~`: what a key binding JWT's `sd_hash` covers. */
  presented: string;
}

function splitSdJwt(token: string): Parts {
  const parts = token.split('~');
  const jws = parts[0] ?? '';
  const last = parts.at(-1) ?? '';
  if (parts.length < 2 || !JWS.test(jws)) failCheck('format', 'UNSUPPORTED_FORMAT', 'not an SD-JWT: <issuer-signed JWT>~<disclosures>~[<key binding JWT>]');
  const disclosures = parts.slice(1, -1);
  const empty = disclosures.findIndex((d) => d === '');
  if (empty >= 0) failCheck('format', 'INVALID_DISCLOSURE', `disclosure ${empty + 1} is empty (two "~" in a row)`);
  const split: Parts = { jws, disclosures, presented: token.slice(0, token.length - last.length) };
  if (last !== '') {
    if (!JWS.test(last)) failCheck('format', 'UNSUPPORTED_FORMAT', 'the part after the last "~" is not a key binding JWT');
    split.kbJwt = last;
  }
  return split;
}

/** The header checks of vc+jwt, for the issuer JWT and the key binding JWT alike. */
function checkJoseHeader(header: Record<string, unknown>, what: string, check: CheckName): string {
  const fault = jsonInputFaults(header, { what })[0];
  if (fault !== undefined) failCheck(check, fault.code, fault.detail);
  if (Object.hasOwn(header, 'enc')) failCheck(check, 'UNSUPPORTED_FORMAT', `${what}: a JWE header ("enc") is not accepted`);
  const alg = header.alg;
  if (typeof alg !== 'string' || !ACCEPTED_ALGORITHMS.has(alg)) {
    failCheck(check, 'ALG_NOT_ALLOWED', `${what}: alg ${JSON.stringify(alg)} is not accepted (${[...ACCEPTED_ALGORITHMS].join(', ')} only)`);
  }
  if (Object.hasOwn(header, 'b64')) failCheck(check, 'INVALID_INPUT', `${what}: the "b64" header (unencoded payload, RFC 7797) is not accepted`);
  if (Object.hasOwn(header, 'crit')) failCheck(check, 'INVALID_INPUT', `${what}: "crit" names extensions gx-trust does not understand: ${JSON.stringify(header.crit)}`);
  return alg;
}

/** What an untyped payload says it is, by its `type`. */
function payloadKind(payload: Record<string, unknown>): Kind | undefined {
  const types = Array.isArray(payload.type) ? payload.type : [payload.type];
  const credential = types.includes('VerifiableCredential');
  const presentation = types.includes('VerifiablePresentation');
  return credential === presentation ? undefined : credential ? 'credential' : 'presentation';
}

/** base64url(SHA-256(ASCII(disclosure))): the digest RFC 9901 §4.2.3 puts in `_sd` and `...`. */
export function disclosureDigest(disclosure: string): string {
  return createHash('sha256').update(disclosure, 'ascii').digest('base64url');
}

interface Disclosure {
  /** The disclosure as sent (its digest is over these characters). */
  encoded: string;
  /** [salt, name, value] for an object property, [salt, value] for an array element. */
  name?: string;
  value: unknown;
  used: boolean;
}

/** RFC 9901 §7.1 step 3: each disclosure decoded and hashed, none twice. */
function readDisclosures(encoded: readonly string[]): Map<string, Disclosure> {
  const byDigest = new Map<string, Disclosure>();
  encoded.forEach((text, index) => {
    const which = `disclosure ${index + 1}`;
    if (!B64URL.test(text)) failCheck('disclosures', 'INVALID_DISCLOSURE', `${which} is not base64url`);
    const array = decodeJson(text, which, 'disclosures');
    if (!Array.isArray(array) || (array.length !== 2 && array.length !== 3)) {
      failCheck('disclosures', 'INVALID_DISCLOSURE', `${which} is not a JSON array of [salt, name, value] or [salt, value]`);
    }
    if (typeof array[0] !== 'string') failCheck('disclosures', 'INVALID_DISCLOSURE', `${which}: the salt is not a string`);
    // The same bounds as any JSON input (depth, prototype keys), before the value is walked.
    const fault = jsonInputFaults(array, { what: which })[0];
    if (fault !== undefined) failCheck('disclosures', fault.code, fault.detail);
    const disclosure: Disclosure = { encoded: text, value: array.at(-1), used: false };
    if (array.length === 3) {
      const name = array[1];
      if (typeof name !== 'string') failCheck('disclosures', 'INVALID_DISCLOSURE', `${which}: the claim name is not a string`);
      if (RESERVED_NAMES.has(name)) failCheck('disclosures', 'INVALID_DISCLOSURE', `${which}: the claim name ${JSON.stringify(name)} is reserved`);
      disclosure.name = name;
    }
    const digest = disclosureDigest(text);
    // The same disclosure twice would be counted once: a verifier must not let it pass unnoticed.
    if (byDigest.has(digest)) failCheck('disclosures', 'INVALID_DISCLOSURE', `${which} repeats an earlier disclosure`);
    byDigest.set(digest, disclosure);
  });
  return byDigest;
}

/** A member defined as own data, so that a claim named `__proto__` is a member (then refused by the input walk), never the prototype. */
function define(target: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * RFC 9901 §7.1 steps 3-5: every `_sd` digest and `{"...": digest}` array element replaced by the
 * disclosure it names (recursively: a disclosed value may hold digests too), decoys dropped, and
 * every digest seen at most once.
 */
function reconstruct(payload: Record<string, unknown>, disclosures: Map<string, Disclosure>): Record<string, unknown> {
  const seen = new Set<string>();
  const claim = (digest: unknown, pointer: string): Disclosure | undefined => {
    if (typeof digest !== 'string') failCheck('disclosures', 'INVALID_DISCLOSURE', 'a digest is not a string', pointer);
    if (seen.has(digest)) failCheck('disclosures', 'INVALID_DISCLOSURE', `the digest ${digest} appears more than once`, pointer);
    seen.add(digest);
    const found = disclosures.get(digest);
    if (found !== undefined) found.used = true;
    return found;
  };
  const walk = (value: unknown, pointer: string, depth = 0): unknown => {
    // Disclosed values nest inside one another: the rebuilt document is bounded as an input is.
    if (depth > MAX_INPUT_DEPTH) failCheck('disclosures', 'INVALID_INPUT', `the disclosed document nests deeper than ${MAX_INPUT_DEPTH} levels`, pointer);
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      value.forEach((item, index) => {
        const at = `${pointer}/${index}`;
        if (isObject(item) && Object.keys(item).length === 1 && Object.hasOwn(item, '...')) {
          const found = claim(item['...'], at);
          if (found === undefined) return; // a decoy, or an element the holder did not disclose
          if (found.name !== undefined) failCheck('disclosures', 'INVALID_DISCLOSURE', `an array element's digest names a disclosure of the property ${JSON.stringify(found.name)}`, at);
          out.push(walk(found.value, at, depth + 1));
          return;
        }
        out.push(walk(item, at, depth + 1));
      });
      return out;
    }
    if (!isObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(value)) {
      if (name === '_sd') continue;
      define(out, name, walk(member, `${pointer}/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`, depth + 1));
    }
    const digests = value._sd;
    if (digests !== undefined) {
      if (!Array.isArray(digests)) failCheck('disclosures', 'INVALID_DISCLOSURE', '_sd is not an array of digests', `${pointer}/_sd`);
      digests.forEach((digest, index) => {
        const at = `${pointer}/_sd/${index}`;
        const found = claim(digest, at);
        if (found === undefined) return;
        if (found.name === undefined) failCheck('disclosures', 'INVALID_DISCLOSURE', 'an _sd digest names an array-element disclosure', at);
        // RFC 9901 §7.1 4.a.iv: "If the claim name already exists at the level of the _sd key, the SD-JWT MUST be rejected."
        if (Object.hasOwn(out, found.name)) failCheck('disclosures', 'INVALID_DISCLOSURE', `the disclosed claim ${JSON.stringify(found.name)} is also present in the clear`, at);
        define(out, found.name, walk(found.value, `${pointer}/${found.name}`, depth + 1));
      });
    }
    return out;
  };
  const document = walk(payload, '') as Record<string, unknown>;
  // RFC 9901 §7.1 step 5: "If any Disclosure was not referenced by digest value ... the SD-JWT MUST be rejected."
  const unused = [...disclosures.values()].findIndex((d) => !d.used);
  if (unused >= 0) failCheck('disclosures', 'INVALID_DISCLOSURE', `disclosure ${unused + 1} is referenced by no digest the issuer signed`);
  delete document._sd_alg;
  return document;
}

interface Decoded {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  alg: string;
  parts: Parts;
}

function checkFormat(token: string | undefined, kind: Kind): Decoded {
  if (token === undefined) failCheck('format', 'UNSUPPORTED_FORMAT', `not an SD-JWT, a data:application/${SD_JWT_TYPES[kind]} URL or an ${ENVELOPE_TYPES[kind]}`);
  if (token.length > MAX_JWS_LENGTH) failCheck('format', 'PAYLOAD_TOO_LARGE', `the SD-JWT exceeds ${MAX_JWS_LENGTH} characters`);
  const parts = splitSdJwt(token);
  const [headerPart = '', payloadPart = ''] = parts.jws.split('.');
  const header = decodeJsonObject(headerPart, 'the issuer JWT protected header');
  const alg = checkJoseHeader(header, 'the issuer JWT header', 'format');
  const typ = header.typ;
  if (typ !== undefined && typeof typ !== 'string') failCheck('format', 'TOKEN_TYPE', `typ ${JSON.stringify(typ)} is not a string`);
  const payload = decodeJsonObject(payloadPart, 'the issuer JWT payload');
  const payloadFault = jsonInputFaults(payload, { what: 'the issuer JWT payload' })[0];
  if (payloadFault !== undefined) failCheck('format', payloadFault.code, payloadFault.detail, payloadFault.pointer);
  if (typ === undefined) {
    // typ is a SHOULD (VC-JOSE-COSE §3.2.1): without it the payload must say it is this kind.
    if (payloadKind(payload) !== kind) failCheck('format', 'TOKEN_TYPE', `typ is absent and the payload is not a ${kind}`);
  } else if (normalizeMediaType(typ) !== SD_JWT_TYPES[kind]) {
    // Explicit typing keeps a vp+sd-jwt, an SD-JWT VC (dc+sd-jwt, another data model) or a plain JWT from being taken for this kind.
    failCheck('format', 'TOKEN_TYPE', `typ ${JSON.stringify(typ)} is not ${SD_JWT_TYPES[kind]}`);
  }
  for (const claim of ['vc', 'vp']) {
    if (Object.hasOwn(payload, claim)) failCheck('format', 'UNSUPPORTED_FORMAT', `the JWT claim "${claim}" must not be present (VCDM 1.1 JWT encoding)`);
  }
  const sdAlg = payload._sd_alg;
  if (sdAlg !== undefined && sdAlg !== SD_ALG) {
    failCheck('format', 'ALG_NOT_ALLOWED', `_sd_alg ${JSON.stringify(sdAlg)} is not accepted (${SD_ALG} only)`, '/_sd_alg');
  }
  return { header, payload, alg, parts };
}

/** The DID the issuer JWT's key must belong to: the credential's issuer, or the presentation's holder (or iss). */
function expectedController(document: Record<string, unknown>, payload: Record<string, unknown>, header: Record<string, unknown>, kind: Kind): string {
  const idOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : isObject(value) && typeof value.id === 'string' ? value.id : undefined);
  const iss = typeof payload.iss === 'string' ? payload.iss : undefined;
  const subject = kind === 'credential' ? idOf(document.issuer) : idOf(document.holder) ?? iss;
  const name = kind === 'credential' ? 'issuer' : 'holder';
  if (subject === undefined) failCheck('key-binding', 'KEY_BINDING', `the disclosed ${kind} names no ${name}`);
  // VC-JOSE-COSE §3.1.3 (statements 24, 25): iss, if present, MUST match the issuer.
  for (const [where, value] of [['claim', payload.iss], ['header', header.iss]] as const) {
    if (value !== undefined && value !== subject) failCheck('key-binding', 'KEY_BINDING', `${where} iss ${JSON.stringify(value)} differs from the ${name} ${subject}`);
  }
  if (!subject.startsWith('did:')) failCheck('key-binding', 'KEY_BINDING', `the ${name} ${subject} is not a DID`);
  return subject;
}

/** The `cnf` key a key binding JWT must be signed with (RFC 7800 §3.2: a public JWK). */
function confirmationKey(payload: Record<string, unknown>): JWK | undefined {
  const cnf = payload.cnf;
  if (cnf === undefined) return undefined;
  if (!isObject(cnf) || !isObject(cnf.jwk)) failCheck('holder-binding', 'KEY_BINDING', 'cnf carries no jwk: gx-trust binds holders by a public JWK only');
  if (Object.hasOwn(cnf.jwk, 'd')) failCheck('holder-binding', 'KEY_BINDING', 'cnf.jwk holds a private key');
  return cnf.jwk as JWK;
}

export interface SdJwtFormatOptions {
  keyCacheSize?: number;
}

export function createSdJwtFormat(options: SdJwtFormatOptions = {}): ProofFormat {
  const keys: IssuerKeys = createIssuerKeys(options.keyCacheSize === undefined ? {} : { cacheSize: options.keyCacheSize });

  /**
   * RFC 9901 §7.3: the key binding JWT is typed kb+jwt, signed by the `cnf` key, and its `sd_hash`
   * is the digest of the SD-JWT as presented; `iat`, `aud` and `nonce` are required. The nonce and
   * audience are the verifier's to compare (options.challenge / options.domain).
   */
  async function checkKeyBinding(decoded: Decoded, document: Record<string, unknown>, ctx: VerifyContext, pass: (check: CheckName, message?: string) => void): Promise<void> {
    const kbJwt = decoded.parts.kbJwt;
    if (kbJwt === undefined) return;
    const jwk = confirmationKey(document);
    if (jwk === undefined) failCheck('holder-binding', 'KEY_BINDING', 'a key binding JWT was sent but the credential names no cnf key to check it with');
    const [headerPart = ''] = kbJwt.split('.');
    const header = decodeJson(headerPart, 'the key binding JWT header', 'holder-binding');
    if (!isObject(header)) failCheck('holder-binding', 'UNSUPPORTED_FORMAT', 'the key binding JWT header is not a JSON object');
    const alg = checkJoseHeader(header, 'the key binding JWT header', 'holder-binding');
    if (typeof header.typ !== 'string' || normalizeMediaType(header.typ) !== 'kb+jwt') failCheck('holder-binding', 'TOKEN_TYPE', `the key binding JWT's typ ${JSON.stringify(header.typ)} is not kb+jwt`);
    for (const name of KEY_CARRYING_HEADERS) {
      if (Object.hasOwn(header, name)) failCheck('holder-binding', 'KEY_BINDING', `the key binding JWT's "${name}" header is not used: its key is the credential's cnf`);
    }
    let verified: Uint8Array;
    try {
      assertAlgorithmAllowed(alg, jwk);
      ({ payload: verified } = await compactVerify(kbJwt, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }), { algorithms: [alg] }));
    } catch (error) {
      if (isGxTrustError(error)) failCheck('holder-binding', error.code, `the key binding JWT: ${error.message}`);
      failCheck('holder-binding', 'INVALID_SIGNATURE', `the key binding JWT's ${alg} signature does not verify with the cnf key`);
    }
    let claims: unknown;
    try {
      claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(verified));
    } catch {
      failCheck('holder-binding', 'UNSUPPORTED_FORMAT', 'the key binding JWT payload is not UTF-8 JSON');
    }
    if (!isObject(claims)) failCheck('holder-binding', 'UNSUPPORTED_FORMAT', 'the key binding JWT payload is not a JSON object');
    if (claims.sd_hash !== disclosureDigest(decoded.parts.presented)) failCheck('holder-binding', 'INVALID_DISCLOSURE', 'the key binding JWT\'s sd_hash is not the digest of the SD-JWT it came with');
    if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) failCheck('holder-binding', 'INVALID_DATE', 'the key binding JWT has no iat NumericDate');
    if (claims.iat * 1000 > ctx.now.getTime() + ctx.clockSkewSeconds * 1000) failCheck('holder-binding', 'VALIDITY_PERIOD', 'the key binding JWT was issued in the future');
    const maxAgeSeconds = ctx.keyBindingMaxAgeSeconds ?? DEFAULT_KEY_BINDING_MAX_AGE_SECONDS;
    const ageSeconds = Math.floor(ctx.now.getTime() / 1000 - claims.iat);
    if (ageSeconds > maxAgeSeconds + ctx.clockSkewSeconds) {
      failCheck(
        'holder-binding',
        'VALIDITY_PERIOD',
        `the key binding JWT was issued ${ageSeconds} s ago, more than the ${maxAgeSeconds} s (and ${ctx.clockSkewSeconds} s of clock skew) a key binding JWT is accepted for; options.keyBindingMaxAge sets another bound`,
        '/kb-jwt/iat',
      );
    }
    if (typeof claims.nonce !== 'string' || claims.aud === undefined) failCheck('holder-binding', 'KEY_BINDING', 'the key binding JWT lacks nonce or aud');
    pass('holder-binding', alg);
    if (ctx.challenge !== undefined) {
      if (claims.nonce !== ctx.challenge) failCheck('challenge', 'CHALLENGE_MISMATCH', 'the key binding JWT\'s nonce is not the expected challenge');
      pass('challenge');
    }
    if (ctx.domain !== undefined) {
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!audiences.includes(ctx.domain)) failCheck('domain', 'DOMAIN_MISMATCH', `the key binding JWT's aud does not include ${ctx.domain}`);
      pass('domain');
    }
  }

  async function verify(input: unknown, kind: Kind, ctx: VerifyContext): Promise<FormatResult> {
    const checks: Check[] = [];
    const result: FormatResult = { format: SD_JWT_TYPES[kind], checks };
    const token = extractSdJwt(input, kind);
    const hasKb = token !== undefined && !token.endsWith('~');
    const pending: CheckName[] = ['format', 'disclosures', 'key-binding', 'proof'];
    if (hasKb) pending.push('holder-binding');
    if (hasKb || kind === 'presentation') {
      if (ctx.challenge !== undefined) pending.push('challenge');
      if (ctx.domain !== undefined) pending.push('domain');
    }
    const pass = (check: CheckName, message?: string): void => passCheck(checks, pending, check, message);
    const warnings: string[] = [];
    try {
      const envelopeFault = envelopeContextFault(input, kind);
      if (envelopeFault !== undefined) failCheck('format', 'INVALID_INPUT', envelopeFault, '/@context');
      const decoded = checkFormat(token, kind);
      const { header, payload, alg, parts } = decoded;
      pass('format', `${parts.disclosures.length} disclosure(s)${parts.kbJwt === undefined ? '' : ', key binding JWT'}`);

      const document = reconstruct(payload, readDisclosures(parts.disclosures));
      // The rebuilt document is checked as a vc+jwt payload is: prototype keys, depth, pinned contexts.
      const documentFault = jsonLdInputFaults(document, { loader: ctx.documentLoader, what: 'the disclosed document' })[0];
      if (documentFault !== undefined) failCheck('disclosures', documentFault.code, documentFault.detail, documentFault.pointer);
      if (kind === 'credential' ? payloadKind(document) !== 'credential' : payloadKind(document) !== 'presentation') {
        failCheck('disclosures', 'TOKEN_TYPE', `the disclosed document is not a ${kind} (its type is undisclosed or another)`);
      }
      result.document = document;
      const timeClaims = readTimeClaims({ header, payload: document });
      if (timeClaims !== undefined) result.timeClaims = timeClaims;
      if (kind === 'presentation') {
        const held = document.verifiableCredential;
        result.heldCredentials = held === undefined ? [] : Array.isArray(held) ? [...held] : [held];
      }
      pass('disclosures', `${parts.disclosures.length} disclosed, each referenced once (${SD_ALG})`);

      for (const name of KEY_CARRYING_HEADERS) {
        if (Object.hasOwn(header, name)) failCheck('key-binding', 'KEY_BINDING', `the "${name}" header is not used: the key comes only from the issuer's DID document`);
      }
      const controller = expectedController(document, payload, header, kind);
      result.issuer = controller;
      const purpose: ProofPurpose = kind === 'credential' ? 'assertionMethod' : 'authentication';
      const key = await keys.bind(ctx.resolver, { kid: header.kid, base: typeof payload.iss === 'string' ? payload.iss : undefined, controller, purpose });
      result.verificationMethod = key.method;
      pass('key-binding', `${key.method.id} (${purpose})`);

      try {
        assertAlgorithmAllowed(alg, key.jwk);
      } catch (error) {
        if (isGxTrustError(error)) failCheck('proof', error.code, error.message);
        throw error;
      }
      try {
        await compactVerify(parts.jws, key.key, { algorithms: [alg] });
      } catch {
        failCheck('proof', 'INVALID_SIGNATURE', `the ${alg} signature does not verify with ${key.method.id}`);
      }
      pass('proof', alg);

      if (parts.kbJwt !== undefined) {
        await checkKeyBinding(decoded, document, ctx, pass);
      } else {
        if (isObject(document.cnf)) warnings.push('the credential names a holder key (cnf) but no key binding JWT was sent: nothing shows the holder presented it');
        if (kind === 'presentation') checkPresentationClaims(payload, ctx, pass);
      }
    } catch (error) {
      settleChecks(checks, pending, error);
    }
    settleChecks(checks, pending);
    warnings.push(...ignoredEnvelopeMembers(input));
    if (warnings.length > 0) result.warnings = warnings;
    return result;
  }

  return {
    name: 'vc+sd-jwt',
    canVerifyCredential: (input) => extractSdJwt(input, 'credential') !== undefined,
    verifyCredential: (input, ctx) => verify(input, 'credential', ctx),
    canVerifyPresentation: (input) => extractSdJwt(input, 'presentation') !== undefined,
    verifyPresentation: (input, ctx) => verify(input, 'presentation', ctx),
  };
}

/** A vp+sd-jwt without a key binding JWT carries challenge and domain as vp+jwt does: `nonce` and `aud` in its payload. */
function checkPresentationClaims(payload: Record<string, unknown>, ctx: VerifyContext, pass: (check: CheckName, message?: string) => void): void {
  if (ctx.challenge !== undefined) {
    if (payload.nonce !== ctx.challenge) failCheck('challenge', 'CHALLENGE_MISMATCH', payload.nonce === undefined ? 'the presentation has no nonce' : 'the nonce is not the expected challenge');
    pass('challenge');
  }
  if (ctx.domain !== undefined) {
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.includes(ctx.domain)) failCheck('domain', 'DOMAIN_MISMATCH', payload.aud === undefined ? 'the presentation has no aud' : `aud does not include ${ctx.domain}`);
    pass('domain');
  }
}

export const sdJwtFormat: ProofFormat = createSdJwtFormat();
