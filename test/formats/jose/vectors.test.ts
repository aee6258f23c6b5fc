/**
 * Real tokens: the W3C VC-JOSE-COSE Recommendation's examples (test/vectors/vc-jose-cose, see its
 * README) and the Gaia-X Loire notary credentials (test/fixtures/gaiax-samples/loire-24.x, see its README).
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { compactVerify, importJWK, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { createDidResolver } from '../../../src/dids/index.js';
import { joseFormat } from '../../../src/formats/jose/verify.js';
import { decodeJws, makeContext, summary } from './fixtures.js';

const VECTORS = new URL('../../vectors/vc-jose-cose/', import.meta.url);
const LOIRE = new URL('../../fixtures/gaiax-samples/loire-24.x/', import.meta.url);

const vector = (name: string) => readFileSync(new URL(name, VECTORS), 'utf8').trim();

describe('W3C VC-JOSE-COSE examples', () => {
  it('Example 2: the enveloped credential verifies with the spec example key (raw jose)', async () => {
    const jwk = JSON.parse(vector('example-key.public.jwk.json')) as JWK;
    const token = vector('example-2-enveloped-credential.es384.jwt');
    const { protectedHeader, payload } = await compactVerify(token, await importJWK(jwk, 'ES384'), { algorithms: ['ES384'] });
    expect(protectedHeader).toEqual({ kid: jwk.kid, alg: 'ES384' });
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ id: 'http://university.example/credentials/1872' });
  });

  it('Example 1: the payload is the credential itself, with no vc wrapper', () => {
    const { header, payload } = decodeJws(vector('example-1-credential.es256.jwt'));
    expect(header).toEqual({ kid: 'ExHkBMW9fmbkvV266mRpuP2sUY_N_EWIN1lapUzO8ro', alg: 'ES256' });
    expect(payload).toMatchObject({
      '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/examples/v2'],
      issuer: 'https://university.example/issuers/14',
      validFrom: '2010-01-01T19:23:24Z',
    });
    expect(payload).not.toHaveProperty('vc');
  });

  it.each(['example-1-credential.es256.jwt', 'example-2-enveloped-credential.es384.jwt'])(
    'gx-trust takes %s for a credential despite its missing typ, reads it, and refuses the key: its issuer is no DID',
    async (file) => {
      const token = vector(file);
      expect(joseFormat.canVerifyCredential(token)).toBe(true);
      expect(joseFormat.canVerifyCredential(`data:application/vc+jwt,${token}`)).toBe(true);
      const result = await joseFormat.verifyCredential(token, makeContext());
      // typ is a SHOULD, ES384 is allowed with P-384 keys and the examples context is pinned: what
      // stops the examples is their issuer, an https URL with a bare thumbprint as kid. Keys come
      // only from the issuer's DID document, so no key is looked up and the proof is not reported as passed.
      expect(summary(result)).toEqual(['format:ok', 'key-binding:KEY_BINDING', 'proof:CHECK_NOT_RUN']);
    },
  );
});

describe('Gaia-X Loire notary credentials', () => {
  const samples = readdirSync(LOIRE).filter((name) => name.endsWith('.jwt'));
  // The notaries' hosts are not reachable from here: every DNS lookup fails, as it would offline.
  // The resolver opens a socket whose lookup then fails, so no byte leaves the machine.
  const lookedUp: string[] = [];
  const unreachable: LookupFunction = (hostname, _options, callback) => {
    lookedUp.push(hostname);
    process.nextTick(() => callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 4));
  };

  it('has the three samples', () => {
    expect(samples).toHaveLength(3);
  });

  it.each(samples)('%s: passes the format, fails the key binding with the resolver code, never reports the proof as passed', async (file) => {
    const token = readFileSync(new URL(file, LOIRE), 'utf8').trim();
    const expected = JSON.parse(readFileSync(new URL(file.replace(/\.jwt$/, '.decoded.json'), LOIRE), 'utf8')) as {
      protectedHeader: { iss: string; iat: number; exp: number; typ: string };
      payload: Record<string, unknown>;
    };
    const resolver = createDidResolver({ testMode: false, fetchOptions: { lookup: unreachable } });
    expect(joseFormat.canVerifyCredential(token)).toBe(true);
    const result = await joseFormat.verifyCredential(token, makeContext({}, resolver));

    expect(summary(result)).toEqual(['format:ok', 'key-binding:DID_RESOLUTION_FAILED', 'proof:CHECK_NOT_RUN']);
    expect(result.format).toBe('vc+ld+jwt');
    expect(result.issuer).toBe(expected.protectedHeader.iss);
    expect(result.document).toEqual(expected.payload);
    // The only host looked up is the notary's own did:web host.
    expect(new Set(lookedUp.splice(0))).toEqual(new Set([expected.protectedHeader.iss.split(':')[2]]));

    // iat/exp sit in the protected header in milliseconds: 2025, not the year 57000.
    const { issuedAt, expires } = result.timeClaims ?? {};
    expect(issuedAt?.getTime()).toBe(expected.protectedHeader.iat);
    expect(expires?.getTime()).toBe(expected.protectedHeader.exp);
    expect(issuedAt?.getUTCFullYear()).toBe(2025);
    expect(expires?.getUTCFullYear()).toBe(2025);
  });
});

describe('timeClaims', () => {
  it('reads payload claims as seconds and takes the stricter instant when header and payload disagree', async () => {
    const header = { alg: 'EdDSA', typ: 'vc+jwt', kid: 'did:example:x#k', iat: 1741273036728, exp: 1745107199000 };
    const payload = { issuer: 'did:example:x', nbf: 1741000000, iat: 1741000000, exp: 1745000000 };
    const token = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.AAAA`;
    const result = await joseFormat.verifyCredential(token, makeContext());
    expect(result.timeClaims).toEqual({
      notBefore: new Date(1741000000 * 1000),
      issuedAt: new Date(1741273036728),
      expires: new Date(1745000000 * 1000),
    });
  });
});
