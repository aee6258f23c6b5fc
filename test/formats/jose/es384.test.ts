/**
 * ES384 (ECDSA P-384 with SHA-384): gx-trust does not sign with it, but verifies credentials and
 * presentations of issuers whose DID documents carry P-384 keys, on did:jwk, did:key and did:web.
 * The tokens are signed with raw jose (an independent JWS implementation), the keys made by node:crypto.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDidResolver } from '../../../src/dids/index.js';
import { publicJwkOf, publicKeyToMultikey } from '../../../src/dids/multikey.js';
import { joseFormat } from '../../../src/formats/jose/verify.js';
import { startDidWebServer, type DidWebServer } from '../../helpers/did-web-server.js';
import { didJwkOf, makeContext, makeCredential, makePresentation, summary } from './fixtures.js';

const ALL_PASSED = ['format:ok', 'key-binding:ok', 'proof:ok'];

interface P384Issuer {
  did: string;
  kid: string;
  privateKey: KeyObject;
}

async function es384(payload: Record<string, unknown>, issuer: P384Issuer, typ: string): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES384', typ, kid: issuer.kid, iss: issuer.did })
    .sign(issuer.privateKey);
}

let server: DidWebServer;
const issuers: Record<string, P384Issuer> = {};

beforeAll(async () => {
  const jwkPair = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const jwkDid = didJwkOf(jwkPair.publicKey);
  issuers['did:jwk'] = { did: jwkDid, kid: `${jwkDid}#0`, privateKey: jwkPair.privateKey };

  const keyPair = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const multikey = publicKeyToMultikey(keyPair.publicKey);
  issuers['did:key'] = { did: `did:key:${multikey}`, kid: `did:key:${multikey}#${multikey}`, privateKey: keyPair.privateKey };

  server = await startDidWebServer();
  const webPair = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const webDid = server.didFor(['p384']);
  const methods = [
    { id: `${webDid}#jwk-p384`, type: 'JsonWebKey', controller: webDid, publicKeyJwk: { ...publicJwkOf(webPair.publicKey), alg: 'ES384' } },
    { id: `${webDid}#jwk2020-p384`, type: 'JsonWebKey2020', controller: webDid, publicKeyJwk: publicJwkOf(webPair.publicKey) },
    { id: `${webDid}#multikey-p384`, type: 'Multikey', controller: webDid, publicKeyMultibase: publicKeyToMultikey(webPair.publicKey) },
  ];
  server.setDocument(webDid, {
    '@context': ['https://www.w3.org/ns/did/v1'],
    id: webDid,
    verificationMethod: methods,
    assertionMethod: methods.map((m) => m.id),
    authentication: methods.map((m) => m.id),
  });
  for (const method of methods) {
    issuers[`did:web ${method.type}`] = { did: webDid, kid: method.id, privateKey: webPair.privateKey };
  }
});

afterAll(async () => {
  await server.close();
});

describe('ES384 with P-384 keys', () => {
  it('encodes P-384 did:keys with the p384-pub multicodec (z82...)', () => {
    expect(issuers['did:key']?.did).toMatch(/^did:key:z82/);
  });

  it.each(['did:jwk', 'did:key', 'did:web JsonWebKey', 'did:web JsonWebKey2020', 'did:web Multikey'])(
    'verifies an ES384 credential and presentation of an issuer on %s',
    async (name) => {
      const issuer = issuers[name]!;
      const resolver = createDidResolver({ testMode: true });
      const vc = await es384(makeCredential(issuer.did), issuer, 'vc+jwt');
      const credential = await joseFormat.verifyCredential(vc, makeContext({}, resolver));
      expect(summary(credential)).toEqual(ALL_PASSED);
      expect(checkMessage(credential.checks, 'proof')).toBe('ES384');
      expect(credential.verificationMethod?.id).toBe(issuer.kid);

      const vp = await es384(makePresentation({ holder: issuer.did }), issuer, 'vp+jwt');
      expect(summary(await joseFormat.verifyPresentation(vp, makeContext({}, resolver)))).toEqual(ALL_PASSED);
    },
  );

  it('fails an ES384 signature made with another P-384 key', async () => {
    const issuer = issuers['did:key']!;
    const other = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const vc = await es384(makeCredential(issuer.did), { ...issuer, privateKey: other.privateKey }, 'vc+jwt');
    expect(summary(await joseFormat.verifyCredential(vc, makeContext()))).toEqual(['format:ok', 'key-binding:ok', 'proof:INVALID_SIGNATURE']);
  });

  it('refuses ES256 over a P-384 key: the algorithm is tied to the key type', async () => {
    const issuer = issuers['did:jwk']!;
    // jose itself refuses to sign ES256 with a P-384 key, so the header is forged over an ES384 signature.
    const vc = await es384(makeCredential(issuer.did), issuer, 'vc+jwt');
    const [, payload, signature] = vc.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'vc+jwt', kid: issuer.kid, iss: issuer.did })).toString('base64url');
    const result = await joseFormat.verifyCredential(`${header}.${payload}.${signature}`, makeContext());
    expect(summary(result)).toEqual(['format:ok', 'key-binding:ok', 'proof:ALG_NOT_ALLOWED']);
  });

  it('refuses a did:web JWK whose alg names another algorithm than the header', async () => {
    const issuer = issuers['did:web JsonWebKey']!;
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(makeCredential(issuer.did))))
      .setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid: issuer.kid })
      .sign(other.privateKey);
    const result = await joseFormat.verifyCredential(token, makeContext({}, createDidResolver({ testMode: true })));
    expect(summary(result)).toEqual(['format:ok', 'key-binding:ok', 'proof:ALG_NOT_ALLOWED']);
  });
});

function checkMessage(checks: { check: string; message?: string }[], name: string): string | undefined {
  return checks.find((c) => c.check === name)?.message;
}
