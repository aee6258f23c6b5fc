/**
 * Whoever publishes a key chooses its RSA modulus and public exponent, and with them the cost of
 * every verification made with it (a 3072-bit exponent makes one check cost as much as 300
 * ordinary ones). Keys out of bounds are refused before they verify anything: from DID documents,
 * from x5c chains, and when a member registers them. Every key here is a real pair, so each
 * signature would verify: the refusal is for the key alone.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicJwkOf } from '../../src/dids/multikey.js';
const MAX_RSA_MODULUS_BITS = 4096;
import { addDays, parsePemCertificates } from '../../src/x509/index.js';
import { issueCertificate } from '../../src/keyring/certificates.js';
import { rsaKeyPair } from '../helpers/rsa-keys.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { didJwkOf } from '../formats/jose/fixtures.js';

interface Pair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

let svc: RunningService;
let dir: string;
/** A CA whose RSA key has a 1025-bit public exponent, and the PEM that certifies itself. */
let hugeExponentCa: Pair & { pem: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gx-rsa-bounds-'));
  const ca = await rsaKeyPair(2048, (1n << 1024n) + 1n);
  const now = new Date();
  const pem = await issueCertificate({
    subject: { commonName: 'huge exponent CA' },
    subjectPublicKey: ca.publicKey,
    issuerPrivateKey: ca.privateKey,
    notBefore: addDays(now, -1),
    notAfter: addDays(now, 365),
    ca: true,
  });
  hugeExponentCa = { ...ca, pem };
  // The CA is a configured anchor: today's chain check accepts it, so only the key bound refuses it.
  writeFileSync(join(dir, 'anchors.pem'), pem);
  svc = await startService({ GX_TRUST_ANCHORS: join(dir, 'anchors.pem') });
}, 60_000);
afterAll(async () => {
  await svc?.close();
  rmSync(dir, { recursive: true, force: true });
});

function credential(issuer: string) {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential'],
    issuer,
    validFrom: '2025-01-01T00:00:00Z',
    credentialSubject: { id: 'did:web:member.example' },
  };
}

async function signedBy(keys: Pair, alg: 'PS256' | 'ES256', did: string, kid: string): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(credential(did))))
    .setProtectedHeader({ alg, typ: 'vc+jwt', kid })
    .sign(keys.privateKey);
}

function checkOf(body: { checks: { check: string; verified: boolean; code?: string; message?: string }[] }, name: string) {
  return body.checks.find((c) => c.check === name);
}

describe('a DID document key', () => {
  it.each([
    ['a 1025-bit public exponent', () => rsaKeyPair(2048, (1n << 1024n) + 1n)],
    ['the public exponent 3', () => rsaKeyPair(2048, 3n)],
    [`a modulus of ${MAX_RSA_MODULUS_BITS + 64} bits`, () => rsaKeyPair(MAX_RSA_MODULUS_BITS + 64, 65_537n)],
  ])('with %s is refused before the signature is checked', async (_name, makeKeys) => {
    const keys = await makeKeys();
    const did = didJwkOf(keys.publicKey);
    const response = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: await signedBy(keys, 'PS256', did, `${did}#0`) });
    expect(response.status).toBe(422);
    expect(checkOf(response.body, 'key-binding')).toMatchObject({ verified: false, code: 'ALG_NOT_ALLOWED' });
    expect(checkOf(response.body, 'proof')).toMatchObject({ verified: false, code: 'CHECK_NOT_RUN' });
  }, 30_000);

  it('of 2048 bits with e = 65537 verifies', async () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const did = didJwkOf(keys.publicKey);
    const response = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: await signedBy(keys, 'PS256', did, `${did}#0`) });
    expect(response.status, JSON.stringify(response.body.checks)).toBe(200);
  });
});

describe('an x5c chain', () => {
  it('whose CA key has a huge public exponent fails the x509 check, even when the CA is an anchor', async () => {
    const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const now = new Date();
    const leafPem = await issueCertificate({
      subject: { commonName: 'member signing key' },
      subjectPublicKey: leaf.publicKey,
      issuerCertificatePem: hugeExponentCa.pem,
      issuerPrivateKey: hugeExponentCa.privateKey,
      notBefore: addDays(now, -1),
      notAfter: addDays(now, 30),
    });
    const publicKeyJwk = { ...publicJwkOf(leaf.publicKey), alg: 'ES256', x5c: [...parsePemCertificates(leafPem), ...parsePemCertificates(hugeExponentCa.pem)] };
    const created = await postJson(`${svc.url}/members`, { slug: 'chained', name: 'Chained AG', keys: { publicKeys: [{ publicKeyJwk }] } }, { authorization: `Bearer ${svc.apiKey}` });
    expect(created.status, created.text).toBe(201);
    const did = created.body.did as string;
    const document = (await (await fetch(`${svc.url}/members/chained/did.json`)).json()) as { verificationMethod: { id: string }[] };
    const methodId = document.verificationMethod[0]!.id;
    const response = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: await signedBy(leaf, 'ES256', did, methodId) });
    expect(response.status).toBe(422);
    const x509 = checkOf(response.body, 'x509');
    expect(x509).toMatchObject({ verified: false, code: 'X509_CHAIN' });
    expect(x509?.message).toMatch(/public exponent of 1025 bits/);
    // Everything else about the credential holds: only the chain's key is at fault.
    expect(checkOf(response.body, 'proof')?.verified).toBe(true);
  });
});

describe('POST /members with a registered public key', () => {
  it.each([
    ['a 1025-bit public exponent', () => rsaKeyPair(2048, (1n << 1024n) + 1n)],
    [`a modulus of ${MAX_RSA_MODULUS_BITS + 64} bits`, () => rsaKeyPair(MAX_RSA_MODULUS_BITS + 64, 65_537n)],
  ])('refuses an RSA key with %s (400, pointing at the key)', async (name, makeKeys) => {
    const publicKeyJwk = { ...publicJwkOf((await makeKeys()).publicKey), alg: 'PS256' };
    const slug = name.includes('exponent') ? 'huge-exponent' : 'huge-modulus';
    const refused = await postJson(`${svc.url}/members`, { slug, name: 'Huge AG', keys: { publicKeys: [{ publicKeyJwk }] } }, { authorization: `Bearer ${svc.apiKey}` });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/keys/publicKeys/0/publicKeyJwk' });
  }, 30_000);
});
