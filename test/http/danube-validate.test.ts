/** POST /danube/validate: a self-description in any shape members send, findings pointing into it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legalPersonSubmission } from '../../src/danube/example-submissions.js';
import { readSample } from '../danube/fixtures.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

type Submission = ReturnType<typeof legalPersonSubmission> & Record<string, any>[];

function broken(): Submission {
  const submission = legalPersonSubmission() as Submission;
  delete submission[0]!.credentialSubject['gx:legalAddress'];
  return submission;
}

describe('POST /danube/validate', () => {
  it('answers conforms for a complete LegalPerson submission (unsigned credentials)', async () => {
    const response = await postJson(`${svc.url}/danube/validate`, legalPersonSubmission());
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ conforms: true, findings: [] });
  });

  it('names the missing legalAddress with a pointer into the list as sent', async () => {
    const response = await postJson(`${svc.url}/danube/validate`, broken());
    expect(response.status).toBe(200);
    expect(response.body.conforms).toBe(false);
    expect(response.body.findings).toHaveLength(1);
    expect(response.body.findings[0]).toMatchObject({
      pointer: '/0/credentialSubject/gx:legalAddress',
      path: 'https://w3id.org/gaia-x/development#legalAddress',
    });
    expect(response.body.findings[0].hint).toBeTruthy();
  });

  it('points into verifiableCredential when the submission is a presentation', async () => {
    const vp = { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], verifiableCredential: broken() };
    const response = await postJson(`${svc.url}/danube/validate`, vp);
    expect(response.body.findings[0].pointer).toBe('/verifiableCredential/0/credentialSubject/gx:legalAddress');
  });

  it('validates signed vc+jwt credentials sent as a list of JWTs, and says their proofs were not checked here', async () => {
    // Signed by a hosted member as itself: the service signs Danube types only through onboarding.
    const admin = { authorization: `Bearer ${svc.apiKey}` };
    const member = await postJson(`${svc.url}/members`, { slug: 'validating', name: 'Validating GmbH' }, admin);
    expect(member.status, member.text).toBe(201);
    const jwts: string[] = [];
    for (const credential of legalPersonSubmission() as Record<string, unknown>[]) {
      const unsigned = { ...credential, issuer: member.body.did };
      const issued = await postJson(`${svc.url}/credentials/issue`, { credential: unsigned, options: { format: 'vc+jwt' } }, { ...admin, accept: 'application/vc+jwt' });
      expect(issued.status, issued.text).toBe(201);
      jwts.push(issued.text);
    }
    const response = await postJson(`${svc.url}/danube/validate`, jwts);
    expect(response.status, response.text).toBe(200);
    expect(response.body.conforms).toBe(true);
    expect(response.body.warnings[0]).toContain('proofs');
  });

  it('refuses a body that is not a submission with 400', async () => {
    const response = await postJson(`${svc.url}/danube/validate`, '42');
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('INVALID_INPUT');
  });
});

describe('POST /danube/validate never says conforms when it checked nothing', () => {
  const findingsOf = (body: { findings: { rule: string; code?: string; pointer: string }[] }) => body.findings.map((f) => [f.code, f.pointer]);

  it('finds NO_GAIA_X_SUBJECT and PREFIX_NOT_DEFINED in a credential whose gx: terms no context defines', async () => {
    // JSON-LD reads gx:countryCode here as an IRI with the scheme "gx": no shape applies to it.
    const response = await postJson(`${svc.url}/danube/validate`, [{
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential'],
      credentialSubject: { id: 'did:web:member.example', 'gx:countryCode': 'DE' },
    }]);
    expect(response.status, response.text).toBe(200);
    expect(response.body.conforms).toBe(false);
    expect(findingsOf(response.body)).toEqual([
      ['PREFIX_NOT_DEFINED', '/0/credentialSubject/gx:countryCode'],
      ['NO_GAIA_X_SUBJECT', ''],
    ]);
    expect(response.body.findings[0].hint).toContain('https://w3id.org/gaia-x/development#');
  });

  it('finds PREFIX_NOT_DEFINED for an undefined prefix inside an otherwise valid 25.11 submission', async () => {
    const submission = legalPersonSubmission() as Submission;
    submission[2]!['@context'] = ['https://www.w3.org/ns/credentials/v2'];
    const response = await postJson(`${svc.url}/danube/validate`, submission);
    expect(response.body.conforms).toBe(false);
    expect(findingsOf(response.body)).toContainEqual(['PREFIX_NOT_DEFINED', '/2/credentialSubject/gx:gaiaxTermsAndConditions']);
  });

  it('names the 25.11 replacement of every Tagus type and term of the real Tagus participant presentation', async () => {
    const response = await postJson(`${svc.url}/danube/validate`, readSample('tagus-22.10/participant-vp.json'));
    expect(response.status, response.text).toBe(200);
    expect(response.body.conforms).toBe(false);
    const tagus = response.body.findings.filter((f: { code?: string }) => f.code === 'TAGUS_TERM').map((f: { pointer: string; message: string }) => [f.pointer, f.message]);
    expect(tagus).toEqual(expect.arrayContaining([
      ['/verifiableCredential/1/credentialSubject/type', expect.stringContaining('25.11 uses gx:LegalPerson')],
      ['/verifiableCredential/1/credentialSubject/gx:legalName', expect.stringContaining('schema:name')],
      ['/verifiableCredential/1/credentialSubject/gx:legalRegistrationNumber', expect.stringContaining('gx:registrationNumber')],
      ['/verifiableCredential/0/credentialSubject/gx:vatID-countryCode', expect.stringContaining('gx:countryCode')],
      ['/verifiableCredential/2/credentialSubject/type', expect.stringContaining('gx:Issuer')],
      ['/verifiableCredential/2/credentialSubject/gx:termsAndConditions', expect.stringContaining('gx:gaiaxTermsAndConditions')],
    ]));
    expect(findingsOf(response.body)).toContainEqual(['NO_GAIA_X_SUBJECT', '']);
  });

  it('gives a Tagus term a closed 25.11 shape refuses the code TAGUS_TERM and its replacement', async () => {
    const submission = legalPersonSubmission() as Submission;
    submission[0]!.credentialSubject['gx:legalName'] = 'Member GmbH';
    const response = await postJson(`${svc.url}/danube/validate`, submission);
    expect(response.body.findings).toEqual([expect.objectContaining({ rule: 'shacl:closed', code: 'TAGUS_TERM', pointer: '/0/credentialSubject/gx:legalName', hint: expect.stringContaining('schema:name') })]);
  });
});

describe('POST /danube/validate with GX_DANUBE_SHAPES=official and no GX_DANUBE_OFFICIAL_SHAPES_FILE', () => {
  // A fresh install: the official 25.11 shapes the service ships (src/danube/shapes/official).
  let official: RunningService;
  beforeAll(async () => {
    official = await startService({ GX_DANUBE_SHAPES: 'official' });
  });
  afterAll(async () => {
    await official?.close();
  });

  it('validates against the shipped official shapes', async () => {
    const complete = await postJson(`${official.url}/danube/validate`, legalPersonSubmission());
    expect(complete.status, complete.text).toBe(200);
    expect(complete.body).toMatchObject({ conforms: true, findings: [] });
    const missing = await postJson(`${official.url}/danube/validate`, broken());
    expect(missing.body.conforms).toBe(false);
    expect(missing.body.findings.map((f: { pointer: string }) => f.pointer)).toContain('/0/credentialSubject/gx:legalAddress');
  });
});
