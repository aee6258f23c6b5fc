/**
 * The COSE proof format: credentials (`vc+cose`) and presentations (`vp+cose`) secured as a
 * COSE_Sign1 (RFC 9052 §4.2, CBOR tag 18) whose payload is the document's JSON, carried in
 * presentations as `data:application/vc+cose;base64,...`.
 *
 * The rules are those of vc+jwt, in COSE's terms: the algorithm comes only from the protected
 * header (an unprotected `alg` is never read), is mapped to its JOSE name and tied to the key type
 * by the one allow-list; the key comes only from the issuer's DID document through a `kid` of that
 * DID; a `crit` header, a detached payload or another COSE structure is refused.
 * @see https://www.w3.org/TR/vc-jose-cose/#securing-with-cose
 * @see https://www.rfc-editor.org/rfc/rfc9052#section-4.4 (the Sig_structure)
 */
import { constants, verify as verifySignature } from 'node:crypto';
import { decode, encode } from 'cborg';
import { assertAlgorithmAllowed } from '../../algorithms/index.js';
import { dataUrlContent, envelopeContextFault, ignoredEnvelopeMembers, isEnvelope, ENVELOPE_TYPES, type EnvelopeKind } from '../../credentials/enveloped.js';
import type { ProofPurpose } from '../../dids/types.js';
import { jsonLdInputFaults } from '../../document-loader/index.js';
import { isGxTrustError } from '../../errors.js';
import { isObject } from '../../json-input.js';
import { failCheck, passCheck, settleChecks, type Check, type CheckName } from '../../verifying/report.js';
import type { FormatResult, ProofFormat, VerifyContext } from '../../verifying/types.js';
import { createIssuerKeys, type IssuerKey, type IssuerKeys } from '../jose/issuer-key.js';

type Kind = EnvelopeKind;

/** The media types VC-JOSE-COSE §3.3 registers, and the `typ` (RFC 9596) they are written as. */
export const COSE_TYPES: Readonly<Record<Kind, string>> = { credential: 'vc+cose', presentation: 'vp+cose' };
/** The content type (header 3) of the payload: the unsecured document's media type. */
const CONTENT_TYPES: Readonly<Record<Kind, string>> = { credential: 'application/vc', presentation: 'application/vp' };

/** COSE header labels (RFC 9052 §3.1, RFC 9596 §2). */
export const HEADER = { alg: 1, crit: 2, contentType: 3, kid: 4, typ: 16 } as const;

/**
 * COSE algorithm identifiers (IANA "COSE Algorithms") gx-trust reads, by their JOSE names: the
 * allow-list that ties each to a key type is the one in src/algorithms/. Anything else is refused.
 */
export const COSE_ALGORITHMS: ReadonlyMap<number, string> = new Map([
  [-7, 'ES256'],
  [-35, 'ES384'],
  [-36, 'ES512'],
  [-8, 'EdDSA'],
  [-37, 'PS256'],
  [-257, 'RS256'],
]);

/** COSE_Sign1's CBOR tag (RFC 9052 §2). */
const COSE_SIGN1_TAG = 18;

/** As MAX_JWS_LENGTH for vc+jwt: a credential is far below it. */
export const MAX_COSE_BYTES = 384 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Where an input carries a COSE envelope: the `data:` URL's content, or undefined when it is not this format's. */
function extractDataUrl(input: unknown, kind: Kind): ReturnType<typeof dataUrlContent> {
  const mediaTypes = [`application/${COSE_TYPES[kind]}`];
  if (typeof input === 'string') return dataUrlContent(input, mediaTypes);
  if (isEnvelope(input, kind) && typeof input.id === 'string') return dataUrlContent(input.id, mediaTypes);
  return undefined;
}

class Sign1 {
  constructor(readonly value: unknown) {}
}

/** Strict CBOR: minimal encodings, no duplicate map keys, no indefinite lengths, no tag but COSE_Sign1's at the top. */
function decodeCbor(bytes: Uint8Array, tags: Record<number, (decodeContent: () => unknown) => unknown> = {}): unknown {
  return decode(bytes, { useMaps: true, strict: true, rejectDuplicateMapKeys: true, allowIndefinite: false, allowUndefined: false, tags });
}

interface Decoded {
  protectedBytes: Uint8Array;
  protectedHeader: Map<unknown, unknown>;
  unprotectedHeader: Map<unknown, unknown>;
  payloadBytes: Uint8Array;
  signature: Uint8Array;
  alg: string;
  document: Record<string, unknown>;
  kid: string | undefined;
}

function checkFormat(input: unknown, kind: Kind, ctx: VerifyContext, warnings: string[]): Decoded {
  const content = extractDataUrl(input, kind);
  if (content === undefined) failCheck('format', 'UNSUPPORTED_FORMAT', `not a data:application/${COSE_TYPES[kind]};base64 URL or an ${ENVELOPE_TYPES[kind]}`);
  // VC-JOSE-COSE §3.3.1: "the credentials MUST be encoded using base64" in the data: URL.
  if (!content.base64) failCheck('format', 'UNSUPPORTED_FORMAT', `a ${COSE_TYPES[kind]} data: URL must be base64-encoded (data:application/${COSE_TYPES[kind]};base64,...)`);
  if (!BASE64.test(content.text)) failCheck('format', 'UNSUPPORTED_FORMAT', 'the data: URL content is not base64');
  if (content.bytes.length > MAX_COSE_BYTES) failCheck('format', 'PAYLOAD_TOO_LARGE', `the COSE message exceeds ${MAX_COSE_BYTES} bytes`);

  let message: unknown;
  try {
    message = decodeCbor(content.bytes, { [COSE_SIGN1_TAG]: (decodeContent) => new Sign1(decodeContent()) });
  } catch (error) {
    failCheck('format', 'UNSUPPORTED_FORMAT', `not a COSE_Sign1: the CBOR does not decode (${error instanceof Error ? error.message.slice(0, 120) : 'invalid'})`);
  }
  // RFC 9052 §2: COSE_Sign1 is tag 18, or untagged where the context (here the media type) says so.
  const structure = message instanceof Sign1 ? message.value : message;
  if (!Array.isArray(structure) || structure.length !== 4) failCheck('format', 'UNSUPPORTED_FORMAT', 'not a COSE_Sign1: an array of [protected, unprotected, payload, signature]');
  const [protectedBytes, unprotectedHeader, payloadBytes, signature] = structure as unknown[];
  if (!(protectedBytes instanceof Uint8Array) || !(unprotectedHeader instanceof Map) || !(signature instanceof Uint8Array)) {
    failCheck('format', 'UNSUPPORTED_FORMAT', 'not a COSE_Sign1: protected must be a bstr, unprotected a map, signature a bstr');
  }
  if (payloadBytes === null) failCheck('format', 'UNSUPPORTED_FORMAT', 'a detached payload is not accepted: the payload is the credential');
  if (!(payloadBytes instanceof Uint8Array)) failCheck('format', 'UNSUPPORTED_FORMAT', 'the payload is not a bstr');

  let protectedHeader: unknown;
  try {
    protectedHeader = protectedBytes.length === 0 ? new Map() : decodeCbor(protectedBytes);
  } catch {
    failCheck('format', 'UNSUPPORTED_FORMAT', 'the protected header does not decode as CBOR');
  }
  if (!(protectedHeader instanceof Map)) failCheck('format', 'UNSUPPORTED_FORMAT', 'the protected header is not a map');

  // The algorithm is read only where the signature covers it; an unprotected alg is ignored.
  const algId = protectedHeader.get(HEADER.alg);
  const alg = typeof algId === 'number' ? COSE_ALGORITHMS.get(algId) : undefined;
  if (alg === undefined) {
    const why = algId === undefined && unprotectedHeader.has(HEADER.alg) ? ' (an alg in the unprotected header is not read)' : '';
    failCheck('format', 'ALG_NOT_ALLOWED', `alg ${JSON.stringify(algId ?? null)} is not accepted${why} (${[...COSE_ALGORITHMS].map(([id, name]) => `${name} ${id}`).join(', ')})`);
  }
  if (unprotectedHeader.has(HEADER.alg)) warnings.push('the unprotected header names an alg: ignored, the protected alg is the one checked');
  // RFC 9052 §3.1: a crit label the recipient does not understand makes the message invalid.
  if (protectedHeader.has(HEADER.crit)) failCheck('format', 'INVALID_INPUT', `"crit" names header parameters gx-trust does not understand: ${String(protectedHeader.get(HEADER.crit))}`);

  const typ = protectedHeader.get(HEADER.typ);
  if (typ !== undefined && (typeof typ !== 'string' || typ.toLowerCase() !== `application/${COSE_TYPES[kind]}`)) {
    failCheck('format', 'TOKEN_TYPE', `typ ${JSON.stringify(typ)} is not application/${COSE_TYPES[kind]}`);
  }
  const contentType = protectedHeader.get(HEADER.contentType);
  if (contentType !== undefined && (typeof contentType !== 'string' || contentType.toLowerCase() !== CONTENT_TYPES[kind])) {
    failCheck('format', 'TOKEN_TYPE', `the content type ${JSON.stringify(contentType)} is not ${CONTENT_TYPES[kind]}`);
  }

  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes));
  } catch {
    failCheck('format', 'UNSUPPORTED_FORMAT', 'the payload is not UTF-8 JSON');
  }
  if (!isObject(document)) failCheck('format', 'UNSUPPORTED_FORMAT', 'the payload is not a JSON object');
  const types = Array.isArray(document.type) ? document.type : [document.type];
  const expected = kind === 'credential' ? 'VerifiableCredential' : 'VerifiablePresentation';
  if (!types.includes(expected)) failCheck('format', 'TOKEN_TYPE', `the payload is not a ${kind} (type ${expected})`);
  const fault = jsonLdInputFaults(document, { loader: ctx.documentLoader, what: 'the COSE payload' })[0];
  if (fault !== undefined) failCheck('format', fault.code, fault.detail, fault.pointer);

  const kidOf = (header: Map<unknown, unknown>): string | undefined => {
    const value = header.get(HEADER.kid);
    if (value === undefined) return undefined;
    if (!(value instanceof Uint8Array)) failCheck('key-binding', 'KEY_BINDING', 'kid is not a bstr');
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(value);
    } catch {
      failCheck('key-binding', 'KEY_BINDING', 'kid is not UTF-8: gx-trust reads it as a DID URL');
    }
  };
  const protectedKid = kidOf(protectedHeader);
  const unprotectedKid = kidOf(unprotectedHeader);
  if (protectedKid !== undefined && unprotectedKid !== undefined && protectedKid !== unprotectedKid) {
    failCheck('key-binding', 'KEY_BINDING', 'the protected and unprotected headers name different kids');
  }
  return { protectedBytes, protectedHeader, unprotectedHeader, payloadBytes, signature, alg, document, kid: protectedKid ?? unprotectedKid };
}

/** RFC 9052 §4.4: Sig_structure = ["Signature1", body_protected, external_aad, payload], CBOR-encoded. */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return encode(['Signature1', protectedBytes, new Uint8Array(0), payload]);
}

const ECDSA_HASHES = { ES256: 'sha256', ES384: 'sha384', ES512: 'sha512' } as const;

/** The signature check, by the JOSE name of the algorithm already tied to the key. */
function signatureVerifies(alg: string, key: IssuerKey, data: Uint8Array, signature: Uint8Array): boolean {
  switch (alg) {
    case 'EdDSA':
      return verifySignature(null, data, key.key, signature);
    case 'ES256':
    case 'ES384':
    case 'ES512':
      // RFC 9053 §2.1: the ECDSA signature is r || s, each the size of the curve, as in JWS.
      return verifySignature(ECDSA_HASHES[alg], data, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'PS256':
      return verifySignature('sha256', data, { key: key.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
    case 'RS256':
      return verifySignature('sha256', data, key.key, signature);
    default:
      return false;
  }
}

function idOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : isObject(value) && typeof value.id === 'string' ? value.id : undefined;
}

export function createCoseFormat(options: { keyCacheSize?: number } = {}): ProofFormat {
  const keys: IssuerKeys = createIssuerKeys(options.keyCacheSize === undefined ? {} : { cacheSize: options.keyCacheSize });

  async function verify(input: unknown, kind: Kind, ctx: VerifyContext): Promise<FormatResult> {
    const checks: Check[] = [];
    const result: FormatResult = { format: COSE_TYPES[kind], checks };
    const pending: CheckName[] = ['format', 'key-binding', 'proof'];
    if (kind === 'presentation' && ctx.challenge !== undefined) pending.push('challenge');
    if (kind === 'presentation' && ctx.domain !== undefined) pending.push('domain');
    const pass = (check: CheckName, message?: string): void => passCheck(checks, pending, check, message);
    const warnings: string[] = [];
    try {
      const envelopeFault = envelopeContextFault(input, kind);
      if (envelopeFault !== undefined) failCheck('format', 'INVALID_INPUT', envelopeFault, '/@context');
      const decoded = checkFormat(input, kind, ctx, warnings);
      result.document = decoded.document;
      if (kind === 'presentation') {
        const held = decoded.document.verifiableCredential;
        result.heldCredentials = held === undefined ? [] : Array.isArray(held) ? [...held] : [held];
      }
      pass('format', decoded.alg);

      const controller = kind === 'credential' ? idOf(decoded.document.issuer) : idOf(decoded.document.holder);
      const name = kind === 'credential' ? 'issuer' : 'holder';
      if (controller === undefined) failCheck('key-binding', 'KEY_BINDING', `the payload names no ${name}`);
      if (!controller.startsWith('did:')) failCheck('key-binding', 'KEY_BINDING', `the ${name} ${controller} is not a DID`);
      result.issuer = controller;
      const purpose: ProofPurpose = kind === 'credential' ? 'assertionMethod' : 'authentication';
      // COSE carries no iss: a relative kid is resolved against the issuer (holder) itself.
      const key = await keys.bind(ctx.resolver, { kid: decoded.kid, base: controller, controller, purpose });
      result.verificationMethod = key.method;
      pass('key-binding', `${key.method.id} (${purpose})`);

      try {
        assertAlgorithmAllowed(decoded.alg, key.jwk);
      } catch (error) {
        if (isGxTrustError(error)) failCheck('proof', error.code, error.message);
        throw error;
      }
      let verified = false;
      try {
        verified = signatureVerifies(decoded.alg, key, sigStructure(decoded.protectedBytes, decoded.payloadBytes), decoded.signature);
      } catch {
        verified = false;
      }
      if (!verified) failCheck('proof', 'INVALID_SIGNATURE', `the ${decoded.alg} signature does not verify with ${key.method.id}`);
      pass('proof', decoded.alg);

      // A vp+cose has nowhere gx-trust reads a nonce or an audience from: an expected one fails closed.
      if (kind === 'presentation' && ctx.challenge !== undefined) failCheck('challenge', 'CHALLENGE_MISMATCH', 'a vp+cose carries no nonce to compare with the expected challenge');
      if (kind === 'presentation' && ctx.domain !== undefined) failCheck('domain', 'DOMAIN_MISMATCH', 'a vp+cose carries no audience to compare with the expected domain');
    } catch (error) {
      settleChecks(checks, pending, error);
    }
    settleChecks(checks, pending);
    warnings.push(...ignoredEnvelopeMembers(input));
    if (warnings.length > 0) result.warnings = warnings;
    return result;
  }

  return {
    name: 'vc+cose',
    canVerifyCredential: (input) => extractDataUrl(input, 'credential') !== undefined,
    verifyCredential: (input, ctx) => verify(input, 'credential', ctx),
    canVerifyPresentation: (input) => extractDataUrl(input, 'presentation') !== undefined,
    verifyPresentation: (input, ctx) => verify(input, 'presentation', ctx),
  };
}

export const coseFormat: ProofFormat = createCoseFormat();
