/**
 * The 'compliance' check connectors get from POST /credentials/verify and /presentations/verify:
 * a label credential (Danube gx:LabelCredential, or the Tagus compliance credential) must come
 * from a trusted compliance service; held in a presentation, a Danube label must be about the
 * presentation's holder (a label is a statement about one participant, not a bearer token), and
 * each credential it covers must be presented with the digest the label recorded. Both key
 * spellings are read: the current (`gx:credentialType`, `digestSRI`) and the older (`type`,
 * `gx:digestSRI`), and Tagus `integrity`/`gx:integrity`; digests may be base64 or hex.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isObject, issuerId, type JsonObject } from '../credentials/index.js';
import { failed, passed, type Check } from '../verifying/report.js';
import type { ComplianceCheck } from '../verifying/index.js';
import { digestMatches, parseSha256Digest } from './digest.js';
import type { TrustedIssuers } from './trusted-issuers.js';

const LABEL_TYPES = new Set([
  'gx:LabelCredential',
  'LabelCredential',
  'https://w3id.org/gaia-x/development#LabelCredential',
  'gx:ComplianceCredential',
]);

interface CoveredCredential {
  id: string;
  credentialType?: string;
  digest: unknown;
  /** Tagus labels hashed the credential's JSON as sent, not its JCS form. */
  tagus: boolean;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** The credentials a label covers, or undefined when the document is not a label. */
export function coveredCredentials(document: JsonObject): CoveredCredential[] | undefined {
  const types = asList(document['type']).filter((t): t is string => typeof t === 'string');
  const subjects = asList(document['credentialSubject']).filter(isObject);
  const tagus = subjects.filter((s) => s['type'] === 'gx:compliance');
  if (tagus.length > 0) {
    return tagus.map((s) => ({ id: String(s['id']), digest: s['gx:integrity'] ?? s['integrity'], tagus: true }));
  }
  if (!types.some((t) => LABEL_TYPES.has(t))) return undefined;
  return subjects.flatMap((s) =>
    asList(s['gx:compliantCredentials']).filter(isObject).map((entry) => {
      const credentialType = entry['gx:credentialType'] ?? entry['type'];
      const covered: CoveredCredential = { id: String(entry['id']), digest: entry['digestSRI'] ?? entry['gx:digestSRI'], tagus: false };
      if (typeof credentialType === 'string') covered.credentialType = credentialType;
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

function matches(covered: CoveredCredential, document: JsonObject): boolean {
  if (digestMatches(covered.digest, document)) return true;
  if (!covered.tagus) return false;
  const expected = parseSha256Digest(covered.digest);
  const asSent = createHash('sha256').update(JSON.stringify(document)).digest();
  return expected !== undefined && timingSafeEqual(expected, asSent);
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
    for (const entry of covered) {
      const companion = companions.find((c) => c['id'] === entry.id || (entry.tagus && asList(c['credentialSubject']).some((s) => isObject(s) && s['id'] === entry.id)));
      if (companion === undefined) {
        return failed('compliance', 'DIGEST_MISMATCH', `the label covers ${entry.id}, which is not in the presentation`);
      }
      if (entry.credentialType !== undefined && !entry.credentialType.split(' ').every((t) => typesOf(companion).includes(t))) {
        return failed('compliance', 'DIGEST_MISMATCH', `the label records ${entry.id} as ${entry.credentialType}, but the presented credential is ${typesOf(companion).join(', ')}`);
      }
      if (!matches(entry, companion)) {
        return failed('compliance', 'DIGEST_MISMATCH', `the presented ${entry.id} is not the credential the label assessed (digest differs)`);
      }
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
    return passed('compliance', `label by the trusted compliance service ${issuer}; all ${covered.length} covered credentials presented with matching digests`);
  };
}
