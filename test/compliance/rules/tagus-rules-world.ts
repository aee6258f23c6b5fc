/**
 * What the Tagus rule tests share: the real 22.10 sample presentation re-signed by loopback
 * parties (the service notarises the registration number, the member signs the rest), and
 * Tagus-vocabulary credentials built on the sample's contexts.
 */
import { TAGUS_TRUST_FRAMEWORK_CONTEXT, VC_V1_CONTEXT, JWS_2020_CONTEXT } from '../../../src/compliance/tagus.js';
import { serviceSigner, tagusPresentation } from '../fixtures.js';
import type { RuleWorld } from './rule-context.js';

type Json = Record<string, any>;

export const presentation = async (world: RuleWorld): Promise<Json> => (await tagusPresentation(world.member, serviceSigner(world.service))) as Json;

/** An unsigned Tagus credential about `subject` (the sample's three contexts). */
export function tagusCredential(id: string, subject: Json): Json {
  return { '@context': [VC_V1_CONTEXT, JWS_2020_CONTEXT, TAGUS_TRUST_FRAMEWORK_CONTEXT], type: 'VerifiableCredential', id, credentialSubject: { id: `${id}#cs`, ...subject } };
}
