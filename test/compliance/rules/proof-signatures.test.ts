/**
 * Rule `proof-signatures` on its own: the proofs of the presentation and of every credential (as
 * the verifier reports them), the holder is the participant, and a held label is about its holder.
 */
import { CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proofSignatures } from '../../../src/compliance/rules/proof-signatures.js';
import { CONTEXT, createParty, daysFromNow, issuerDeclaration, memberCredentials } from '../fixtures.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';

const HINT = 'Sign again with a key listed in your DID document (assertionMethod for credentials, authentication for the presentation)';

let world: RuleWorld;
beforeAll(async () => {
  world = await startRuleWorld();
});
afterAll(async () => {
  await world?.close();
});

/** The same JWT with its last signature characters changed. */
const withBrokenSignature = (jwt: string) => jwt.slice(0, -4) + (jwt.endsWith('AAAA') ? 'BBBB' : 'AAAA');

describe('proof-signatures', () => {
  it('passes a presentation signed by the participant whose every credential verifies', async () => {
    const vp = await world.member.present(await memberCredentials(world, world.member));
    expect(await world.run(proofSignatures, vp)).toEqual([]);
  });

  it('refuses a credential whose signature does not verify, pointing at that credential', async () => {
    const jwts = await memberCredentials(world, world.member);
    jwts[2] = withBrokenSignature(jwts[2]!);
    const findings = await world.run(proofSignatures, await world.member.present(jwts));
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'proof-signatures', code: 'INVALID_SIGNATURE', pointer: '/verifiableCredential/2', hint: HINT }),
    ]);
    expect(findings[0]!.message).toContain(world.member.signer.kid);
  });

  it('refuses a presentation whose own signature does not verify', async () => {
    const vp = await world.member.present(await memberCredentials(world, world.member));
    expect(await world.run(proofSignatures, withBrokenSignature(vp))).toEqual([
      expect.objectContaining({ code: 'INVALID_SIGNATURE', credential: 'presentation', pointer: '', hint: HINT, message: expect.stringMatching(/^presentation proof: /) }),
    ]);
  });

  it('refuses a credential JWT whose protected header names no kid, as the verifier\'s key-binding finding', async () => {
    const payload: Record<string, unknown> = { ...issuerDeclaration(world.member.did), issuer: world.member.did };
    const jwts = await memberCredentials(world, world.member);
    jwts[2] = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'PS256', iss: world.member.did, typ: 'vc+jwt', cty: 'vc' })
      .sign(world.member.privateKey);
    const findings = await world.run(proofSignatures, await world.member.present(jwts));
    expect(findings[0]).toMatchObject({ code: 'KEY_BINDING', credential: payload['id'], pointer: '/verifiableCredential/2', hint: HINT });
    expect(findings[0]!.message).toContain('no kid');
    // The proof check behind it did not run: that is a finding too, never a pass.
    expect(findings.slice(1)).toEqual([expect.objectContaining({ code: 'CHECK_NOT_RUN', pointer: '/verifiableCredential/2' })]);
  });

  it('refuses a presentation signed by someone other than the participant the LegalPerson describes', async () => {
    const other = await createParty(world.server, 'other', world.ca);
    const findings = await world.run(proofSignatures, await other.present(await memberCredentials(world, world.member)));
    expect(findings).toEqual([
      {
        rule: 'proof-signatures',
        code: 'HOLDER_NOT_PARTICIPANT',
        credential: 'presentation',
        // A VP-JWT names its holder in the protected header, not at a JSON pointer.
        pointer: '',
        message: `the presentation is signed by ${other.did}, not by the participant ${world.member.did}`,
        hint: `Sign the presentation with a key of ${world.member.did} (its DID document's authentication method)`,
      },
    ]);
  });

  it('refuses a label about another participant, presented by the member', async () => {
    const other = await createParty(world.server, 'label-holder', world.ca);
    const label = await world.notarise({
      '@context': CONTEXT,
      id: `urn:uuid:label-of-${other.did.length}`,
      type: ['VerifiableCredential', 'gx:LabelCredential'],
      validFrom: daysFromNow(-1),
      validUntil: daysFromNow(30),
      credentialSubject: { id: other.did, 'gx:compliantCredentials': [] },
    });
    const vp = await world.member.present([...(await memberCredentials(world, world.member)), label.jwt]);
    expect(await world.run(proofSignatures, vp)).toEqual([
      {
        rule: 'proof-signatures',
        code: 'LABEL_SUBJECT_MISMATCH',
        credential: label.id,
        pointer: '/verifiableCredential/4/credentialSubject/id',
        message: `the label is about ${other.did}, but the presentation is held by ${world.member.did}`,
        hint: 'Present only labels issued about you; a label of another participant vouches for that participant alone',
      },
    ]);
  });
});
