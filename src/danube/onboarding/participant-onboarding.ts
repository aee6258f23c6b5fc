/**
 * POST /participants: a participant's submission, generated from its data or sent as credentials,
 * and what it must hold beyond the shapes.
 */
import type { Finding } from '../finding.js';
import { finding, hasType, type Item } from './items.js';
import { participantCredentials } from './participant.js';
import type { ParticipantInput } from './request.js';

/** The credentials gx-trust writes from a participant's data, as drafts pointed back into `/participant`. */
export function participantDataItems(participant: ParticipantInput): Item[] {
  return participantCredentials(participant).map((generated): Item => ({ origin: '/participant', role: 'draft', document: generated.document, translate: generated.translate }));
}

/** A participant accepts the Gaia-X terms: its submission holds a gx:Issuer credential. */
export function participantSubmissionFindings(items: readonly Item[]): Finding[] {
  if (items.some((item) => hasType(item.document, 'gx:Issuer'))) return [];
  return [finding('onboarding/issuer-credential', '/credentials', 'the submission holds no gx:Issuer credential (terms and conditions)', 'Add a gx:Issuer credential with gx:gaiaxTermsAndConditions')];
}

/** A participant's set is replaced, on onboarding again, by its DID. */
export function participantSeries(holder: string): string {
  return `participant:${holder}`;
}
