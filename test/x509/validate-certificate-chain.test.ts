import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { publicJwkOf } from '../../src/dids/multikey.js';
import { GxTrustError } from '../../src/errors.js';
import { MAX_CHAIN_LENGTH, addDays, parsePemCertificates, toPem, validateCertificateChain, type ValidateCertificateChainOptions } from '../../src/x509/index.js';
import { issueCertificate } from '../../src/keyring/certificates.js';

const NOW = new Date('2026-03-01T12:00:00Z');

interface Pair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}
const p256 = (): Pair => generateKeyPairSync('ec', { namedCurve: 'P-256' });

async function rootCa(keys: Pair, commonName: string, notAfter = addDays(NOW, 3650)): Promise<string> {
  return issueCertificate({
    subject: { commonName },
    subjectPublicKey: keys.publicKey,
    issuerPrivateKey: keys.privateKey,
    notBefore: addDays(NOW, -1),
    notAfter,
    ca: true,
  });
}

async function leafUnder(
  issuerPem: string,
  issuerKeys: Pair,
  subjectKey: KeyObject,
  validity: { notBefore?: Date; notAfter?: Date; ca?: boolean; commonName?: string } = {},
): Promise<string> {
  return issueCertificate({
    subject: { commonName: validity.commonName ?? 'signing key' },
    subjectPublicKey: subjectKey,
    issuerCertificatePem: issuerPem,
    issuerPrivateKey: issuerKeys.privateKey,
    notBefore: validity.notBefore ?? addDays(NOW, -1),
    notAfter: validity.notAfter ?? addDays(NOW, 365),
    ...(validity.ca === undefined ? {} : { ca: validity.ca }),
  });
}

const der = (pem: string) => parsePemCertificates(pem)[0] as string;

async function errorOf(promise: Promise<unknown>): Promise<GxTrustError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GxTrustError);
    return error as GxTrustError;
  }
  throw new Error('expected a GxTrustError, the chain was accepted');
}

let rootKeys: Pair;
let rootPem: string;
let intermediateKeys: Pair;
let intermediatePem: string;
let rsaLeafKeys: Pair;
let rsaLeafPem: string;
let p256LeafKeys: Pair;
let p256LeafPem: string;
let rsaJwk: JWK;

beforeAll(async () => {
  rootKeys = p256();
  rootPem = await rootCa(rootKeys, 'test root CA');
  intermediateKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  intermediatePem = await leafUnder(rootPem, rootKeys, intermediateKeys.publicKey, { ca: true, commonName: 'test intermediate CA' });
  rsaLeafKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // RSA issuer: exercises RSASSA-PKCS1-v1_5 SHA-256 signatures; the root signs with ECDSA P-256.
  rsaLeafPem = await leafUnder(intermediatePem, intermediateKeys, rsaLeafKeys.publicKey);
  rsaJwk = publicJwkOf(rsaLeafKeys.publicKey);
  p256LeafKeys = p256();
  p256LeafPem = await leafUnder(rootPem, rootKeys, p256LeafKeys.publicKey);
});

function options(overrides: Partial<ValidateCertificateChainOptions> = {}): ValidateCertificateChainOptions {
  return {
    x5c: [der(rsaLeafPem), der(intermediatePem), der(rootPem)],
    publicJwk: rsaJwk,
    trustAnchorsPem: [rootPem],
    validAt: NOW,
    ...overrides,
  };
}

describe('parsePemCertificates()', () => {
  it('returns every certificate of a PEM document as base64 DER, in order', () => {
    const list = parsePemCertificates(`junk before\n${rsaLeafPem}\n${intermediatePem}${rootPem}`);
    expect(list).toHaveLength(3);
    expect(parsePemCertificates(toPem(list))).toEqual(list);
    expect(Buffer.from(list[0] as string, 'base64')[0]).toBe(0x30);
  });

  it('throws X509_CHAIN for a document without certificates', async () => {
    const error = await errorOf(Promise.resolve().then(() => parsePemCertificates('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----')));
    expect(error.code).toBe('X509_CHAIN');
  });
});

describe('validateCertificateChain()', () => {
  it('accepts leaf -> intermediate -> root ending at the anchor itself', async () => {
    await expect(validateCertificateChain(options())).resolves.toBeUndefined();
  });

  it('accepts a chain without the root when the anchor issued its last certificate', async () => {
    await expect(validateCertificateChain(options({ x5c: [der(rsaLeafPem), der(intermediatePem)] }))).resolves.toBeUndefined();
  });

  it('accepts a P-256 leaf signed directly by the root, with the credential valid within the chain', async () => {
    await expect(
      validateCertificateChain({
        x5c: [der(p256LeafPem)],
        publicJwk: publicJwkOf(p256LeafKeys.publicKey),
        trustAnchorsPem: [rootPem],
        validAt: NOW,
        validUntil: addDays(NOW, 300),
      }),
    ).resolves.toBeUndefined();
  });

  describe('rejects with X509_CHAIN', () => {
    it('a JWK that is not the leaf certificate key (the Gaia-X x5u case: chain != JWK)', async () => {
      const error = await errorOf(validateCertificateChain(options({ publicJwk: publicJwkOf(p256().publicKey) })));
      expect(error.code).toBe('X509_CHAIN');
      expect(error.message).toBe("the JWK is not the leaf certificate's key");
    });

    it('a chain to an unknown anchor (no Gaia-X anchor)', async () => {
      const otherRoot = await rootCa(p256(), 'another root CA');
      const error = await errorOf(validateCertificateChain(options({ trustAnchorsPem: [otherRoot] })));
      expect(error.code).toBe('X509_CHAIN');
      expect(error.message).toMatch(/^untrusted chain: it ends at "CN=test root CA"/);
    });

    it('an anchor that only shares the name of the chain root', async () => {
      const lookalike = await rootCa(p256(), 'test root CA');
      const error = await errorOf(validateCertificateChain(options({ x5c: [der(rsaLeafPem), der(intermediatePem)], trustAnchorsPem: [lookalike] })));
      expect(error.code).toBe('X509_CHAIN');
      expect(error.message).toBe('the signature of x5c[1] (CN=test intermediate CA) by its issuer CN=test root CA is invalid');
    });

    it('a self-contained chain when no anchors are configured', async () => {
      const error = await errorOf(validateCertificateChain(options({ trustAnchorsPem: [] })));
      expect(error.code).toBe('X509_CHAIN');
      expect(error.message).toMatch(/^untrusted chain/);
    });

    it('a chain whose root is self-signed by an attacker under another name', async () => {
      const attackerKeys = p256();
      const attackerRoot = await rootCa(attackerKeys, 'attacker root');
      const leaf = await leafUnder(attackerRoot, attackerKeys, rsaLeafKeys.publicKey);
      const error = await errorOf(validateCertificateChain(options({ x5c: [der(leaf), der(attackerRoot)] })));
      expect(error.code).toBe('X509_CHAIN');
      expect(error.message).toMatch(/^untrusted chain: it ends at "CN=attacker root"/);
    });

    it('an expired leaf', async () => {
      const leaf = await leafUnder(rootPem, rootKeys, p256LeafKeys.publicKey, { notBefore: addDays(NOW, -30), notAfter: addDays(NOW, -1) });
      const error = await errorOf(
        validateCertificateChain({ x5c: [der(leaf)], publicJwk: publicJwkOf(p256LeafKeys.publicKey), trustAnchorsPem: [rootPem], validAt: NOW }),
      );
      expect(error.code).toBe('X509_CHAIN');
      expect(error.message).toMatch(/"CN=signing key" has expired at 2026-03-01/);
    });

    it('a leaf that is not yet valid', async () => {
      const leaf = await leafUnder(rootPem, rootKeys, p256LeafKeys.publicKey, { notBefore: addDays(NOW, 1) });
      const error = await errorOf(
        validateCertificateChain({ x5c: [der(leaf)], publicJwk: publicJwkOf(p256LeafKeys.publicKey), trustAnchorsPem: [rootPem], validAt: NOW }),
      );
      expect(error.code).toBe('X509_CHAIN');
      expect(error.message).toMatch(/is not yet valid/);
    });

    it('a validUntil beyond the leaf expiry', async () => {
      const error = await errorOf(validateCertificateChain(options({ validUntil: addDays(NOW, 366) })));
      expect(error.code).toBe('X509_CHAIN');
      expect(error.message).toMatch(/expires at .* before the credential's validUntil/);
    });

    it('an expired anchor, though the chain is otherwise sound', async () => {
      const keys = p256();
      const shortRoot = await rootCa(keys, 'short-lived root', addDays(NOW, 10));
      const leaf = await leafUnder(shortRoot, keys, p256LeafKeys.publicKey);
      const error = await errorOf(
        validateCertificateChain({ x5c: [der(leaf)], publicJwk: publicJwkOf(p256LeafKeys.publicKey), trustAnchorsPem: [shortRoot], validAt: addDays(NOW, 20) }),
      );
      expect(error.message).toMatch(/"CN=short-lived root" has expired/);
    });

    it('a tampered certificate byte (the signature no longer verifies)', async () => {
      const bytes = Buffer.from(der(rsaLeafPem), 'base64');
      // A byte of the subject name: the certificate still parses and still holds the JWK's key.
      const at = bytes.indexOf(Buffer.from('signing key'));
      expect(at).toBeGreaterThan(0);
      bytes[at] = 'S'.charCodeAt(0);
      const error = await errorOf(
        validateCertificateChain(options({ x5c: [bytes.toString('base64'), der(intermediatePem), der(rootPem)] })),
      );
      expect(error.code).toBe('X509_CHAIN');
      expect(error.message).toBe('the signature of x5c[0] (CN=Signing key) by its issuer CN=test intermediate CA is invalid');
    });

    it('a tampered key byte (the leaf no longer holds the JWK key)', async () => {
      const bytes = Buffer.from(der(rsaLeafPem), 'base64');
      const at = bytes.indexOf(Buffer.from(rsaJwk.n as string, 'base64url').subarray(40, 48));
      expect(at).toBeGreaterThan(0);
      bytes[at] = (bytes[at] as number) ^ 0x01;
      const error = await errorOf(
        validateCertificateChain(options({ x5c: [bytes.toString('base64'), der(intermediatePem), der(rootPem)] })),
      );
      expect(error.code).toBe('X509_CHAIN');
      expect(error.message).toBe("the JWK is not the leaf certificate's key");
    });

    it('a tampered signature byte', async () => {
      const bytes = Buffer.from(der(rsaLeafPem), 'base64');
      const last = bytes.length - 1;
      bytes[last] = (bytes[last] as number) ^ 0xff;
      const error = await errorOf(
        validateCertificateChain(options({ x5c: [bytes.toString('base64'), der(intermediatePem), der(rootPem)] })),
      );
      expect(error.code).toBe('X509_CHAIN');
      expect(error.message).toBe('the signature of x5c[0] (CN=signing key) by its issuer CN=test intermediate CA is invalid');
    });

    it('an issuer without basicConstraints CA:true', async () => {
      const notCaKeys = p256();
      const notCa = await leafUnder(rootPem, rootKeys, notCaKeys.publicKey, { commonName: 'not a CA' });
      const leaf = await leafUnder(notCa, notCaKeys, p256LeafKeys.publicKey);
      const error = await errorOf(
        validateCertificateChain({ x5c: [der(leaf), der(notCa)], publicJwk: publicJwkOf(p256LeafKeys.publicKey), trustAnchorsPem: [rootPem], validAt: NOW }),
      );
      expect(error.code).toBe('X509_CHAIN');
      expect(error.message).toMatch(/x5c\[1\] \(CN=not a CA\) issues certificates but has no basicConstraints CA:true/);
    });

    it('a chain out of order', async () => {
      const error = await errorOf(validateCertificateChain(options({ x5c: [der(rsaLeafPem), der(rootPem), der(intermediatePem)] })));
      expect(error.code).toBe('X509_CHAIN');
      expect(error.message).toMatch(/names issuer "CN=test intermediate CA" but is followed by "CN=test root CA"/);
    });

    it.each([
      ['an empty x5c', [] as string[], /x5c is empty/],
      ['base64url instead of base64', ['_-_-'], /not base64/],
      ['bytes that are not a certificate', [Buffer.from('not a certificate').toString('base64')], /not a DER X.509 certificate/],
      ['a chain longer than the limit', new Array<string>(MAX_CHAIN_LENGTH + 1).fill('MA=='), /more than 10/],
    ])('%s', async (_name, x5c, message) => {
      const error = await errorOf(validateCertificateChain(options({ x5c })));
      expect(error.code).toBe('X509_CHAIN');
      expect(error.message).toMatch(message);
    });
  });

  it('decides validity at each call, not once per cached chain', async () => {
    await validateCertificateChain(options());
    const error = await errorOf(validateCertificateChain(options({ validAt: addDays(NOW, 400) })));
    expect(error.message).toMatch(/has expired/);
    await expect(validateCertificateChain(options())).resolves.toBeUndefined();
  });

  it('keys its cache on the JWK and the anchors, so a cached pass never vouches for another key or anchor set', async () => {
    await validateCertificateChain(options());
    expect((await errorOf(validateCertificateChain(options({ publicJwk: publicJwkOf(p256().publicKey) })))).code).toBe('X509_CHAIN');
    expect((await errorOf(validateCertificateChain(options({ trustAnchorsPem: [] })))).message).toMatch(/^untrusted chain/);
  });

  it('keys frozen chains and anchor sets (digested once per list) by their content, as unfrozen ones', async () => {
    const chain = Object.freeze([der(rsaLeafPem), der(intermediatePem), der(rootPem)]);
    const anchors = Object.freeze([rootPem]);
    await expect(validateCertificateChain(options({ x5c: chain, trustAnchorsPem: anchors }))).resolves.toBeUndefined();
    // The same chain against another frozen anchor set, and another frozen chain against the same anchors.
    const otherRoot = await rootCa(p256(), 'another root CA');
    expect((await errorOf(validateCertificateChain(options({ x5c: chain, trustAnchorsPem: Object.freeze([otherRoot]) })))).message).toMatch(/^untrusted chain/);
    const p256Chain = Object.freeze([der(p256LeafPem), der(rootPem)]);
    expect((await errorOf(validateCertificateChain(options({ x5c: p256Chain, trustAnchorsPem: anchors })))).message).toMatch(/not the leaf certificate's key/);
    await expect(validateCertificateChain(options({ x5c: p256Chain, publicJwk: publicJwkOf(p256LeafKeys.publicKey), trustAnchorsPem: anchors }))).resolves.toBeUndefined();
    // A frozen list and an unfrozen copy of it reach the same cached result.
    await expect(validateCertificateChain(options({ x5c: [...chain], trustAnchorsPem: [...anchors] }))).resolves.toBeUndefined();
  });
});
