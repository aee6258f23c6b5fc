/**
 * Signers: what leaves the keyring instead of a private key. A Signer signs bytes under one
 * verification method (`kid`) with the one algorithm its key type signs with in gx-trust; every
 * format (VC-JOSE, Data Integrity, JsonWebSignature2020), audit checkpoints and the CLI sign through
 * one, so no module outside src/keyring holds, imports or exports private key material
 * (test/architecture/private-keys.test.ts).
 *
 * Signature encodings are the ones every format here uses for its algorithm: Ed25519 (RFC 8032,
 * pure), ES256, ES384 and ES512 as the raw r||s pair over SHA-256 / SHA-384 / SHA-512 (RFC 7518
 * §3.4, and the IEEE P1363 form Data Integrity's ecdsa-rdfc-2019 uses with P-256 and P-384 keys), PS256 with a salt as long as the SHA-256 digest (RFC 7518 §3.5).
 */
import { constants, createPrivateKey, createPublicKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { defaultAlgorithm, keyKindOf, type KeyKind, type SigningAlgorithm } from '../algorithms/index.js';
import { publicJwkOf } from '../dids/multikey.js';
import { GxTrustError } from '../errors.js';

/** A private key of the keyring, usable only to sign, under any of its verification methods. */
export interface SigningKey {
  readonly keyKind: KeyKind;
  /** The algorithm gx-trust signs with for this key type (src/algorithms). */
  readonly algorithm: SigningAlgorithm;
  readonly publicKey: KeyObject;
  /** The bare public JWK (kty, crv, x, y, n, e). */
  readonly publicJwk: JWK;
  /** This key signing as the verification method `kid` (a DID URL, or an absolute URL, with a fragment). */
  signer(kid: string): Signer;
}

/** Signs bytes as one verification method. */
export interface Signer {
  /** The verification method the signature is checked with: `<DID>#<fragment>` (or an absolute URL with a fragment). */
  readonly kid: string;
  readonly keyKind: KeyKind;
  readonly algorithm: SigningAlgorithm;
  readonly publicKey: KeyObject;
  readonly publicJwk: JWK;
  /** The signature over `data`, in the encoding of `algorithm` (see above). */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** The signer object the jsonld-signatures suites call (`{ id, algorithm, sign({ data }) }`). */
export interface SuiteSigner {
  id: string;
  /** The name the cryptosuites compare with their `requiredAlgorithm`. */
  algorithm: 'Ed25519' | 'P-256' | 'P-384';
  sign(input: { data: Uint8Array }): Promise<Uint8Array>;
}

function signFunction(kind: KeyKind, privateKey: KeyObject): (data: Uint8Array) => Promise<Uint8Array> {
  switch (kind) {
    // Ed25519 and P-256 take tens of microseconds: on the calling thread, as the Data Integrity
    // libraries' own signers do; a thread-pool hop would cost about as much as the signature.
    case 'Ed25519':
      return async (data) => nodeSign(null, data, privateKey);
    case 'P-256':
      return async (data) => nodeSign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    // RFC 7518 §3.4: ES384 is P-384 with SHA-384; ecdsa-rdfc-2019 with a P-384 key hashes with SHA-384 too.
    // OpenSSL has no fast P-384 path: about 0.75 ms of CPU a signature here (P-256: 0.035 ms), so
    // on libuv's thread pool like RSA, off the event loop.
    case 'P-384':
      return (data) =>
        new Promise((resolve, reject) => {
          nodeSign('sha384', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }, (error, signature) => (error === null ? resolve(signature) : reject(error)));
        });
    // RFC 7518 §3.4: ES512 is P-521 with SHA-512, a 132-byte r||s. JOSE only (no Data Integrity
    // cryptosuite is defined for P-521). About 1.5 ms of CPU a signature here (P-384 0.63 ms, P-256
    // 0.03 ms; process.cpuUsage over 5 interleaved rounds of 300), so on the thread pool as P-384.
    case 'P-521':
      return (data) =>
        new Promise((resolve, reject) => {
          nodeSign('sha512', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }, (error, signature) => (error === null ? resolve(signature) : reject(error)));
        });
    // An RSA-2048 signature takes about a millisecond: on libuv's thread pool, off the event loop
    // (as jose's WebCrypto signing did before the formats signed through Signers).
    case 'RSA':
      return (data) =>
        new Promise((resolve, reject) => {
          nodeSign('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, (error, signature) =>
            error === null ? resolve(signature) : reject(error),
          );
        });
  }
}

/**
 * The SigningKey over a private KeyObject. Only the keyring creates them: the KeyObject stays in
 * the closure, and no property, spread, JSON form or inspection of the result reaches it.
 */
export function signingKeyOf(privateKey: KeyObject): SigningKey {
  if (privateKey.type !== 'private') throw new GxTrustError('INVALID_INPUT', 'a signing key needs a private key');
  const keyKind = keyKindOf(privateKey);
  const algorithm = defaultAlgorithm(keyKind);
  const publicKey = createPublicKey(privateKey);
  const publicJwk = publicJwkOf(publicKey);
  const sign = signFunction(keyKind, privateKey);
  const key: SigningKey = {
    keyKind,
    algorithm,
    publicKey,
    publicJwk,
    signer(kid) {
      // A DID URL in everything gx-trust signs; Data Integrity also allows any absolute URL
      // (the W3C test vectors name https: methods).
      if (typeof kid !== 'string' || !URL.canParse(kid) || !/#.+$/.test(kid)) {
        throw new GxTrustError('INVALID_INPUT', `a signer's kid must be an absolute URL with a fragment (a DID URL), got ${String(kid)}`);
      }
      return Object.freeze({ kid, keyKind, algorithm, publicKey, publicJwk, sign });
    },
  };
  return Object.freeze(key);
}

/**
 * A key file of the holder's own (PKCS#8 PEM), as the CLI signs with it: parsed here so the key
 * stays in the keyring. INVALID_INPUT names the file, never the parser's message (it could quote
 * key bytes).
 */
export function signingKeyFromPem(pem: string, path: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new GxTrustError('INVALID_INPUT', `${path} is not a PEM private key`, { hint: 'Expect an unencrypted PKCS#8 PEM file' });
  }
  try {
    return signingKeyOf(privateKey);
  } catch (cause) {
    throw new GxTrustError('INVALID_INPUT', `${path} holds a ${privateKey.asymmetricKeyType ?? 'unknown'} key; gx-trust signs with RSA, P-256, P-384, P-521 or Ed25519 keys`, { cause });
  }
}

/** The jsonld-signatures view of a Signer, for Data Integrity suites (Ed25519, P-256 and P-384 keys only). */
export function suiteSignerOf(signer: Signer): SuiteSigner {
  // ecdsa-rdfc-2019 is defined for P-256 and P-384 only (VC DI ECDSA §3.1): P-521 signs ES512 JWTs.
  if (signer.keyKind === 'RSA' || signer.keyKind === 'P-521') {
    throw new GxTrustError('INVALID_INPUT', `${signer.keyKind === 'RSA' ? 'an RSA' : 'a P-521'} key has no Data Integrity cryptosuite in gx-trust`, {
      hint: 'Use an Ed25519 key (eddsa-rdfc-2022, Ed25519Signature2020) or a P-256 or P-384 key (ecdsa-rdfc-2019)',
    });
  }
  return { id: signer.kid, algorithm: signer.keyKind, sign: ({ data }) => signer.sign(data) };
}

/**
 * A compact JWS: BASE64URL(protected header) '.' BASE64URL(payload) '.' BASE64URL(signature over
 * the two), signed by `signer`; the header's `alg` and `kid` are the signer's, whatever `header` says.
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7.1
 */
export async function compactJws(header: Record<string, unknown>, payload: Record<string, unknown>, signer: Signer): Promise<string> {
  const protectedHeader = Buffer.from(JSON.stringify({ ...header, alg: signer.algorithm, kid: signer.kid })).toString('base64url');
  const signingInput = `${protectedHeader}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = await signer.sign(Buffer.from(signingInput, 'ascii'));
  return `${signingInput}.${Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('base64url')}`;
}
