/**
 * RSA key pairs of any modulus size and public exponent, built from two primes: node:crypto
 * generates exponents only up to 2^32 - 1, and a key over 4096 bits takes seconds to generate
 * there. The pair is a real one (a signature made with it verifies), so a test shows a key refused
 * for its size or exponent, not for a bad signature.
 */
import { createPrivateKey, createPublicKey, generatePrime, type KeyObject } from 'node:crypto';

/**
 * On the thread pool: a prime of 2,080 bits takes seconds on a busy machine, and while the event
 * loop waited for it the test's own keep-alive connections outlived the server's keep-alive
 * timeout unnoticed, so the next request went out on a socket the server had closed (ECONNRESET).
 */
function prime(bits: number): Promise<bigint> {
  return new Promise((resolve, reject) => generatePrime(bits, { bigint: true }, (error, value) => (error ? reject(error) : resolve(value))));
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** The inverse of a modulo m, or undefined when they share a factor. */
function modInverse(a: bigint, m: bigint): bigint | undefined {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) return undefined;
  return ((oldS % m) + m) % m;
}

function b64u(value: bigint): string {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return Buffer.from(hex, 'hex').toString('base64url');
}

export async function rsaKeyPair(modulusBits: number, exponent: bigint): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  for (;;) {
    const [p, q] = await Promise.all([prime(modulusBits / 2), prime(modulusBits / 2)]);
    const n = p * q;
    if (p === q || n.toString(2).length !== modulusBits) continue;
    const d = modInverse(exponent, (p - 1n) * (q - 1n));
    const qi = modInverse(q, p);
    if (d === undefined || qi === undefined) continue;
    if (modPow(modPow(2n, exponent, n), d, n) !== 2n) continue;
    const jwk = { kty: 'RSA', n: b64u(n), e: b64u(exponent), d: b64u(d), p: b64u(p), q: b64u(q), dp: b64u(d % (p - 1n)), dq: b64u(d % (q - 1n)), qi: b64u(qi) };
    const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
    return { privateKey, publicKey: createPublicKey(privateKey) };
  }
}
