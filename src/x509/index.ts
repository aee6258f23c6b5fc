/**
 * X.509 for JsonWebKey2020 verification methods: a `publicKeyJwk` may carry `x5c` (or `x5u`
 * pointing at a PEM chain), and Gaia-X trusts an issuer key only when that chain leads to an
 * accredited trust anchor. Parsing and signatures are @peculiar/x509's; the path checks a
 * verifier needs (key binding, anchors, validity, CA constraints) are here.
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4.7 "The certificate containing the key value MUST be the first certificate"
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-6.1 basic path validation
 */
import { createHash, createPublicKey, webcrypto, type JsonWebKey, type KeyObject } from 'node:crypto';
// @peculiar/x509 resolves its providers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { JWK } from 'jose';
import { LRUCache } from 'lru-cache';
import { GxTrustError, isGxTrustError } from '../errors.js';
import { assertRsaKeyBounds } from '../algorithms/index.js';

// @peculiar/x509 signs and verifies through WebCrypto; Node's implementation is the one we trust.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Hard limits on what a remote party can make us parse: Gaia-X chains are 2 to 4 certificates. */
export const MAX_CHAIN_LENGTH = 10;
export const MAX_CERTIFICATE_BYTES = 16 * 1024;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----/g;

/** The certificates of a PEM document (an `x5u` response, a chain file) as base64 DER, in order. */
export function parsePemCertificates(pem: string): string[] {
  const out: string[] = [];
  for (const match of pem.matchAll(PEM_CERTIFICATE)) {
    const der = Buffer.from((match[1] ?? '').replace(/\s+/g, ''), 'base64');
    if (der.length === 0) throw new GxTrustError('X509_CHAIN', `PEM certificate ${out.length} is empty`);
    out.push(der.toString('base64'));
  }
  if (out.length === 0) {
    throw new GxTrustError('X509_CHAIN', 'the PEM document holds no certificate', {
      hint: 'Expect "-----BEGIN CERTIFICATE-----" blocks, leaf first',
    });
  }
  return out;
}

/** base64 DER certificates to PEM, in the given order. */
export function toPem(certificates: readonly string[]): string {
  return certificates.map((der) => new x509.X509Certificate(Buffer.from(der, 'base64')).toString('pem')).join('\n') + '\n';
}

export interface ValidateCertificateChainOptions {
  /** base64 DER (not base64url), leaf first, each next one certifying the previous. */
  x5c: readonly string[];
  /** The key the verification method publishes; it must be the leaf certificate's key. */
  publicJwk: JWK;
  /** PEM certificates trusted as roots (the Gaia-X registry's anchors, or our dev root). */
  trustAnchorsPem: readonly string[];
  /** The instant the signature claims (or now); every certificate must be valid then. */
  validAt: Date;
  /** The credential's own expiry: a chain that expires earlier cannot vouch for it. */
  validUntil?: Date;
}

/** What a successful path check leaves behind: the window in which every certificate on it is valid. */
interface PathResult {
  ok: true;
  notBefore: number;
  notAfter: number;
  /** Which certificate bounds each end, for the error message. */
  notBeforeSubject: string;
  notAfterSubject: string;
}
type CachedResult = PathResult | { ok: false; error: GxTrustError };

/**
 * Signatures, anchors and CA constraints do not depend on time, so their outcome is cached by what
 * they depend on (chain, key, anchors); the validity window is checked on every call against the
 * exact instant. This is both cheaper and stricter than caching a verdict per day.
 */
const pathCache = new LRUCache<string, CachedResult>({ max: 1000 });

function fail(message: string, hint?: string): GxTrustError {
  return new GxTrustError('X509_CHAIN', message, hint === undefined ? {} : { hint });
}

function parseCertificate(der: Buffer, label: string): x509.X509Certificate {
  if (der.length === 0 || der.length > MAX_CERTIFICATE_BYTES) {
    throw fail(`${label} is empty or larger than ${MAX_CERTIFICATE_BYTES} bytes`);
  }
  try {
    return new x509.X509Certificate(der);
  } catch (cause) {
    throw new GxTrustError('X509_CHAIN', `${label} is not a DER X.509 certificate`, { cause });
  }
}

function publicKeyOf(cert: x509.X509Certificate): KeyObject {
  return createPublicKey({ key: Buffer.from(cert.publicKey.rawData), format: 'der', type: 'spki' });
}

/**
 * A certificate's RSA key out of bounds (src/algorithms) is refused before it verifies
 * anything: the chain comes from whoever publishes the DID document, and so do its keys' size and
 * exponent, which set the cost of each signature check.
 */
function assertKeyWithinBounds(cert: x509.X509Certificate, label: string): void {
  let key: KeyObject;
  try {
    key = publicKeyOf(cert);
  } catch (cause) {
    throw new GxTrustError('X509_CHAIN', `${label} carries a key gx-trust cannot read`, { cause });
  }
  try {
    assertRsaKeyBounds(key);
  } catch (error) {
    throw fail(`${label} (${cert.subject}): ${isGxTrustError(error) ? error.message : String(error)}`, 'RSA keys in a chain must be 2048 to 4096 bits with a public exponent of 65537 to 2^32 - 1');
  }
}

/** RFC 5280 §4.2.1.9: "If the cA boolean is not asserted, then the keyCertSign bit in the key usage extension MUST NOT be asserted" — and such a key MUST NOT certify others. */
function assertCanCertify(issuer: x509.X509Certificate, label: string, certificatesBelow: number): void {
  const basic = issuer.getExtension(x509.BasicConstraintsExtension);
  if (basic === null || !basic.ca) {
    throw fail(`${label} (${issuer.subject}) issues certificates but has no basicConstraints CA:true`);
  }
  // pathLenConstraint counts the non-self-issued intermediates that may follow, not the leaf.
  if (basic.pathLength !== undefined && certificatesBelow - 1 > basic.pathLength) {
    throw fail(`${label} (${issuer.subject}) allows a path length of ${basic.pathLength}, the chain has ${certificatesBelow - 1} below it`);
  }
  const usage = issuer.getExtension(x509.KeyUsagesExtension);
  if (usage !== null && (usage.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    throw fail(`${label} (${issuer.subject}) has a keyUsage without keyCertSign`);
  }
}

async function assertSignedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate, label: string): Promise<void> {
  if (cert.issuer !== issuer.subject) {
    throw fail(`${label} names issuer "${cert.issuer}" but is followed by "${issuer.subject}"`, 'x5c must be ordered leaf first, each certificate followed by its issuer');
  }
  let valid = false;
  try {
    valid = await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch {
    valid = false;
  }
  if (!valid) throw fail(`the signature of ${label} (${cert.subject}) by its issuer ${issuer.subject} is invalid`);
}

function sha256(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('base64url');
}

/**
 * The digest of a list of certificates, taken once per frozen list: a resolved verification
 * method's x5c (the DID resolver freezes what it binds and hands the same object out while the
 * document is cached) and the service's trust anchors (frozen at start). Hashing them on each
 * verification was about 3 KB of SHA-256 per vc+jwt. A list that is not frozen may change between
 * calls, so it is hashed each time.
 */
const listDigests = new WeakMap<readonly string[], string>();
function digestOfList(list: readonly string[]): string {
  if (!Object.isFrozen(list)) return sha256(list);
  let digest = listDigests.get(list);
  if (digest === undefined) {
    digest = sha256(list);
    listDigests.set(list, digest);
  }
  return digest;
}

async function checkPath(options: ValidateCertificateChainOptions): Promise<PathResult> {
  if (options.x5c.length === 0) throw fail('x5c is empty');
  if (options.x5c.length > MAX_CHAIN_LENGTH) throw fail(`x5c has more than ${MAX_CHAIN_LENGTH} certificates`);
  const chain = options.x5c.map((b64, i) => {
    if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw fail(`x5c[${i}] is not base64`);
    return parseCertificate(Buffer.from(b64, 'base64'), `x5c[${i}]`);
  });
  const leaf = chain[0] as x509.X509Certificate;

  let jwkKey: KeyObject;
  try {
    jwkKey = createPublicKey({ key: options.publicJwk as JsonWebKey, format: 'jwk' });
  } catch (cause) {
    throw new GxTrustError('X509_CHAIN', 'the JWK is not a valid public key', { cause });
  }
  let leafKey: KeyObject;
  try {
    leafKey = publicKeyOf(leaf);
  } catch (cause) {
    throw new GxTrustError('X509_CHAIN', 'the leaf certificate carries a key gx-trust cannot read', { cause });
  }
  // Types first: KeyObject.equals on keys of two types leaves an OpenSSL error queued, which the
  // next unrelated key operation of this thread then throws ("different key types").
  if (leafKey.asymmetricKeyType !== jwkKey.asymmetricKeyType || !leafKey.equals(jwkKey)) {
    throw fail("the JWK is not the leaf certificate's key", 'x5c[0] must certify the very key in publicKeyJwk');
  }
  const leafUsage = leaf.getExtension(x509.KeyUsagesExtension);
  if (leafUsage !== null && (leafUsage.usages & x509.KeyUsageFlags.digitalSignature) === 0) {
    throw fail('the leaf certificate has a keyUsage without digitalSignature');
  }

  chain.forEach((cert, i) => assertKeyWithinBounds(cert, `x5c[${i}]`));
  for (let i = 0; i + 1 < chain.length; i++) {
    const issuer = chain[i + 1] as x509.X509Certificate;
    assertCanCertify(issuer, `x5c[${i + 1}]`, i + 1);
    await assertSignedBy(chain[i] as x509.X509Certificate, issuer, `x5c[${i}]`);
  }

  // The chain ends at an anchor when its last certificate is one, or was issued by one.
  const anchors = options.trustAnchorsPem.flatMap((pem) => parsePemCertificates(pem));
  const last = chain[chain.length - 1] as x509.X509Certificate;
  const lastDer = Buffer.from(last.rawData);
  const path = [...chain];
  let anchored = anchors.some((a) => Buffer.from(a, 'base64').equals(lastDer));
  if (!anchored) {
    for (const anchorB64 of anchors) {
      const anchor = parseCertificate(Buffer.from(anchorB64, 'base64'), 'a trust anchor');
      if (anchor.subject !== last.issuer) continue;
      assertCanCertify(anchor, 'the trust anchor', chain.length);
      assertKeyWithinBounds(anchor, 'the trust anchor');
      await assertSignedBy(last, anchor, `x5c[${chain.length - 1}]`);
      path.push(anchor);
      anchored = true;
      break;
    }
  }
  if (!anchored) {
    throw fail(`untrusted chain: it ends at "${last.subject}", issued by "${last.issuer}", which is not a configured trust anchor`, 'The chain must lead to an anchor of the Gaia-X registry (or the development root in development)');
  }

  let result: PathResult | undefined;
  for (const cert of path) {
    const notBefore = cert.notBefore.getTime();
    const notAfter = cert.notAfter.getTime();
    if (result === undefined) {
      result = { ok: true, notBefore, notAfter, notBeforeSubject: cert.subject, notAfterSubject: cert.subject };
      continue;
    }
    if (notBefore > result.notBefore) Object.assign(result, { notBefore, notBeforeSubject: cert.subject });
    if (notAfter < result.notAfter) Object.assign(result, { notAfter, notAfterSubject: cert.subject });
  }
  return result as PathResult;
}

/**
 * Throws X509_CHAIN unless `x5c` certifies `publicJwk` through a chain that ends at one of the
 * trust anchors, every signature on it verifies, every issuer is a CA, and every certificate
 * (anchor included) is valid at `validAt` and until `validUntil`.
 */
export async function validateCertificateChain(options: ValidateCertificateChainOptions): Promise<void> {
  const { kty, crv, x, y, n, e } = options.publicJwk;
  // Two fixed-length digests around the JSON: the key names the chain, the key and the anchors as
  // hashing all of them at once did, without hashing kilobytes of PEM again on every verification.
  const key = `${digestOfList(options.x5c)}|${JSON.stringify([kty, crv, x, y, n, e])}|${digestOfList(options.trustAnchorsPem)}`;
  let cached = pathCache.get(key);
  if (cached === undefined) {
    try {
      cached = await checkPath(options);
    } catch (error) {
      if (!(error instanceof GxTrustError)) throw error;
      cached = { ok: false, error };
    }
    pathCache.set(key, cached);
  }
  if (!cached.ok) {
    // A fresh error each time, so one caller's stack or mutation never reaches another.
    throw new GxTrustError(cached.error.code, cached.error.message, {
      ...(cached.error.hint === undefined ? {} : { hint: cached.error.hint }),
      cause: cached.error.cause,
    });
  }
  const at = options.validAt.getTime();
  if (Number.isNaN(at)) throw new GxTrustError('INVALID_DATE', 'validAt is not a valid date');
  if (at < cached.notBefore) {
    throw fail(`the certificate "${cached.notBeforeSubject}" is not yet valid at ${options.validAt.toISOString()} (notBefore ${new Date(cached.notBefore).toISOString()})`);
  }
  if (at > cached.notAfter) {
    throw fail(`the certificate "${cached.notAfterSubject}" has expired at ${options.validAt.toISOString()} (notAfter ${new Date(cached.notAfter).toISOString()})`);
  }
  if (options.validUntil !== undefined && options.validUntil.getTime() > cached.notAfter) {
    throw fail(`the certificate "${cached.notAfterSubject}" expires at ${new Date(cached.notAfter).toISOString()}, before the credential's validUntil ${options.validUntil.toISOString()}`);
  }
}

/** What a holder of a certificate needs to decide whether to keep using it. */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  ca: boolean;
}

/** Reads one certificate (base64 DER or PEM); throws X509_CHAIN when it is not one. */
export function certificateInfo(certificate: string): CertificateInfo {
  const derB64 = certificate.includes('-----BEGIN') ? (parsePemCertificates(certificate)[0] as string) : certificate;
  const cert = parseCertificate(Buffer.from(derB64, 'base64'), 'the certificate');
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    publicKey: publicKeyOf(cert),
    ca: cert.getExtension(x509.BasicConstraintsExtension)?.ca === true,
  };
}

/** Days after `from`, for certificate validity. */
export function addDays(from: Date, days: number): Date {
  return new Date(from.getTime() + days * 86_400_000);
}
