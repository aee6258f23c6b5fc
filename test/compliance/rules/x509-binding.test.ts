/**
 * Rule `x509-binding` on its own: every key that signed (the presentation's and each credential's)
 * carries an X.509 chain to a configured trust anchor, whose leaf certifies that very key.
 */
import { createPublicKey } from 'node:crypto';
import { exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { x509Binding } from '../../../src/compliance/rules/x509-binding.js';
import { createCa, createParty, issuerDeclaration, memberCredentials, type Party } from '../fixtures.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';

const CHAIN_HINT = 'Use a certificate chain that leads to a configured trust anchor, whose leaf certifies exactly the published key and which stays valid until the credential expires';

let world: RuleWorld;
beforeAll(async () => {
  world = await startRuleWorld();
});
afterAll(async () => {
  await world?.close();
});

/** Findings for a party presenting its own credentials (the VAT id notarised by the service, whose key is bound). */
async function ownPresentation(party: Party) {
  return world.run(x509Binding, await party.present(await memberCredentials(world, party)));
}

describe('x509-binding', () => {
  it('passes keys whose chains lead to the configured anchor', async () => {
    expect(await ownPresentation(world.member)).toEqual([]);
  });

  it('refuses every key of a party whose chain ends at an unknown anchor: the presentation\'s and each credential it signed', async () => {
    const stranger = await createParty(world.server, 'stranger', await createCa('not a Gaia-X anchor'));
    const findings = await ownPresentation(stranger);
    expect(findings.map((f) => [f.code, f.pointer])).toEqual([
      ['X509_CHAIN', ''],
      ['X509_CHAIN', '/verifiableCredential/0'],
      ['X509_CHAIN', '/verifiableCredential/2'],
      ['X509_CHAIN', '/verifiableCredential/3'],
    ]);
    for (const f of findings) {
      expect(f).toMatchObject({ rule: 'x509-binding', hint: CHAIN_HINT });
      expect(f.message).toContain('not a configured trust anchor');
    }
    expect(findings[0]!.credential).toBe('presentation');
  });

  it('refuses a key whose leaf certificate certifies another key', async () => {
    const mismatched = await createParty(world.server, 'mismatched', world.ca, { leafForAnotherKey: true });
    const findings = await ownPresentation(mismatched);
    expect(findings).toHaveLength(4);
    expect(findings.every((f) => f.code === 'X509_CHAIN' && f.hint === CHAIN_HINT)).toBe(true);
  });

  it('refuses a key published without x5c or x5u', async () => {
    const bare = await createParty(world.server, 'bare', world.ca);
    const jwk = { ...(await exportJWK(createPublicKey(bare.privateKey))), alg: 'PS256' };
    world.server.setDocument(bare.did, {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
      id: bare.did,
      verificationMethod: [{ id: bare.signer.kid, type: 'JsonWebKey2020', controller: bare.did, publicKeyJwk: jwk }],
      assertionMethod: [bare.signer.kid],
      authentication: [bare.signer.kid],
    });
    const findings = await ownPresentation(bare);
    expect(findings.map((f) => [f.code, f.pointer])).toEqual([
      ['X509_MISSING', ''],
      ['X509_MISSING', '/verifiableCredential/0'],
      ['X509_MISSING', '/verifiableCredential/2'],
      ['X509_MISSING', '/verifiableCredential/3'],
    ]);
    expect(findings[0]!.hint).toBe('Publish the key in the DID document as a JsonWebKey2020 method whose publicKeyJwk has x5c (or x5u), leaf first, issued under a Gaia-X trust anchor');
  });

  it('leaves a key that could not be resolved to the proof rule', async () => {
    const ghost = await createParty(world.server, 'ghost', world.ca);
    const jwts = await memberCredentials(world, world.member);
    jwts[2] = await ghost.sign(issuerDeclaration(ghost.did));
    world.server.setRoute('/ghost/did.json', (_req, res) => {
      res.writeHead(404).end();
    });
    const context = await world.context(await world.member.present(jwts));
    expect(context.submission.credentials[2]!.report.verified).toBe(false);
    expect(await x509Binding.run(context)).toEqual([]);
  });
});
