/**
 * One failing submission per rule, each posted over HTTP to the Gaia-X compliance path: 422 with
 * exactly that rule's finding (and no other rule failing), with the finding's code, credential
 * and pointer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../helpers/service.js';
import {
  address,
  attestation,
  createCa,
  createParty,
  daysFromNow,
  legalPerson,
  memberCredentials,
  serviceOffering,
  startComplianceWorld,
  submit,
  vatId,
  type ComplianceWorld,
  type Party,
} from '../compliance/fixtures.js';

let world: ComplianceWorld;
let member: Party;

beforeAll(async () => {
  world = await startComplianceWorld();
  member = await createParty(world.server, 'member', world.ca);
});

afterAll(async () => {
  await world?.close();
});

interface Finding { rule: string; code: string; credential: string; pointer: string; message: string; hint: string; criterion?: string }

async function refused(path: string, vp: string): Promise<Finding[]> {
  const answer = await submit(world, path, vp);
  expect(answer.status, answer.text).toBe(422);
  expect(answer.body.code).toBe('COMPLIANCE_FAILED');
  const findings = answer.body.findings as Finding[];
  for (const f of findings) {
    expect(f.message.length).toBeGreaterThan(0);
    expect(f.hint.length).toBeGreaterThan(0);
  }
  return findings;
}

const rulesOf = (findings: Finding[]) => [...new Set(findings.map((f) => f.rule))];

describe('each rule refuses on its own', () => {
  it('issuer-terms: the gx:Issuer credential is missing', async () => {
    const vp = await member.present(await memberCredentials(world, member, { issuer: null }));
    const findings = await refused('/api/credential-offers/standard-compliance', vp);
    expect(rulesOf(findings)).toEqual(['issuer-terms']);
    expect(findings[0]).toMatchObject({ code: 'TERMS_NOT_ACCEPTED', credential: 'presentation', pointer: '/verifiableCredential' });
    expect(findings[0]!.message).toContain(member.did);
  });

  it('registration-number-notary: the VAT id is signed by an untrusted key (the member itself)', async () => {
    const vp = await member.present(await memberCredentials(world, member, { vatSigner: member }));
    const findings = await refused('/api/credential-offers/standard-compliance', vp);
    expect(rulesOf(findings)).toEqual(['registration-number-notary']);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'UNTRUSTED_NOTARY', pointer: '/verifiableCredential/1/issuer' });
  });

  it('registration-number-notary: the LegalPerson names no registration number credential that is presented', async () => {
    const lp = legalPerson(member.did, { 'gx:registrationNumber': { id: `${member.did}#lei` } });
    const vp = await member.present(await memberCredentials(world, member, { legalPerson: lp }));
    const findings = await refused('/api/credential-offers/standard-compliance', vp);
    expect(rulesOf(findings)).toEqual(['registration-number-notary']);
    expect(findings.map((f) => f.code)).toEqual(['REGISTRATION_NUMBER_MISSING', 'REGISTRATION_NUMBER_MISSING']);
    expect(findings[0]!.pointer).toBe('/verifiableCredential/0/credentialSubject/gx:registrationNumber');
  });

  it('x509-binding: the member key chains to an unknown anchor', async () => {
    const stranger = await createParty(world.server, 'stranger', await createCa('not a Gaia-X anchor'));
    const vp = await stranger.present(await memberCredentials(world, stranger));
    const findings = await refused('/api/credential-offers/standard-compliance', vp);
    expect(rulesOf(findings)).toEqual(['x509-binding']);
    expect(new Set(findings.map((f) => f.code))).toEqual(new Set(['X509_CHAIN']));
    // The presentation and the three credentials the member signed; the notarised VAT id is fine.
    expect(findings.map((f) => f.credential)).toHaveLength(4);
    expect(findings[0]!.credential).toBe('presentation');
  });

  it('x509-binding: the JWK is not the key of the leaf certificate', async () => {
    const mismatched = await createParty(world.server, 'mismatched', world.ca, { leafForAnotherKey: true });
    const vp = await mismatched.present(await memberCredentials(world, mismatched));
    const findings = await refused('/api/credential-offers/standard-compliance', vp);
    expect(rulesOf(findings)).toEqual(['x509-binding']);
    expect(findings.every((f) => f.code === 'X509_CHAIN' && /leaf|key/i.test(f.message))).toBe(true);
  });

  it('references: the ServiceOffering\'s providedBy is dangling (and the shapes rule does not report it twice)', async () => {
    const offering = serviceOffering(member.did, { 'gx:providedBy': { id: 'did:web:elsewhere.example#lp' } });
    const vp = await member.present(await memberCredentials(world, member, { offering }));
    const findings = await refused('/api/credential-offers/standard-compliance', vp);
    expect(rulesOf(findings)).toEqual(['references']);
    expect(findings).toEqual([expect.objectContaining({ code: 'DANGLING_REFERENCE', pointer: '/verifiableCredential/3/credentialSubject/gx:providedBy' })]);
  });

  it('revocation: an input credential is revoked', async () => {
    const vat = vatId(member.did);
    const notarised = await world.notarise(vat);
    const revoke = await postJson(`${world.service.url}/credentials/status`, {
      credentialId: notarised.id,
      credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }],
    }, world.auth);
    expect(revoke.status, revoke.text).toBe(200);
    const jwts = await memberCredentials(world, member);
    jwts[1] = notarised.jwt;
    const findings = await refused('/api/credential-offers/standard-compliance', await member.present(jwts));
    expect(rulesOf(findings)).toEqual(['revocation']);
    expect(findings).toEqual([expect.objectContaining({ code: 'CREDENTIAL_REVOKED', credential: notarised.id, pointer: '/verifiableCredential/1/credentialStatus' })]);
  });

  it('validity: an input credential has expired', async () => {
    const expired = legalPerson(member.did, {}, { validFrom: daysFromNow(-30), validUntil: daysFromNow(-1) });
    const vp = await member.present(await memberCredentials(world, member, { legalPerson: expired }));
    const findings = await refused('/api/credential-offers/standard-compliance', vp);
    expect(rulesOf(findings)).toEqual(['validity']);
    expect(findings).toEqual([expect.objectContaining({ code: 'VALIDITY_PERIOD', credential: expired['id'] })]);
  });

  it('label-criteria: Level 3 asked for by a provider headquartered outside the EU', async () => {
    const usHq = legalPerson(member.did, { 'gx:headquartersAddress': { ...address('US'), 'vcard:locality': 'Austin' } });
    const assessed = await world.assessor.sign(attestation(world.assessor.did, member.did, 'L3'));
    const vp = await member.present(await memberCredentials(world, member, { legalPerson: usHq, extra: [assessed] }));
    const findings = await refused('/api/credential-offers/label-level-3', vp);
    expect(rulesOf(findings)).toEqual(['label-criteria']);
    expect(findings).toEqual([
      expect.objectContaining({
        code: 'LABEL_CRITERIA_UNMET',
        criterion: 'https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#P5.1.4',
        pointer: '/verifiableCredential/0/credentialSubject/gx:headquartersAddress/gx:countryCode',
      }),
    ]);
  });

  it('label-criteria: the same provider gets Level 2, whose criteria it meets', async () => {
    const usHq = legalPerson(member.did, { 'gx:headquartersAddress': { ...address('US'), 'vcard:locality': 'Austin' } });
    const assessed = await world.assessor.sign(attestation(world.assessor.did, member.did, 'L3'));
    const vp = await member.present(await memberCredentials(world, member, { legalPerson: usHq, extra: [assessed] }));
    const answer = await submit(world, '/api/credential-offers/label-level-2', vp, { accept: 'application/json' });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.labelLevel).toBe('L2');
  });

  it('label-criteria: Level 2 is never assumed without a trusted assessor\'s attestation', async () => {
    const selfAssessed = await member.sign(attestation(member.did, member.did, 'L3'));
    const vp = await member.present(await memberCredentials(world, member, { extra: [selfAssessed] }));
    const findings = await refused('/api/credential-offers/label-level-2', vp);
    expect(rulesOf(findings)).toEqual(['label-criteria']);
    expect(findings[0]!.criterion).toBe('https://w3id.org/gx-trust/compliance/v1#conformity-assessment');
  });

  it('country-codes: the VAT id belongs to another country than the legal address', async () => {
    const vp = await member.present(await memberCredentials(world, member, { vat: vatId(member.did, 'FR40303265045') }));
    const findings = await refused('/api/credential-offers/standard-compliance', vp);
    expect(rulesOf(findings)).toEqual(['country-codes']);
    expect(findings.map((f) => f.pointer)).toEqual([
      '/verifiableCredential/1/credentialSubject/gx:countryCode',
      '/verifiableCredential/1/credentialSubject/gx:vatID',
    ]);
  });

  it('proof-signatures: the presentation is signed by someone other than the participant', async () => {
    const other = await createParty(world.server, 'other', world.ca);
    const vp = await other.present(await memberCredentials(world, member));
    const findings = await refused('/api/credential-offers/standard-compliance', vp);
    expect(rulesOf(findings)).toEqual(['proof-signatures']);
    expect(findings).toEqual([expect.objectContaining({ code: 'HOLDER_NOT_PARTICIPANT', credential: 'presentation' })]);
  });

  it('proof-signatures: an unresolvable issuer DID has its own code', async () => {
    const ghost = await createParty(world.server, 'ghost', world.ca);
    const jwts = await memberCredentials(world, member);
    jwts[2] = await ghost.sign({ ...(await import('../compliance/fixtures.js')).issuerDeclaration(ghost.did) });
    world.server.setRoute('/ghost/did.json', (_req, res) => { res.writeHead(404).end(); });
    const findings = await refused('/api/credential-offers/standard-compliance', await member.present(jwts));
    expect(findings[0]).toMatchObject({ rule: 'proof-signatures', pointer: '/verifiableCredential/2' });
    expect(['DID_NOT_FOUND', 'DID_RESOLUTION_FAILED']).toContain(findings[0]!.code);
  });

  it('a refusal is recorded as a decision too', async () => {
    const vp = await member.present(await memberCredentials(world, member, { issuer: null }));
    const answer = await submit(world, '/api/credential-offers/standard-compliance', vp);
    expect(answer.status).toBe(422);
    const record = await world.service.service.store.getDecision(answer.body.decisionId);
    expect(record?.decision).toMatchObject({ outcome: 'refused', requestedLevel: 'SC' });
  });
});
