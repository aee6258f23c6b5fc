/**
 * The lenient-date case at issuance, over HTTP: @digitalbazaar/vc 7.3 tests dates with an
 * unanchored pattern and JavaScript's Date rolls an impossible day over into the next month, so a
 * service relying on either signs dates that do not exist. Every date property at the top of a
 * credential (validFrom, validUntil, issuanceDate, expirationDate, whichever data model defines
 * it) must be an RFC 3339 date-time of a real calendar day, in every format and on every route
 * that signs, or nothing is signed: 400 INVALID_DATE at the property, and no record is written.
 * A verifier reads dates the same way: a signed impossible date fails the validity check.
 */
import { CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { servicePrivateKey } from '../helpers/service-keys.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const V1 = 'https://www.w3.org/2018/credentials/v1';
const GX_CONTEXT = 'https://w3id.org/gaia-x/development#';

let svc: RunningService;
const admin = () => ({ authorization: `Bearer ${svc.apiKey}` });

beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

/** A refused request leaves the store as it was: no credential, no audit entry. */
async function refusedWithNothingStored(run: () => Promise<{ status: number; body: any; text: string }>) {
  const before = await svc.service.store.auditSize();
  const response = await run();
  expect(await svc.service.store.auditSize(), response.text).toBe(before);
  return response;
}

const MALFORMED: [string, string][] = [
  ['an unanchored date with text around it', 'x2030-01-01T00:00:00Zjunk'],
  ['a date with trailing text', '2030-01-01T00:00:00Z junk'],
  ['a date without a time', '2030-01-01'],
  ['a time without an offset', '2030-01-01T00:00:00'],
  ['30 February', '2030-02-30T00:00:00Z'],
  ['29 February of a common year', '2029-02-29T00:00:00Z'],
  ['31 April', '2030-04-31T12:00:00+02:00'],
  ['hour 24', '2030-01-01T24:00:00Z'],
];

describe.each([
  ['Data Integrity', { format: 'ldp_vc' }],
  ['vc+jwt', { format: 'vc+jwt' }],
] as const)('POST /credentials/issue (%s) refuses, with nothing signed or stored', (_format, options) => {
  it.each(MALFORMED)('validUntil as %s', async (_name, date) => {
    const credential = { '@context': [V2], type: ['VerifiableCredential'], issuer: svc.service.keyring.did, credentialSubject: { id: 'did:web:member.example' }, validUntil: date };
    const response = await refusedWithNothingStored(() => postJson(`${svc.url}/credentials/issue`, { credential, options }, admin()));
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ code: 'INVALID_DATE', pointer: '/credential/validUntil' });
    expect(response.body.hint).toContain('2026-01-31T12:00:00Z');
  });

  it.each(MALFORMED)('validFrom as %s', async (_name, date) => {
    const credential = { '@context': [V2], type: ['VerifiableCredential'], issuer: svc.service.keyring.did, credentialSubject: { id: 'did:web:member.example' }, validFrom: date };
    const response = await refusedWithNothingStored(() => postJson(`${svc.url}/credentials/issue`, { credential, options }, admin()));
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ code: 'INVALID_DATE', pointer: '/credential/validFrom' });
  });
});

describe('POST /credentials/issue refuses a date property of the other data model too', () => {
  it('a VCDM 1.1 credential whose validUntil (which the 1.1 context defines) is no date', async () => {
    const credential = { '@context': [V1], type: ['VerifiableCredential'], issuer: svc.service.keyring.did, credentialSubject: { id: 'did:web:member.example' }, validUntil: 'x2030-01-01T00:00:00Zjunk' };
    const response = await refusedWithNothingStored(() => postJson(`${svc.url}/credentials/issue`, { credential }, admin()));
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ code: 'INVALID_DATE', pointer: '/credential/validUntil' });
  });

  it('a VCDM 2.0 vc+jwt whose expirationDate is no date', async () => {
    const credential = { '@context': [V2], type: ['VerifiableCredential'], issuer: svc.service.keyring.did, credentialSubject: { id: 'did:web:member.example' }, expirationDate: 'x2030-01-01T00:00:00Zjunk' };
    const response = await refusedWithNothingStored(() => postJson(`${svc.url}/credentials/issue`, { credential, options: { format: 'vc+jwt' } }, admin()));
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ code: 'INVALID_DATE', pointer: '/credential/expirationDate' });
  });

  it('a VCDM 1.1 credential whose expirationDate is 30 February', async () => {
    const credential = { '@context': [V1], type: ['VerifiableCredential'], issuer: svc.service.keyring.did, credentialSubject: { id: 'did:web:member.example' }, expirationDate: '2030-02-30T00:00:00Z' };
    const response = await refusedWithNothingStored(() => postJson(`${svc.url}/credentials/issue`, { credential }, admin()));
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ code: 'INVALID_DATE', pointer: '/credential/expirationDate' });
  });

  it('still issues the last day of February of a leap year, and a date with an offset and fractions', async () => {
    // Dates derived from today, so the test means the same whenever it runs: the next 29 February
    // may fall after the development signing certificate expires (two years from the first
    // start), so that request asks for the cut; next year's 30 April never does.
    const year = new Date().getUTCFullYear();
    let leapYear = year;
    while (!isLeapYear(leapYear) || Date.parse(`${leapYear}-02-29T23:59:59Z`) <= Date.now()) leapYear++;
    const cases: [string, Record<string, unknown>][] = [
      [`${leapYear}-02-29T23:59:59Z`, { format: 'vc+jwt', capValidity: true }],
      [`${year + 1}-04-30T12:00:00.123+02:00`, { format: 'vc+jwt' }],
    ];
    for (const [validUntil, options] of cases) {
      const credential = { '@context': [V2], type: ['VerifiableCredential'], issuer: svc.service.keyring.did, credentialSubject: { id: 'did:web:member.example' }, validUntil };
      const response = await postJson(`${svc.url}/credentials/issue`, { credential, options }, admin());
      expect(response.status, response.text).toBe(201);
    }
  });
});

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

describe('onboarding refuses a draft with an impossible date, and signs nothing', () => {
  it('POST /participants with a LegalPerson valid until 30 February', async () => {
    const did = 'did:web:member.example';
    const legalPerson = {
      '@context': [V2, GX_CONTEXT],
      type: ['VerifiableCredential', 'gx:LegalPerson'],
      validUntil: '2030-02-30T00:00:00Z',
      credentialSubject: {
        id: `${did}#legal-person`,
        type: 'gx:LegalPerson',
        'gx:legalAddress': { type: 'gx:Address', 'gx:countryCode': 'DE' },
        'gx:headquartersAddress': { type: 'gx:Address', 'gx:countryCode': 'DE' },
        'gx:registrationNumber': { id: `${did}#vat` },
      },
    };
    const vat = { '@context': [V2, GX_CONTEXT], type: ['VerifiableCredential', 'gx:VatID'], credentialSubject: { id: `${did}#vat`, type: 'gx:VatID', 'gx:vatID': 'DE136695976', 'gx:countryCode': 'DE' } };
    const terms = {
      '@context': [V2, GX_CONTEXT],
      type: ['VerifiableCredential', 'gx:Issuer'],
      credentialSubject: { id: `${did}#issuer`, type: 'gx:Issuer', 'gx:gaiaxTermsAndConditions': '067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515' },
    };
    const response = await refusedWithNothingStored(() => postJson(`${svc.url}/participants`, { credentials: [legalPerson, vat, terms] }, admin()));
    expect([400, 422], response.text).toContain(response.status);
    const pointers = [response.body.pointer, ...(response.body.errors ?? []).map((e: any) => e.pointer), ...(response.body.findings ?? []).map((f: any) => f.pointer)];
    expect(pointers).toContain('/credentials/0/validUntil');
  });
});

describe('POST /credentials/verify reads dates as strictly', () => {
  it('fails the validity check of a credential signed elsewhere whose validUntil is 30 February', async () => {
    const did = svc.service.keyring.did;
    const payload = { '@context': [V2], type: ['VerifiableCredential'], issuer: did, credentialSubject: { id: 'did:web:member.example' }, validUntil: '2030-02-30T00:00:00Z' };
    const jwt = await new CompactSign(Buffer.from(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid: `${did}#jwk-p256` })
      .sign(servicePrivateKey(svc.service, 'P-256'));
    const response = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: jwt });
    expect(response.status, response.text).toBe(422);
    expect(response.body.checks.find((c: any) => c.check === 'proof')).toMatchObject({ verified: true });
    expect(response.body.checks.find((c: any) => c.check === 'validity')).toMatchObject({ verified: false, code: 'INVALID_DATE', pointer: '/validUntil' });
  });
});
