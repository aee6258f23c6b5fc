/**
 * Conversions between the key encodings DID documents use: Multikey `publicKeyMultibase`
 * (base58btc, multicodec-prefixed), Ed25519VerificationKey2020, and JWK. VC-JOSE needs a JWK
 * whatever the verification method's type; did:key needs the Multikey form.
 * @see https://www.w3.org/TR/cid-1.0/#Multikey
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { GxTrustError } from '../errors.js';
import { assertRsaKeyBounds } from '../algorithms/index.js';
import type { VerificationMethod } from './types.js';

// Multicodec varint prefixes of the public keys gx-trust supports.
const ED25519_PUB = Uint8Array.of(0xed, 0x01);
const P256_PUB = Uint8Array.of(0x80, 0x24);
/** p384-pub, 0x1201: ES384 / ecdsa-rdfc-2019 P-384 keys (the service's own P-384 did:key, and other issuers'). */
const P384_PUB = Uint8Array.of(0x81, 0x24);
/** p521-pub, 0x1202: ES512 keys (the service's own P-521 did:key, and other issuers'); no Data Integrity cryptosuite takes them. */
const P521_PUB = Uint8Array.of(0x82, 0x24);
/** bls12_381-g2-pub, 0xeb: a 96-byte compressed G2 point, the key of bbs-2023 only (src/algorithms). */
const BLS12_381_G2_PUB = Uint8Array.of(0xeb, 0x01);

// DER SubjectPublicKeyInfo headers, so node:crypto can import the raw key bytes.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const P256_COMPRESSED_SPKI_PREFIX = Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex');
const P384_COMPRESSED_SPKI_PREFIX = Buffer.from('3046301006072a8648ce3d020106052b81040022033200', 'hex');
const P521_COMPRESSED_SPKI_PREFIX = Buffer.from('3058301006072a8648ce3d020106052b81040023034400', 'hex');

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const BASE58_INDEX = new Map([...BASE58].map((c, i) => [c, i]));

export function base58btcEncode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let out = '';
  while (value > 0n) {
    out = BASE58[Number(value % 58n)] + out;
    value /= 58n;
  }
  return '1'.repeat(zeros) + out;
}

export function base58btcDecode(text: string): Uint8Array {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  let value = 0n;
  for (const char of text) {
    const digit = BASE58_INDEX.get(char);
    if (digit === undefined) throw new GxTrustError('INVALID_INPUT', 'not base58btc');
    value = value * 58n + BigInt(digit);
  }
  const body: number[] = [];
  while (value > 0n) {
    body.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...body]);
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

function multikeyBytes(publicKeyMultibase: string): Uint8Array {
  if (!publicKeyMultibase.startsWith('z') || publicKeyMultibase.length > 200) {
    throw new GxTrustError('INVALID_INPUT', 'publicKeyMultibase must be base58btc (z...)');
  }
  return base58btcDecode(publicKeyMultibase.slice(1));
}

/** Whether a Multikey value is a BLS12-381 G2 public key (`zUC7...`, 2-byte header + 96 bytes). */
export function isBls12381G2Multikey(publicKeyMultibase: string): boolean {
  const bytes = multikeyBytes(publicKeyMultibase);
  return startsWith(bytes, BLS12_381_G2_PUB) && bytes.length === 98;
}

/** A `z`-prefixed Multikey value to a node:crypto public key (Ed25519, P-256, P-384 or P-521). */
export function multikeyToKeyObject(publicKeyMultibase: string): KeyObject {
  const bytes = multikeyBytes(publicKeyMultibase);
  if (startsWith(bytes, ED25519_PUB) && bytes.length === 34) {
    return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, bytes.subarray(2)]), format: 'der', type: 'spki' });
  }
  if (startsWith(bytes, P256_PUB) && bytes.length === 35) {
    return createPublicKey({ key: Buffer.concat([P256_COMPRESSED_SPKI_PREFIX, bytes.subarray(2)]), format: 'der', type: 'spki' });
  }
  if (startsWith(bytes, P384_PUB) && bytes.length === 51) {
    return createPublicKey({ key: Buffer.concat([P384_COMPRESSED_SPKI_PREFIX, bytes.subarray(2)]), format: 'der', type: 'spki' });
  }
  // 2 + 1 + 66 bytes: the compressed point's x is 521 bits in 66 bytes.
  if (startsWith(bytes, P521_PUB) && bytes.length === 69) {
    return createPublicKey({ key: Buffer.concat([P521_COMPRESSED_SPKI_PREFIX, bytes.subarray(2)]), format: 'der', type: 'spki' });
  }
  if (startsWith(bytes, BLS12_381_G2_PUB)) {
    // No node:crypto form and no JOSE algorithm: such a key verifies bbs-2023 proofs and nothing else.
    throw new GxTrustError('ALG_NOT_ALLOWED', 'a BLS12-381 G2 key verifies bbs-2023 Data Integrity proofs only', {
      hint: 'Sign with an Ed25519, P-256, P-384 or P-521 key for any other proof format',
    });
  }
  throw new GxTrustError('INVALID_INPUT', 'publicKeyMultibase is not an Ed25519, P-256, P-384 or P-521 public key', {
    hint: 'gx-trust accepts Multikey values for Ed25519 (z6Mk...), P-256 (zDn...), P-384 (z82...) and P-521 (z2J9...)',
  });
}

export function multikeyToJwk(publicKeyMultibase: string): JWK {
  return publicJwkOf(multikeyToKeyObject(publicKeyMultibase));
}

/** The Multikey encoding of an Ed25519, P-256, P-384 or P-521 public key (EC keys as a compressed point). */
export function publicKeyToMultikey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x !== undefined) {
    return 'z' + base58btcEncode(Buffer.concat([ED25519_PUB, Buffer.from(jwk.x, 'base64url')]));
  }
  if (jwk.kty === 'EC' && (jwk.crv === 'P-256' || jwk.crv === 'P-384' || jwk.crv === 'P-521') && jwk.x !== undefined && jwk.y !== undefined) {
    const y = Buffer.from(jwk.y, 'base64url');
    const prefix = (y[y.length - 1] ?? 0) & 1 ? 0x03 : 0x02;
    const codec = jwk.crv === 'P-256' ? P256_PUB : jwk.crv === 'P-384' ? P384_PUB : P521_PUB;
    return 'z' + base58btcEncode(Buffer.concat([codec, Uint8Array.of(prefix), Buffer.from(jwk.x, 'base64url')]));
  }
  throw new GxTrustError('INVALID_INPUT', 'only Ed25519, P-256, P-384 and P-521 keys have a Multikey form here');
}

/** The public JWK of a key, with no private members whatever the input. */
export function publicJwkOf(key: KeyObject): JWK {
  const { kty, crv, x, y, n, e } = key.export({ format: 'jwk' }) as JWK;
  const jwk: JWK = {};
  if (kty !== undefined) jwk.kty = kty;
  if (crv !== undefined) jwk.crv = crv;
  if (x !== undefined) jwk.x = x;
  if (y !== undefined) jwk.y = y;
  if (n !== undefined) jwk.n = n;
  if (e !== undefined) jwk.e = e;
  return jwk;
}

/**
 * The public key a verification method publishes, as a JWK, whatever its type. Private members a
 * careless DID document might carry (`d`, `p`, ...) are dropped.
 */
export function verificationMethodJwk(method: VerificationMethod): JWK {
  if (method.publicKeyJwk !== undefined) {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: method.publicKeyJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    } catch (cause) {
      throw new GxTrustError('KEY_BINDING', `${method.id} publishes a publicKeyJwk that is not a valid public key`, { cause });
    }
    // Whoever publishes the DID document chooses the RSA modulus and exponent, and with them the
    // cost of every verification: out-of-bounds keys are refused before any format verifies with them.
    assertRsaKeyBounds(key);
    return publicJwkOf(key);
  }
  if (typeof method.publicKeyMultibase === 'string') {
    return multikeyToJwk(method.publicKeyMultibase);
  }
  // Ed25519VerificationKey2018, the key type of Ed25519Signature2018: the raw 32 bytes, base58btc
  // without multibase prefix or multicodec.
  // @see https://w3c-ccg.github.io/lds-ed25519-2018/#the-ed25519-key-format
  if (method.type === 'Ed25519VerificationKey2018' && typeof method.publicKeyBase58 === 'string') {
    const bytes = method.publicKeyBase58.length <= 50 ? base58btcDecode(method.publicKeyBase58) : new Uint8Array();
    if (bytes.length !== 32) throw new GxTrustError('KEY_BINDING', `${method.id} publishes a publicKeyBase58 that is not a 32-byte Ed25519 key`);
    return publicJwkOf(createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, bytes]), format: 'der', type: 'spki' }));
  }
  throw new GxTrustError('KEY_BINDING', `${method.id} publishes no public key gx-trust can read`, {
    hint: 'Use publicKeyJwk (JsonWebKey2020 / JsonWebKey), publicKeyMultibase (Multikey) or, for Ed25519VerificationKey2018, publicKeyBase58',
  });
}
