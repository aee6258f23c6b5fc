/**
 * What an onboarding submission is made of: items, each one credential of the request with where
 * it came from, and the few reads every step makes of them.
 */
import type { ComplianceFinding } from '../../compliance/types.js';
import { isObject, VC_V2_CONTEXT, type JsonObject } from '../../credentials/index.js';
import type { ErrorCode } from '../../errors.js';
import { envelopeCredential } from '../../formats/jose/sign.js';
import type { VerificationReport } from '../../verifying/index.js';
import type { Finding } from '../finding.js';

/** One credential of a submission, with where it came from. */
export interface Item {
  /** JSON pointer of the credential in the request body. */
  origin: string;
  role: 'draft' | 'signed' | 'reference';
  /** Unsigned drafts: as sent (or generated). Signed: as the proof covers it (after verification). */
  document: JsonObject;
  /** Signed and referenced credentials: as sent or stored (a compact JWT, an enveloped or a Data Integrity credential). */
  secured?: unknown;
  /** Generated drafts: a pointer inside the document -> the pointer into the request. */
  translate?: (pointer: string) => string;
  /** Signed and referenced credentials, once verified. */
  report?: VerificationReport;
}

export const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
export const DATA_URL = /^data:application\/[a-z+]+,/;

export function isSecured(value: unknown): boolean {
  if (typeof value === 'string') return true;
  return isObject(value) && (value['type'] === 'EnvelopedVerifiableCredential' || value['proof'] !== undefined);
}

/** The credentials of a request body as items: signed ones to verify, unsigned ones as drafts. */
export function submittedItems(credentials: readonly unknown[], base: string): Item[] {
  return credentials.map((credential, index): Item => {
    const origin = `${base}/${index}`;
    if (isSecured(credential)) return { origin, role: 'signed', document: {}, secured: credential };
    return { origin, role: 'draft', document: credential as JsonObject };
  });
}

export function typesOf(document: JsonObject): string[] {
  const collect = (value: unknown) => (Array.isArray(value) ? value : [value]).filter((t): t is string => typeof t === 'string');
  const subject = document['credentialSubject'];
  return [...collect(document['type']), ...(isObject(subject) ? collect(subject['type']) : [])];
}

const GX_IRI = 'https://w3id.org/gaia-x/development#';
export function hasType(document: JsonObject, type: string): boolean {
  const local = type.replace(/^gx:/, '');
  return typesOf(document).some((t) => t === type || t === `${GX_IRI}${local}`);
}

export function subjectOf(document: JsonObject): JsonObject | undefined {
  const subject = document['credentialSubject'];
  return isObject(subject) ? subject : undefined;
}

/** `did:web:member.example#legal-person` -> `did:web:member.example`. */
export function didOf(id: unknown): string | undefined {
  if (typeof id !== 'string' || !id.startsWith('did:')) return undefined;
  return id.split(/[#?]/)[0];
}

/** The pointer into the request for a pointer inside an item's credential. */
export function requestPointer(item: Item, inside: string): string {
  return item.translate === undefined ? item.origin + inside : item.translate(inside);
}

/** A secured credential as it goes into the presentation: enveloped when it is a JWT. */
export function presentable(secured: unknown): JsonObject {
  if (typeof secured === 'string') {
    return DATA_URL.test(secured)
      ? { '@context': VC_V2_CONTEXT, id: secured, type: 'EnvelopedVerifiableCredential' }
      : { ...envelopeCredential(secured) };
  }
  return secured as JsonObject;
}

export function finding(rule: string, pointer: string, message: string, hint: string, code?: ErrorCode): Finding {
  return { rule, ...(code === undefined ? {} : { code }), severity: 'violation', pointer, path: '', message, hint };
}

/** A compliance rule's finding as an onboarding finding, pointed into the request. */
export function asFinding(ruleFinding: ComplianceFinding, pointer: string): Finding {
  return {
    rule: ruleFinding.rule,
    code: ruleFinding.code,
    severity: ruleFinding.severity === 'warning' ? 'warning' : 'violation',
    pointer,
    path: '',
    message: ruleFinding.message,
    hint: ruleFinding.hint,
  };
}
