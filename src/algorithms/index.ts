/**
 * The signature algorithms gx-trust accepts, tied to the type of the key that verifies them. The
 * algorithm named in a JWS header or a proof is never trusted on its own: it must be one the key
 * is meant for, which shuts out `alg: none` (CVE-2022-23540) and HMAC-with-a-public-key confusion
 * (CVE-2015-9235, CVE-2023-48223).
 * @see https://www.rfc-editor.org/rfc/rfc8725#section-3.1 "libraries MUST enable the caller to specify a supported set of algorithms"
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.3 "A key of size 2048 bits or larger MUST be used with these algorithms"
 */
import { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { GxTrustError } from '../errors.js';

/**
 * The key types gx-trust signs with: the service holds one of each; hosted members hold Ed25519,
 * P-256 and RSA keys (src/members/registry/keys.ts).
 */
export type KeyKind = 'Ed25519' | 'P-256' | 'P-384' | 'P-521' | 'RSA';
/** The key types a signature gx-trust verifies may be made with: the same as it signs with. */
export type VerificationKeyKind = KeyKind;

/** RFC 7518 §3.3 and §3.5: RSA keys below 2048 bits MUST NOT be used with RS256 / PS256. */
export const MIN_RSA_MODULUS_BITS = 2048;

/**
 * The work of an RSA verification grows with the modulus and with the public exponent, both chosen
 * by whoever publishes the key, and both are paid before the signature is found wrong. Measured
 * here (node:crypto, PSS): 20 µs for 2048 bits with e = 65537, 70 µs for 4096, 233 µs for 8192,
 * 4.5 ms for 16384 bits with a 64-bit exponent, 6.3 ms for 3072 bits with a 3072-bit exponent
 * (OpenSSL bounds the exponent only above 3072 bits). 4096 bits is the largest key Gaia-X and the
 * public CA roots use.
 */
export const MAX_RSA_MODULUS_BITS = 4096;
/** FIPS 186-5 §A.1.1: e > 2^16; above 2^32 an exponent only adds work. Odd, as every RSA exponent is. */
export const MIN_RSA_PUBLIC_EXPONENT = 65_537n;
export const MAX_RSA_PUBLIC_EXPONENT = 2n ** 32n - 1n;

/** The one allow-list: every format (VC-JOSE, JsonWebSignature2020) and every signer reads it. */
const ALGORITHMS = Object.freeze({
  Ed25519: Object.freeze(['EdDSA'] as const),
  'P-256': Object.freeze(['ES256'] as const),
  // RFC 7518 §3.4: ES384 is ECDSA with P-384 and SHA-384, and nothing else.
  'P-384': Object.freeze(['ES384'] as const),
  // RFC 7518 §3.4: ES512 is ECDSA with P-521 and SHA-512 (P-521, not 512), and nothing else.
  'P-521': Object.freeze(['ES512'] as const),
  // PS256 first: it is what gx-trust signs with (as the Gaia-X compliance service does); RS256 is
  // accepted for verification of issuers that still use it.
  RSA: Object.freeze(['PS256', 'RS256'] as const),
}) satisfies Readonly<Record<VerificationKeyKind, readonly [string, ...string[]]>>;

/**
 * Keys tied to one Data Integrity cryptosuite and to nothing else: they have no JOSE algorithm and
 * no node:crypto form, so no other format can verify with them. A BLS12-381 G2 key (Multikey
 * `zUC7...`) verifies bbs-2023 proofs only; ecdsa-sd-2023 takes P-256 keys only (its base signature
 * and its per-statement signatures are ES256), so a P-384 or Ed25519 key is refused for it.
 * @see https://www.w3.org/TR/vc-di-bbs/#multikey
 * @see https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-sd-2023
 */
export type CryptosuiteKeyKind = 'P-256' | 'Bls12381G2';
const CRYPTOSUITE_KEYS = Object.freeze({
  'ecdsa-sd-2023': Object.freeze(['P-256'] as const),
  'bbs-2023': Object.freeze(['Bls12381G2'] as const),
}) satisfies Readonly<Record<string, readonly CryptosuiteKeyKind[]>>;
export type SelectiveDisclosureCryptosuite = keyof typeof CRYPTOSUITE_KEYS;

/** Throws ALG_NOT_ALLOWED unless a key of `kind` is one `cryptosuite` verifies with. */
export function assertCryptosuiteKey(cryptosuite: SelectiveDisclosureCryptosuite, kind: string): asserts kind is CryptosuiteKeyKind {
  const allowed: readonly string[] = CRYPTOSUITE_KEYS[cryptosuite];
  if (!allowed.includes(kind)) {
    throw new GxTrustError('ALG_NOT_ALLOWED', `${cryptosuite} proofs are not verified with ${kind} keys (allowed: ${allowed.join(', ')})`, {
      hint: 'ecdsa-sd-2023 takes a P-256 Multikey (zDn...), bbs-2023 a BLS12-381 G2 Multikey (zUC7...); a BLS12-381 key verifies nothing else',
    });
  }
}

/** Every algorithm a signature gx-trust verifies may use. */
export type Algorithm = (typeof ALGORITHMS)[VerificationKeyKind][number];
/** The algorithms gx-trust signs with: the first of each key type. */
export const SIGNING_ALGORITHMS = Object.freeze([ALGORITHMS.Ed25519[0], ALGORITHMS['P-256'][0], ALGORITHMS['P-384'][0], ALGORITHMS['P-521'][0], ALGORITHMS.RSA[0]] as const);
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];
export const ACCEPTED_ALGORITHMS: ReadonlySet<string> = new Set<string>(Object.values(ALGORITHMS).flat());

/** The key types gx-trust signs with, in the order of SIGNING_ALGORITHMS. */
export const KEY_KINDS = Object.freeze(Object.keys(ALGORITHMS) as KeyKind[]);

/** The key type a signing algorithm needs: the one whose first algorithm it is (read from the one table). */
export function keyKindForAlgorithm(alg: SigningAlgorithm): KeyKind {
  return KEY_KINDS.find((kind) => ALGORITHMS[kind][0] === alg) as KeyKind;
}

const HINT =
  'gx-trust accepts EdDSA with Ed25519 keys, ES256 with P-256 keys, ES384 with P-384 keys, ES512 with P-521 keys, and PS256 or RS256 with RSA keys of 2048 to 4096 bits and a public exponent of 65537 to 2^32 - 1';

function refuse(message: string): never {
  throw new GxTrustError('ALG_NOT_ALLOWED', message, { hint: HINT });
}

/** Bit length of a big-endian unsigned integer, ignoring leading zero bytes. */
function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  const first = bytes[i];
  if (first === undefined) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(first));
}

function base64urlLength(value: unknown): number {
  return typeof value === 'string' && /^[A-Za-z0-9_-]*$/.test(value) ? Buffer.from(value, 'base64url').length : -1;
}

/** Refuses an RSA key whose size or exponent makes verifying with it costly (or weak): before any signature is checked. */
function assertRsaBounds(modulusBits: number, exponent: bigint): void {
  if (modulusBits < MIN_RSA_MODULUS_BITS) refuse(`an RSA key of ${modulusBits} bits is too short`);
  if (modulusBits > MAX_RSA_MODULUS_BITS) refuse(`an RSA key of ${modulusBits} bits is larger than ${MAX_RSA_MODULUS_BITS} bits`);
  if (exponent < MIN_RSA_PUBLIC_EXPONENT || exponent > MAX_RSA_PUBLIC_EXPONENT || exponent % 2n === 0n) {
    const shown = exponent > MAX_RSA_PUBLIC_EXPONENT ? `${exponent.toString(2).length} bits` : String(exponent);
    refuse(`an RSA public exponent of ${shown} is not accepted (odd, 65537 to 2^32 - 1)`);
  }
}

/**
 * Throws ALG_NOT_ALLOWED for an RSA key out of bounds (see MAX_RSA_MODULUS_BITS); other key types
 * pass. For keys that are not judged by keyKindOf: a DID document's key before any format imports
 * it, the keys of an X.509 chain before they verify a certificate.
 */
export function assertRsaKeyBounds(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') return;
  assertRsaBounds(key.asymmetricKeyDetails?.modulusLength ?? 0, key.asymmetricKeyDetails?.publicExponent ?? 0n);
}

function kindOfKeyObject(key: KeyObject): VerificationKeyKind {
  if (key.type === 'secret') refuse('a symmetric (secret) key cannot verify a signature gx-trust accepts');
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') return 'Ed25519';
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1' || curve === 'P-256') return 'P-256';
    if (curve === 'secp384r1' || curve === 'P-384') return 'P-384';
    if (curve === 'secp521r1' || curve === 'P-521') return 'P-521';
    refuse(`EC keys on curve ${String(curve)} are not accepted`);
  }
  if (type === 'rsa') {
    assertRsaKeyBounds(key);
    return 'RSA';
  }
  refuse(`keys of type ${String(type)} are not accepted`);
}

function kindOfJwk(jwk: JWK): VerificationKeyKind {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    if (base64urlLength(jwk.x) !== 32) refuse('an Ed25519 JWK needs a 32-byte "x"');
    return 'Ed25519';
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    if (base64urlLength(jwk.x) !== 32 || base64urlLength(jwk.y) !== 32) refuse('a P-256 JWK needs 32-byte "x" and "y"');
    return 'P-256';
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-384') {
    if (base64urlLength(jwk.x) !== 48 || base64urlLength(jwk.y) !== 48) refuse('a P-384 JWK needs 48-byte "x" and "y"');
    return 'P-384';
  }
  // 521 bits: RFC 7518 §6.2.1.2 writes each coordinate in the full 66 bytes, leading zeros kept.
  if (jwk.kty === 'EC' && jwk.crv === 'P-521') {
    if (base64urlLength(jwk.x) !== 66 || base64urlLength(jwk.y) !== 66) refuse('a P-521 JWK needs 66-byte "x" and "y"');
    return 'P-521';
  }
  if (jwk.kty === 'RSA') {
    if (typeof jwk.n !== 'string' || base64urlLength(jwk.n) < 0 || base64urlLength(jwk.e) <= 0) {
      refuse('an RSA JWK needs "n" and "e"');
    }
    assertRsaBounds(bitLength(Buffer.from(jwk.n, 'base64url')), BigInt(`0x${Buffer.from(jwk.e as string, 'base64url').toString('hex')}`));
    return 'RSA';
  }
  refuse(`JWKs with kty ${String(jwk.kty)}${jwk.crv === undefined ? '' : ` and crv ${String(jwk.crv)}`} are not accepted`);
}

/** Which of the key types a verified signature may use `key` is; throws ALG_NOT_ALLOWED for any other key. */
export function verificationKeyKindOf(key: KeyObject | JWK): VerificationKeyKind {
  return key instanceof KeyObject ? kindOfKeyObject(key) : kindOfJwk(key);
}

/** Which of the key types gx-trust signs with `key` is; throws ALG_NOT_ALLOWED for any other key. */
export function keyKindOf(key: KeyObject | JWK): KeyKind {
  return verificationKeyKindOf(key);
}

export function allowedAlgorithms(kind: VerificationKeyKind): readonly Algorithm[] {
  return ALGORITHMS[kind];
}

/** The algorithm gx-trust signs with for a key type. */
export function defaultAlgorithm(kind: KeyKind): SigningAlgorithm {
  return ALGORITHMS[kind][0];
}

/**
 * Throws ALG_NOT_ALLOWED unless `alg` is one the key's type is meant for. A JWK that names its own
 * `alg` restricts the key to it.
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4.4 "alg" is "the algorithm intended for use with the key"
 */
export function assertAlgorithmAllowed(alg: unknown, key: KeyObject | JWK): void {
  if (typeof alg !== 'string' || alg.length === 0) refuse('the algorithm is missing or not a string');
  if (alg.toLowerCase() === 'none') refuse('unsecured JWS ("alg": "none") is never accepted');
  const kind = verificationKeyKindOf(key);
  if (!(ALGORITHMS[kind] as readonly string[]).includes(alg)) {
    refuse(`${alg} is not allowed with ${kind} keys (allowed: ${ALGORITHMS[kind].join(', ')})`);
  }
  if (!(key instanceof KeyObject) && typeof key.alg === 'string' && key.alg !== alg) {
    refuse(`the key is restricted to ${key.alg} by its JWK "alg", not ${alg}`);
  }
}
