/**
 * The W3C VC data model (2.0, and 1.1 input) as gx-trust accepts it for issuing, and the light
 * data-model check run on every verified document. Dates are validated strictly: @digitalbazaar/vc
 * 7.3's date regex is unanchored and would sign `x2030-01-01T00:00:00Zjunk` (the lenient-date case).
 * @see https://www.w3.org/TR/vc-data-model-2.0/
 */
import { createHash } from 'node:crypto';
import { GxTrustError, jsonPointer, type ProblemDetail } from '../errors.js';
import { jsonLdInputFaults, pinnedContextBytes } from '../document-loader/index.js';
import { base58btcEncode } from '../dids/multikey.js';
import { isObject, type JsonObject, type MemberRule } from '../json-input.js';

export { isObject, type JsonObject };

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';

/** RFC 3339 date-time (the XSD dateTimeStamp profile the VC data model requires), anchored. */
const RFC3339 = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** An absolute IRI: a scheme, a colon, no white space. `__proto__` and relative ids fail. */
const ABSOLUTE_IRI = /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>"{}|\\^`]+$/;
/** A JSON-LD keyword such as `@id` (JSON-LD 1.1 §1.7: an `@` then letters). */
const JSON_LD_KEYWORD = /^@[a-zA-Z]+$/;

const MAX_DEPTH = 32;
const MAX_NODES = 20_000;

/**
 * An RFC 3339 date-time of a day that exists, or undefined. The pattern alone lets 31 through for
 * every month, and JavaScript's Date rolls `2030-02-30` over into 2 March: gx-trust would sign (and
 * read) a date that strict verifiers refuse and lenient ones read as another day. RFC 3339 §5.7:
 * "date-mday ... 28, 29, 30, 31 based on month/year".
 * @see https://www.rfc-editor.org/rfc/rfc3339#section-5.7
 */
export function parseRfc3339(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !RFC3339.test(value)) return undefined;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  if (day > daysInMonth(year, month)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

export function dataModelVersion(document: JsonObject): '2.0' | '1.1' | undefined {
  const contexts = document['@context'];
  const first = Array.isArray(contexts) ? contexts[0] : contexts;
  if (first === VC_V2_CONTEXT) return '2.0';
  if (first === VC_V1_CONTEXT) return '1.1';
  return undefined;
}

export function issuerId(document: JsonObject): string | undefined {
  const issuer = document['issuer'];
  if (typeof issuer === 'string') return issuer;
  if (isObject(issuer) && typeof issuer['id'] === 'string') return issuer['id'];
  return undefined;
}

/**
 * The presentation's holder, written as a URL or as an object with an `id` (the data model allows
 * both: "holder ... MUST be a URL or an object containing an id property"). Every reader of a holder goes through here, so the check of who may present and the
 * signer that presents read the same value.
 * @see https://www.w3.org/TR/vc-data-model-2.0/#presentations
 */
export function holderId(document: JsonObject): string | undefined {
  const holder = document['holder'];
  if (typeof holder === 'string') return holder;
  if (isObject(holder) && typeof holder['id'] === 'string') return holder['id'];
  return undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/**
 * Identifiers are absolute IRIs: a relative one (or `__proto__`) would be resolved against a base
 * nobody chose, and jsonld 9 with safe mode off sets `Object.prototype["@id"]` for `"__proto__"`.
 * Inside an inline `@context`, `"id": "@id"` is a term definition aliasing the keyword (the W3C
 * suites' driver's-licence and achievement inputs scope one to their types), not an identifier;
 * only a keyword is let through there, any other value is still held to the rule.
 */
const absoluteIds: MemberRule = (key, value, where) =>
  (key === 'id' || key === '@id') && typeof value === 'string' && !ABSOLUTE_IRI.test(value) && !(JSON_LD_KEYWORD.test(value) && where.under('@context'))
    ? {
        code: 'INVALID_INPUT',
        pointer: where.pointer(key),
        detail: `${JSON.stringify(value.slice(0, 64))} is not an absolute IRI`,
        hint: 'Identifiers are absolute IRIs such as did:web:example.org, urn:uuid:... or https://...',
      }
    : undefined;

/**
 * One walk over a document given for signing, before any JSON-LD processing: size and depth bombs
 * (unrestricted resource consumption), the prototype keys, the pinned contexts at every depth (a vc+jwt is never
 * expanded by gx-trust, so this is the only place its nested contexts are seen), absolute ids.
 */
function shapeFaults(document: JsonObject, base: (string | number)[]): ProblemDetail[] {
  return jsonLdInputFaults(document, { base, maxDepth: MAX_DEPTH, maxNodes: MAX_NODES, member: absoluteIds, all: true });
}

/**
 * Every date property at the top of a credential, whichever data model defines it: the 1.1 context
 * defines validFrom and validUntil too, and a vc+jwt payload is signed as written, so a 2.0
 * credential's expirationDate is signed as well. None of them is signed unless it is a date.
 */
const DATE_PROPERTIES = ['validFrom', 'validUntil', 'issuanceDate', 'expirationDate'] as const;

function checkDates(document: JsonObject, version: '2.0' | '1.1', base: (string | number)[], faults: ProblemDetail[]): void {
  const [fromKey, untilKey] = version === '2.0' ? ['validFrom', 'validUntil'] : ['issuanceDate', 'expirationDate'];
  const dates: Record<string, Date> = {};
  for (const key of DATE_PROPERTIES) {
    const value = document[key];
    if (value === undefined) continue;
    const date = parseRfc3339(value);
    if (date === undefined) {
      faults.push({
        code: 'INVALID_DATE',
        pointer: jsonPointer([...base, key]),
        detail: `${key} ${JSON.stringify(String(value).slice(0, 64))} is not an RFC 3339 date-time of a day that exists`,
        hint: 'Write dates like 2026-01-31T12:00:00Z',
      });
    } else {
      dates[key] = date;
    }
  }
  const from = dates[fromKey];
  const until = dates[untilKey];
  if (from !== undefined && until !== undefined && until.getTime() < from.getTime()) {
    faults.push({
      code: 'INVALID_DATE',
      pointer: jsonPointer([...base, untilKey]),
      detail: `${untilKey} is before ${fromKey}`,
      hint: `Set ${untilKey} after ${fromKey}`,
    });
  }
}

/**
 * VCDM 2.0: "each object MUST specify its type" for these properties (credentialSchema: its id too).
 * @see https://www.w3.org/TR/vc-data-model-2.0/#types
 */
const TYPED_PROPERTIES = ['credentialStatus', 'termsOfUse', 'evidence', 'refreshService', 'credentialSchema'] as const;

const hasType = (value: JsonObject): boolean => {
  const type = value['type'];
  return typeof type === 'string' ? type !== '' : Array.isArray(type) && type.length > 0 && type.every((t) => typeof t === 'string' && t !== '');
};

/**
 * The typed properties' faults of a VCDM 2.0 credential. Run for the VC-API (the signing policy's
 * credentials-api), not on what onboarding writes: the Loire notary `evidence` gx-trust adds, as the
 * Gaia-X notaries write it, has no type.
 */
export function typedPropertyFaults(credential: JsonObject, base: (string | number)[] = []): ProblemDetail[] {
  if (dataModelVersion(credential) !== '2.0') return [];
  const faults: ProblemDetail[] = [];
  for (const property of TYPED_PROPERTIES) {
    const value = credential[property];
    if (value === undefined) continue;
    const entries = Array.isArray(value) ? value : [value];
    const at = (index: number, ...rest: string[]) => jsonPointer([...base, property, ...(Array.isArray(value) ? [index] : []), ...rest]);
    if (entries.length === 0) {
      faults.push({ code: 'INVALID_INPUT', pointer: jsonPointer([...base, property]), detail: `${property} is one or more objects, not an empty list`, hint: `Leave ${property} out, or give it objects with a type` });
    }
    entries.forEach((entry, index) => {
      if (!isObject(entry)) {
        faults.push({ code: 'INVALID_INPUT', pointer: at(index), detail: `${property} is an object (or a list of objects), each with a type`, hint: `Write ${property} as {"type": "...", ...}` });
      } else if (!hasType(entry)) {
        faults.push({ code: 'INVALID_INPUT', pointer: at(index), detail: `every ${property} object specifies its type (VC data model 2.0)`, hint: `Add "type", e.g. ${TYPE_EXAMPLES[property]}` });
      } else if (property === 'credentialSchema' && typeof entry['id'] !== 'string') {
        faults.push({ code: 'INVALID_INPUT', pointer: at(index, 'id'), detail: 'every credentialSchema names its id (the URL of the schema)', hint: 'Add "id": "https://..." of the schema' });
      }
    });
  }
  return faults;
}

const TYPE_EXAMPLES: Record<(typeof TYPED_PROPERTIES)[number], string> = {
  credentialStatus: '"BitstringStatusListEntry"',
  termsOfUse: 'the type of the policy it refers to',
  evidence: 'the type of the evidence',
  refreshService: 'the type of the refresh service',
  credentialSchema: '"JsonSchema"',
};

/** `id` is a URL wherever VCDM 2.0 reads one: the credential's and each subject's (`null` is none). */
function idFaults(credential: JsonObject, subjects: unknown[], base: (string | number)[]): ProblemDetail[] {
  const faults: ProblemDetail[] = [];
  const hint = 'Write an absolute URL (urn:uuid:..., https://..., did:...), or leave id out';
  if (credential['id'] !== undefined && typeof credential['id'] !== 'string') {
    faults.push({ code: 'INVALID_INPUT', pointer: jsonPointer([...base, 'id']), detail: `id ${JSON.stringify(credential['id'])} is not a URL`, hint });
  }
  subjects.forEach((subject, index) => {
    if (isObject(subject) && subject['id'] !== undefined && typeof subject['id'] !== 'string') {
      const at = Array.isArray(credential['credentialSubject']) ? [index] : [];
      faults.push({ code: 'INVALID_INPUT', pointer: jsonPointer([...base, 'credentialSubject', ...at, 'id']), detail: `credentialSubject id ${JSON.stringify(subject['id'])} is not a URL`, hint });
    }
  });
  return faults;
}

const SRI_ALGORITHMS = { sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' } as const;
/** Multihash codes and lengths of the SHA-2 digests (multicodec table). */
const MULTIHASH = { sha256: [0x12, 32], sha384: [0x20, 48], sha512: [0x13, 64] } as const;

/**
 * Every digestMultibase that stands for these bytes: a multihash (or, as the VCDM 2.0 examples
 * write it, the bare digest) of SHA-256, -384 or -512, base64url (`u`) or base58btc (`z`).
 */
function multibaseDigests(bytes: Buffer): Set<string> {
  const forms = new Set<string>();
  for (const [algorithm, [code, length]] of Object.entries(MULTIHASH)) {
    const digest = createHash(algorithm).update(bytes).digest();
    for (const raw of [digest, Buffer.concat([Buffer.from([code, length]), digest])]) {
      forms.add(`u${raw.toString('base64url')}`);
      forms.add(`z${base58btcEncode(raw)}`);
    }
  }
  return forms;
}

/**
 * VCDM 2.0 §5.3 (integrity of related resources): one or more objects, each with a unique id and
 * a digestSRI or digestMultibase. A resource gx-trust holds (a pinned context) is checked: a
 * credential stating another digest for it states other bytes than every gx-trust verifier loads.
 * @see https://www.w3.org/TR/vc-data-model-2.0/#integrity-of-related-resources
 */
function relatedResourceFaults(value: unknown, base: (string | number)[]): ProblemDetail[] {
  const faults: ProblemDetail[] = [];
  const hint = 'Send relatedResource as [{"id": "https://...", "digestSRI": "sha384-..."}], one object per resource';
  const entries = Array.isArray(value) ? value : [value];
  if (entries.length === 0 || !entries.every(isObject)) {
    return [{ code: 'INVALID_INPUT', pointer: jsonPointer([...base, 'relatedResource']), detail: 'relatedResource is one or more objects, each with an id and a digestSRI or digestMultibase', hint }];
  }
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const at = (...rest: string[]) => jsonPointer([...base, 'relatedResource', ...(Array.isArray(value) ? [index] : []), ...rest]);
    const id = entry['id'];
    if (typeof id !== 'string') {
      faults.push({ code: 'INVALID_INPUT', pointer: at('id'), detail: 'every related resource names its id (its URL)', hint });
      return;
    }
    if (seen.has(id)) faults.push({ code: 'INVALID_INPUT', pointer: at('id'), detail: `${id} is a related resource twice`, hint: 'Name each related resource once' });
    seen.add(id);
    const sri = entry['digestSRI'];
    const multibase = entry['digestMultibase'];
    if (sri === undefined && multibase === undefined) {
      faults.push({ code: 'INVALID_INPUT', pointer: at(), detail: `the related resource ${id} has no digestSRI or digestMultibase`, hint: 'Add "digestSRI": "sha384-<base64 of the SHA-384 of its bytes>"' });
      return;
    }
    if (sri !== undefined && typeof sri !== 'string') faults.push({ code: 'INVALID_INPUT', pointer: at('digestSRI'), detail: 'digestSRI is a string (sha384-<base64>)', hint });
    if (multibase !== undefined && typeof multibase !== 'string') faults.push({ code: 'INVALID_INPUT', pointer: at('digestMultibase'), detail: 'digestMultibase is a string (a multibase-encoded multihash)', hint });
    const held = pinnedContextBytes(id);
    if (held === undefined) return;
    const expected = `sha384-${createHash('sha384').update(held).digest('base64')}`;
    const mismatch = { code: 'INVALID_INPUT' as const, hint: `gx-trust holds ${id} with the digestSRI ${expected}; a credential must state the digest of the bytes its verifiers load` };
    if (typeof sri === 'string') {
      const stated = sri.trim().split(/\s+/);
      const wrong = stated.find((item) => {
        const dash = item.indexOf('-');
        const algorithm = SRI_ALGORITHMS[item.slice(0, dash) as keyof typeof SRI_ALGORITHMS];
        return algorithm === undefined || createHash(algorithm).update(held).digest('base64') !== item.slice(dash + 1);
      });
      if (wrong !== undefined) faults.push({ ...mismatch, pointer: at('digestSRI'), detail: `the digestSRI ${wrong.slice(0, 80)} is not the digest of ${id} (sha256, sha384 or sha512 of the pinned context)` });
    }
    if (typeof multibase === 'string' && !multibaseDigests(held).has(multibase)) {
      faults.push({ ...mismatch, pointer: at('digestMultibase'), detail: `the digestMultibase ${multibase.slice(0, 80)} is not the digest of ${id} (a SHA-2 multihash of the pinned context)` });
    }
  });
  return faults;
}

/**
 * Every fault of a credential given for issuing, each with its JSON pointer (`base` prefixes them,
 * e.g. ['credential'] for the VC-API request body).
 */
export function credentialFaults(credential: unknown, base: (string | number)[] = []): ProblemDetail[] {
  const faults: ProblemDetail[] = [];
  if (!isObject(credential)) {
    return [{ code: 'INVALID_INPUT', pointer: jsonPointer(base), detail: 'a credential is a JSON object' }];
  }
  faults.push(...shapeFaults(credential, base));
  if (faults.some((fault) => fault.code !== 'CONTEXT_NOT_ALLOWED')) return faults;
  const version = dataModelVersion(credential);
  if (version === undefined) {
    faults.push({
      code: 'INVALID_INPUT',
      pointer: jsonPointer([...base, '@context', 0]),
      detail: `the first @context must be ${VC_V2_CONTEXT} (or ${VC_V1_CONTEXT})`,
    });
    return faults;
  }
  if (!asArray(credential['type']).includes('VerifiableCredential')) {
    faults.push({ code: 'INVALID_INPUT', pointer: jsonPointer([...base, 'type']), detail: 'type must include VerifiableCredential' });
  }
  const subjects = asArray(credential['credentialSubject']);
  if (subjects.length === 0 || !subjects.every(isObject)) {
    faults.push({
      code: 'INVALID_INPUT',
      pointer: jsonPointer([...base, 'credentialSubject']),
      detail: 'credentialSubject must be an object (or a non-empty array of objects)',
    });
  } else {
    subjects.forEach((subject, index) => {
      // VCDM 2.0: a subject is "a set of objects that contain one or more properties".
      if (isObject(subject) && Object.keys(subject).length === 0) {
        const at = Array.isArray(credential['credentialSubject']) ? [index] : [];
        faults.push({ code: 'INVALID_INPUT', pointer: jsonPointer([...base, 'credentialSubject', ...at]), detail: 'a credentialSubject says something: an empty object states nothing', hint: 'Give the subject its id and the claims about it' });
      }
    });
  }
  faults.push(...idFaults(credential, subjects, base));
  if (version === '2.0' && credential['relatedResource'] !== undefined) faults.push(...relatedResourceFaults(credential['relatedResource'], base));
  if (credential['issuer'] !== undefined && issuerId(credential) === undefined) {
    faults.push({ code: 'INVALID_INPUT', pointer: jsonPointer([...base, 'issuer']), detail: 'issuer must be a DID or an object with an id' });
  }
  if (credential['proof'] !== undefined) {
    faults.push({ code: 'INVALID_INPUT', pointer: jsonPointer([...base, 'proof']), detail: 'a credential to issue must not carry a proof' });
  }
  checkDates(credential, version, base, faults);
  return faults;
}

export function assertIssuableCredential(credential: unknown, base: (string | number)[] = []): asserts credential is JsonObject {
  throwFirstFault(credentialFaults(credential, base), 'Fix the credential and send it again');
}

export function assertPresentable(presentation: unknown, base: (string | number)[] = []): asserts presentation is JsonObject {
  throwFirstFault(presentationFaults(presentation, base), 'Fix the presentation and send it again');
}

/** The first fault is the error, with all of them listed, so a client fixes everything in one round. */
function throwFirstFault(faults: ProblemDetail[], defaultHint: string): void {
  const first = faults[0];
  if (first === undefined) return;
  throw new GxTrustError(first.code, first.detail, { pointer: first.pointer ?? '', hint: first.hint ?? defaultHint, errors: faults });
}

/** Faults of a presentation given for signing: its held credentials are already secured. */
export function presentationFaults(presentation: unknown, base: (string | number)[] = []): ProblemDetail[] {
  const faults: ProblemDetail[] = [];
  if (!isObject(presentation)) {
    return [{ code: 'INVALID_INPUT', pointer: jsonPointer(base), detail: 'a presentation is a JSON object' }];
  }
  faults.push(...shapeFaults(presentation, base));
  if (faults.some((fault) => fault.code !== 'CONTEXT_NOT_ALLOWED')) return faults;
  if (dataModelVersion(presentation) === undefined) {
    faults.push({ code: 'INVALID_INPUT', pointer: jsonPointer([...base, '@context', 0]), detail: `the first @context must be ${VC_V2_CONTEXT} or ${VC_V1_CONTEXT}` });
  }
  if (!asArray(presentation['type']).includes('VerifiablePresentation')) {
    faults.push({ code: 'INVALID_INPUT', pointer: jsonPointer([...base, 'type']), detail: 'type must include VerifiablePresentation' });
  }
  if (presentation['holder'] !== undefined && holderId(presentation) === undefined) {
    faults.push({ code: 'INVALID_INPUT', pointer: jsonPointer([...base, 'holder']), detail: 'holder must be a DID or an object with an id' });
  }
  const held = presentation['verifiableCredential'];
  const heldList = held === undefined ? [] : Array.isArray(held) ? held : [held];
  heldList.forEach((credential, index) => {
    if (isSecuredCredential(credential)) return;
    const at = Array.isArray(held) ? [index] : [];
    faults.push({
      code: 'INVALID_INPUT',
      pointer: jsonPointer([...base, 'verifiableCredential', ...at]),
      detail: 'a held credential must be secured: a credential with a proof, an EnvelopedVerifiableCredential with a data: URL, or a compact JWT',
      hint: 'Sign the credential first (POST /credentials/issue) and hold what that returns',
    });
  });
  return faults;
}

const COMPACT_JWS = /^[\w-]+\.[\w-]*\.[\w-]*$/;

/**
 * Secured in form only: whether its proof holds is the verifier's question. A holder signing a
 * bare credential would give it the look of a verifiable one that no verifier can ever accept.
 * @see https://www.w3.org/TR/vc-data-model-2.0/#presentations-0 "verifiableCredential ... MUST be one or more verifiable credential, or enveloped verifiable credential objects"
 */
function isSecuredCredential(credential: unknown): boolean {
  if (typeof credential === 'string') return COMPACT_JWS.test(credential);
  if (!isObject(credential)) return false;
  if (asArray(credential['type']).includes('EnvelopedVerifiableCredential')) {
    return typeof credential['id'] === 'string' && credential['id'].startsWith('data:');
  }
  return isObject(credential['proof']) || (Array.isArray(credential['proof']) && credential['proof'].length > 0);
}
