/**
 * The Danube `gx:LabelCredential`: which label, by which engine and rules, which criteria were
 * validated, and a digest of every credential it covers so a connector can tell that the
 * credentials it is shown are the ones that were assessed.
 */
import { newCredentialId } from '../credentials/ids.js';
import { VC_V2_CONTEXT, parseRfc3339, type JsonObject } from '../credentials/index.js';
import { GxTrustError } from '../errors.js';
import type { LabelLevel } from './criteria.js';
import { digestSRI, securedDocument } from './digest.js';
import { subjectTypesOf, type SubmittedCredential } from './types.js';

export const ENGINE_VERSION = 'gx-trust-compliance/1.0';
/** The Trust Framework release the rules implement, and the version of our rule set. */
export const RULES_VERSION = 'gaia-x-25.11/gx-trust-rules-1';
export const GX_CONTEXT = 'https://w3id.org/gaia-x/development#';
export const DEFAULT_LABEL_LIFETIME_DAYS = 90;

/** When a credential stops being valid: validUntil / expirationDate, or the JWT's exp. */
export function expiryOf(document: JsonObject): Date | undefined {
  const candidates: Date[] = [];
  const until = parseRfc3339(document['validUntil'] ?? document['expirationDate']);
  if (until !== undefined) candidates.push(until);
  if (typeof document['exp'] === 'number') candidates.push(new Date(document['exp'] * 1000));
  return candidates.sort((a, b) => a.getTime() - b.getTime())[0];
}

export interface LabelCredentialOptions {
  id?: string;
  issuer: string;
  subjectId: string;
  level: LabelLevel;
  validatedCriteria: readonly string[];
  credentials: readonly SubmittedCredential[];
  now: Date;
  lifetimeDays?: number;
  /** notAfter of the certificate the label will be signed under. */
  signingCertificateNotAfter?: Date;
}

/**
 * What a label records as a covered credential's type: its own types beyond VerifiableCredential,
 * or, when it has none (an IPCEI-AI profile is typed only on its subject), its subject's types, so
 * a connector reads `AIModelProfile` rather than a bare `VerifiableCredential`.
 */
function recordedCredentialType(credential: SubmittedCredential): string {
  const own = credential.types.filter((t) => t !== 'VerifiableCredential');
  if (own.length > 0) return own.join(' ');
  return [...new Set(subjectTypesOf(credential.document))].join(' ') || 'VerifiableCredential';
}

const seconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Shaped as the official 25.11 gx:LabelCredentialShape requires: the subject typed
 * gx:LabelCredential with at least one gx:validatedCriteria, each covered credential a
 * gx:CompliantCredential node (its Gaia-X type in gx:credentialType, not in `type`, which is the
 * node's own class) with a `digestSRI`.
 */
export function buildLabelCredential(options: LabelCredentialOptions): JsonObject {
  if (options.validatedCriteria.length === 0) {
    // gx:validatedCriteria has sh:minCount 1: a label that names no criterion vouches for nothing.
    throw new GxTrustError('INTERNAL', 'a label credential needs at least one validated criterion');
  }
  const limits = [
    new Date(options.now.getTime() + (options.lifetimeDays ?? DEFAULT_LABEL_LIFETIME_DAYS) * 86_400_000),
    ...options.credentials.map((c) => expiryOf(c.document)).filter((d): d is Date => d !== undefined),
    ...(options.signingCertificateNotAfter === undefined ? [] : [options.signingCertificateNotAfter]),
  ];
  const validUntil = new Date(Math.min(...limits.map((d) => d.getTime())));
  return {
    '@context': [VC_V2_CONTEXT, GX_CONTEXT],
    id: options.id ?? newCredentialId(),
    type: ['VerifiableCredential', 'gx:LabelCredential'],
    issuer: options.issuer,
    validFrom: seconds(options.now),
    // Truncated down to the second: never past the earliest limit.
    validUntil: seconds(new Date(Math.floor(validUntil.getTime() / 1000) * 1000)),
    credentialSubject: {
      id: options.subjectId,
      type: 'gx:LabelCredential',
      'gx:labelLevel': options.level,
      'gx:engineVersion': ENGINE_VERSION,
      'gx:rulesVersion': RULES_VERSION,
      'gx:validatedCriteria': [...options.validatedCriteria],
      'gx:compliantCredentials': options.credentials.map((c) => ({
        id: c.id,
        type: 'gx:CompliantCredential',
        'gx:credentialType': recordedCredentialType(c),
        digestSRI: digestSRI(securedDocument(c.document)),
      })),
    },
  };
}
