/**
 * The W3C VC-API and VCDM 2.0 suites against the real app: issue requests as their configurations
 * send them (proof `type`, `cryptosuite`, BitstringStatusListEntry requests, the examples context),
 * what VCDM 2.0 forbids refused with a pointer, and every credential verified by the same service.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
const admin = () => ({ authorization: `Bearer ${svc.apiKey}` });

beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

/** A credential as the VC-API issuer suite writes one: the examples context, its own issuer. */
const suiteCredential = (extra: Record<string, unknown> = {}) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/examples/v2'],
  type: ['VerifiableCredential', 'ExampleAlumniCredential'],
  issuer: svc.service.keyring.did,
  credentialSubject: { id: 'did:example:ebfeb1f712ebc6f1c276e12ec21', alumniOf: 'Example University' },
  ...extra,
});

const issue = (credential: unknown, options?: unknown) =>
  postJson(`${svc.url}/credentials/issue`, options === undefined ? { credential } : { credential, options }, admin());
const verify = (verifiableCredential: unknown) => postJson(`${svc.url}/credentials/verify`, { verifiableCredential });

describe('issue options as the W3C suite configurations send them', () => {
  it.each([
    [{ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022' }, { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022' }, () => svc.service.keyring.did],
    [{ type: 'DataIntegrityProof', cryptosuite: 'ecdsa-rdfc-2019' }, { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-rdfc-2019' }, () => svc.service.keyring.did],
    [{ type: 'DataIntegrityProof', cryptosuite: 'ecdsa-rdfc-2019' }, { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-rdfc-2019' }, () => svc.service.keyring.didKey('P-256').did],
    [{ type: 'Ed25519Signature2020' }, { type: 'Ed25519Signature2020' }, () => svc.service.keyring.did],
    [{ type: 'Ed25519Signature2020' }, { type: 'Ed25519Signature2020' }, () => svc.service.keyring.didKey('Ed25519').did],
    [{ type: 'DataIntegrityProof' }, { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022' }, () => svc.service.keyring.did],
  ])('options %j sign a %j proof that verifies', async (options, proof, issuer) => {
    const context = proof.type === 'Ed25519Signature2020' ? ['https://w3id.org/security/suites/ed25519-2020/v1'] : [];
    const credential = suiteCredential({ issuer: issuer() });
    credential['@context'].push(...context);
    const issued = await issue(credential, options);
    expect(issued.status, issued.text).toBe(201);
    expect(issued.body.verifiableCredential.proof).toMatchObject(proof);
    const verified = await verify(issued.body.verifiableCredential);
    expect(verified.status, verified.text).toBe(200);
  });

  it.each([
    [{ type: 'Ed25519Signature2020', cryptosuite: 'eddsa-rdfc-2022' }, '/options/cryptosuite'],
    [{ type: 'DataIntegrityProof', cryptosuite: 'Ed25519Signature2020' }, '/options/cryptosuite'],
    [{ type: 'DataIntegrityProof', format: 'vc+jwt' }, '/options/type'],
    [{ type: 'JsonWebSignature2020' }, '/options/type'],
  ])('refuses the contradiction %j at %s', async (options, pointer) => {
    const refused = await issue(suiteCredential(), options);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body).toMatchObject({ pointer, hint: expect.any(String) });
  });

  it('keeps gx-trust\'s own names: cryptosuite Ed25519Signature2020 alone', async () => {
    const credential = suiteCredential();
    credential['@context'].push('https://w3id.org/security/suites/ed25519-2020/v1');
    const issued = await issue(credential, { cryptosuite: 'Ed25519Signature2020' });
    expect(issued.status, issued.text).toBe(201);
    expect(issued.body.verifiableCredential.proof.type).toBe('Ed25519Signature2020');
  });

  const statusRequest = { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' };
  it.each([
    ['in the options', () => ({ credential: suiteCredential(), options: { credentialStatus: statusRequest } })],
    ['in the options, as a list', () => ({ credential: suiteCredential(), options: { credentialStatus: [statusRequest, { ...statusRequest, statusPurpose: 'suspension' }] } })],
    ['in the credential', () => ({ credential: suiteCredential({ credentialStatus: statusRequest }) })],
    ['in the credential, issued as the service\'s did:key', () => ({ credential: suiteCredential({ issuer: svc.service.keyring.didKey('Ed25519').did, credentialStatus: [statusRequest] }) })],
  ])('a BitstringStatusListEntry request %s gets an entry of the issuer\'s own list, and a revocation shows', async (_where, request) => {
    const body = request();
    const issued = await postJson(`${svc.url}/credentials/issue`, body, admin());
    expect(issued.status, issued.text).toBe(201);
    const vc = issued.body.verifiableCredential;
    expect(vc.credentialStatus.length).toBeGreaterThanOrEqual(1);
    for (const entry of vc.credentialStatus) {
      expect(entry).toMatchObject({ type: 'BitstringStatusListEntry', statusListIndex: expect.stringMatching(/^\d+$/), statusListCredential: expect.stringContaining('/status-lists/') });
    }
    const list = await (await fetch(vc.credentialStatus[0].statusListCredential.replace(`http://localhost:${svc.port}`, svc.url))).json() as Record<string, unknown>;
    expect(list['issuer']).toBe(body.credential.issuer);
    expect((await verify(vc)).status).toBe(200);
    const revoked = await postJson(`${svc.url}/credentials/status`, { credentialId: vc.id, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] }, admin());
    expect(revoked.status, revoked.text).toBe(200);
    const after = await verify(vc);
    expect(after.status).toBe(422);
    expect(after.body.checks.find((c: { check: string }) => c.check === 'status')).toMatchObject({ verified: false, code: 'CREDENTIAL_REVOKED' });
  });

  it('refuses a status request that picks its own index, at its pointer', async () => {
    const refused = await issue(suiteCredential({ credentialStatus: [{ ...statusRequest, statusListIndex: '7' }] }));
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/credential/credentialStatus/0' });
  });
});
