import { createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { GxTrustError } from '../../src/errors.js';
import {
  assertCryptosuiteKey,
  allowedAlgorithms,
  assertAlgorithmAllowed,
  defaultAlgorithm,
  keyKindOf,
  keyKindForAlgorithm,
  SIGNING_ALGORITHMS,
  verificationKeyKindOf,
  type KeyKind,
} from '../../src/algorithms/index.js';

function errorOf(fn: () => unknown): GxTrustError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GxTrustError);
    return error as GxTrustError;
  }
  throw new Error('expected a GxTrustError, nothing was thrown');
}

const jwkOf = (key: KeyObject) => key.export({ format: 'jwk' }) as JWK;

let ed25519: KeyObject;
let p256: KeyObject;
let rsa2048: KeyObject;
let rsa1024: KeyObject;
let secp256k1: KeyObject;
let p384: KeyObject;
let p521: KeyObject;

beforeAll(() => {
  ed25519 = generateKeyPairSync('ed25519').publicKey;
  p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
  secp256k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey;
  p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
  p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey;
});

describe('keyKindOf()', () => {
  it('names Ed25519, P-256, P-384 and RSA-2048 keys, as KeyObjects and as JWKs', () => {
    const cases: [KeyObject, KeyKind][] = [
      [ed25519, 'Ed25519'],
      [p256, 'P-256'],
      [p384, 'P-384'],
      [rsa2048, 'RSA'],
    ];
    for (const [key, kind] of cases) {
      expect(keyKindOf(key)).toBe(kind);
      expect(keyKindOf(jwkOf(key))).toBe(kind);
    }
  });

  it.each([
    ['an RSA-1024 KeyObject', () => rsa1024, /1024 bits is too short/],
    ['an RSA-1024 JWK', () => jwkOf(rsa1024), /1024 bits is too short/],
    ['a secp256k1 KeyObject', () => secp256k1, /secp256k1/],
    ['a secp256k1 JWK', () => jwkOf(secp256k1), /secp256k1/],
    ['an oct JWK', () => ({ kty: 'oct', k: 'c2VjcmV0' }) as JWK, /kty oct/],
    ['a secret KeyObject', () => createSecretKey(Buffer.from('secret')), /symmetric/],
    ['an Ed25519 JWK with a short x', () => ({ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }) as JWK, /32-byte/],
    ['an RSA JWK without e', () => ({ kty: 'RSA', n: jwkOf(rsa2048).n }) as JWK, /"n" and "e"/],
  ])('refuses %s with ALG_NOT_ALLOWED', (_name, key, message) => {
    const error = errorOf(() => keyKindOf(key()));
    expect(error.code).toBe('ALG_NOT_ALLOWED');
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(/EdDSA/);
  });
});

describe('allowedAlgorithms() and defaultAlgorithm()', () => {
  it('ties each key type to its algorithms and signs with the first', () => {
    expect(allowedAlgorithms('Ed25519')).toEqual(['EdDSA']);
    expect(allowedAlgorithms('P-256')).toEqual(['ES256']);
    expect(allowedAlgorithms('RSA')).toEqual(['PS256', 'RS256']);
    expect(defaultAlgorithm('Ed25519')).toBe('EdDSA');
    expect(defaultAlgorithm('P-256')).toBe('ES256');
    expect(defaultAlgorithm('RSA')).toBe('PS256');
  });

  it('hands out a list callers cannot widen', () => {
    expect(() => (allowedAlgorithms('RSA') as string[]).push('HS256')).toThrow(TypeError);
    expect(allowedAlgorithms('RSA')).not.toContain('HS256');
  });
});

describe('assertAlgorithmAllowed()', () => {
  it('accepts each algorithm with its own key type', () => {
    expect(() => assertAlgorithmAllowed('EdDSA', ed25519)).not.toThrow();
    expect(() => assertAlgorithmAllowed('ES256', jwkOf(p256))).not.toThrow();
    expect(() => assertAlgorithmAllowed('PS256', rsa2048)).not.toThrow();
    expect(() => assertAlgorithmAllowed('RS256', jwkOf(rsa2048))).not.toThrow();
    expect(() => assertAlgorithmAllowed('ES384', p384)).not.toThrow();
    expect(() => assertAlgorithmAllowed('ES384', jwkOf(p384))).not.toThrow();
  });

  it('ties ES384 to P-384 keys only, for signing as for verifying', () => {
    expect(verificationKeyKindOf(p384)).toBe('P-384');
    expect(verificationKeyKindOf(jwkOf(p384))).toBe('P-384');
    expect(allowedAlgorithms('P-384')).toEqual(['ES384']);
    expect(SIGNING_ALGORITHMS).toEqual(['EdDSA', 'ES256', 'ES384', 'ES512', 'PS256']);
    expect(SIGNING_ALGORITHMS.map(keyKindForAlgorithm)).toEqual(['Ed25519', 'P-256', 'P-384', 'P-521', 'RSA']);
    expect(defaultAlgorithm('P-384')).toBe('ES384');
    expect(errorOf(() => assertAlgorithmAllowed('ES384', p256)).message).toMatch(/ES384 is not allowed with P-256 keys/);
    expect(errorOf(() => assertAlgorithmAllowed('ES256', p384)).message).toMatch(/ES256 is not allowed with P-384 keys/);
    expect(errorOf(() => assertAlgorithmAllowed('ES384', { ...jwkOf(p384), x: 'AAAA' } as JWK)).message).toMatch(/48-byte/);
  });

  it('ties ES512 to P-521 keys only (RFC 7518 §3.4: P-521 and SHA-512), for signing as for verifying', () => {
    expect(verificationKeyKindOf(p521)).toBe('P-521');
    expect(verificationKeyKindOf(jwkOf(p521))).toBe('P-521');
    expect(allowedAlgorithms('P-521')).toEqual(['ES512']);
    expect(defaultAlgorithm('P-521')).toBe('ES512');
    expect(keyKindForAlgorithm('ES512')).toBe('P-521');
    expect(() => assertAlgorithmAllowed('ES512', p521)).not.toThrow();
    expect(() => assertAlgorithmAllowed('ES512', jwkOf(p521))).not.toThrow();
    for (const [alg, key, kind] of [['ES512', p256, 'P-256'], ['ES512', p384, 'P-384'], ['ES512', rsa2048, 'RSA'], ['ES512', ed25519, 'Ed25519'], ['ES256', p521, 'P-521'], ['ES384', p521, 'P-521'], ['EdDSA', p521, 'P-521']] as const) {
      expect(errorOf(() => assertAlgorithmAllowed(alg, key)).message).toMatch(new RegExp(`${alg} is not allowed with ${kind} keys`));
    }
    // 66-byte coordinates (521 bits, leading zeros kept): a shorter x or y is no P-521 JWK.
    expect(Buffer.from(jwkOf(p521).x!, 'base64url')).toHaveLength(66);
    expect(errorOf(() => assertAlgorithmAllowed('ES512', { ...jwkOf(p521), x: Buffer.from(jwkOf(p521).x!, 'base64url').subarray(1).toString('base64url') } as JWK)).message).toMatch(/66-byte/);
    expect(errorOf(() => assertAlgorithmAllowed('ES512', { ...jwkOf(p521), y: 'AAAA' } as JWK)).message).toMatch(/66-byte/);
    // A JWK restricted to ES512 by its own alg member stays so.
    expect(errorOf(() => assertAlgorithmAllowed('ES384', { ...jwkOf(p521), alg: 'ES512' } as JWK)).code).toBe('ALG_NOT_ALLOWED');
  });

  describe('refuses', () => {
    it.each([
      ['alg none', 'none', () => ed25519, /"none"/],
      ['alg NONE in another case', 'NONE', () => rsa2048, /"none"/],
      ['HS256 with the issuer RSA public key (key confusion)', 'HS256', () => rsa2048, /HS256 is not allowed with RSA keys/],
      ['HS256 with an RSA JWK (key confusion)', 'HS256', () => jwkOf(rsa2048), /HS256 is not allowed/],
      ['HS256 with an oct key', 'HS256', () => ({ kty: 'oct', k: 'c2VjcmV0' }) as JWK, /kty oct/],
      ['EdDSA with an RSA key', 'EdDSA', () => rsa2048, /EdDSA is not allowed with RSA keys/],
      ['ES256 with an Ed25519 key', 'ES256', () => ed25519, /ES256 is not allowed with Ed25519 keys/],
      ['PS256 with a P-256 key', 'PS256', () => jwkOf(p256), /PS256 is not allowed with P-256 keys/],
      ['RS256 with an RSA-1024 key', 'RS256', () => rsa1024, /too short/],
      ['ES256K with a secp256k1 key', 'ES256K', () => secp256k1, /secp256k1/],
      ['a missing alg', undefined, () => ed25519, /missing/],
      ['a non-string alg', ['EdDSA'], () => ed25519, /missing or not a string/],
      ['an alg the JWK does not declare', 'RS256', () => ({ ...jwkOf(rsa2048), alg: 'PS256' }) as JWK, /restricted to PS256/],
    ])('%s', (_name, alg, key, message) => {
      const error = errorOf(() => assertAlgorithmAllowed(alg, key()));
      expect(error.code).toBe('ALG_NOT_ALLOWED');
      expect(error.message).toMatch(message);
      expect(error.hint).toBeDefined();
    });
  });
});

describe('assertCryptosuiteKey(): keys tied to one selective-disclosure cryptosuite', () => {
  const codeOf = (run: () => void): string | undefined => {
    try {
      run();
      return undefined;
    } catch (error) {
      return error instanceof GxTrustError ? error.code : 'not a GxTrustError';
    }
  };

  it('takes a P-256 key for ecdsa-sd-2023 and a BLS12-381 G2 key for bbs-2023', () => {
    expect(codeOf(() => assertCryptosuiteKey('ecdsa-sd-2023', 'P-256'))).toBeUndefined();
    expect(codeOf(() => assertCryptosuiteKey('bbs-2023', 'Bls12381G2'))).toBeUndefined();
  });

  it.each([
    ['ecdsa-sd-2023', 'P-384'],
    ['ecdsa-sd-2023', 'Ed25519'],
    ['ecdsa-sd-2023', 'Bls12381G2'],
    ['bbs-2023', 'P-256'],
    ['bbs-2023', 'Ed25519'],
  ] as const)('refuses %s with a %s key (ALG_NOT_ALLOWED)', (cryptosuite, kind) => {
    expect(codeOf(() => assertCryptosuiteKey(cryptosuite, kind))).toBe('ALG_NOT_ALLOWED');
  });

  it('gives a BLS12-381 key no JOSE algorithm', () => {
    expect(codeOf(() => assertAlgorithmAllowed('BBS-BLS12-381-SHA-256', { kty: 'EC', crv: 'BLS12381G2', x: 'AA' } as JWK))).toBe('ALG_NOT_ALLOWED');
  });
});
