/**
 * The W3C VC-API and VCDM 2.0 suites against the real app: issue requests as their configurations
 * send them (proof `type`, `cryptosuite`, BitstringStatusListEntry requests, the examples context),
 * what VCDM 2.0 forbids refused with a pointer, and every credential verified by the same service.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

  it('refuses a wider revocation entry by name (revocation stays one bit on the service\'s own lists), and takes a one-bit one with its two messages', async () => {
    const statusMessage = ['0x0', '0x1', '0x2', '0x3'].map((status) => ({ status, message: status }));
    const refused = await issue(suiteCredential({ credentialStatus: { ...statusRequest, statusSize: 2, statusMessage } }));
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/credential/credentialStatus/statusSize' });
    expect(refused.body.detail).toMatch(/one bit/);
    expect(refused.body.hint).toMatch(/"statusPurpose": "message"/);
    const oneBit = await issue(suiteCredential({ credentialStatus: { ...statusRequest, statusMessage: statusMessage.slice(0, 2) } }));
    expect(oneBit.status, oneBit.text).toBe(201);
    expect(oneBit.body.verifiableCredential.credentialStatus[0]).toMatchObject({ statusPurpose: 'revocation', statusMessage: statusMessage.slice(0, 2) });
    expect(oneBit.body.verifiableCredential.credentialStatus[0]).not.toHaveProperty('statusSize');
  });
});

describe('what VCDM 2.0 forbids is refused with 400, the pointer of the fault and a hint', () => {
  const V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
  const contextBytes = readFileSync(new URL('../../contexts/credentials-v2.jsonld', import.meta.url));
  const sri = `sha384-${createHash('sha384').update(contextBytes).digest('base64')}`;
  const resource = (extra: Record<string, unknown> = {}) => ({ id: 'https://example.org/terms.pdf', digestSRI: 'sha384-Zm9v', ...extra });

  it.each([
    ['id null', { id: null }, '/credential/id'],
    ['id a number', { id: 42 }, '/credential/id'],
    ['a subject id that is no URL', { credentialSubject: { id: { nested: true }, alumniOf: 'x' } }, '/credential/credentialSubject/id'],
    ['an empty credentialSubject', { credentialSubject: {} }, '/credential/credentialSubject'],
    ['an empty subject in a list', { credentialSubject: [{ id: 'did:example:a', alumniOf: 'x' }, {}] }, '/credential/credentialSubject/1'],
    ['credentialStatus without type', { credentialStatus: { id: 'https://example.org/status/1#3', statusListIndex: '3' } }, '/credential/credentialStatus'],
    ['termsOfUse without type', { termsOfUse: [{ type: 'TrustFrameworkPolicy' }, { id: 'https://example.org/policy' }] }, '/credential/termsOfUse/1'],
    ['evidence without type', { evidence: { id: 'https://example.org/evidence/1' } }, '/credential/evidence'],
    ['refreshService without type', { refreshService: { id: 'https://example.org/refresh' } }, '/credential/refreshService'],
    ['credentialSchema without type', { credentialSchema: { id: 'https://example.org/schema.json' } }, '/credential/credentialSchema'],
    ['credentialSchema without id', { credentialSchema: { type: 'JsonSchema' } }, '/credential/credentialSchema/id'],
    ['relatedResource that is a string', { relatedResource: 'https://example.org/terms.pdf' }, '/credential/relatedResource'],
    ['relatedResource without id', { relatedResource: [{ digestSRI: 'sha384-Zm9v' }] }, '/credential/relatedResource/0/id'],
    ['relatedResource with a duplicate id', { relatedResource: [resource(), resource()] }, '/credential/relatedResource/1/id'],
    ['relatedResource without a digest', { relatedResource: [resource({ digestSRI: undefined })] }, '/credential/relatedResource/0'],
    ['a wrong digestSRI of a pinned context', { relatedResource: [{ id: V2_CONTEXT, digestSRI: 'sha384-' + Buffer.alloc(48).toString('base64') }] }, '/credential/relatedResource/0/digestSRI'],
    ['a wrong digestMultibase of a pinned context', { relatedResource: [{ id: V2_CONTEXT, digestMultibase: 'u' + Buffer.alloc(34).toString('base64url') }] }, '/credential/relatedResource/0/digestMultibase'],
  ])('refuses %s', async (_name, extra, pointer) => {
    const refused = await issue(suiteCredential(JSON.parse(JSON.stringify(extra)) as Record<string, unknown>));
    expect(refused.status, refused.text).toBe(400);
    expect(refused.contentType).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', pointer, hint: expect.any(String) });
  });

  it('issues, and verifies, related resources with the right digest of a pinned context (SRI and multibase) and a digest of a resource it does not hold', async () => {
    const examplesBytes = readFileSync(new URL('../../contexts/credentials-examples-v2.jsonld', import.meta.url));
    const multihash = Buffer.concat([Buffer.from([0x12, 0x20]), createHash('sha256').update(examplesBytes).digest()]);
    const issued = await issue(suiteCredential({
      relatedResource: [
        { id: V2_CONTEXT, digestSRI: sri },
        { id: 'https://www.w3.org/ns/credentials/examples/v2', digestMultibase: `u${multihash.toString('base64url')}` },
        resource(),
      ],
      credentialSchema: { id: 'https://example.org/schema.json', type: 'JsonSchema' },
      termsOfUse: { type: 'TrustFrameworkPolicy' },
    }));
    expect(issued.status, issued.text).toBe(201);
    expect((await verify(issued.body.verifiableCredential)).status).toBe(200);
  });
});

describe('presentations: one replay rule for both formats', () => {
  const presentation = () => ({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'] });
  const prove = (options: Record<string, unknown>) => postJson(`${svc.url}/presentations/prove`, { presentation: presentation(), options }, admin());
  const verifyVp = (verifiablePresentation: unknown, options?: Record<string, unknown>) =>
    postJson(`${svc.url}/presentations/verify`, options === undefined ? { verifiablePresentation } : { verifiablePresentation, options });

  it.each([
    ['ldp_vp', { format: 'ldp_vp', challenge: 'n-42' }],
    ['vp+jwt', { format: 'vp+jwt', challenge: 'n-42' }],
  ])('%s: verified without an expected challenge, with the replay warning; refused for another challenge; verified with its own', async (_format, options) => {
    const proved = await prove(options);
    expect(proved.status, proved.text).toBe(201);
    const vp = proved.body.verifiablePresentation;

    const unbound = await verifyVp(vp);
    expect(unbound.status, unbound.text).toBe(200);
    expect(unbound.body.warnings).toContainEqual(expect.stringContaining('may be a replay'));

    const other = await verifyVp(vp, { challenge: 'n-43' });
    expect(other.status).toBe(422);
    expect(other.body.checks.find((c: { check: string }) => c.check === 'challenge')).toMatchObject({ verified: false, code: 'CHALLENGE_MISMATCH' });

    const bound = await verifyVp(vp, { challenge: 'n-42' });
    expect(bound.status, bound.text).toBe(200);
    expect(bound.body.warnings).not.toContainEqual(expect.stringContaining('may be a replay'));
  });
});

describe('presentations hold secured credentials only', () => {
  const unsigned = () => suiteCredential();
  const prove = (verifiableCredential: unknown, options: Record<string, unknown>) =>
    postJson(`${svc.url}/presentations/prove`, { presentation: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], verifiableCredential }, options }, admin());

  it.each([
    ['ldp_vp', { format: 'ldp_vp', challenge: 'n-1' }],
    ['vp+jwt', { format: 'vp+jwt', challenge: 'n-1' }],
  ])('%s: a credential without a proof is refused at its index, before anything is signed; the same credential once issued is held', async (_format, options) => {
    const issued = await issue(unsigned(), _format === 'vp+jwt' ? { format: 'vc+jwt' } : undefined);
    expect(issued.status, issued.text).toBe(201);

    const refused = await prove([issued.body.verifiableCredential, unsigned()], options);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.contentType).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/presentation/verifiableCredential/1' });
    expect(refused.body.hint, refused.text).toContain('/credentials/issue');

    const held = await prove([issued.body.verifiableCredential], options);
    expect(held.status, held.text).toBe(201);
    const verified = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: held.body.verifiablePresentation, options: { challenge: 'n-1' } });
    expect(verified.status, verified.text).toBe(200);
  });

  it.each([
    ['a bare string', () => 'not a credential'],
    ['an envelope without a data: URL', () => ({ '@context': 'https://www.w3.org/ns/credentials/v2', type: 'EnvelopedVerifiableCredential', id: 'https://example.org/vc' })],
    ['a proof that is null', () => ({ ...suiteCredential(), proof: null })],
    ['a proof that is an empty set', () => ({ ...suiteCredential(), proof: [] })],
  ])('%s is not a secured credential', async (_name, credential) => {
    const refused = await prove(credential(), { format: 'ldp_vp', challenge: 'n-1' });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/presentation/verifiableCredential' });
  });
});
