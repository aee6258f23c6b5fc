/**
 * Turns what a member posts (a compact VP-JWT, an enveloped VP, or a JSON-LD VP) into the
 * submission the rules read: the core verifier's report of the presentation and of each
 * credential, each credential decoded and located.
 *
 * Only input that is not a presentation at all is refused here (400, before any rule runs): a body
 * that is neither JSON nor a compact JWT, a JWT whose payload is not JSON, an object whose `type`
 * lacks VerifiablePresentation, an EnvelopedVerifiablePresentation without the base context or a
 * data: URL of a VP-JWT, a held credential that is neither an object nor a JWT. A
 * presentation that fails the rules is the rules' to report, as a 422 with every finding: no proof,
 * an unsecured JWT (`alg: none`, empty signature), a held credential without a proof, no
 * credential at all.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { dataUrlContent, envelopeContextFault, envelopeContextHint, isEnvelope } from '../credentials/enveloped.js';
import { issuerId, isObject, type JsonObject } from '../credentials/index.js';
import { jsonLdInputFaults } from '../document-loader/index.js';
import { GxTrustError } from '../errors.js';
import { jsonInputFaults, problemOf } from '../json-input.js';
import type { Verifier } from '../verifying/index.js';
import { sha256 } from './digest.js';
import type { Submission, SubmittedCredential } from './types.js';

/**
 * A compact JWS, or an unsecured JWT (RFC 7519 §6: the signature is the empty string). The second
 * is a presentation without a proof: the verifier refuses its `alg: none` as a finding.
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-6
 */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const DATA_URL = /^data:application\/(?:vc|vp)(?:\+ld\+json|\+ld)?\+jwt,/;

function decodeCompact(jwt: string, pointer: string): { payload: JsonObject; header: JsonObject } {
  let decoded: { payload: JsonObject; header: JsonObject };
  try {
    decoded = { payload: decodeJwt(jwt) as JsonObject, header: decodeProtectedHeader(jwt) as JsonObject };
  } catch (cause) {
    throw new GxTrustError('INVALID_INPUT', 'the JWT does not decode to a JSON payload', { pointer, cause });
  }
  // The body-level check saw a string: the header and payload get it here, the payload with the
  // pinned contexts. The pointer names the JWT; the detail says where inside it.
  const fault = jsonInputFaults(decoded.header)[0] ?? jsonLdInputFaults(decoded.payload)[0];
  if (fault !== undefined) throw problemOf({ ...fault, pointer, detail: `inside the JWT at ${fault.pointer || '/'}: ${fault.detail}` });
  return decoded;
}

function typesOf(document: JsonObject): string[] {
  const type = document['type'];
  return (Array.isArray(type) ? type : [type]).filter((t): t is string => typeof t === 'string');
}

function notAPresentation(detail: string, pointer = ''): GxTrustError {
  return new GxTrustError('INVALID_INPUT', `not a verifiable presentation: ${detail}`, {
    pointer,
    hint: 'Send a compact VP-JWT (Content-Type: application/vp+jwt) holding enveloped credentials, or a JSON-LD VerifiablePresentation',
  });
}

/**
 * The media types of a VP-JWT in a data: URL (an EnvelopedVerifiablePresentation's `id`): the
 * W3C's, Gaia-X's two, and RFC 7519's generic one, which the VCDM 2.0 suite's enveloped
 * presentation uses (the payload must then say it is a presentation, as for a bare JWT).
 */
const VP_JWT_DATA_TYPES = ['application/vp+jwt', 'application/vp+ld+json+jwt', 'application/vp+ld+jwt', 'application/jwt'];

/** The compact JWS a data: URL of a VP-JWT holds (RFC 2397, `;base64` or not), or undefined. */
function jwsOfDataUrl(url: string): string | undefined {
  const content = dataUrlContent(url, VP_JWT_DATA_TYPES);
  const jws = content === undefined ? undefined : (content.base64 ? content.bytes.toString('utf8') : content.text).trim();
  return jws !== undefined && COMPACT_JWS.test(jws) ? jws : undefined;
}

function decodedPresentation(jwt: string, pointer: string): { presentation: JsonObject; jwt: string; header: JsonObject } {
  const { payload, header } = decodeCompact(jwt, pointer);
  return { presentation: payload, jwt, header };
}

/** The presentation as sent, decoded: its payload, and the JWT when it came as one. */
function unwrap(input: unknown): { presentation: JsonObject; jwt?: string; header?: JsonObject } {
  if (typeof input === 'string') {
    const text = input.trim();
    const jwt = text.startsWith('data:') ? jwsOfDataUrl(text) : text;
    if (jwt === undefined || !COMPACT_JWS.test(jwt)) throw notAPresentation('the body is neither JSON nor a compact JWS');
    return decodedPresentation(jwt, '');
  }
  if (isEnvelope(input, 'presentation')) {
    // VCDM 2.0 §4.13.2, as the verify routes hold an envelope to it: its @context defines the
    // envelope's type, so an envelope without the base context is not one to read.
    const contextFault = envelopeContextFault(input, 'presentation');
    if (contextFault !== undefined) throw new GxTrustError('INVALID_INPUT', contextFault, { pointer: '/@context', hint: envelopeContextHint('presentation') });
    // The envelope's id is the whole presentation: anything else there (another media type, a
    // link to fetch, no JWT) is refused where it is, not as a body that is "not a presentation".
    const id = input['id'];
    const jwt = typeof id === 'string' ? jwsOfDataUrl(id.trim()) : undefined;
    if (jwt === undefined) {
      throw new GxTrustError('INVALID_INPUT', 'not a verifiable presentation: an EnvelopedVerifiablePresentation\'s id must be a data: URL of a compact VP-JWT', {
        pointer: '/id',
        hint: `Give the id as data:application/vp+jwt,<compact VP-JWT> (or data:${VP_JWT_DATA_TYPES.slice(1).join(', data:')}); the JWT may also be sent as the body itself with Content-Type: application/vp+jwt`,
      });
    }
    return decodedPresentation(jwt, '/id');
  }
  if (isObject(input)) return { presentation: input };
  throw notAPresentation('expected a JSON object or a compact JWT');
}

export async function readSubmission(input: unknown, verifier: Verifier, options: { now: Date }): Promise<Submission> {
  const inputDigest = sha256(typeof input === 'string' ? input.trim() : JSON.stringify(input)).toString('hex');
  const { presentation, jwt, header } = unwrap(input);
  // Prototype keys and contexts outside the pinned set, anywhere, before any rule or JSON-LD.
  const fault = jwt === undefined ? jsonLdInputFaults(presentation)[0] : undefined;
  if (fault !== undefined) throw problemOf(fault);
  if (!typesOf(presentation).includes('VerifiablePresentation')) {
    throw notAPresentation('its type does not include VerifiablePresentation', '/type');
  }
  const held = presentation['verifiableCredential'];
  // No credential at all is a presentation that fails the rules (no LegalPerson, no registration
  // number), not malformed input: VCDM makes `verifiableCredential` optional.
  const entries = Array.isArray(held) ? held : held === undefined ? [] : [held];

  const report = await verifier.verifyPresentation(jwt ?? presentation, { now: options.now });
  // The verifier stops at a presentation without a usable proof (Tagus clients sent unsigned
  // presentations; an unsecured JWT has `alg: none`), so each credential is then verified on its
  // own: the rules still see the presentation's PROOF_MISSING or ALG_NOT_ALLOWED, and every
  // credential's own findings with it.
  if ((report.credentials?.length ?? 0) === 0 && entries.length > 0) {
    report.credentials = await Promise.all(entries.map((entry) => verifier.verifyCredential(entry, { now: options.now })));
  }
  const credentials: SubmittedCredential[] = entries.map((entry, index) => {
    const pointer = `/verifiableCredential/${index}`;
    let document: JsonObject;
    let credentialJwt: string | undefined;
    let credentialHeader: JsonObject | undefined;
    if (typeof entry === 'string' || (isObject(entry) && entry['type'] === 'EnvelopedVerifiableCredential' && typeof entry['id'] === 'string')) {
      const raw = (typeof entry === 'string' ? entry : String(entry['id'])).replace(DATA_URL, '');
      if (!COMPACT_JWS.test(raw)) throw notAPresentation('an enveloped credential does not hold a compact JWS', pointer);
      const decoded = decodeCompact(raw, pointer);
      document = decoded.payload;
      credentialJwt = raw;
      credentialHeader = decoded.header;
    } else if (isObject(entry)) {
      document = entry;
    } else {
      throw notAPresentation('a held credential is neither an object nor a JWT', pointer);
    }
    const credentialReport = report.credentials?.[index] ?? {
      verified: false,
      format: 'unknown',
      checks: [{ check: 'credential', verified: false, code: 'CHECK_NOT_RUN', message: 'the credential was not verified' }],
      warnings: [],
      errors: ['the credential was not verified'],
    };
    const subjects = document['credentialSubject'];
    const subject = (Array.isArray(subjects) ? subjects[0] : subjects) as unknown;
    const credential: SubmittedCredential = {
      index,
      pointer,
      document,
      report: credentialReport,
      id: typeof document['id'] === 'string' ? document['id'] : `${pointer} (no id)`,
      types: typesOf(document),
      issuer: issuerId(document) ?? '',
      subject: isObject(subject) ? subject : {},
    };
    if (credentialJwt !== undefined) credential.jwt = credentialJwt;
    if (credentialHeader !== undefined) credential.header = credentialHeader;
    return credential;
  });
  const holder =
    typeof header?.['iss'] === 'string' ? header['iss'] : typeof presentation['holder'] === 'string' ? presentation['holder'] : isObject(presentation['holder']) && typeof presentation['holder']['id'] === 'string' ? presentation['holder']['id'] : undefined;
  const submission: Submission = { presentation, report, holder, credentials, inputDigest };
  if (jwt !== undefined) submission.jwt = jwt;
  if (header !== undefined) submission.header = header;
  return submission;
}
