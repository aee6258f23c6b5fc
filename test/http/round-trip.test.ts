/**
 * Issue -> verify over HTTP for every proof format and algorithm. Two real services run on
 * loopback: the issuer serves its did:web document; the verifier resolves it over HTTP and trusts
 * the issuer's development CA through GX_TRUST_ANCHORS, as a partner would trust a Gaia-X anchor.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCredentialJwt } from '../../src/formats/jose/sign.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { unscopedIssuer } from '../helpers/unscoped-signing.js';

let issuer: RunningService;
let verifier: RunningService;
let untrustingVerifier: RunningService;

beforeAll(async () => {
  issuer = await startService();
  const anchors = join(issuer.service.config.keysDir, 'dev-root-ca.pem');
  verifier = await startService({ GX_TRUST_ANCHORS: anchors });
  untrustingVerifier = await startService();
});

afterAll(async () => {
  await Promise.all([issuer?.close(), verifier?.close(), untrustingVerifier?.close()]);
});

// Within the development certificates' two years: a chain cannot vouch for a longer validity.
const VALID_UNTIL = new Date(Date.now() + 180 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function credentialV2(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
    type: ['VerifiableCredential'],
    issuer: issuer.service.keyring.did,
    credentialSubject: { id: 'did:web:member.example', 'gx:countryCode': 'DE' },
    validUntil: VALID_UNTIL,
    ...overrides,
  };
}

function credentialV11(): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/gaia-x/development#'],
    type: ['VerifiableCredential'],
    issuer: issuer.service.keyring.did,
    credentialSubject: { id: 'did:web:member.example', 'gx:countryCode': 'DE' },
    expirationDate: VALID_UNTIL,
  };
}

async function issue(credential: unknown, options: Record<string, unknown>, headers: Record<string, string> = {}) {
  return postJson(`${issuer.url}/credentials/issue`, { credential, options }, { authorization: `Bearer ${issuer.apiKey}`, ...headers });
}

function checkOf(report: { checks: { check: string; verified: boolean; code?: string }[] }, name: string) {
  return report.checks.find((c) => c.check === name);
}

describe('POST /credentials/issue then POST /credentials/verify', () => {
  describe.each([
    ['eddsa-rdfc-2022', '2.0', credentialV2],
    ['eddsa-rdfc-2022', '1.1', credentialV11],
    ['Ed25519Signature2020', '2.0', credentialV2],
    ['Ed25519Signature2020', '1.1', credentialV11],
    ['ecdsa-rdfc-2019', '2.0', credentialV2],
    ['ecdsa-rdfc-2019', '1.1', credentialV11],
  ] as const)('Data Integrity %s, VC data model %s', (cryptosuite, _version, make) => {
    it('verifies on another service that resolves the issuer did:web over HTTP', async () => {
      const issued = await issue(make(), { format: 'ldp_vc', cryptosuite });
      expect(issued.status, issued.text).toBe(201);
      const vc = issued.body.verifiableCredential;
      expect(vc.issuer).toBe(issuer.service.keyring.did);
      const verified = await postJson(`${verifier.url}/credentials/verify`, { verifiableCredential: vc });
      expect(verified.status, verified.text).toBe(200);
      expect(verified.body.verified).toBe(true);
      for (const name of ['proof', 'key-binding', 'validity']) expect(checkOf(verified.body, name)?.verified).toBe(true);
    });

    it('fails when a signed field is changed', async () => {
      const issued = await issue(make(), { format: 'ldp_vc', cryptosuite });
      const vc = issued.body.verifiableCredential;
      vc.credentialSubject['gx:countryCode'] = 'FR';
      const verified = await postJson(`${verifier.url}/credentials/verify`, { verifiableCredential: vc });
      expect(verified.status).toBe(422);
      expect(checkOf(verified.body, 'proof')?.verified).toBe(false);
    });
  });

  describe.each([
    ['EdDSA', undefined],
    ['ES256', undefined],
    ['PS256', undefined],
    ['EdDSA', 'gaia-x-danube'],
    ['ES256', 'gaia-x-danube'],
    ['PS256', 'gaia-x-danube'],
  ] as const)('VC-JOSE %s (profile %s)', (alg, profile) => {
    const options = { format: 'vc+jwt', alg, ...(profile ? { profile } : {}) };

    it('is returned enveloped, and verifies as an enveloped credential', async () => {
      const issued = await issue(credentialV2(), options);
      expect(issued.status, issued.text).toBe(201);
      const vc = issued.body.verifiableCredential;
      expect(vc.type).toBe('EnvelopedVerifiableCredential');
      expect(vc.id).toMatch(/^data:application\/vc\+jwt,ey/);
      const verified = await postJson(`${verifier.url}/credentials/verify`, { verifiableCredential: vc });
      expect(verified.status, verified.text).toBe(200);
      // PS256 and ES256 keys carry an X.509 chain to the issuer's (trusted) development root.
      if (alg !== 'EdDSA') expect(checkOf(verified.body, 'x509')?.verified).toBe(true);
    });

    it('is returned as a bare JWT on Accept: application/vc+jwt, and verifies when posted as one', async () => {
      const issued = await issue(credentialV2(), options, { accept: 'application/vc+jwt' });
      expect(issued.status).toBe(201);
      expect(issued.contentType).toContain('application/vc+jwt');
      const [header] = issued.text.split('.');
      const protectedHeader = JSON.parse(Buffer.from(header!, 'base64url').toString());
      expect(protectedHeader.alg).toBe(alg);
      expect(protectedHeader.iss).toBe(issuer.service.keyring.did);
      expect(protectedHeader.kid.startsWith(`${issuer.service.keyring.did}#`)).toBe(true);
      expect(protectedHeader.typ).toBe(profile === 'gaia-x-danube' ? 'vc+ld+json+jwt' : 'vc+jwt');
      const verified = await postJson(`${verifier.url}/credentials/verify`, issued.text, { 'content-type': 'application/vc+jwt' });
      expect(verified.status, verified.text).toBe(200);
      expect(verified.body.verified).toBe(true);
    });

    it('fails when the payload is changed', async () => {
      const issued = await issue(credentialV2(), options, { accept: 'application/vc+jwt' });
      const [h, p, s] = issued.text.split('.');
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
      payload.credentialSubject['gx:countryCode'] = 'FR';
      const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
      const verified = await postJson(`${verifier.url}/credentials/verify`, { verifiableCredential: forged });
      expect(verified.status).toBe(422);
      expect(checkOf(verified.body, 'proof')?.verified).toBe(false);
    });
  });

  it('refuses an X.509-bound key whose chain ends at an anchor the verifier does not trust', async () => {
    const issued = await issue(credentialV2(), { format: 'vc+jwt', alg: 'PS256', profile: 'gaia-x-danube' });
    const verified = await postJson(`${untrustingVerifier.url}/credentials/verify`, { verifiableCredential: issued.body.verifiableCredential });
    expect(verified.status).toBe(422);
    expect(checkOf(verified.body, 'x509')).toMatchObject({ verified: false, code: 'X509_CHAIN' });
    expect(checkOf(verified.body, 'proof')?.verified).toBe(true);
  });

  describe.each([
    ['ldp_vc', 'eddsa-rdfc-2022', 'Ed25519'],
    ['ldp_vc', 'ecdsa-rdfc-2019', 'P-256'],
    ['vc+jwt', 'EdDSA', 'Ed25519'],
    ['vc+jwt', 'ES256', 'P-256'],
  ] as const)('under the service did:key (%s %s)', (format, suiteOrAlg, kind) => {
    it('issues and verifies offline', async () => {
      const didKey = issuer.service.keyring.didKey(kind).did;
      const options = format === 'ldp_vc' ? { format, cryptosuite: suiteOrAlg } : { format, alg: suiteOrAlg };
      const issued = await issue(credentialV2({ issuer: didKey }), options);
      expect(issued.status, issued.text).toBe(201);
      const verified = await postJson(`${verifier.url}/credentials/verify`, { verifiableCredential: issued.body.verifiableCredential });
      expect(verified.status, verified.text).toBe(200);
      expect(verified.body.issuer).toBe(didKey);
    });
  });
});

describe('presentations', () => {
  it('signs a vp+jwt holding enveloped credentials and verifies it with its challenge and domain', async () => {
    const vc1 = (await issue(credentialV2(), { format: 'vc+jwt', alg: 'PS256', profile: 'gaia-x-danube' })).body.verifiableCredential;
    const vc2 = (await issue(credentialV2(), { format: 'vc+jwt', alg: 'ES256' })).body.verifiableCredential;
    const proved = await postJson(
      `${issuer.url}/presentations/prove`,
      {
        presentation: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], verifiableCredential: [vc1, vc2] },
        options: { format: 'vp+jwt', alg: 'ES256', challenge: 'nonce-123', domain: 'connector.example' },
      },
      { authorization: `Bearer ${issuer.apiKey}` },
    );
    expect(proved.status, proved.text).toBe(201);
    const vp = proved.body.verifiablePresentation;
    const ok = await postJson(`${verifier.url}/presentations/verify`, { verifiablePresentation: vp, options: { challenge: 'nonce-123', domain: 'connector.example' } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.credentials).toHaveLength(2);
    expect(ok.body.credentials.every((r: { verified: boolean }) => r.verified)).toBe(true);

    const wrongChallenge = await postJson(`${verifier.url}/presentations/verify`, { verifiablePresentation: vp, options: { challenge: 'other', domain: 'connector.example' } });
    expect(wrongChallenge.status).toBe(422);
    expect(checkOf(wrongChallenge.body, 'challenge')).toMatchObject({ verified: false, code: 'CHALLENGE_MISMATCH' });
  });

  it('signs a Data Integrity presentation and verifies it with its challenge and domain', async () => {
    const vc = (await issue(credentialV2(), { format: 'ldp_vc' })).body.verifiableCredential;
    const proved = await postJson(
      `${issuer.url}/presentations/prove`,
      {
        presentation: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], verifiableCredential: [vc] },
        options: { format: 'ldp_vp', challenge: 'c-1', domain: 'connector.example' },
      },
      { authorization: `Bearer ${issuer.apiKey}` },
    );
    expect(proved.status, proved.text).toBe(201);
    const vp = proved.body.verifiablePresentation;
    const ok = await postJson(`${verifier.url}/presentations/verify`, { verifiablePresentation: vp, options: { challenge: 'c-1', domain: 'connector.example' } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.credentials[0].verified).toBe(true);

    const wrongDomain = await postJson(`${verifier.url}/presentations/verify`, { verifiablePresentation: vp, options: { challenge: 'c-1', domain: 'evil.example' } });
    expect(wrongDomain.status).toBe(422);
    expect(checkOf(wrongDomain.body, 'domain')).toMatchObject({ verified: false, code: 'DOMAIN_MISMATCH' });
  });
});

describe('X.509 binding and validity', () => {
  it('refuses a credential whose validity outlasts the certificate of its signing key', async () => {
    // gx-trust refuses to issue one (VALIDITY_BEYOND_CERTIFICATE); signed with the key directly, as
    // a holder of the key who steps around the issuer would, the verifier refuses it.
    const refused = await issue(credentialV2({ validUntil: '2099-01-01T00:00:00Z' }), { format: 'vc+jwt', alg: 'PS256' });
    expect(refused.status, refused.text).toBe(400);
    const rsa = issuer.service.keyring.key('RSA');
    const jwt = await signCredentialJwt({
      credential: { ...credentialV2({ validUntil: '2099-01-01T00:00:00Z' }), issuer: issuer.service.keyring.did },
      signer: rsa.signer(),
    });
    const verified = await postJson(`${verifier.url}/credentials/verify`, jwt, { 'content-type': 'application/vc+jwt' });
    expect(verified.status).toBe(422);
    expect(checkOf(verified.body, 'x509')).toMatchObject({ verified: false, code: 'X509_CHAIN' });
  });

  it('refuses an expired credential with the validity check', async () => {
    // Issued while it was valid (gx-trust refuses a validUntil already past).
    const issued = await unscopedIssuer(issuer.service, () => new Date('2020-06-01T00:00:00Z'))
      .issueCredential(credentialV2({ validFrom: '2020-01-01T00:00:00Z', validUntil: '2021-01-01T00:00:00Z' }), { format: 'ldp_vc' });
    const verified = await postJson(`${verifier.url}/credentials/verify`, { verifiableCredential: issued.verifiableCredential });
    expect(verified.status).toBe(422);
    expect(checkOf(verified.body, 'validity')).toMatchObject({ verified: false, code: 'VALIDITY_PERIOD' });
    expect(checkOf(verified.body, 'proof')?.verified).toBe(true);
  });
});
