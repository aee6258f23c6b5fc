/**
 * What each rule's own test runs it on: the RuleContext the engine would hand it for a
 * presentation. The presentation is read by readSubmission with the service's own verifier (real
 * signatures, DIDs resolved over loopback, X.509 chains to the world's test anchor, status lists)
 * and the context is built by the engine's createRuleContext, with the trusted issuers the world's
 * GX_TRUSTED_ISSUERS names (the assessor; the service itself is a trusted notary and issuer).
 */
import { createRuleContext } from '../../../src/compliance/engine.js';
import type { LabelLevel } from '../../../src/compliance/criteria.js';
import { readSubmission } from '../../../src/compliance/submission.js';
import { createTrustedIssuers } from '../../../src/compliance/trusted-issuers.js';
import type { ComplianceFinding, ComplianceRule, RuleContext } from '../../../src/compliance/types.js';
import { createParty, startComplianceWorld, type ComplianceWorld, type Party } from '../fixtures.js';

export interface ContextOptions {
  /** The decision's instant (the engine's clock); now by default. */
  now?: Date;
  level?: LabelLevel;
  uncheckedNumbers?: 'refuse' | 'warn';
  /** Rules that ran before and failed (the label rule reads them). */
  failedRules?: readonly string[];
}

export interface RuleWorld extends ComplianceWorld {
  /** A member with an X.509-bound key on the world's did:web server. */
  member: Party;
  context(input: unknown, options?: ContextOptions): Promise<RuleContext>;
  /** The rule's findings for `input`, as the engine would collect them. */
  run(rule: ComplianceRule, input: unknown, options?: ContextOptions): Promise<ComplianceFinding[]>;
}

export async function startRuleWorld(): Promise<RuleWorld> {
  const world = await startComplianceWorld();
  const member = await createParty(world.server, 'member', world.ca);
  const { service } = world.service;
  const trusted = createTrustedIssuers(service.keyring.did, { assessors: [world.assessor.did] });
  const context = async (input: unknown, options: ContextOptions = {}): Promise<RuleContext> => {
    const now = options.now ?? new Date();
    const submission = await readSubmission(input, service.verifier, { now });
    return createRuleContext(
      submission,
      { serviceDid: service.keyring.did, trusted, selfDescriptionValidator: service.selfDescriptionValidator, uncheckedNumbers: options.uncheckedNumbers ?? 'refuse' },
      { now, level: options.level ?? 'SC', failedRules: new Set(options.failedRules ?? []) },
    );
  };
  return {
    ...world,
    member,
    context,
    run: async (rule, input, options) => rule.run(await context(input, options)),
  };
}
