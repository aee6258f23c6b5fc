/**
 * The member journey over HTTP with the real app and real crypto: an admin creates a hosted
 * member, the member onboards, and one call (POST /members/{id}/labels) gets it a label that
 * verifies with the member CA chain; on SQLite and on PostgreSQL (when GX_TEST_DATABASE_URL is
 * set). Then the refusals: an unknown level, another member's credentials, no LegalPerson, a
 * certificate for another key or under no anchor; and the member CA's end capping its leaves.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { decodeJwt, exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVELOPMENT_FILES } from '../../src/keyring/index.js';
import { certificateInfo, parsePemCertificates } from '../../src/x509/index.js';
import { issueCertificate } from '../../src/keyring/certificates.js';
import { CURRENT_TC } from '../compliance/fixtures.js';
import { freshPostgresSchema, type PostgresSchema } from '../replicas/process.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { CLI_FROM_SOURCE } from '../helpers/cli.js';

const DATABASE = process.env['GX_TEST_DATABASE_URL'];
// Onboarding and a compliance decision verify and sign a dozen credentials each, with shapes
// validation: seconds on an idle machine, several times that while other suites run.
const JOURNEY_MS = 180_000;
const DAY = 86_400_000;
const address = { countryCode: 'DE', region: 'DE30', locality: 'Berlin', streetAddress: 'Sample Street 1', postalCode: '10115' };

interface Member {
  id: string;
  did: string;
  apiKey: string;
}

async function call(svc: RunningService, method: string, path: string, body: unknown, apiKey: string) {
  const response = await fetch(`${svc.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), authorization: `Bearer ${apiKey}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, body: (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
}

async function createMember(svc: RunningService, slug: string, keys?: unknown): Promise<Member> {
  const created = await call(svc, 'POST', '/members', { slug, name: `${slug} GmbH`, ...(keys === undefined ? {} : { keys }) }, svc.apiKey);
  expect(created.status, created.text).toBe(201);
  const key = await call(svc, 'POST', `/members/${created.body.id}/api-keys`, { role: 'member' }, svc.apiKey);
  expect(key.status, key.text).toBe(201);
  return { id: created.body.id, did: created.body.did, apiKey: key.body.apiKey };
}

/** POST /participants as the member itself; the ids and JWTs of what it issued. */
async function onboard(svc: RunningService, member: Member): Promise<{ id: string; jwt: string }[]> {
  const onboarded = await call(svc, 'POST', '/participants', {
    participant: {
      id: member.did,
      name: 'Acme Cloud GmbH',
      legalAddress: address,
      headquartersAddress: address,
      registrationNumbers: [{ type: 'gx:VatID', value: 'DE136695976', countryCode: 'DE' }],
      termsAndConditions: CURRENT_TC,
    },
  }, member.apiKey);
  expect(onboarded.status, onboarded.text).toBe(201);
  return onboarded.body.credentials.map((c: { id: string; jwt: string }) => ({ id: c.id, jwt: c.jwt }));
}

/** The development root of a test service: what signs hosted members' leaves in development. */
function developmentRoot(svc: RunningService): { privateKey: KeyObject; certificatePem: string } {
  const dir = svc.service.config.keysDir;
  return {
    privateKey: createPrivateKey(readFileSync(join(dir, DEVELOPMENT_FILES.rootKey), 'utf8')),
    certificatePem: readFileSync(join(dir, DEVELOPMENT_FILES.rootCertificate), 'utf8'),
  };
}

describe.each([
  { name: 'SQLite', kind: 'sqlite' as const },
  ...(DATABASE === undefined ? [] : [{ name: 'PostgreSQL', kind: 'postgres' as const }]),
])('from a new hosted member to a label, on $name', ({ kind }) => {
  let svc: RunningService;
  let db: PostgresSchema | undefined;
  let acme: Member;

  beforeAll(async () => {
    const env: Record<string, string> = {};
    if (kind === 'postgres') {
      db = await freshPostgresSchema(DATABASE!);
      env['DATABASE_URL'] = db.databaseUrl;
    }
    svc = await startService(env);
    acme = await createMember(svc, 'acme');
  }, JOURNEY_MS);
  afterAll(async () => {
    await svc?.close();
    await db?.dispose();
  });

  it('publishes the hosted RSA and P-256 keys with an x5c from the member CA (the development root here)', { timeout: JOURNEY_MS }, async () => {
    const document = (await call(svc, 'GET', '/members/acme/did.json', undefined, svc.apiKey)).body;
    const certified = document.verificationMethod.filter((m: any) => m.type === 'JsonWebKey2020');
    expect(certified.map((m: any) => m.publicKeyJwk.kty).sort()).toEqual(['EC', 'RSA']);
    const root = parsePemCertificates(developmentRoot(svc).certificatePem)[0];
    for (const method of certified) {
      const [leaf, ca] = method.publicKeyJwk.x5c as string[];
      expect(ca).toBe(root);
      expect(certificateInfo(leaf!).publicKey.equals(createPublicKey({ key: { ...method.publicKeyJwk, x5c: undefined }, format: 'jwk' }))).toBe(true);
    }
    expect(certified.find((m: any) => m.publicKeyJwk.kty === 'RSA').publicKeyJwk.alg).toBe('PS256');
  });

  it('onboards the member, then answers POST /members/{id}/labels with a label that verifies with the member CA chain, recorded as a compliance decision', { timeout: JOURNEY_MS }, async () => {
    const credentials = await onboard(svc, acme);
    const answer = await call(svc, 'POST', `/members/${acme.id}/labels`, { level: 'standard-compliance' }, acme.apiKey);
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body).toMatchObject({ labelLevel: 'SC', decision: { outcome: 'issued', findings: [] } });
    const label = decodeJwt(answer.body.label.jwt) as Record<string, any>;
    expect(label['credentialSubject']['id']).toBe(acme.did);
    expect((label['credentialSubject']['gx:compliantCredentials'] as unknown[]).length).toBe(credentials.length);

    const verified = await postJson(`${svc.url}/credentials/verify`, answer.body.label.jwt, { 'content-type': 'application/vc+jwt' });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.checks.find((c: any) => c.check === 'x509')).toMatchObject({ verified: true });

    const decision = await svc.service.store.getDecision(answer.body.decisionId);
    expect(decision?.decision).toMatchObject({ outcome: 'issued', actor: `member:${acme.id}`, holder: acme.did, labelCredentialId: answer.body.label.id });
    const actions = (await svc.service.store.auditEntries(0, await svc.service.store.auditSize())).map((e) => JSON.parse(e.leaf) as { action: string; subject: string });
    expect(actions).toContainEqual(expect.objectContaining({ action: 'presentation.signed', subject: acme.did }));
    expect(actions).toContainEqual(expect.objectContaining({ action: 'compliance.issued', subject: answer.body.decisionId }));
  });

  it('keeps a label private by default and makes it public when asked (visibility, as POST /credentials/issue and onboarding name it)', { timeout: JOURNEY_MS }, async () => {
    const anonymous = async (id: string) => (await fetch(`${svc.url}/credentials/${encodeURIComponent(id)}`)).status;
    const quiet = await call(svc, 'POST', `/members/${acme.id}/labels`, { level: 'standard-compliance' }, acme.apiKey);
    expect(quiet.status, quiet.text).toBe(201);
    expect(await anonymous(quiet.body.label.id)).toBe(404);
    const open = await call(svc, 'POST', `/members/${acme.id}/labels`, { level: 'standard-compliance', visibility: 'public' }, acme.apiKey);
    expect(open.status, open.text).toBe(201);
    expect(await anonymous(open.body.label.id)).toBe(200);
    const record = await fetch(`${svc.url}/credentials/${encodeURIComponent(open.body.label.id)}`).then((r) => r.json()) as { visibility: string; credential?: unknown };
    expect(record.visibility).toBe('public');
    const wrong = await call(svc, 'POST', `/members/${acme.id}/labels`, { level: 'standard-compliance', visibility: 'shared' }, acme.apiKey);
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(wrong.body)).toContain('/visibility');
  });

  it('signs a presentation of the member\'s own credentials (vp+jwt, certified RSA key) that verifies with its challenge and audience', { timeout: JOURNEY_MS }, async () => {
    const [legalPerson] = (await svc.service.store.credentialsOfDid(acme.did)).filter((c) => c.types.some((t) => t.endsWith('LegalPerson')));
    const signed = await call(svc, 'POST', `/members/${acme.id}/presentations`, { credentials: [legalPerson!.id], challenge: 'nonce-1', audience: 'https://verifier.example' }, acme.apiKey);
    expect(signed.status, signed.text).toBe(201);
    const vp = decodeJwt(signed.body.jwt);
    expect(vp).toMatchObject({ holder: acme.did, nonce: 'nonce-1', aud: 'https://verifier.example' });
    const verified = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: signed.body.jwt, options: { challenge: 'nonce-1', domain: 'https://verifier.example' } });
    expect(verified.status, verified.text).toBe(200);
  });

  it('covers a registered service offering with the resource it aggregates and that resource\'s IPCEI-AI profile, named by the LegalPerson\'s subject id', { timeout: JOURNEY_MS }, async () => {
    // Registered in one call, as the README's walkthrough does; the offering links its model
    // (gx:aggregationOfResources), which compliance requires in the presentation.
    const registered = await call(svc, 'POST', '/service-offerings', { legalPerson: `${acme.did}#legal-person`, credentials: offeringCredentials(acme.did) }, acme.apiKey);
    expect(registered.status, registered.text).toBe(201);
    const ids = registered.body.credentials.filter((c: any) => c.origin === 'issued').map((c: any) => c.id as string);
    expect(ids).toHaveLength(3);

    const answer = await call(svc, 'POST', `/members/${acme.id}/labels`, { level: 'standard-compliance' }, acme.apiKey);
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.decision).toMatchObject({ outcome: 'issued', findings: [] });
    const entries = (decodeJwt(answer.body.label.jwt) as Record<string, any>)['credentialSubject']['gx:compliantCredentials'] as { id: string; 'gx:credentialType': string }[];
    expect(entries.map((c) => c.id)).toEqual(expect.arrayContaining(ids));
    // The profile is typed only on its subject: the label records that type, not a bare VerifiableCredential.
    expect(entries.filter((c) => ids.includes(c.id)).map((c) => c['gx:credentialType']).sort()).toEqual(['AIModelProfile', 'gx:ServiceOffering', 'gx:SoftwareResource']);
  });
});

/** A service offering of `did`, the model it aggregates, and the model's IPCEI-AI profile (unsigned: gx-trust issues them). */
function offeringCredentials(did: string): unknown[] {
  const context = ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'];
  return [
    {
      '@context': context,
      type: ['VerifiableCredential', 'gx:ServiceOffering'],
      credentialSubject: {
        id: `${did}#inference-api`, type: 'gx:ServiceOffering', 'schema:name': 'Inference API',
        'gx:providedBy': { id: `${did}#legal-person` },
        'gx:serviceOfferingTermsAndConditions': {
          type: 'gx:TermsAndConditions',
          'gx:url': { '@value': 'https://member.example/terms', '@type': 'xsd:anyURI' },
          'gx:hash': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        },
        'gx:dataProtectionRegime': 'GDPR2016',
        'gx:aggregationOfResources': { id: `${did}#model` },
      },
    },
    {
      '@context': context,
      type: ['VerifiableCredential', 'gx:SoftwareResource'],
      credentialSubject: {
        id: `${did}#model`, type: 'gx:SoftwareResource', 'schema:name': 'Model 7B',
        'gx:copyrightOwnedBy': { id: `${did}#legal-person` }, 'gx:license': 'Apache-2.0', 'gx:resourcePolicy': 'default: allow',
      },
    },
    {
      '@context': [...context, 'https://w3id.org/gx-trust/ipcei-ai/v1'],
      type: ['VerifiableCredential'],
      credentialSubject: {
        id: `${did}#model-profile`, type: 'AIModelProfile', profileOf: `${did}#model`, riskClass: 'general-purpose',
        intendedPurpose: 'Summarising administrative texts',
        modelCard: { type: 'ModelCard', url: 'https://member.example/model-card', hash: 'ab'.repeat(32) },
        hostingMemberState: ['DE'],
      },
    },
  ];
}

describe('refusals', () => {
  let svc: RunningService;
  let acme: Member;
  let other: Member;
  let acmeCredentials: { id: string; jwt: string }[];

  beforeAll(async () => {
    svc = await startService();
    acme = await createMember(svc, 'acme');
    other = await createMember(svc, 'other');
    acmeCredentials = await onboard(svc, acme);
  }, JOURNEY_MS);
  afterAll(async () => {
    await svc?.close();
  });

  it('refuses an unknown level with 400 at /level', async () => {
    const answer = await call(svc, 'POST', `/members/${acme.id}/labels`, { level: 'label-level-9' }, acme.apiKey);
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body.code).toBe('INVALID_INPUT');
    expect(answer.body.errors.map((e: any) => e.pointer)).toContain('/level');
  });

  it('answers another member\'s credential as an unknown id (404), and audits the attempt', { timeout: JOURNEY_MS }, async () => {
    const before = await svc.service.store.auditSize();
    const foreign = await call(svc, 'POST', `/members/${other.id}/labels`, { level: 'standard-compliance', credentials: [acmeCredentials[0]!.id] }, other.apiKey);
    const unknown = await call(svc, 'POST', `/members/${other.id}/labels`, { level: 'standard-compliance', credentials: ['urn:uuid:00000000-0000-4000-8000-000000000000'] }, other.apiKey);
    expect(foreign.status, foreign.text).toBe(404);
    expect(unknown.status).toBe(404);
    expect(foreign.body.code).toBe('NOT_FOUND');
    expect(foreign.body.pointer).toBe('/credentials/0');
    const entries = (await svc.service.store.auditEntries(before, before + 10)).map((e) => JSON.parse(e.leaf) as { action: string; subject: string });
    expect(entries).toContainEqual(expect.objectContaining({ action: 'authorization.denied', subject: acmeCredentials[0]!.id }));
    const presented = await call(svc, 'POST', `/members/${other.id}/presentations`, { credentials: [acmeCredentials[0]!.id] }, other.apiKey);
    expect(presented.status).toBe(404);
  });

  it('answers a member that holds no LegalPerson with 422 LABEL_CREDENTIALS_MISSING naming what is missing', async () => {
    const answer = await call(svc, 'POST', `/members/${other.id}/labels`, { level: 'standard-compliance' }, other.apiKey);
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.code).toBe('LABEL_CREDENTIALS_MISSING');
    expect(answer.body.errors.map((e: any) => e.detail).join('\n')).toMatch(/gx:LegalPerson[\s\S]*registration number[\s\S]*gx:Issuer/);
  });

  it('hands out a PKCS#10 request signed by the hosted RSA key, and installs the chain a CA issued for it', { timeout: JOURNEY_MS }, async () => {
    const requested = await call(svc, 'POST', `/members/${acme.id}/keys/rsa/csr`, undefined, acme.apiKey);
    expect(requested.status, requested.text).toBe(201);
    const csr = new x509.Pkcs10CertificateRequest(requested.body.pem);
    expect(await csr.verify()).toBe(true);
    const document = (await call(svc, 'GET', '/members/acme/did.json', undefined, acme.apiKey)).body;
    const method = document.verificationMethod.find((m: any) => m.id === requested.body.verificationMethod);
    const hostedKey = createPublicKey({ key: { kty: 'RSA', n: method.publicKeyJwk.n, e: method.publicKeyJwk.e }, format: 'jwk' });
    const requestKey = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
    expect(requestKey.equals(hostedKey)).toBe(true);

    const root = developmentRoot(svc);
    const leafPem = await issueCertificate({
      subject: { commonName: 'Acme Cloud GmbH, certified by a qualified CA' },
      subjectPublicKey: requestKey,
      issuerCertificatePem: root.certificatePem,
      issuerPrivateKey: root.privateKey,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + 90 * DAY),
    });
    const installed = await call(svc, 'PUT', `/members/${acme.id}/keys/rsa/certificate`, { certificateChain: leafPem + root.certificatePem }, acme.apiKey);
    expect(installed.status, installed.text).toBe(200);
    expect(installed.body.certificates[0].subject).toContain('certified by a qualified CA');
    const after = (await call(svc, 'GET', '/members/acme/did.json', undefined, acme.apiKey)).body.verificationMethod.find((m: any) => m.id === requested.body.verificationMethod);
    expect(after.publicKeyJwk.x5c[0]).toBe(parsePemCertificates(leafPem)[0]);
    // The label path signs with the key whose chain was just installed.
    const label = await call(svc, 'POST', `/members/${acme.id}/labels`, { level: 'standard-compliance' }, acme.apiKey);
    expect(label.status, label.text).toBe(201);
  });

  it('refuses a certificate of another key (CERTIFICATE_KEY_MISMATCH) and a chain under no trust anchor (CERTIFICATE_CHAIN_UNTRUSTED)', { timeout: JOURNEY_MS }, async () => {
    const root = developmentRoot(svc);
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const otherKeyLeaf = await issueCertificate({ subject: { commonName: 'not the hosted key' }, subjectPublicKey: stranger.publicKey, issuerCertificatePem: root.certificatePem, issuerPrivateKey: root.privateKey, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 30 * DAY) });
    const mismatch = await call(svc, 'PUT', `/members/${acme.id}/keys/p256/certificate`, { certificateChain: otherKeyLeaf + root.certificatePem }, acme.apiKey);
    expect(mismatch.status, mismatch.text).toBe(422);
    expect(mismatch.body).toMatchObject({ code: 'CERTIFICATE_KEY_MISMATCH', pointer: '/certificateChain' });

    const requested = await call(svc, 'POST', `/members/${acme.id}/keys/p256/csr`, undefined, acme.apiKey);
    const requestKey = createPublicKey({ key: Buffer.from(new x509.Pkcs10CertificateRequest(requested.body.pem).publicKey.rawData), format: 'der', type: 'spki' });
    const rogue = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rogueCa = await issueCertificate({ subject: { commonName: 'a CA nobody configured' }, subjectPublicKey: rogue.publicKey, issuerPrivateKey: rogue.privateKey, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 365 * DAY), ca: true });
    const rogueLeaf = await issueCertificate({ subject: { commonName: 'acme under a rogue CA' }, subjectPublicKey: requestKey, issuerCertificatePem: rogueCa, issuerPrivateKey: rogue.privateKey, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 30 * DAY) });
    const untrusted = await call(svc, 'PUT', `/members/${acme.id}/keys/p256/certificate`, { certificateChain: rogueLeaf + rogueCa }, acme.apiKey);
    expect(untrusted.status, untrusted.text).toBe(422);
    expect(untrusted.body.code).toBe('CERTIFICATE_CHAIN_UNTRUSTED');
    expect(untrusted.body.detail).toContain('not a configured trust anchor');
  });
});

describe('a configured member CA', () => {
  let svc: RunningService;
  let dir: string;
  let caNotAfter: Date;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gx-member-ca-'));
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // Ends long before the 365 days a member leaf is wanted for, at a whole second (as X.509 time is).
    caNotAfter = new Date(Math.floor((Date.now() + 20 * DAY) / 1000) * 1000);
    const certificatePem = await issueCertificate({ subject: { commonName: 'Consortium member CA' }, subjectPublicKey: publicKey, issuerPrivateKey: privateKey, notBefore: new Date(Date.now() - DAY), notAfter: caNotAfter, ca: true });
    writeFileSync(join(dir, 'member-ca.key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'member-ca.pem'), certificatePem);
    svc = await startService({ GX_MEMBER_CA_KEY_FILE: join(dir, 'member-ca.key.pem'), GX_MEMBER_CA_CERT_FILE: join(dir, 'member-ca.pem') });
  }, JOURNEY_MS);
  afterAll(async () => {
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('certifies hosted keys with leaves that end when the CA ends, never later, and trusts them as an anchor', { timeout: JOURNEY_MS }, async () => {
    const member = await createMember(svc, 'capped');
    const document = (await call(svc, 'GET', '/members/capped/did.json', undefined, svc.apiKey)).body;
    const rsa = document.verificationMethod.find((m: any) => m.publicKeyJwk?.kty === 'RSA');
    const leaf = certificateInfo(rsa.publicKeyJwk.x5c[0]);
    expect(leaf.issuer).toBe('CN=Consortium member CA');
    expect(leaf.notAfter.getTime()).toBe(caNotAfter.getTime());
    // The member CA is an anchor (GX_MEMBER_CA_TRUST_ANCHOR defaults to true): the member's label path works.
    await onboard(svc, member);
    const label = await call(svc, 'POST', `/members/${member.id}/labels`, { level: 'standard-compliance' }, member.apiKey);
    expect(label.status, label.text).toBe(201);
  });
  it('never issues, as a hosted member, a vc+jwt that outlives the member\'s certificate: refused, or cut to its end with capValidity', { timeout: JOURNEY_MS }, async () => {
    const member = await createMember(svc, 'issuing');
    const credential = { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: member.did, credentialSubject: { id: 'did:web:subject.example' }, validUntil: new Date(Date.now() + 200 * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    const refused = await call(svc, 'POST', '/credentials/issue', { credential, options: { format: 'vc+jwt', alg: 'ES256' } }, member.apiKey);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body).toMatchObject({ code: 'VALIDITY_BEYOND_CERTIFICATE', pointer: '/credential/validUntil' });
    const capped = await call(svc, 'POST', '/credentials/issue', { credential, options: { format: 'vc+jwt', alg: 'PS256', capValidity: true } }, member.apiKey);
    expect(capped.status, capped.text).toBe(201);
    const jwt = String(capped.body.verifiableCredential.id).replace('data:application/vc+jwt,', '');
    expect(Date.parse(String(decodeJwt(jwt)['validUntil']))).toBe(caNotAfter.getTime());
    const verified = await postJson(`${svc.url}/credentials/verify`, jwt, { 'content-type': 'application/vc+jwt' });
    expect(verified.status, verified.text).toBe(200);
  });
});

describe('gx-trust present, for a member holding its own key', () => {
  let svc: RunningService;
  let dir: string;

  beforeAll(async () => {
    svc = await startService();
    dir = mkdtempSync(join(tmpdir(), 'gx-present-'));
  }, JOURNEY_MS);
  afterAll(async () => {
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Three child processes, each loading the service's modules: seconds each on a loaded machine.
  it('signs, without the server, a VP-JWT that gx-trust verify and the compliance route accept', { timeout: JOURNEY_MS }, async () => {
    const root = developmentRoot(svc);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const leafPem = await issueCertificate({ subject: { commonName: 'Own-key GmbH' }, subjectPublicKey: publicKey, issuerCertificatePem: root.certificatePem, issuerPrivateKey: root.privateKey, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 90 * DAY) });
    const x5c = [...parsePemCertificates(leafPem), ...parsePemCertificates(root.certificatePem)];
    const member = await createMember(svc, 'own-key', { publicKeys: [{ publicKeyJwk: { ...(await exportJWK(publicKey)), alg: 'PS256', x5c } }] });
    const credentials = await onboard(svc, member);

    writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'chain.pem'), leafPem + root.certificatePem);
    const files = credentials.map((c, i) => {
      const file = join(dir, `credential-${i}.jwt`);
      writeFileSync(file, c.jwt + '\n');
      return file;
    });
    // The CLI from source, as the other CLI tests run it: bin/ runs dist/, which only the build test builds.
    const cli = CLI_FROM_SOURCE;
    const env = { ...process.env, GX_KEYS_DIR: svc.service.config.keysDir, GX_DATA_DIR: join(dir, 'data'), GX_LOG_LEVEL: 'silent', GX_WORKERS: '0',
      // The CLI's verification deadline is wall-clock time too: as the test services', generous.
      GX_VERIFY_DEADLINE_MS: '60000' };
    const run = promisify(execFile);
    const presented = await run(process.execPath, [...cli, 'present', '--key', join(dir, 'key.pem'), '--cert', join(dir, 'chain.pem'), '--holder', member.did, '--challenge', 'nonce-7', ...files], { env });
    const vp = presented.stdout.trim();
    expect(decodeJwt(vp)).toMatchObject({ holder: member.did, nonce: 'nonce-7' });
    writeFileSync(join(dir, 'vp.jwt'), vp + '\n');

    const verified = await run(process.execPath, [...cli, 'verify', '--presentation', '--challenge', 'nonce-7', join(dir, 'vp.jwt')], { env }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    expect(JSON.parse(verified.stdout), verified.stdout.slice(0, 3000)).toMatchObject({ verified: true });

    const label = await postJson(`${svc.url}/api/credential-offers/standard-compliance`, vp, { 'content-type': 'application/vp+jwt', authorization: `Bearer ${member.apiKey}` });
    expect(label.status, label.text).toBe(201);
    expect((decodeJwt(label.text) as Record<string, any>)['credentialSubject']['id']).toBe(member.did);

    // A chain of another key is refused before anything is signed.
    writeFileSync(join(dir, 'other-chain.pem'), (await issueCertificate({ subject: { commonName: 'another key' }, subjectPublicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, issuerCertificatePem: root.certificatePem, issuerPrivateKey: root.privateKey, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + DAY) })));
    const refused = await run(process.execPath, [...cli, 'present', '--key', join(dir, 'key.pem'), '--cert', join(dir, 'other-chain.pem'), '--holder', member.did, ...files], { env }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('CERTIFICATE_KEY_MISMATCH');
  });
});
