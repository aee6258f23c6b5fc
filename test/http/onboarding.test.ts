/**
 * Onboarding over HTTP with the real app: POST /participants and POST /service-offerings issue
 * Danube credentials only when the whole self-description conforms; every issued credential
 * verifies with the core, and a refused submission leaves no credential and no audit entry.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDidWebServer, type DidWebServer } from '../helpers/did-web-server.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';

const CURRENT_TC = '067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515';
const DEPRECATED_TC = '4bd7554097444c960292b4726c2efa1373485e8a5565d94d41195214c5e0ceb3';
const MEMBER = 'did:web:member.example';
const CONTEXT = ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'];
const IPCEI_CONTEXT = 'https://w3id.org/gx-trust/ipcei-ai/v1';

// The service clock; a test moves it to judge the dated terms and conditions.
let now = new Date('2026-03-01T12:00:00Z');
let svc: RunningService;
beforeAll(async () => {
  svc = await startService({}, { clock: () => new Date(now) });
});
afterAll(async () => {
  await svc?.close();
});

function address(overrides: Record<string, unknown> = {}) {
  return { countryCode: 'DE', region: 'DE30', locality: 'Berlin', streetAddress: 'Sample Street 1', postalCode: '10115', ...overrides };
}

function participant(overrides: Record<string, unknown> = {}) {
  return {
    id: MEMBER,
    name: 'Member GmbH',
    legalAddress: address(),
    headquartersAddress: address(),
    registrationNumbers: [
      { type: 'gx:VatID', value: 'DE136695976', countryCode: 'DE' },
      { type: 'gx:LeiCode', value: '9695007586GCAKPYJ703', countryCode: 'DE' },
    ],
    termsAndConditions: CURRENT_TC,
    ...overrides,
  };
}

const admin = () => ({ authorization: `Bearer ${svc.apiKey}` });

async function onboard(path: string, body: unknown, headers: Record<string, string> = {}) {
  return postJson(`${svc.url}${path}`, body, { ...admin(), ...headers });
}

function payloadOf(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}

async function expectVerified(verifiableCredential: unknown) {
  const verified = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential });
  expect(verified.status, verified.text).toBe(200);
  expect(verified.body.verified).toBe(true);
}

/** A refused request must leave the store as it was: no credential row, no audit entry. */
async function expectNothingIssued(run: () => Promise<{ status: number; body: any }>) {
  const before = await svc.service.store.auditSize();
  const response = await run();
  expect(await svc.service.store.auditSize()).toBe(before);
  return response;
}

describe('POST /participants', () => {
  it('issues the LegalPerson, one notarised VC per registration number and the Issuer VC in the Danube format, and a VP that validates', async () => {
    const response = await onboard('/participants', { participant: participant() });
    expect(response.status, response.text).toBe(201);
    const { credentials, verifiablePresentation, holder, legalPersonId, registryLookups } = response.body;
    expect(holder).toBe(MEMBER);
    expect(legalPersonId).toBe(`${MEMBER}#legal-person`);
    expect(credentials.map((c: any) => c.type)).toEqual([
      ['VerifiableCredential', 'gx:LegalPerson'],
      ['VerifiableCredential', 'gx:VatID'],
      ['VerifiableCredential', 'gx:LeiCode'],
      ['VerifiableCredential', 'gx:Issuer'],
    ]);
    for (const credential of credentials) {
      expect(credential.origin).toBe('issued');
      const header = JSON.parse(Buffer.from(credential.jwt.split('.')[0], 'base64url').toString('utf8'));
      expect(header).toMatchObject({ alg: 'PS256', typ: 'vc+ld+json+jwt' });
      expect(header.kid.startsWith(`${svc.service.keyring.did}#`)).toBe(true);
      expect(payloadOf(credential.jwt).issuer).toBe(svc.service.keyring.did);
      await expectVerified(credential.verifiableCredential);
      expect((await svc.service.store.getCredential(credential.id))?.credential).toBe(credential.jwt);
    }
    // Notary credentials: 90 days, and no evidence, because no registry was asked.
    const vat = payloadOf(credentials[1].jwt);
    expect(Date.parse(vat.validUntil) - Date.parse(vat.validFrom)).toBe(90 * 86_400_000);
    expect(vat.evidence).toBeUndefined();
    expect(registryLookups.map((l: any) => [l.pointer, l.status])).toEqual([
      ['/participant/registrationNumbers/0/value', 'not-checked'],
      ['/participant/registrationNumbers/1/value', 'not-checked'],
    ]);
    expect(verifiablePresentation).toMatchObject({ type: ['VerifiablePresentation'], holder: MEMBER });
    expect(verifiablePresentation.proof).toBeUndefined();
    const validated = await postJson(`${svc.url}/danube/validate`, verifiablePresentation);
    expect(validated.status, validated.text).toBe(200);
    expect(validated.body).toMatchObject({ conforms: true, findings: [] });
  });

  it('issues Data Integrity credentials on request', async () => {
    const response = await onboard('/participants', { participant: participant(), options: { format: 'ldp_vc' } });
    expect(response.status, response.text).toBe(201);
    for (const credential of response.body.credentials) {
      expect(credential.verifiableCredential.proof.cryptosuite).toBe('eddsa-rdfc-2022');
      await expectVerified(credential.verifiableCredential);
    }
  });

  it('answers a retry with the same Idempotency-Key with the same credentials, issuing nothing twice', async () => {
    const body = { participant: participant({ name: 'Retry GmbH' }) };
    const first = await onboard('/participants', body, { 'idempotency-key': 'onboard-1' });
    expect(first.status, first.text).toBe(201);
    const retry = await expectNothingIssued(() => onboard('/participants', body, { 'idempotency-key': 'onboard-1' }));
    expect(retry.body).toEqual(first.body);
    const other = await onboard('/participants', { participant: participant({ name: 'Other' }) }, { 'idempotency-key': 'onboard-1' });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  describe('refuses with 422, a finding at the field in the request, and issues nothing', () => {
    it.each([
      ['a missing legal address', { legalAddress: undefined }, [['shacl:minCount', '/participant/legalAddress']]],
      ['a bad country code', { headquartersAddress: address({ countryCode: 'XX' }) }, [['shacl:in', '/participant/headquartersAddress/countryCode']]],
      [
        'a LEI with wrong check digits',
        { registrationNumbers: [{ type: 'gx:LeiCode', value: '9695007586GCAKPYJ704' }] },
        [['gx:LeiCode/check-digits', '/participant/registrationNumbers/0/value']],
      ],
      [
        'a VAT id with a wrong check digit',
        { registrationNumbers: [{ type: 'gx:VatID', value: 'DE136695977', countryCode: 'DE' }] },
        [['gx:VatID/check-digit', '/participant/registrationNumbers/0/value']],
      ],
      // The shapes and the compliance rule registration-number-notary both say it, as at compliance.
      ['no registration number', { registrationNumbers: [] }, [['shacl:minCount', '/participant/registrationNumbers'], ['registration-number-notary', '/participant/registrationNumbers']]],
      ['no terms and conditions', { termsAndConditions: undefined }, [['shacl:minCount', '/participant/termsAndConditions']]],
    ])('%s', async (_name, overrides, expected) => {
      const response = await expectNothingIssued(() => onboard('/participants', { participant: participant(overrides) }));
      expect(response.status, JSON.stringify(response.body)).toBe(422);
      expect(response.body.code).toBe('SELF_DESCRIPTION_INVALID');
      expect(response.body.findings.map((f: any) => [f.rule, f.pointer])).toEqual(expected);
      expect(response.body.errors[0]).toMatchObject({ code: 'SELF_DESCRIPTION_INVALID', pointer: expected[0]![1] });
      expect(response.body.errors[0].hint).toBeTruthy();
    });

    it('lists every finding, not only the first', async () => {
      const response = await expectNothingIssued(() =>
        onboard('/participants', { participant: participant({ legalAddress: undefined, termsAndConditions: 'ab'.repeat(32) }) }),
      );
      expect(response.status).toBe(422);
      expect(response.body.findings.map((f: any) => f.pointer).sort()).toEqual(['/participant/legalAddress', '/participant/termsAndConditions']);
    });

    it('the deprecated terms and conditions hash once its date has passed (and accepts it before)', async () => {
      now = new Date('2026-03-30T12:00:00Z');
      const before = await onboard('/participants', { participant: participant({ termsAndConditions: DEPRECATED_TC }) });
      expect(before.status, before.text).toBe(201);
      now = new Date('2026-04-01T00:00:01Z');
      try {
        const after = await expectNothingIssued(() => onboard('/participants', { participant: participant({ termsAndConditions: DEPRECATED_TC }) }));
        expect(after.status).toBe(422);
        expect(after.body.findings.map((f: any) => [f.rule, f.pointer])).toEqual([['gx:Issuer/terms-and-conditions-expired', '/participant/termsAndConditions']]);
      } finally {
        now = new Date('2026-03-01T12:00:00Z');
      }
    });
  });

  it('refuses a malformed body with 400 and the pointer of the field', async () => {
    const response = await onboard('/participants', { participant: participant({ id: 'https://member.example' }) });
    expect(response.status).toBe(400);
    expect(response.body.pointer).toBe('/participant/id');
  });

  it('needs an API key', async () => {
    const response = await postJson(`${svc.url}/participants`, { participant: participant() });
    expect(response.status).toBe(401);
  });
});

describe('POST /participants with the member\'s own signed credentials', () => {
  let didServer: DidWebServer;
  let memberDid: string;
  let sign: (credential: Record<string, unknown>) => Promise<string>;

  beforeAll(async () => {
    didServer = await startDidWebServer();
    memberDid = didServer.didFor(['member']);
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const kid = `${memberDid}#key-1`;
    didServer.setDocument(memberDid, {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
      id: memberDid,
      verificationMethod: [{ id: kid, type: 'JsonWebKey2020', controller: memberDid, publicKeyJwk: await exportJWK(publicKey) }],
      assertionMethod: [kid],
    });
    sign = (credential) =>
      new SignJWT({ ...credential, issuer: memberDid })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', kid })
        .setIssuer(memberDid)
        .sign(privateKey);
  });
  afterAll(async () => {
    await didServer?.close();
  });

  function memberCredentials() {
    const legalPerson = {
      '@context': CONTEXT,
      type: ['VerifiableCredential', 'gx:LegalPerson'],
      validFrom: '2026-01-15T00:00:00Z',
      credentialSubject: {
        id: `${memberDid}#legal-person`,
        type: 'gx:LegalPerson',
        'gx:legalAddress': { type: 'gx:Address', 'gx:countryCode': 'DE' },
        'gx:headquartersAddress': { type: 'gx:Address', 'gx:countryCode': 'DE' },
        'gx:registrationNumber': { id: `${memberDid}#vat` },
      },
    };
    const vat = {
      '@context': CONTEXT,
      type: ['VerifiableCredential', 'gx:VatID'],
      credentialSubject: { id: `${memberDid}#vat`, type: 'gx:VatID', 'gx:vatID': 'DE136695976', 'gx:countryCode': 'DE' },
    };
    const terms = {
      '@context': CONTEXT,
      type: ['VerifiableCredential', 'gx:Issuer'],
      validFrom: '2026-01-15T00:00:00Z',
      credentialSubject: { id: `${memberDid}#issuer`, type: 'gx:Issuer', 'gx:gaiaxTermsAndConditions': CURRENT_TC },
    };
    return { legalPerson, vat, terms };
  }

  it('verifies them, notarises the unsigned registration number, and passes the signed ones on as sent', async () => {
    const { legalPerson, vat, terms } = memberCredentials();
    const signedLegalPerson = await sign(legalPerson);
    const response = await onboard('/participants', { credentials: [signedLegalPerson, vat, await sign(terms)] });
    expect(response.status, response.text).toBe(201);
    expect(response.body.holder).toBe(memberDid);
    expect(response.body.credentials.map((c: any) => c.origin)).toEqual(['submitted', 'issued', 'submitted']);
    expect(response.body.credentials[0].verifiableCredential.id).toBe(`data:application/vc+jwt,${signedLegalPerson}`);
    for (const credential of response.body.credentials) await expectVerified(credential.verifiableCredential);
    const validated = await postJson(`${svc.url}/danube/validate`, response.body.verifiablePresentation);
    expect(validated.body).toMatchObject({ conforms: true, findings: [] });
  });

  it('refuses a member-signed credential whose signature is broken, with the verification report, and issues nothing', async () => {
    const { legalPerson, vat, terms } = memberCredentials();
    const jwt = await sign(legalPerson);
    const [header, payload, signature] = jwt.split('.');
    const tampered = `${header}.${payload}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
    const response = await expectNothingIssued(() => onboard('/participants', { credentials: [tampered, vat, terms] }));
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('CREDENTIAL_UNVERIFIED');
    expect(response.body.pointer).toBe('/credentials/0');
    expect(response.body.reports[0].report.verified).toBe(false);
    expect(response.body.reports[0].report.checks).toContainEqual(expect.objectContaining({ check: 'proof', verified: false }));
  });

  it('refuses an unsigned credential that names another issuer than gx-trust', async () => {
    const { legalPerson, vat, terms } = memberCredentials();
    const response = await expectNothingIssued(() => onboard('/participants', { credentials: [{ ...legalPerson, issuer: memberDid }, vat, terms] }));
    expect(response.status).toBe(422);
    expect(response.body.findings.map((f: any) => [f.rule, f.pointer])).toEqual([['onboarding/issuer', '/credentials/0/issuer']]);
  });
});

describe('POST /participants and the validity period of what gx-trust issues', () => {
  const drafts = (legalPerson: Record<string, unknown> = {}) => {
    const place = { type: 'gx:Address', 'gx:countryCode': 'DE', 'vcard:region': 'DE30' };
    return [
      {
        '@context': CONTEXT,
        type: ['VerifiableCredential', 'gx:LegalPerson'],
        credentialSubject: { id: `${MEMBER}#legal-person`, type: 'gx:LegalPerson', 'gx:legalAddress': place, 'gx:headquartersAddress': place, 'gx:registrationNumber': { id: `${MEMBER}#vat` } },
        ...legalPerson,
      },
      { '@context': CONTEXT, type: ['VerifiableCredential', 'gx:VatID'], credentialSubject: { id: `${MEMBER}#vat`, type: 'gx:VatID', 'gx:vatID': 'DE136695976', 'gx:countryCode': 'DE' } },
      { '@context': CONTEXT, type: ['VerifiableCredential', 'gx:Issuer'], credentialSubject: { id: `${MEMBER}#issuer`, type: 'gx:Issuer', 'gx:gaiaxTermsAndConditions': CURRENT_TC } },
    ];
  };

  it.each([
    ['outlasts the certificate of the signing key (PS256)', '2099-01-01T00:00:00Z', 'VALIDITY_BEYOND_CERTIFICATE'],
    ['has already passed', '2026-02-01T00:00:00Z', 'INVALID_DATE'],
  ])('refuses a draft whose validUntil %s with a finding at it, and issues nothing', async (_name, validUntil, code) => {
    const response = await expectNothingIssued(() => onboard('/participants', { credentials: drafts({ validUntil }) }));
    expect(response.status, JSON.stringify(response.body)).toBe(422);
    expect(response.body.findings).toEqual([expect.objectContaining({ rule: 'onboarding/validity', code, pointer: '/credentials/0/validUntil' })]);
  });

  it('with options.capValidity, cuts that validUntil to the certificate\'s end, and the credential verifies', async () => {
    const response = await onboard('/participants', { credentials: drafts({ validUntil: '2099-01-01T00:00:00Z' }), options: { capValidity: true } });
    expect(response.status, response.text).toBe(201);
    const validUntil = payloadOf(response.body.credentials[0].jwt).validUntil;
    expect(Date.parse(validUntil)).toBeLessThan(Date.parse('2099-01-01T00:00:00Z'));
    await expectVerified(response.body.credentials[0].verifiableCredential);
  });
});

describe('POST /service-offerings', () => {
  let legalPersonCredentialId: string;
  let participantCredentials: unknown[];

  beforeAll(async () => {
    const response = await onboard('/participants', { participant: participant() });
    expect(response.status, response.text).toBe(201);
    legalPersonCredentialId = response.body.credentials[0].id;
    participantCredentials = response.body.credentials.map((c: any) => c.verifiableCredential);
  });

  function offering(subject: Record<string, unknown> = {}) {
    return {
      '@context': CONTEXT,
      type: ['VerifiableCredential', 'gx:ServiceOffering'],
      credentialSubject: {
        id: `${MEMBER}#service-offering`,
        type: 'gx:ServiceOffering',
        'schema:name': 'Model inference API',
        'gx:providedBy': { id: `${MEMBER}#legal-person` },
        'gx:serviceOfferingTermsAndConditions': {
          type: 'gx:TermsAndConditions',
          'gx:url': { '@value': 'https://member.example/terms', '@type': 'xsd:anyURI' },
          'gx:hash': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        },
        'gx:dataProtectionRegime': 'GDPR2016',
        'gx:aggregationOfResources': { id: `${MEMBER}#model` },
        ...subject,
      },
    };
  }

  function model() {
    return {
      '@context': CONTEXT,
      type: ['VerifiableCredential', 'gx:SoftwareResource'],
      credentialSubject: {
        id: `${MEMBER}#model`,
        type: 'gx:SoftwareResource',
        'schema:name': 'Member LLM 7B',
        'gx:copyrightOwnedBy': { id: `${MEMBER}#legal-person` },
        'gx:license': 'Apache-2.0',
        'gx:resourcePolicy': 'default: allow',
        'gx:version': '1.0.0',
      },
    };
  }

  function modelProfile(subject: Record<string, unknown> = {}) {
    return {
      '@context': [...CONTEXT, IPCEI_CONTEXT],
      type: ['VerifiableCredential'],
      credentialSubject: {
        id: `${MEMBER}#model-profile`,
        type: 'AIModelProfile',
        profileOf: `${MEMBER}#model`,
        riskClass: 'general-purpose',
        intendedPurpose: 'Drafting and summarising German administrative texts',
        modelCard: { type: 'ModelCard', url: 'https://member.example/model-card', hash: 'ab'.repeat(32) },
        trainingCompute: { value: 3.1e23, unit: 'FLOP' },
        hostingMemberState: ['DE', 'FR'],
        ...subject,
      },
    };
  }

  it('issues the offering, its resource and its IPCEI-AI profile for an onboarded LegalPerson named by credential id', async () => {
    const response = await onboard('/service-offerings', { legalPerson: legalPersonCredentialId, credentials: [offering(), model(), modelProfile()] });
    expect(response.status, response.text).toBe(201);
    expect(response.body.credentials.map((c: any) => c.origin)).toEqual(['issued', 'issued', 'issued', 'referenced']);
    for (const credential of response.body.credentials) await expectVerified(credential.verifiableCredential);
    const issuedOffering = response.body.credentials.slice(0, 3).map((c: any) => c.verifiableCredential);
    const validated = await postJson(`${svc.url}/danube/validate`, [...participantCredentials, ...issuedOffering]);
    expect(validated.status, validated.text).toBe(200);
    expect(validated.body).toMatchObject({ conforms: true, findings: [] });
  });

  it('takes the LegalPerson by its subject id (the legalPersonId POST /participants answers): the newest issued about it', async () => {
    const response = await onboard('/service-offerings', { legalPerson: `${MEMBER}#legal-person`, credentials: [offering(), model(), modelProfile()] });
    expect(response.status, response.text).toBe(201);
    expect(response.body.credentials.find((c: any) => c.origin === 'referenced').id).toBe(legalPersonCredentialId);
    const unknown = await onboard('/service-offerings', { legalPerson: 'did:web:nobody.example#legal-person', credentials: [offering()] });
    expect(unknown.status, unknown.text).toBe(404);
    expect(unknown.body.pointer).toBe('/legalPerson');
  });

  it.each([
    // The compliance rule `references` says it (DANGLING_REFERENCE), and SHACL's sh:class on the same link is not repeated, as at compliance.
    ['providedBy names a node that is not a LegalPerson', () => [offering({ 'gx:providedBy': { id: `${MEMBER}#model` } }), model(), modelProfile()], 'references', '/credentials/0/credentialSubject/gx:providedBy'],
    ['an AI model profile without its risk class', () => [offering(), model(), modelProfile({ riskClass: undefined })], 'shacl:minCount', '/credentials/2/credentialSubject/riskClass'],
  ])('refuses %s with 422 and issues nothing', async (_name, credentials, rule, pointer) => {
    const response = await expectNothingIssued(() => onboard('/service-offerings', { legalPerson: legalPersonCredentialId, credentials: credentials() }));
    expect(response.status, JSON.stringify(response.body)).toBe(422);
    expect(response.body.code).toBe('SELF_DESCRIPTION_INVALID');
    expect(response.body.findings.map((f: any) => [f.rule, f.pointer])).toEqual([[rule, pointer]]);
  });

  it('answers 404 for a LegalPerson credential id this service never issued', async () => {
    const response = await onboard('/service-offerings', { legalPerson: 'urn:uuid:00000000-0000-4000-8000-000000000000', credentials: [offering()] });
    expect(response.status).toBe(404);
    expect(response.body.pointer).toBe('/legalPerson');
  });
});
