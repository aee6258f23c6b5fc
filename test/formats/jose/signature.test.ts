/**
 * The JWS signature check (src/formats/jose/signature.ts) gives jose's verdict: every accepted
 * algorithm, real keys from node:crypto, tokens signed by jose (or, for encodings jose will not
 * write, by node:crypto over the exact signing input), each token judged by both.
 */
import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { CompactSign, compactVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import type { Algorithm } from '../../../src/algorithms/index.js';
import { verifiesCompactJws } from '../../../src/formats/jose/signature.js';

interface Pair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

const PAIRS: Record<Algorithm, () => Pair> = {
  EdDSA: () => generateKeyPairSync('ed25519'),
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ES384: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  PS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  RS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
};

/** The group orders of P-256 and P-384 (SEC 2 §2.4.2, §2.5.1), for the other valid S of a signature. */
const ORDER: Partial<Record<Algorithm, bigint>> = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};

const payload = new TextEncoder().encode(JSON.stringify({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: 'did:example:issuer', credentialSubject: { id: 'did:example:subject' } }));

async function joseVerdict(token: string, alg: Algorithm, key: KeyObject): Promise<boolean> {
  try {
    await compactVerify(token, key, { algorithms: [alg] });
    return true;
  } catch {
    return false;
  }
}

/** A signature node:crypto makes over `signingInput` as the algorithm defines it (for encodings jose does not write). */
function rawSignature(alg: Algorithm, privateKey: KeyObject, signingInput: string): string {
  const data = Buffer.from(signingInput, 'latin1');
  const bytes =
    alg === 'EdDSA' ? sign(null, data, privateKey)
    : alg === 'ES256' ? sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
    : alg === 'ES384' ? sign('sha384', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
    : alg === 'PS256' ? sign('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
    : sign('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PADDING });
  return bytes.toString('base64url');
}

/** S replaced by n - S: the other signature ECDSA accepts for the same message and key. */
function otherS(signature: string, n: bigint): string {
  const bytes = Buffer.from(signature, 'base64url');
  const half = bytes.length / 2;
  const s = BigInt(`0x${bytes.subarray(half).toString('hex')}`);
  const flipped = Buffer.from((n - s).toString(16).padStart(half * 2, '0'), 'hex');
  return Buffer.concat([bytes.subarray(0, half), flipped]).toString('base64url');
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function withLastChar(part: string, replace: (c: string) => string): string {
  return part.slice(0, -1) + replace(part.slice(-1));
}

describe.each(Object.keys(PAIRS) as Algorithm[])('%s: the signature check agrees with jose compactVerify', (alg) => {
  const pair = PAIRS[alg]();
  const other = PAIRS[alg]();

  async function cases(): Promise<{ name: string; token: string; key: KeyObject; expected: boolean }[]> {
    const token = await new CompactSign(payload).setProtectedHeader({ alg, typ: 'vc+jwt' }).sign(pair.privateKey);
    const [header, body, signature] = token.split('.') as [string, string, string];
    const otherBody = Buffer.from(JSON.stringify({ issuer: 'did:example:mallory' })).toString('base64url');
    const otherHeader = Buffer.from(JSON.stringify({ alg, typ: 'vp+jwt' })).toString('base64url');
    // A payload part one character past whole bytes, signed over as it stands: jose refuses to decode it.
    const oddBody = body.length % 4 === 1 ? body : `${body}${'A'.repeat((5 - (body.length % 4)) % 4)}`;
    const list = [
      { name: 'as signed', token, key: pair.publicKey, expected: true },
      { name: 'another key of the same type', token, key: other.publicKey, expected: false },
      { name: 'another payload', token: `${header}.${otherBody}.${signature}`, key: pair.publicKey, expected: false },
      { name: 'another header', token: `${otherHeader}.${body}.${signature}`, key: pair.publicKey, expected: false },
      { name: 'a signature bit flipped', token: `${header}.${body}.${withLastChar(signature.slice(0, 10), (c) => (c === 'A' ? 'B' : 'A'))}${signature.slice(10)}`, key: pair.publicKey, expected: false },
      { name: 'the signature one character short', token: `${header}.${body}.${signature.slice(0, -1)}`, key: pair.publicKey, expected: false },
      { name: 'the signature one character long', token: `${header}.${body}.${signature}A`, key: pair.publicKey, expected: false },
      { name: 'the signature four characters long', token: `${header}.${body}.${signature}AAAA`, key: pair.publicKey, expected: false },
      { name: 'no signature', token: `${header}.${body}.`, key: pair.publicKey, expected: false },
      { name: 'a signed payload part that is not whole bytes', token: `${header}.${oddBody}.${rawSignature(alg, pair.privateKey, `${header}.${oddBody}`)}`, key: pair.publicKey, expected: false },
    ];
    // The last character of a base64url signature may carry unused bits; both decoders ignore them.
    const spare = (signature.length * 6) % 8;
    if (spare !== 0) list.push({ name: 'unused bits set in the last character', token: `${header}.${body}.${withLastChar(signature, (c) => B64URL[B64URL.indexOf(c) ^ 1]!)}`, key: pair.publicKey, expected: true });
    const n = ORDER[alg];
    if (n !== undefined) list.push({ name: 'the other S (n - S)', token: `${header}.${body}.${otherS(signature, n)}`, key: pair.publicKey, expected: true });
    return list;
  }

  it('for a valid token, tampered ones and malformed encodings', async () => {
    const judged = [];
    for (const c of await cases()) {
      judged.push({ name: c.name, ours: verifiesCompactJws(c.token, alg, c.key), jose: await joseVerdict(c.token, alg, c.key), expected: c.expected });
    }
    expect(judged.map(({ name, ours }) => ({ name, ours }))).toEqual(judged.map(({ name, jose }) => ({ name, ours: jose })));
    expect(judged.map(({ name, ours }) => ({ name, ours }))).toEqual(judged.map(({ name, expected }) => ({ name, ours: expected })));
  });
});
