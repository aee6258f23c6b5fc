/**
 * Compliance end to end over HTTP: a member signs its Danube credentials with its own did:web key
 * (X.509-bound through x5c to a trusted anchor), the service notarises its VAT id, the member posts
 * a VP-JWT to the Gaia-X compliance path, gets a label credential, and a connector verifies the
 * label together with the credentials it covers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../helpers/service.js';
import { createParty, memberCredentials, startComplianceWorld, submit, type ComplianceWorld, type Party } from '../compliance/fixtures.js';
import { digestSRI } from '../../src/compliance/digest.js';
import { createSelfDescriptionValidator } from '../../src/danube/validate.js';
import { createDocumentLoader } from '../../src/document-loader/index.js';
import { decodeJwt } from 'jose';

let world: ComplianceWorld;
let member: Party;

beforeAll(async () => {
  world = await startComplianceWorld();
  member = await createParty(world.server, 'member', world.ca);
});

afterAll(async () => {
  await world?.close();
});

const checkOf = (report: { checks: { check: string }[] }, name: string) => report.checks.find((c) => c.check === name) as { verified: boolean; code?: string; message?: string } | undefined;

describe('POST /api/credential-offers/standard-compliance', () => {
  it('issues a gx:LabelCredential as vc+jwt that a connector verifies with the credentials it covers', async () => {
    const credentials = await memberCredentials(world, member);
    const vp = await member.present(credentials);
    const answer = await submit(world, '/api/credential-offers/standard-compliance?vcid=https://member.example/labels/1', vp);
    expect(answer.status, answer.text).toBe(201);
    expect(answer.contentType).toContain('application/vc+jwt');
    const label = decodeJwt(answer.text) as Record<string, any>;
    expect(label['id']).toBe('https://member.example/labels/1');
    expect(label['type']).toEqual(['VerifiableCredential', 'gx:LabelCredential']);
    expect(label['issuer']).toBe(world.service.service.keyring.did);
    const subject = label['credentialSubject'];
    expect(subject.id).toBe(member.did);
    expect(subject['gx:labelLevel']).toBe('SC');
    expect(subject['gx:validatedCriteria']).toContain('https://w3id.org/gx-trust/compliance/v1#automated-validation');
    expect(subject['gx:compliantCredentials']).toHaveLength(4);
    expect(subject['gx:compliantCredentials'][0].digestSRI).toBe(digestSRI(decodeJwt(credentials[0]!)));
    expect(subject['gx:compliantCredentials'][0]['gx:credentialType']).toBe('gx:LegalPerson');
    // What a Loire/Danube client checks: the official 25.11 gx:LabelCredentialShape holds.
    expect(subject.type).toBe('gx:LabelCredential');
    expect(subject['gx:compliantCredentials'][0].type).toBe('gx:CompliantCredential');
    const official = createSelfDescriptionValidator({ shapes: 'official', documentLoader: createDocumentLoader() });
    expect(await official.validate([label])).toEqual({ conforms: true, findings: [] });
    const emptied = { ...label, credentialSubject: { ...subject, 'gx:validatedCriteria': [] } };
    expect((await official.validate([emptied])).findings).toEqual([expect.objectContaining({ rule: 'shacl:minCount', pointer: '/0/credentialSubject/gx:validatedCriteria' })]);
    // 90 days at most, and never past an input credential (180 days here).
    const days = (Date.parse(label['validUntil']) - Date.parse(label['validFrom'])) / 86_400_000;
    expect(days).toBeLessThanOrEqual(90);
    expect(days).toBeGreaterThan(89);

    // The connector: the label alone (issuer trusted), then with the covered credentials.
    const alone = await postJson(`${world.service.url}/credentials/verify`, answer.text, { 'content-type': 'application/vc+jwt' });
    expect(alone.status, alone.text).toBe(200);
    expect(checkOf(alone.body, 'compliance')?.verified).toBe(true);

    const shown = await member.present([answer.text, ...credentials]);
    const verified = await postJson(`${world.service.url}/presentations/verify`, shown, { 'content-type': 'application/vp+jwt' });
    expect(verified.status, verified.text).toBe(200);
    expect(checkOf(verified.body, 'compliance')).toMatchObject({ verified: true });
    expect(checkOf(verified.body, 'compliance')?.message).toContain('matching digests');
  });

  it('a connector refuses the label when a covered credential is swapped for another validly signed one', async () => {
    const credentials = await memberCredentials(world, member);
    const answer = await submit(world, '/api/credential-offers/standard-compliance', await member.present(credentials));
    expect(answer.status, answer.text).toBe(201);
    const { iat: _iat, exp: _exp, ...offering } = decodeJwt(credentials[3]!) as Record<string, any>;
    const swappedOffering = await member.sign({ ...offering, credentialSubject: { ...offering['credentialSubject'], 'schema:name': 'Something else' } });
    const shown = await member.present([answer.text, credentials[0]!, credentials[1]!, credentials[2]!, swappedOffering]);
    const verified = await postJson(`${world.service.url}/presentations/verify`, shown, { 'content-type': 'application/vp+jwt' });
    expect(verified.status).toBe(422);
    expect(checkOf(verified.body, 'compliance')).toMatchObject({ verified: false, code: 'DIGEST_MISMATCH' });
  });

  it('answers JSON when the client asks for it, and records the decision for auditors', async () => {
    const vp = await member.present(await memberCredentials(world, member));
    const answer = await submit(world, '/api/credential-offers/label-level-1', vp, { accept: 'application/json' });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.labelLevel).toBe('L1');
    expect(answer.body.verifiableCredential.type).toBe('EnvelopedVerifiableCredential');
    const decision = await world.service.service.store.getDecision(answer.body.decisionId);
    expect(decision?.decision).toMatchObject({ outcome: 'issued', requestedLevel: 'L1', labelLevel: 'L1', input: vp.trim() });
    expect((decision?.decision['trustAnchors'] as string[]).length).toBeGreaterThanOrEqual(2);
    expect(decision?.decision['credentials']).toHaveLength(4);
  });

  describe('a label is bound to its subject', () => {
    let label: string;
    let credentials: string[];
    let other: Party;

    beforeAll(async () => {
      credentials = await memberCredentials(world, member);
      const answer = await submit(world, '/api/credential-offers/standard-compliance', await member.present(credentials));
      expect(answer.status, answer.text).toBe(201);
      label = answer.text;
      other = await createParty(world.server, 'member-b', world.ca);
    });

    const verifyVp = (vp: string) => postJson(`${world.service.url}/presentations/verify`, vp, { 'content-type': 'application/vp+jwt' });

    it('a connector accepts the label from its subject and refuses it from anyone else, with the covered credentials alike', async () => {
      const own = await verifyVp(await member.present([label, ...credentials]));
      expect(own.status, own.text).toBe(200);
      expect(checkOf(own.body, 'compliance')).toMatchObject({ verified: true });

      const borrowed = await verifyVp(await other.present([label, ...credentials]));
      expect(borrowed.status, borrowed.text).toBe(422);
      expect(checkOf(borrowed.body, 'compliance')).toMatchObject({ verified: false, code: 'LABEL_SUBJECT_MISMATCH' });
      expect(checkOf(borrowed.body, 'compliance')?.message).toContain(other.did);
      const alone = await verifyVp(await other.present([label]));
      expect(checkOf(alone.body, 'compliance')).toMatchObject({ verified: false, code: 'LABEL_SUBJECT_MISMATCH' });
    });

    it('the compliance engine refuses a presentation holding another participant\'s label, and accepts one holding its own', async () => {
      const borrowed = await submit(world, '/compliance?dryRun=true', await other.present([...(await memberCredentials(world, other)), label]));
      expect(borrowed.status, borrowed.text).toBe(422);
      expect(borrowed.body.findings).toEqual([
        expect.objectContaining({ rule: 'proof-signatures', code: 'LABEL_SUBJECT_MISMATCH', pointer: '/verifiableCredential/4/credentialSubject/id', message: expect.stringContaining(other.did), hint: expect.any(String) }),
      ]);
      const own = await submit(world, '/compliance?dryRun=true', await member.present([...(await memberCredentials(world, member)), label]));
      expect(own.status, own.text).toBe(200);
    });
  });

  it('needs an API key', async () => {
    const answer = await postJson(`${world.service.url}/api/credential-offers/standard-compliance`, 'x.y.z', { 'content-type': 'application/vp+jwt' });
    expect(answer.status).toBe(401);
  });

  it('answers 400 to input that is not a presentation', async () => {
    const [lp] = await memberCredentials(world, member);
    const asCredential = await submit(world, '/api/credential-offers/standard-compliance', lp!);
    expect(asCredential.status).toBe(400);
    expect(asCredential.body.code).toBe('INVALID_INPUT');
    const garbage = await submit(world, '/api/credential-offers/standard-compliance', 'not a jwt');
    expect(garbage.status).toBe(400);
  });
});

describe('POST /compliance', () => {
  it('a dry run runs every check in order and issues nothing', async () => {
    const vp = await member.present(await memberCredentials(world, member));
    const answer = await postJson(`${world.service.url}/compliance`, { presentation: vp, options: { dryRun: true, labelLevel: 'L1' } }, world.auth);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.issued).toBeUndefined();
    expect(answer.body.outcome).toBe('dry-run-passed');
    expect(answer.body.findings).toEqual([]);
    expect(answer.body.checks.map((c: { rule: string }) => c.rule)).toEqual([
      'proof-signatures', 'x509-binding', 'shapes', 'legal-person-issuer', 'issuer-terms', 'registration-number-notary',
      'country-codes', 'references', 'validity', 'revocation', 'label-criteria',
    ]);
  });

  it('issues with the JSON answer, and takes ?dryRun=true on a raw VP-JWT', async () => {
    const vp = await member.present(await memberCredentials(world, member));
    const issued = await postJson(`${world.service.url}/compliance`, { presentation: vp }, world.auth);
    expect(issued.status, issued.text).toBe(201);
    expect(issued.body).toMatchObject({ labelLevel: 'SC', outcome: 'issued', findings: [] });
    expect(typeof issued.body.issued.jwt).toBe('string');
    const dry = await postJson(`${world.service.url}/compliance?dryRun=true&labelLevel=L1`, vp, { 'content-type': 'application/vp+jwt', ...world.auth });
    expect(dry.status, dry.text).toBe(200);
    expect(dry.body.outcome).toBe('dry-run-passed');
  });
});
