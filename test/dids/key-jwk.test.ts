import { createPublicKey, generateKeyPairSync, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDidResolver } from '../../src/dids/index.js';
import { resolveDidJwk } from '../../src/dids/jwk.js';
import { resolveDidKey } from '../../src/dids/key.js';
import { base58btcDecode, base58btcEncode, publicJwkOf, publicKeyToMultikey, verificationMethodJwk } from '../../src/dids/multikey.js';
import { GxTrustError } from '../../src/errors.js';

function codeOfCall(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof GxTrustError) return error.code;
    throw error;
  }
  throw new Error('expected a GxTrustError, got a result');
}

const didJwkOf = (jwk: object): string => `did:jwk:${Buffer.from(JSON.stringify(jwk)).toString('base64url')}`;

/** Signs with the private key and verifies with the key the DID document publishes. */
function roundTrips(privateKey: KeyObject, publishedJwk: object): boolean {
  const data = Buffer.from('gx-trust');
  const algorithm = privateKey.asymmetricKeyType === 'ed25519' ? null : privateKey.asymmetricKeyDetails?.namedCurve === 'secp521r1' ? 'sha512' : 'sha256';
  const signature = sign(algorithm, data, privateKey);
  return verify(algorithm, data, createPublicKey({ key: publishedJwk as JsonWebKey, format: 'jwk' }), signature);
}

const resolver = createDidResolver({ testMode: false });

describe('did:key', () => {
  describe.each([
    ['Ed25519', () => generateKeyPairSync('ed25519'), 'z6Mk'],
    ['P-256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'zDn'],
    // p384-pub (0x1201): issuers that sign ES384 (and the service's own P-384 key).
    ['P-384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' }), 'z82'],
    // p521-pub (0x1202): issuers that sign ES512 (and the service's own P-521 key).
    ['P-521', () => generateKeyPairSync('ec', { namedCurve: 'P-521' }), 'z2J9'],
  ] as const)('%s', (_name, generate, prefix) => {
    it('resolves to a Multikey method under assertionMethod and authentication that verifies a real signature', async () => {
      const { publicKey, privateKey } = generate();
      const multibase = publicKeyToMultikey(publicKey);
      expect(multibase.startsWith(prefix)).toBe(true);
      const did = `did:key:${multibase}`;
      const document = await resolver.resolve(did);
      expect(document).toMatchObject({
        id: did,
        verificationMethod: [{ id: `${did}#${multibase}`, type: 'Multikey', controller: did, publicKeyMultibase: multibase }],
        assertionMethod: [`${did}#${multibase}`],
        authentication: [`${did}#${multibase}`],
      });
      for (const purpose of ['assertionMethod', 'authentication'] as const) {
        const method = await resolver.resolveVerificationMethod(`${did}#${multibase}`, { purpose, expectedController: did });
        expect(verificationMethodJwk(method)).toEqual(publicJwkOf(publicKey));
        expect(roundTrips(privateKey, verificationMethodJwk(method))).toBe(true);
      }
    });
  });

  // The did:key specification's test vectors (w3c-ccg/did-method-key, test-vectors/nist-curves.json at
  // e7839a8e1ce1e17ff18bc0c95600753604efb1fe): one P-521 key of each y parity (compressed 0x02, 0x03).
  it.each([
    ['did:key:z2J9gaYxrKVpdoG9A4gRnmpnRCcxU6agDtFVVBVdn1JedouoZN7SzcyREXXzWgt3gGiwpoHq7K68X4m32D8HgzG8wv3sY5j7', 'ASUHPMyichQ0QbHZ9ofNx_l4y7luncn5feKLo3OpJ2nSbZoC7mffolj5uy7s6KSKXFmnNWxGJ42IOrjZ47qqwqyS', 'AW9ziIC4ZQQVSNmLlp59yYKrjRY0_VqO-GOIYQ9tYpPraBKUloEId6cI_vynCzlZWZtWpgOM3HPhYEgawQ703RjC'],
    ['did:key:z2J9gcGdb2nEyMDmzQYv2QZQcM1vXktvy1Pw4MduSWxGabLZ9XESSWLQgbuPhwnXN7zP7HpTzWqrMTzaY5zWe6hpzJ2jnw4f', 'AQgyFy6EwH3_u_KXPw8aTXTY7WSVytmbuJeFpq4U6LipxtSmBJe_jjRzms9qubnwm_fGoHMQlvQ1vzS2YLusR2V0', 'Ab06MCcgoG7dM2I-VppdLV1k3lDoeHMvyYqHVfP05Ep2O7Zu0Qwd6IVzfZi9K0KMDud22wdnGUpUtFukZo0EeO15'],
  ])('resolves the did:key specification\'s P-521 vector %s to the JWK the specification gives, and encodes that JWK back to it', (did, x, y) => {
    const document = resolveDidKey(did);
    const jwk = verificationMethodJwk(document.verificationMethod![0]!);
    expect(jwk).toEqual({ kty: 'EC', crv: 'P-521', x, y });
    expect(`did:key:${publicKeyToMultikey(createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }))}`).toBe(did);
  });

  it.each([
    ['not base58btc', 'did:key:z6Mk0OIl'],
    ['not multibase z', 'did:key:f6Mkabc'],
    ['truncated', `did:key:${publicKeyToMultikey(generateKeyPairSync('ed25519').publicKey).slice(0, -3)}`],
    ['an unsupported key type (secp256k1)', `did:key:z${base58btcEncode(Uint8Array.from([0xe7, 0x01, 2, ...new Array<number>(32).fill(7)]))}`],
  ])('refuses a did:key that is %s with INVALID_DID', async (_name, did) => {
    expect(codeOfCall(() => resolveDidKey(did))).toBe('INVALID_DID');
  });

  describe('BLS12-381 G2 (bbs-2023 only)', () => {
    // The vc-di-bbs specification's published key (TestVectors/BBSKeyMaterial.json), as a Multikey.
    const publicKeyHex = 'a4ef1afa3da575496f122b9b78b8c24761531a8a093206ae7c45b80759c168ba4f7a260f9c3367b6c019b4677841104b10665edbe70ba3ebe7d9cfbffbf71eb016f70abfbb163317f372697dc63efd21fc55764f63926a8f02eaea325a2a888f';
    const multibase = `z${base58btcEncode(Uint8Array.from([0xeb, 0x01, ...Buffer.from(publicKeyHex, 'hex')]))}`;
    const did = `did:key:${multibase}`;

    it('resolves to a Multikey method, as the specification names it (zUC7...)', async () => {
      expect(multibase).toBe('zUC7DerdEmfZ8f4pFajXgGwJoMkV1ofMTmEG5UoNvnWiPiLuGKNeqgRpLH2TV4Xe5mJ2cXV76gRN7LFQwapF1VFu6x2yrr5ci1mXqC1WNUrnHnLgvfZfMH7h6xP6qsf9EKRQrPQ');
      const method = await resolver.resolveVerificationMethod(`${did}#${multibase}`, { purpose: 'assertionMethod', expectedController: did });
      expect(method).toMatchObject({ type: 'Multikey', controller: did, publicKeyMultibase: multibase });
    });

    it('has no JWK: no JOSE or other Data Integrity verifier can use it (ALG_NOT_ALLOWED)', async () => {
      const method = await resolver.resolveVerificationMethod(`${did}#${multibase}`, { purpose: 'assertionMethod', expectedController: did });
      expect(codeOfCall(() => verificationMethodJwk(method))).toBe('ALG_NOT_ALLOWED');
    });

    it('refuses a G2 key of the wrong length with INVALID_DID', () => {
      const short = `z${base58btcEncode(Uint8Array.from([0xeb, 0x01, ...Buffer.from(publicKeyHex, 'hex').subarray(1)]))}`;
      expect(codeOfCall(() => resolveDidKey(`did:key:${short}`))).toBe('INVALID_DID');
    });
  });

  it('refuses trailing bytes after the key', () => {
    const multibase = publicKeyToMultikey(generateKeyPairSync('ed25519').publicKey);
    const padded = `z${base58btcEncode(Uint8Array.from([...base58btcDecode(multibase.slice(1)), 0]))}`;
    expect(codeOfCall(() => resolveDidKey(`did:key:${padded}`))).toBe('INVALID_DID');
  });
});

describe('did:jwk', () => {
  describe.each([
    ['Ed25519', () => generateKeyPairSync('ed25519')],
    ['P-256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ] as const)('%s', (_name, generate) => {
    it('resolves to a JsonWebKey method #0 under assertionMethod and authentication that verifies a real signature', async () => {
      const { publicKey, privateKey } = generate();
      const jwk = publicJwkOf(publicKey);
      const did = didJwkOf(jwk);
      const document = await resolver.resolve(did);
      expect(document).toMatchObject({
        id: did,
        verificationMethod: [{ id: `${did}#0`, type: 'JsonWebKey', controller: did, publicKeyJwk: jwk }],
        assertionMethod: [`${did}#0`],
        authentication: [`${did}#0`],
      });
      const method = await resolver.resolveVerificationMethod(`${did}#0`, { purpose: 'assertionMethod', expectedController: did });
      expect(roundTrips(privateKey, verificationMethodJwk(method))).toBe(true);
    });
  });

  it('refuses a JWK with private members', () => {
    const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const error = (() => {
      try {
        resolveDidJwk(didJwkOf(jwk));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(GxTrustError);
    expect((error as GxTrustError).code).toBe('INVALID_DID');
    expect((error as GxTrustError).message).toContain('"d"');
  });

  it.each([
    ['not base64url JSON', 'did:jwk:bm90IGpzb24'],
    ['a JSON array', didJwkOf([])],
    ['a symmetric key', didJwkOf({ kty: 'oct', k: 'AAAA' })],
    ['a JWK node:crypto cannot import', didJwkOf({ kty: 'OKP', crv: 'Ed25519', x: 'AA' })],
    ['padded base64', `${didJwkOf(publicJwkOf(generateKeyPairSync('ed25519').publicKey))}=`],
  ])('refuses a did:jwk that is %s with INVALID_DID', async (_name, did) => {
    expect(codeOfCall(() => resolveDidJwk(did))).toBe('INVALID_DID');
  });

  it('lists a use:"enc" key only under keyAgreement, so it cannot sign credentials', async () => {
    const did = didJwkOf({ ...publicJwkOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey), use: 'enc' });
    const error = await resolver.resolveVerificationMethod(`${did}#0`, { purpose: 'assertionMethod', expectedController: did }).catch((e: unknown) => e);
    expect((error as GxTrustError).code).toBe('KEY_BINDING');
    expect((error as GxTrustError).message).toContain('listed under keyAgreement, not assertionMethod');
  });
});
