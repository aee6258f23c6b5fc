/**
 * The W3C VC data model (2.0, and 1.1 input) as gx-trust accepts it for issuing, and the light
 * data-model check run on every verified document. Dates are validated strictly: @digitalbazaar/vc
 * 7.3's date regex is unanchored and would sign `x2030-01-01T00:00:00Zjunk` (the lenient-date case).
 * @see https://www.w3.org/TR/vc-data-model-2.0/
 */
import { GxTrustError, jsonPointer, type ProblemDetail } from '../errors.js';
import { isAllowedContext } from '../document-loader/index.js';

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';

export type JsonObject = Record<string, unknown>;

/** RFC 3339 date-time (the XSD dateTimeStamp profile the VC data model requires), anchored. */
const RFC3339 = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** An absolute IRI: a scheme, a colon, no white space. `__proto__` and relative ids fail. */
const ABSOLUTE_IRI = /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>"{}|\\^`]+$/;

const MAX_DEPTH = 32;
const MAX_NODES = 20_000;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseRfc3339(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !RFC3339.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
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

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** Size and depth bombs are refused before any JSON-LD processing sees them (OWASP API4:2023, unrestricted resource consumption). */
function checkShape(value: unknown, path: (string | number)[], faults: ProblemDetail[], budget: { nodes: number }): void {
  if (--budget.nodes < 0) return;
  if (path.length > MAX_DEPTH) {
    faults.push({ code: 'INVALID_INPUT', pointer: jsonPointer(path), detail: `nesting deeper than ${MAX_DEPTH} levels` });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkShape(item, [...path, i], faults, budget));
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
        faults.push({ code: 'INVALID_INPUT', pointer: jsonPointer([...path, key]), detail: `the key ${key} is not allowed` });
        continue;
      }
      if ((key === 'id' || key === '@id') && typeof child === 'string' && !ABSOLUTE_IRI.test(child)) {
        faults.push({
          code: 'INVALID_INPUT',
          pointer: jsonPointer([...path, key]),
          detail: `${JSON.stringify(child.slice(0, 64))} is not an absolute IRI`,
          hint: 'Identifiers are absolute IRIs such as did:web:example.org, urn:uuid:... or https://...',
        });
      }
      checkShape(child, [...path, key], faults, budget);
    }
  }
}

function checkContexts(document: JsonObject, base: (string | number)[], faults: ProblemDetail[]): void {
  const contexts = asArray(document['@context']);
  contexts.forEach((context, i) => {
    if (typeof context === 'string' && !isAllowedContext(context)) {
      faults.push({
        code: 'CONTEXT_NOT_ALLOWED',
        pointer: jsonPointer([...base, '@context', i]),
        detail: `the context ${JSON.stringify(context.slice(0, 200))} is not in the allowed set`,
        hint: 'Use only contexts listed in contexts/manifest.json; gx-trust never fetches a context',
      });
    }
  });
}

function checkDates(document: JsonObject, version: '2.0' | '1.1', base: (string | number)[], faults: ProblemDetail[]): void {
  const [fromKey, untilKey] = version === '2.0' ? ['validFrom', 'validUntil'] : ['issuanceDate', 'expirationDate'];
  const dates: Record<string, Date> = {};
  for (const key of [fromKey, untilKey]) {
    const value = document[key];
    if (value === undefined) continue;
    const date = parseRfc3339(value);
    if (date === undefined) {
      faults.push({
        code: 'INVALID_DATE',
        pointer: jsonPointer([...base, key]),
        detail: `${key} ${JSON.stringify(String(value).slice(0, 64))} is not an RFC 3339 date-time`,
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
 * Every fault of a credential given for issuing, each with its JSON pointer (`base` prefixes them,
 * e.g. ['credential'] for the VC-API request body).
 */
export function credentialFaults(credential: unknown, base: (string | number)[] = []): ProblemDetail[] {
  const faults: ProblemDetail[] = [];
  if (!isObject(credential)) {
    return [{ code: 'INVALID_INPUT', pointer: jsonPointer(base), detail: 'a credential is a JSON object' }];
  }
  checkShape(credential, base, faults, { nodes: MAX_NODES });
  if (faults.length > 0) return faults;
  const version = dataModelVersion(credential);
  if (version === undefined) {
    faults.push({
      code: 'INVALID_INPUT',
      pointer: jsonPointer([...base, '@context', 0]),
      detail: `the first @context must be ${VC_V2_CONTEXT} (or ${VC_V1_CONTEXT})`,
    });
    return faults;
  }
  checkContexts(credential, base, faults);
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
  }
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
  const faults = credentialFaults(credential, base);
  const first = faults[0];
  if (first !== undefined) {
    throw new GxTrustError(first.code, first.detail, {
      pointer: first.pointer ?? '',
      hint: first.hint ?? 'Fix the credential and send it again',
      errors: faults,
    });
  }
}

/** Faults of a presentation given for signing: its held credentials are already secured. */
export function presentationFaults(presentation: unknown, base: (string | number)[] = []): ProblemDetail[] {
  const faults: ProblemDetail[] = [];
  if (!isObject(presentation)) {
    return [{ code: 'INVALID_INPUT', pointer: jsonPointer(base), detail: 'a presentation is a JSON object' }];
  }
  checkShape(presentation, base, faults, { nodes: MAX_NODES });
  if (faults.length > 0) return faults;
  if (dataModelVersion(presentation) === undefined) {
    faults.push({ code: 'INVALID_INPUT', pointer: jsonPointer([...base, '@context', 0]), detail: `the first @context must be ${VC_V2_CONTEXT} or ${VC_V1_CONTEXT}` });
  }
  checkContexts(presentation, base, faults);
  if (!asArray(presentation['type']).includes('VerifiablePresentation')) {
    faults.push({ code: 'INVALID_INPUT', pointer: jsonPointer([...base, 'type']), detail: 'type must include VerifiablePresentation' });
  }
  return faults;
}
