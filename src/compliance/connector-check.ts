/**
 * The 'compliance' check connectors get from POST /credentials/verify and /presentations/verify:
 * a label credential (Danube gx:LabelCredential, or the Tagus compliance credential) must come
 * from a trusted compliance service; held in a presentation, a Danube label must be about the
 * presentation's holder (a label is a statement about one participant, not a bearer token), and
 * each credential it covers must be presented with the digest the label recorded. Both key
 * spellings are read: the current (`gx:credentialType`, `digestSRI`) and the older (`type`,
 * `gx:digestSRI`), and Tagus `integrity`/`gx:integrity`; digests may be base64 or hex.
 *
 * `companions` are the other credentials as they stood in the presentation (proofs included): a
 * Tagus `gx:integrity` covers the proof, a Danube `digestSRI` the secured document without it.
 */
import { timingSafeEqual } from 'node:crypto';
import { isObject, issuerId, type JsonObject } from '../credentials/index.js';
import { failed, passed } from '../verifying/report.js';
import type { ComplianceCheck } from '../verifying/index.js';
import { jcs, parseSha256Digest, securedDocument, sha256 } from './digest.js';
import type { TrustedIssuers } from './trusted-issuers.js';
import { subjectTypesOf } from './types.js';

const LABEL_TYPES = new Set([
  'gx:LabelCredential',
  'LabelCredential',
  'https://w3id.org/gaia-x/development#LabelCredential',
  'gx:ComplianceCredential',
]);

interface CoveredCredential {
  /** Absent when the label names the credential by type and digest only (Loire labels do, for gx:Issuer). */
  id?: string;
  /** The Gaia-X types the label records for it; each must be among the presented credential's types. */
  credentialTypes: string[];
  digest: unknown;
  /** A Tagus `gx:integrity` (hex over the credential with its proof), not a Danube `digestSRI`. */
  tagus: boolean;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** The class of the entry node itself (25.11 shapes), never the covered credential's type. */
const ENTRY_CLASSES = new Set(['gx:CompliantCredential', 'CompliantCredential', 'https://w3id.org/gaia-x/development#CompliantCredential']);

/**
 * The types an entry records. Loire compliance services wrote them in `type`, as a list or one
 * string of comma-separated names (`"gx:LegalPerson,gx:LegalPerson"`); 25.11 keeps the node's own
 * class in `type` and the credential's in `gx:credentialType` (space-separated when several).
 */
function recordedTypes(entry: JsonObject): string[] {
  const declared = entry['gx:credentialType'] ?? entry['credentialType'] ?? entry['type'];
  const names = asList(declared).flatMap((t) => (typeof t === 'string' ? t.split(/[\s,]+/) : [])).filter((t) => t !== '' && !ENTRY_CLASSES.has(t));
  return [...new Set(names)];
}

/** `gx:LegalPerson`, `LegalPerson` and the full IRI name one type. */
const typeKey = (type: string) => type.replace(/^.*[#/:]/, '');

/** The credentials a label covers, or undefined when the document is not a label. */
export function coveredCredentials(document: JsonObject): CoveredCredential[] | undefined {
  const types = asList(document['type']).filter((t): t is string => typeof t === 'string');
  const subjects = asList(document['credentialSubject']).filter(isObject);
  const tagus = subjects.filter((s) => s['type'] === 'gx:compliance');
  if (tagus.length > 0) {
    return tagus.map((s) => ({ id: String(s['id']), credentialTypes: [], digest: s['gx:integrity'] ?? s['integrity'], tagus: true }));
  }
  if (!types.some((t) => LABEL_TYPES.has(t))) return undefined;
  return subjects.flatMap((s) =>
    asList(s['gx:compliantCredentials']).filter(isObject).map((entry) => {
      const covered: CoveredCredential = { credentialTypes: recordedTypes(entry), digest: entry['digestSRI'] ?? entry['gx:digestSRI'] ?? entry['cred:digestSRI'], tagus: false };
      if (typeof entry['id'] === 'string') covered.id = entry['id'];
      return covered;
    }),
  );
}

/**
 * The participants a Danube label is about: the DIDs of its subjects. undefined for anything that
 * is not a Danube label, and for a Tagus compliance credential, whose subjects are the credentials
 * it covers, not a participant (it is bound through their digests alone).
 */
export function labelSubjects(document: JsonObject): string[] | undefined {
  if (!asList(document['type']).some((t) => typeof t === 'string' && LABEL_TYPES.has(t))) return undefined;
  const subjects = asList(document['credentialSubject']).filter(isObject);
  if (subjects.some((s) => s['type'] === 'gx:compliance')) return undefined;
  return subjects.map((s) => s['id']).filter((id): id is string => typeof id === 'string').map((id) => id.split(/[#?]/)[0]!);
}

/** Why a Danube label held by `holder` is not its own, or undefined when it is (or the document is no Danube label). */
export function labelHolderMismatch(document: JsonObject, holder: string | undefined): string | undefined {
  const subjects = labelSubjects(document);
  if (subjects === undefined) return undefined;
  const presenter = holder?.split(/[#?]/)[0];
  if (presenter !== undefined && subjects.includes(presenter)) return undefined;
  const about = subjects.length === 0 ? 'no subject' : subjects.join(', ');
  return presenter === undefined
    ? `the label is about ${about}, and the presentation is bound to no holder`
    : `the label is about ${about}, but the presentation is held by ${presenter}`;
}

function typesOf(document: JsonObject): string[] {
  return asList(document['type']).filter((t): t is string => typeof t === 'string');
}

/**
 * The forms a digest may cover, in the order they are tried. Tagus: what the Gaia-X compliance
 * service computes today (JCS with the proof), what it computed in 2023 (`JSON.stringify` of the
 * credential as sent, proof included), and what gx-trust wrote before it followed the service (JCS
 * without the proof), so labels already issued keep verifying. Danube: JCS of the secured document.
 */
export const DIGEST_FORMS = {
  'jcs-with-proof': (document: JsonObject) => sha256(jcs(document)),
  'as-sent-with-proof': (document: JsonObject) => sha256(JSON.stringify(document)),
  'jcs-without-proof': (document: JsonObject) => sha256(jcs(securedDocument(document))),
} as const;
export type DigestForm = keyof typeof DIGEST_FORMS;

const TAGUS_FORMS: readonly DigestForm[] = ['jcs-with-proof', 'as-sent-with-proof', 'jcs-without-proof'];
const DANUBE_FORMS: readonly DigestForm[] = ['jcs-without-proof'];

/** The form in which `document` has the digest the label recorded, or undefined when none does. */
export function matchedDigestForm(covered: Pick<CoveredCredential, 'digest' | 'tagus'>, document: JsonObject): DigestForm | undefined {
  const expected = parseSha256Digest(covered.digest);
  if (expected === undefined) return undefined;
  return (covered.tagus ? TAGUS_FORMS : DANUBE_FORMS).find((form) => timingSafeEqual(expected, DIGEST_FORMS[form](document)));
}

export function createLabelCheck(options: { trusted: TrustedIssuers }): ComplianceCheck {
  return async (document, context) => {
    const covered = coveredCredentials(document);
    if (covered === undefined) return undefined;
    const issuer = issuerId(document) ?? '';
    if (!options.trusted.has(issuer, 'complianceService')) {
      return failed('compliance', 'UNTRUSTED_ISSUER', `the label is issued by ${issuer}, which is not a trusted compliance service`);
    }
    const companions = context.companions;
    if (companions === undefined) {
      return passed('compliance', `label by the trusted compliance service ${issuer}; the ${covered.length} credentials it covers were not presented, so their digests were not compared`);
    }
    const mismatch = labelHolderMismatch(document, context.holder);
    if (mismatch !== undefined) {
      return failed('compliance', 'LABEL_SUBJECT_MISMATCH', `${mismatch}: a label vouches only for its subject, who must present it`);
    }
    const forms = new Set<DigestForm>();
    for (const entry of covered) {
      // A label records a credential typed only on its subject (an IPCEI-AI profile) by the subject's type.
      const typed = (c: JsonObject) => entry.credentialTypes.every((t) => [...typesOf(c), ...subjectTypesOf(c)].some((own) => typeKey(own) === typeKey(t)));
      const named = entry.id === undefined ? undefined : companions.filter((c) => c['id'] === entry.id || (entry.tagus && asList(c['credentialSubject']).some((s) => isObject(s) && s['id'] === entry.id)));
      const what = entry.id ?? `the ${entry.credentialTypes.join(', ') || 'unnamed'} credential`;
      if (named !== undefined && named.length === 0) {
        return failed('compliance', 'DIGEST_MISMATCH', `the label covers ${what}, which is not in the presentation`);
      }
      // Without an id, the entry is answered by a presented credential of its types with its digest.
      const candidates = (named ?? companions).filter(typed);
      if (candidates.length === 0) {
        const presented = named?.[0];
        return failed('compliance', 'DIGEST_MISMATCH', presented === undefined
          ? `the label covers ${what}, which is not in the presentation`
          : `the label records ${what} as ${entry.credentialTypes.join(' ')}, but the presented credential is ${typesOf(presented).join(', ')}`);
      }
      const form = candidates.map((c) => matchedDigestForm(entry, c)).find((f) => f !== undefined);
      if (form === undefined) {
        return failed('compliance', 'DIGEST_MISMATCH', `the presented ${what} is not the credential the label assessed (digest differs)`);
      }
      forms.add(form);
    }
    // A label lives and dies with what it covers: one revoked or suspended credential voids it,
    // whatever the label's own status list says yet.
    for (const entry of covered) {
      const at = companions.findIndex((c) => c['id'] === entry.id);
      const status = at === -1 ? undefined : context.companionStatuses?.[at];
      if (status !== undefined && !status.verified && (status.code === 'CREDENTIAL_REVOKED' || status.code === 'CREDENTIAL_SUSPENDED')) {
        const state = status.code === 'CREDENTIAL_REVOKED' ? 'revoked' : 'suspended';
        return failed('compliance', 'COVERED_CREDENTIAL_REVOKED', `the label covers ${entry.id}, which is ${state}: the label no longer vouches for it`);
      }
    }
    return passed('compliance', `label by the trusted compliance service ${issuer}; all ${covered.length} covered credentials presented with matching digests (${[...forms].join(', ')})`);
  };
}
