/**
 * Tagus-era (Trust Framework 22.10) input and output. Tagus clients post a VCDM 1.1 JSON-LD
 * presentation whose credentials carry JsonWebSignature2020 proofs and type themselves through
 * `credentialSubject.type` (gx:LegalParticipant, gx:legalRegistrationNumber, ...). The Danube
 * shapes, country and label rules do not apply to that vocabulary, so such input runs the rules in
 * TAGUS_RULES, and a passing decision also gets the compliance credential in the Tagus form the
 * Gaia-X compliance service issued: one `gx:compliance` subject per credential, with
 * `gx:integrity` = `sha256-` + hex SHA-256 of the RFC 8785 (JCS) form of the credential as
 * presented, its `proof` included: what the Gaia-X Lab compliance service computes
 * (`HashingUtils.sha256(canonicalize(verifiableCredential))` in its CompliantCredentialSubjectMapper),
 * so a Gaia-X client checks our credential as it checks theirs. Before that, the service hashed
 * `JSON.stringify` of the credential as sent (the 2023 sample below), and gx-trust hashed the JCS
 * form without `proof`; connectors still accept both (connector-check.ts).
 * @see test/fixtures/gaiax-samples/tagus-22.10/service-offering-vp-and-compliance-credential.json
 */
import { newCredentialId } from '../credentials/ids.js';
import { isObject, type JsonObject } from '../credentials/index.js';
import { jcs, sha256 } from './digest.js';
import { revocation } from './rules/revocation.js';
import { tagusCriteria } from './rules/tagus-criteria.js';
import { tagusIssuerBinding } from './rules/tagus-issuer-binding.js';
import { tagusLabelLevel1 } from './rules/tagus-label-level-1.js';
import { tagusParticipant, tagusTypeOf } from './rules/tagus-participant.js';
import { tagusProofs } from './rules/tagus-proofs.js';
import { tagusShapes } from './rules/tagus-shapes.js';
import { tagusSubdivisionCodes } from './rules/tagus-subdivision-codes.js';
import { validity } from './rules/validity.js';
import { x509Binding } from './rules/x509-binding.js';
import type { ComplianceRule, Submission } from './types.js';

export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
export const JWS_2020_CONTEXT = 'https://w3id.org/security/suites/jws-2020/v1';
export const TAGUS_TRUST_FRAMEWORK_CONTEXT = 'https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#';
export const TAGUS_VERSION = '22.10';

/**
 * Proofs, X.509, the 22.10 shapes and rules, validity, status, and the criteria they establish
 * (the Danube shapes and label matrix do not apply to the 22.10 vocabulary).
 */
export const TAGUS_RULES: readonly ComplianceRule[] = [
  tagusProofs,
  x509Binding,
  tagusShapes,
  tagusParticipant,
  tagusSubdivisionCodes,
  tagusIssuerBinding,
  tagusLabelLevel1,
  validity,
  revocation,
  tagusCriteria,
];

const proofTypes = (document: JsonObject) =>
  (Array.isArray(document['proof']) ? document['proof'] : [document['proof']]).filter(isObject).map((p) => p['type']);

/** A VCDM 1.1 presentation whose every credential is JSON-LD with a JsonWebSignature2020 proof. */
export function isTagusSubmission(submission: Submission): boolean {
  const contexts = submission.presentation['@context'];
  const first = Array.isArray(contexts) ? contexts[0] : contexts;
  return submission.jwt === undefined && first === VC_V1_CONTEXT && submission.credentials.length > 0 &&
    submission.credentials.every((c) => c.jwt === undefined && proofTypes(c.document).includes('JsonWebSignature2020'));
}

/** The participant a Tagus presentation describes: the LegalParticipant's issuer. */
export function tagusParticipantOf(submission: Submission): string | undefined {
  return submission.credentials.find((c) => tagusTypeOf(c) === 'gx:LegalParticipant')?.issuer;
}

/** `sha256-` + hex SHA-256 of the JCS form of `document`; pass the credential as presented, proof and all. */
export function tagusIntegrity(document: unknown): string {
  return `sha256-${sha256(jcs(document)).toString('hex')}`;
}

const seconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The unsigned Tagus compliance credential; validity as the Danube label (never past an input). */
export function buildTagusComplianceCredential(options: { id?: string; issuer: string; submission: Submission; now: Date; validUntil: string }): JsonObject {
  return {
    '@context': [VC_V1_CONTEXT, JWS_2020_CONTEXT, TAGUS_TRUST_FRAMEWORK_CONTEXT],
    // As the Gaia-X compliance service issued it: a plain VerifiableCredential, typed by its subjects.
    type: ['VerifiableCredential'],
    id: options.id ?? newCredentialId(),
    issuer: options.issuer,
    issuanceDate: seconds(options.now),
    expirationDate: options.validUntil,
    credentialSubject: options.submission.credentials.map((c) => ({
      type: 'gx:compliance',
      id: c.id,
      'gx:integrity': tagusIntegrity(c.document),
      'gx:integrityNormalization': 'RFC8785:JCS',
      'gx:version': TAGUS_VERSION,
      'gx:type': tagusTypeOf(c) ?? (c.types.filter((t) => t !== 'VerifiableCredential').join(' ') || 'VerifiableCredential'),
    })),
  };
}

