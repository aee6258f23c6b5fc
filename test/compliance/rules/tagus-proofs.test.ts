/**
 * Rule `tagus-proofs` on its own, on the real Tagus 22.10 sample presentation re-signed by loopback
 * parties: every credential's JsonWebSignature2020 proof verifies; the presentation's only when it
 * has one (Tagus clients sent them unsigned).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tagusProofs } from '../../../src/compliance/rules/tagus-proofs.js';
import { createDocumentLoader } from '../../../src/document-loader/index.js';
import { signJsonWebSignature2020 } from '../../../src/formats/json-web-signature-2020/sign.js';
import { serviceSigner, tagusPresentation } from '../fixtures.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';

type Json = Record<string, any>;
const HINT = 'Sign again (JsonWebSignature2020) with a key listed under assertionMethod in your DID document';

let world: RuleWorld;
beforeAll(async () => {
  world = await startRuleWorld();
});
afterAll(async () => {
  await world?.close();
});

const presentation = async () => (await tagusPresentation(world.member, serviceSigner(world.service))) as Json;

/** The presentation signed by the member (JsonWebSignature2020, proof purpose authentication). */
function signed(vp: Json): Promise<Json> {
  return signJsonWebSignature2020({
    document: { ...vp, '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/security/suites/jws-2020/v1'], holder: world.member.did },
    signer: world.member.signer,
    variant: 'standard',
    purpose: 'authentication',
    documentLoader: createDocumentLoader(),
    now: new Date(),
  });
}

describe('tagus-proofs', () => {
  it('passes the unsigned sample presentation whose every credential verifies', async () => {
    const context = await world.context(await presentation());
    // The verifier did say the presentation has no proof: unsigned is how Tagus presented.
    expect(context.submission.report.checks).toContainEqual(expect.objectContaining({ verified: false, code: 'PROOF_MISSING' }));
    expect(await tagusProofs.run(context)).toEqual([]);
  });

  it('passes the sample presentation signed by the participant', async () => {
    expect(await world.run(tagusProofs, await signed(await presentation()))).toEqual([]);
  });

  it('refuses a credential edited after it was signed, pointing at it', async () => {
    const vp = await presentation();
    vp['verifiableCredential'][3]['credentialSubject']['gx:policy'] = 'edited after signing';
    expect(await world.run(tagusProofs, vp)).toEqual([
      expect.objectContaining({ rule: 'tagus-proofs', code: 'INVALID_SIGNATURE', credential: vp['verifiableCredential'][3]['id'], pointer: '/verifiableCredential/3', hint: HINT }),
    ]);
  });

  it('refuses a signed presentation edited after it was signed', async () => {
    const vp = await signed(await presentation());
    const findings = await world.run(tagusProofs, { ...vp, holder: world.assessor.did });
    expect(findings.length).toBeGreaterThan(0);
    expect(findings[0]).toMatchObject({ rule: 'tagus-proofs', credential: 'presentation', hint: HINT });
  });
});
