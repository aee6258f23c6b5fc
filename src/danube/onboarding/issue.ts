/**
 * Step (4) of onboarding, once nothing failed: each draft signed through the endpoint's scoped
 * signer (stored and audited), with the notary's validity and evidence; signed and referenced
 * credentials passed on as they are; the unsigned presentation the member signs for compliance.
 */
import type { Principal } from '../../access/principal.js';
import { isObject, VC_V2_CONTEXT, type JsonObject } from '../../credentials/index.js';
import type { RecordedIssueOptions } from '../../issuing/recorded.js';
import type { ScopedSigner } from '../../issuing/signing-policy.js';
import type { RegistrationNumberEvidence } from '../registration-numbers/index.js';
import { presentable, typesOf, type Item } from './items.js';
import { draftOf } from './notary.js';
import type { OnboardedCredential } from './outcome.js';
import type { SupersedePlan } from './supersede.js';

export interface Issuance {
  signer: ScopedSigner;
  principal: Principal;
  holder: string;
  recordOptions: RecordedIssueOptions;
  validityDays: number;
  now: Date;
  /** Notary evidence of the registry look-ups that happened, by draft. */
  evidence: ReadonlyMap<Item, RegistrationNumberEvidence>;
  supersede: SupersedePlan;
}

const unique = (types: string[]): string[] => types.filter((t, i, all) => all.indexOf(t) === i);

function decodePayload(jwt: string): JsonObject {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as JsonObject;
}

/** A credential the member signed, or one this service issued earlier, as it goes into the answer. */
function passedOn(item: Item): OnboardedCredential {
  return {
    id: typeof item.document['id'] === 'string' ? item.document['id'] : undefined,
    type: unique(typesOf(item.document)),
    origin: item.role === 'signed' ? 'submitted' : 'referenced',
    format: typeof item.secured === 'string' || (isObject(item.secured) && item.secured['type'] === 'EnvelopedVerifiableCredential') ? 'vc+jwt' : 'ldp_vc',
    verifiableCredential: presentable(item.secured),
  };
}

/** Signs every draft and gathers the answer's credentials, in the submission's order. */
export async function issueSubmission(items: readonly Item[], issuance: Issuance): Promise<OnboardedCredential[]> {
  const lastDraft = items.filter((item) => item.role === 'draft').at(-1);
  const credentials: OnboardedCredential[] = [];
  for (const item of items) {
    if (item.role !== 'draft') {
      credentials.push(passedOn(item));
      continue;
    }
    // gx-trust acting as notary: a bounded validity (draftOf), and evidence only of a look-up that happened.
    const draft = draftOf(item, issuance.validityDays, issuance.now);
    const evidence = issuance.evidence.get(item);
    if (evidence !== undefined) draft['evidence'] = evidence;
    const options: RecordedIssueOptions = { ...issuance.recordOptions, ...issuance.supersede.optionsOf(item === lastDraft) };
    const issued = await issuance.signer.issueCredential(draft, options, { caller: issuance.principal, onBehalfOf: issuance.holder, pointer: item.origin });
    const document = issued.format === 'vc+jwt' ? decodePayload(issued.jwt) : issued.verifiableCredential;
    credentials.push({
      id: typeof document['id'] === 'string' ? document['id'] : undefined,
      type: unique(typesOf(draft)),
      origin: 'issued',
      format: issued.format,
      verifiableCredential: issued.verifiableCredential,
      ...(issued.format === 'vc+jwt' ? { jwt: issued.jwt } : {}),
    });
  }
  return credentials;
}

/** Unsigned: the holder (the member) signs it with its own key before submitting it for compliance. */
export function unsignedPresentation(holder: string, credentials: readonly OnboardedCredential[]): JsonObject {
  return {
    '@context': [VC_V2_CONTEXT],
    type: ['VerifiablePresentation'],
    holder,
    verifiableCredential: credentials.map((c) => c.verifiableCredential),
  };
}

/** Whether anything was issued, so that a previous set was replaced. */
export const issuedAny = (items: readonly Item[]): boolean => items.some((item) => item.role === 'draft');
