import { copyFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import jsonld from 'jsonld';
import { constants, createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { multikeyToJwk } from '../../src/dids/multikey.js';
import { createDocumentLoader } from '../../src/document-loader/index.js';
import { GxTrustError } from '../../src/errors.js';
import {
  DEVELOPMENT_FILES,
  didWebFromBaseUrl,
  loadOrCreateKeyring,
  type Keyring,
  type LoadKeyringOptions,
} from '../../src/keyring/index.js';
import { addDays, parsePemCertificates, validateCertificateChain } from '../../src/x509/index.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const BASE_URL = 'http://localhost:8080';
const DID = 'did:web:localhost%3A8080';

async function errorOf(promise: Promise<unknown>): Promise<GxTrustError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GxTrustError);
    return error as GxTrustError;
  }
  throw new Error('expected a GxTrustError, nothing was thrown');
}

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gx-trust-keyring-'));
  tempDirs.push(dir);
  return dir;
}

function development(keysDir: string, overrides: Partial<LoadKeyringOptions> = {}): LoadKeyringOptions {
  return { keysDir, baseUrl: BASE_URL, env: 'development', clock: fixedClock(NOW), ...overrides };
}

let devDir: string;
let keyring: Keyring;
const README = '# keys/\nhand-written, must survive\n';

beforeAll(async () => {
  devDir = await tempDir();
  await writeFile(join(devDir, 'README.md'), README);
  keyring = await loadOrCreateKeyring(development(devDir));
});

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('didWebFromBaseUrl()', () => {
  it.each([
    ['http://localhost:8080', 'did:web:localhost%3A8080'],
    ['https://trust.example.org', 'did:web:trust.example.org'],
    ['https://trust.example.org/', 'did:web:trust.example.org'],
    ['https://trust.example.org:443', 'did:web:trust.example.org'],
    ['https://Trust.Example.org:8443', 'did:web:trust.example.org%3A8443'],
    ['https://example.org/gx', 'did:web:example.org:gx'],
    ['https://example.org/gx/trust/', 'did:web:example.org:gx:trust'],
  ])('%s -> %s', (baseUrl, did) => {
    expect(didWebFromBaseUrl(baseUrl)).toBe(did);
  });

  it.each([
    ['an IP address (did:web MUST NOT include IP addresses)', 'http://127.0.0.1:8080'],
    ['an IPv6 address', 'http://[::1]:8080'],
    ['another scheme', 'ftp://example.org'],
    ['a query', 'https://example.org/?a=1'],
    ['credentials', 'https://user:pw@example.org'],
    ['an empty path segment', 'https://example.org//gx'],
    ['no URL at all', 'example.org'],
  ])('refuses %s with CONFIG_INVALID', (_name, baseUrl) => {
    expect(() => didWebFromBaseUrl(baseUrl)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('loadOrCreateKeyring() in development', () => {
  it('generates the keys and the development chain into keysDir, owner-only, and keeps the README', async () => {
    const files = (await readdir(devDir)).sort();
    expect(files).toEqual([...Object.values(DEVELOPMENT_FILES), 'README.md'].sort());
    for (const file of Object.values(DEVELOPMENT_FILES)) {
      expect((await stat(join(devDir, file))).mode & 0o777).toBe(0o600);
    }
    expect(await readFile(join(devDir, 'README.md'), 'utf8')).toBe(README);
    expect(await readFile(join(devDir, DEVELOPMENT_FILES.rsa), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('reloads the same keys on a later start: same DID document, no file rewritten', async () => {
    const before = await Promise.all(Object.values(DEVELOPMENT_FILES).map((f) => readFile(join(devDir, f), 'utf8')));
    const again = await loadOrCreateKeyring(development(devDir, { clock: fixedClock(addDays(NOW, 30)) }));
    expect(again.didDocument()).toEqual(keyring.didDocument());
    expect(again.didKey('Ed25519')).toEqual(keyring.didKey('Ed25519'));
    const after = await Promise.all(Object.values(DEVELOPMENT_FILES).map((f) => readFile(join(devDir, f), 'utf8')));
    expect(after).toEqual(before);
  });

  it('reissues an expired development leaf under the same root, keeping the keys', async () => {
    const dir = await tempDir();
    await Promise.all(Object.values(DEVELOPMENT_FILES).map((f) => copyFile(join(devDir, f), join(dir, f))));
    const later = await loadOrCreateKeyring(development(dir, { clock: fixedClock(addDays(NOW, 800)) }));
    expect(later.key('RSA').publicJwk).toEqual(keyring.key('RSA').publicJwk);
    expect(later.key('RSA').x5c?.[0]).not.toBe(keyring.key('RSA').x5c?.[0]);
    expect(later.trustAnchorsPem()).toEqual(keyring.trustAnchorsPem());
  });

  it('gives a development chain for the RSA and P-256 keys that validates against the development root', async () => {
    expect(keyring.trustAnchorsPem()).toHaveLength(1);
    for (const kind of ['RSA', 'P-256'] as const) {
      const key = keyring.key(kind);
      expect(key.x5c).toHaveLength(2);
      expect(parsePemCertificates(keyring.certificateChainPem(kind) ?? '')).toEqual(key.x5c);
      await validateCertificateChain({
        x5c: key.x5c ?? [],
        publicJwk: key.publicJwk,
        trustAnchorsPem: keyring.trustAnchorsPem(),
        validAt: NOW,
        validUntil: addDays(NOW, 700),
      });
    }
  });

  it('loads configured key files in preference to generating', async () => {
    const dir = await tempDir();
    const withFile = await loadOrCreateKeyring(
      development(dir, { keyFiles: { ed25519: join(devDir, DEVELOPMENT_FILES.ed25519) } }),
    );
    expect(withFile.key('Ed25519').publicJwk).toEqual(keyring.key('Ed25519').publicJwk);
    expect(await readdir(dir)).not.toContain(DEVELOPMENT_FILES.ed25519);
  });
});

describe('the service DID document', () => {
  it('lists every method under assertionMethod and authentication with stable fragments', () => {
    const doc = keyring.didDocument();
    expect(keyring.did).toBe(DID);
    expect(doc.id).toBe(DID);
    expect(doc['@context']).toEqual([
      'https://www.w3.org/ns/did/v1',
      'https://w3id.org/security/suites/jws-2020/v1',
      'https://w3id.org/security/multikey/v1',
      'https://w3id.org/security/suites/ed25519-2020/v1',
      { JsonWebKey: expect.objectContaining({ '@id': 'https://w3id.org/security#JsonWebKey' }) },
    ]);
    const methods = doc.verificationMethod ?? [];
    expect(methods.map((m) => [m.id.slice(DID.length), m.type])).toEqual([
      ['#jwk-ed25519', 'JsonWebKey2020'],
      ['#jwk-p256', 'JsonWebKey2020'],
      ['#jwk-rsa', 'JsonWebKey2020'],
      ['#jwk-ed25519-jsonwebkey', 'JsonWebKey'],
      ['#jwk-p256-jsonwebkey', 'JsonWebKey'],
      ['#jwk-rsa-jsonwebkey', 'JsonWebKey'],
      ['#multikey-ed25519', 'Multikey'],
      ['#multikey-p256', 'Multikey'],
      ['#ed25519-2020', 'Ed25519VerificationKey2020'],
      // The P-384 key came later: its methods follow, so every earlier method keeps its place.
      ['#jwk-p384', 'JsonWebKey2020'],
      ['#jwk-p384-jsonwebkey', 'JsonWebKey'],
      ['#multikey-p384', 'Multikey'],
      // Then the P-521 key (ES512 only: no cryptosuite takes it, so no Multikey method).
      ['#jwk-p521', 'JsonWebKey2020'],
      ['#jwk-p521-jsonwebkey', 'JsonWebKey'],
      // Then the BLS12-381 key (bbs-2023 only: a Multikey, no JWK form).
      ['#multikey-bls12381', 'Multikey'],
    ]);
    for (const method of methods) expect(method.controller).toBe(DID);
    expect(doc.assertionMethod).toEqual(methods.map((m) => m.id));
    expect(doc.authentication).toEqual(methods.map((m) => m.id));
  });

  it('publishes alg, x5u and x5c on the JWK methods, and the same keys as Multikey', () => {
    const byId = new Map((keyring.didDocument().verificationMethod ?? []).map((m) => [m.id.slice(DID.length), m]));
    expect(byId.get('#jwk-ed25519')?.publicKeyJwk).toEqual({ ...keyring.key('Ed25519').publicJwk, alg: 'EdDSA' });
    expect(byId.get('#jwk-p256')?.publicKeyJwk).toMatchObject({
      alg: 'ES256',
      x5u: 'http://localhost:8080/.well-known/x509/p256.pem',
      x5c: keyring.key('P-256').x5c,
    });
    expect(byId.get('#jwk-rsa')?.publicKeyJwk).toMatchObject({
      kty: 'RSA',
      alg: 'PS256',
      x5u: 'http://localhost:8080/.well-known/x509/rsa.pem',
      x5c: keyring.key('RSA').x5c,
    });
    const mkEd = byId.get('#multikey-ed25519')?.publicKeyMultibase ?? '';
    expect(mkEd).toMatch(/^z6Mk/);
    expect(byId.get('#ed25519-2020')?.publicKeyMultibase).toBe(mkEd);
    expect(multikeyToJwk(mkEd)).toEqual(keyring.key('Ed25519').publicJwk);
    expect(byId.get('#multikey-p256')?.publicKeyMultibase).toMatch(/^zDn/);
    expect(multikeyToJwk(byId.get('#multikey-p256')?.publicKeyMultibase ?? '')).toEqual(keyring.key('P-256').publicJwk);
    // P-384: no X.509 chain (Gaia-X chains are RSA or P-256), alg ES384, and the same key as Multikey z82...
    expect(byId.get('#jwk-p384')?.publicKeyJwk).toEqual({ ...keyring.key('P-384').publicJwk, alg: 'ES384' });
    expect(keyring.key('P-384').publicJwk).toMatchObject({ kty: 'EC', crv: 'P-384' });
    expect(byId.get('#multikey-p384')?.publicKeyMultibase).toMatch(/^z82/);
    expect(multikeyToJwk(byId.get('#multikey-p384')?.publicKeyMultibase ?? '')).toEqual(keyring.key('P-384').publicJwk);
    // P-521: no X.509 chain either, alg ES512, 66-byte coordinates; its did:key (z2J9...) is the same key.
    expect(byId.get('#jwk-p521')?.publicKeyJwk).toEqual({ ...keyring.key('P-521').publicJwk, alg: 'ES512' });
    expect(keyring.key('P-521').publicJwk).toMatchObject({ kty: 'EC', crv: 'P-521' });
    expect(Buffer.from(keyring.key('P-521').publicJwk.x ?? '', 'base64url')).toHaveLength(66);
    expect(keyring.key('P-521').multikeyVerificationMethodId).toBeUndefined();
    expect(multikeyToJwk(keyring.key('P-521').publicKeyMultibase ?? '')).toEqual(keyring.key('P-521').publicJwk);
  });

  it('publishes each JsonWebKey2020 key again as a VC-JOSE-COSE JsonWebKey method with the same publicKeyJwk', () => {
    const byId = new Map((keyring.didDocument().verificationMethod ?? []).map((m) => [m.id.slice(DID.length), m]));
    for (const fragment of ['#jwk-ed25519', '#jwk-p256', '#jwk-rsa', '#jwk-p384', '#jwk-p521']) {
      expect(byId.get(`${fragment}-jsonwebkey`)).toEqual({ ...byId.get(fragment), id: `${DID}${fragment}-jsonwebkey`, type: 'JsonWebKey' });
    }
  });

  it('is a JSON-LD document every term of which its contexts define (safe mode)', async () => {
    const expanded = await jsonld.expand(keyring.didDocument() as never, { documentLoader: createDocumentLoader() as never, safe: true } as never);
    const types = JSON.stringify(expanded);
    expect(types).toContain('https://w3id.org/security#JsonWebKey"');
    expect(types).toContain('https://w3id.org/security#JsonWebKey2020');
  });

  it('names each key record after its methods', () => {
    expect(keyring.key('Ed25519')).toMatchObject({
      kind: 'Ed25519',
      alg: 'EdDSA',
      jwkVerificationMethodId: `${DID}#jwk-ed25519`,
      multikeyVerificationMethodId: `${DID}#multikey-ed25519`,
      ed25519VerificationKey2020Id: `${DID}#ed25519-2020`,
    });
    expect(keyring.key('RSA').multikeyVerificationMethodId).toBeUndefined();
  });

  it('puts the x5u under the base URL path', async () => {
    const dir = await tempDir();
    const copy = await Promise.all(Object.values(DEVELOPMENT_FILES).map((f) => copyFile(join(devDir, f), join(dir, f))));
    expect(copy).toHaveLength(10);
    const underPath = await loadOrCreateKeyring(development(dir, { baseUrl: 'https://example.org/gx/' }));
    expect(underPath.did).toBe('did:web:example.org:gx');
    expect(underPath.baseUrl).toBe('https://example.org/gx');
    const rsa = underPath.didDocument().verificationMethod?.find((m) => m.id.endsWith('#jwk-rsa'));
    expect(rsa?.publicKeyJwk?.x5u).toBe('https://example.org/gx/.well-known/x509/rsa.pem');
  });

  it('hands out copies: a caller mutating the document changes nothing', () => {
    const doc = keyring.didDocument();
    doc.id = 'did:web:attacker.example';
    (doc.verificationMethod ?? []).length = 0;
    expect(keyring.didDocument().id).toBe(DID);
    expect(keyring.didDocument().verificationMethod).toHaveLength(15);
  });
});

describe('private keys', () => {
  it('never appear in JSON or util.inspect of the keyring, its keys or its documents', () => {
    const surfaces = [
      JSON.stringify(keyring),
      JSON.stringify(keyring.didDocument()),
      JSON.stringify(keyring.didKey('Ed25519')),
      JSON.stringify(keyring.didKey('P-256')),
      JSON.stringify(keyring.didKey('P-384')),
      ...(['Ed25519', 'P-256', 'P-384', 'RSA'] as const).flatMap((kind) => [
        JSON.stringify(keyring.key(kind)),
        JSON.stringify({ ...keyring.key(kind) }),
        inspect(keyring.key(kind), { depth: 5 }),
      ]),
    ];
    for (const text of surfaces) {
      expect(text).not.toContain('"d":');
      expect(text).not.toMatch(/\bd: '/);
      expect(text).not.toContain('privateKey');
      expect(text).not.toContain('PRIVATE KEY');
    }
  });

  it('sign through Signers, whose signatures the published public keys verify', async () => {
    const data = Buffer.from('signing input');
    const cases = [
      ['Ed25519', null, {}],
      ['P-256', 'sha256', { dsaEncoding: 'ieee-p1363' }],
      // ES384 / ecdsa-rdfc-2019 P-384: SHA-384, r||s (96 bytes).
      ['P-384', 'sha384', { dsaEncoding: 'ieee-p1363' }],
      ['RSA', 'sha256', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
    ] as const;
    for (const [kind, digest, options] of cases) {
      const key = keyring.key(kind);
      const signer = key.signer();
      expect(signer.kid).toBe(key.jwkVerificationMethodId);
      expect(signer.algorithm).toBe(key.alg);
      const signature = await signer.sign(data);
      expect(verify(digest, data, { key: key.publicKey, ...options }, signature)).toBe(true);
      // The signer's surfaces carry no private key either.
      for (const text of [JSON.stringify(signer), inspect(signer, { depth: 5 }), JSON.stringify({ ...signer })]) {
        expect(text).not.toContain('PRIVATE KEY');
        expect(text).not.toContain('"d":');
      }
    }
  });

  it('sign only as the methods that publish the key', () => {
    const ed = keyring.key('Ed25519');
    expect(ed.signer(ed.multikeyVerificationMethodId).kid).toBe(ed.multikeyVerificationMethodId);
    expect(ed.signer(keyring.didKey('Ed25519').verificationMethodId).kid).toBe(keyring.didKey('Ed25519').verificationMethodId);
    expect(() => ed.signer(keyring.key('P-256').jwkVerificationMethodId)).toThrow(GxTrustError);
    expect(() => keyring.key('RSA').signer(`${DID}#somebody-else`)).toThrow(GxTrustError);
  });
});

describe('didKey()', () => {
  it.each([
    ['Ed25519', /^did:key:z6Mk/],
    ['P-256', /^did:key:zDn/],
    ['P-384', /^did:key:z82/],
    ['P-521', /^did:key:z2J9/],
  ] as const)('gives the did:key form of the %s key with a Multikey document', (kind, prefix) => {
    const { did, verificationMethodId, document } = keyring.didKey(kind);
    const multikey = keyring.key(kind).publicKeyMultibase ?? '';
    expect(did).toMatch(prefix);
    expect(did).toBe(`did:key:${multikey}`);
    expect(verificationMethodId).toBe(`${did}#${multikey}`);
    expect(document).toEqual({
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did,
      verificationMethod: [{ id: verificationMethodId, type: 'Multikey', controller: did, publicKeyMultibase: multikey }],
      assertionMethod: [verificationMethodId],
      authentication: [verificationMethodId],
    });
  });
});

describe('the P-384 key', () => {
  it('is generated into a keys folder from before it existed, and nothing else there changes', async () => {
    const dir = await tempDir();
    const older = Object.values(DEVELOPMENT_FILES).filter((f) => f !== DEVELOPMENT_FILES.p384);
    await Promise.all(older.map((f) => copyFile(join(devDir, f), join(dir, f))));
    const before = await Promise.all(older.map((f) => readFile(join(dir, f), 'utf8')));
    const upgraded = await loadOrCreateKeyring(development(dir));
    expect(await readFile(join(dir, DEVELOPMENT_FILES.p384), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect((await stat(join(dir, DEVELOPMENT_FILES.p384))).mode & 0o777).toBe(0o600);
    expect(await Promise.all(older.map((f) => readFile(join(dir, f), 'utf8')))).toEqual(before);
    // The earlier keys and their methods are the same; the new key is a new one (not the other folder's).
    for (const kind of ['Ed25519', 'P-256', 'RSA'] as const) expect(upgraded.key(kind).publicJwk).toEqual(keyring.key(kind).publicJwk);
    expect(upgraded.didDocument().verificationMethod?.slice(0, 9)).toEqual(keyring.didDocument().verificationMethod?.slice(0, 9));
    expect(upgraded.key('P-384').publicJwk).not.toEqual(keyring.key('P-384').publicJwk);
    expect(upgraded.kinds).toEqual(['Ed25519', 'P-256', 'P-384', 'P-521', 'RSA']);
    expect(upgraded.didKeys().map((k) => k.kind)).toEqual(['Ed25519', 'P-256', 'P-384', 'P-521']);
  });

  it('refuses a P-384 key file that holds another key type', async () => {
    const dir = await tempDir();
    await copyFile(join(devDir, DEVELOPMENT_FILES.p256), join(dir, DEVELOPMENT_FILES.p384));
    const error = await errorOf(loadOrCreateKeyring(development(dir)));
    expect(error.code).toBe('KEYS_UNAVAILABLE');
    expect(error.message).toMatch(/p384\.key\.pem holds a key of type P-256 where P-384 is expected/);
  });
});

describe('the P-521 key', () => {
  it('is generated into a keys folder from before it existed (with or without the P-384 key), and nothing else there changes', async () => {
    for (const missing of [[DEVELOPMENT_FILES.p521], [DEVELOPMENT_FILES.p384, DEVELOPMENT_FILES.p521]]) {
      const dir = await tempDir();
      const older = Object.values(DEVELOPMENT_FILES).filter((f) => !(missing as string[]).includes(f));
      await Promise.all(older.map((f) => copyFile(join(devDir, f), join(dir, f))));
      const before = await Promise.all(older.map((f) => readFile(join(dir, f), 'utf8')));
      const upgraded = await loadOrCreateKeyring(development(dir));
      expect(await readFile(join(dir, DEVELOPMENT_FILES.p521), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect((await stat(join(dir, DEVELOPMENT_FILES.p521))).mode & 0o777).toBe(0o600);
      expect(await Promise.all(older.map((f) => readFile(join(dir, f), 'utf8')))).toEqual(before);
      const kept = missing.length === 1 ? (['Ed25519', 'P-256', 'P-384', 'RSA'] as const) : (['Ed25519', 'P-256', 'RSA'] as const);
      for (const kind of kept) expect(upgraded.key(kind).publicJwk).toEqual(keyring.key(kind).publicJwk);
      // Every method published before keeps its place: the first nine always, the P-384 ones too when that key was there.
      const keptMethods = missing.length === 1 ? 12 : 9;
      expect(upgraded.didDocument().verificationMethod?.slice(0, keptMethods)).toEqual(keyring.didDocument().verificationMethod?.slice(0, keptMethods));
      expect(upgraded.key('P-521').publicJwk).not.toEqual(keyring.key('P-521').publicJwk);
      // The BLS12-381 method (its key file was already there) stays last.
      expect(upgraded.didDocument().verificationMethod?.slice(-3).map((m) => m.id.split('#')[1])).toEqual(['jwk-p521', 'jwk-p521-jsonwebkey', 'multikey-bls12381']);
      expect(upgraded.didKeys().map((k) => k.kind)).toEqual(['Ed25519', 'P-256', 'P-384', 'P-521']);
    }
  });

  it('refuses a P-521 key file that holds another key type', async () => {
    const dir = await tempDir();
    await copyFile(join(devDir, DEVELOPMENT_FILES.p384), join(dir, DEVELOPMENT_FILES.p521));
    const error = await errorOf(loadOrCreateKeyring(development(dir)));
    expect(error.code).toBe('KEYS_UNAVAILABLE');
    expect(error.message).toMatch(/p521\.key\.pem holds a key of type P-384 where P-521 is expected/);
  });

  it('signs ES512: SHA-512, r||s (132 bytes), verified with the published JWK', async () => {
    const signer = keyring.key('P-521').signer();
    expect(signer).toMatchObject({ keyKind: 'P-521', algorithm: 'ES512', kid: `${DID}#jwk-p521` });
    const data = new TextEncoder().encode('header.payload');
    const signature = await signer.sign(data);
    expect(signature).toHaveLength(132);
    const published = createPublicKey({ key: keyring.key('P-521').publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    expect(verify('sha512', data, { key: published, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    expect(verify('sha384', data, { key: published, dsaEncoding: 'ieee-p1363' }, signature)).toBe(false);
    // The did:key method signs with the same key; no Multikey method of the did:web exists for it.
    expect(keyring.key('P-521').signer(keyring.didKey('P-521').verificationMethodId).kid).toBe(keyring.didKey('P-521').verificationMethodId);
    expect(() => keyring.key('P-521').signer(`${DID}#multikey-p521`)).toThrow(GxTrustError);
  });
});

describe('loadOrCreateKeyring() in production', () => {
  const production = (keysDir: string, keyFiles: LoadKeyringOptions['keyFiles']): LoadKeyringOptions => ({
    keysDir,
    baseUrl: 'https://trust.example.org',
    env: 'production',
    clock: fixedClock(NOW),
    ...(keyFiles === undefined ? {} : { keyFiles }),
  });
  const devFile = (name: keyof typeof DEVELOPMENT_FILES) => join(devDir, DEVELOPMENT_FILES[name]);

  it('fails with KEYS_UNAVAILABLE naming the missing setting, and generates nothing', async () => {
    const dir = join(await tempDir(), 'keys');
    const error = await errorOf(loadOrCreateKeyring(production(dir, undefined)));
    expect(error.code).toBe('KEYS_UNAVAILABLE');
    expect(error.message).toMatch(/keyFiles\.(ed25519|p256|rsa)/);
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
  });

  it('fails with KEYS_UNAVAILABLE naming a configured file that does not exist', async () => {
    const dir = await tempDir();
    const missing = join(dir, 'nowhere', 'rsa.pem');
    const error = await errorOf(
      loadOrCreateKeyring(production(dir, { ed25519: devFile('ed25519'), p256: devFile('p256'), rsa: missing })),
    );
    expect(error.code).toBe('KEYS_UNAVAILABLE');
    expect(error.message).toContain(missing);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a key file holding the wrong key type', async () => {
    const error = await errorOf(
      loadOrCreateKeyring(production(await tempDir(), { ed25519: devFile('p256'), p256: devFile('p256'), rsa: devFile('rsa') })),
    );
    expect(error.code).toBe('KEYS_UNAVAILABLE');
    expect(error.message).toMatch(/p256\.key\.pem holds a key of type P-256 where Ed25519 is expected/);
  });

  it('refuses a file that is not a PEM private key, without quoting it', async () => {
    const dir = await tempDir();
    const bad = join(dir, 'bad.pem');
    await writeFile(bad, '-----BEGIN PRIVATE KEY-----\nU0VDUkVU\n-----END PRIVATE KEY-----\n');
    const error = await errorOf(loadOrCreateKeyring(production(dir, { ed25519: bad, p256: devFile('p256'), rsa: devFile('rsa') })));
    expect(error.code).toBe('KEYS_UNAVAILABLE');
    expect(error.message).toBe(`${bad} is not a PEM private key`);
    expect(JSON.stringify({ message: error.message, hint: error.hint, cause: String(error.cause) })).not.toContain('U0VDUkVU');
  });

  it('loads keys and chains from files, with no trust anchors and the same keys as before', async () => {
    const files = {
      ed25519: devFile('ed25519'),
      p256: devFile('p256'),
      rsa: devFile('rsa'),
      rsaChain: devFile('rsaChain'),
      p256Chain: devFile('p256Chain'),
    };
    const loaded = await loadOrCreateKeyring(production(await tempDir(), files));
    expect(loaded.did).toBe('did:web:trust.example.org');
    expect(loaded.trustAnchorsPem()).toEqual([]);
    expect(loaded.certificateChainPem('RSA')).toBe(keyring.certificateChainPem('RSA'));
    expect(loaded.key('P-256').x5c).toEqual(keyring.key('P-256').x5c);
    const rsa = loaded.didDocument().verificationMethod?.find((m) => m.id.endsWith('#jwk-rsa'));
    expect(rsa?.publicKeyJwk?.x5u).toBe('https://trust.example.org/.well-known/x509/rsa.pem');
  });

  it('starts without a P-384 key when none is configured (a deployment from before it), and says so when asked for one', async () => {
    const loaded = await loadOrCreateKeyring(production(await tempDir(), { ed25519: devFile('ed25519'), p256: devFile('p256'), rsa: devFile('rsa') }));
    expect(loaded.kinds).toEqual(['Ed25519', 'P-256', 'RSA']);
    expect(loaded.didKeys().map((k) => k.kind)).toEqual(['Ed25519', 'P-256']);
    expect(loaded.didDocument().verificationMethod?.map((m) => m.id.split('#')[1])).not.toContain('jwk-p384');
    expect(loaded.didDocument().verificationMethod).toHaveLength(9);
    const error = await errorOf((async () => loaded.key('P-384'))());
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.hint).toMatch(/GX_KEY_P384_FILE/);
    expect(() => loaded.didKey('P-384')).toThrow(GxTrustError);
  });

  it('starts without a P-521 key when none is configured, signs with the others, and names GX_KEY_P521_FILE when asked for one', async () => {
    const loaded = await loadOrCreateKeyring(production(await tempDir(), { ed25519: devFile('ed25519'), p256: devFile('p256'), rsa: devFile('rsa'), p384: devFile('p384') }));
    expect(loaded.kinds).toEqual(['Ed25519', 'P-256', 'P-384', 'RSA']);
    expect(loaded.didKeys().map((k) => k.kind)).toEqual(['Ed25519', 'P-256', 'P-384']);
    expect(loaded.didDocument().verificationMethod).toHaveLength(12);
    const error = await errorOf((async () => loaded.key('P-521'))());
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.hint).toMatch(/GX_KEY_P521_FILE/);
    expect(() => loaded.didKey('P-521')).toThrow(GxTrustError);
  });

  it('loads the P-521 key from keyFiles.p521 (without the P-384 one too)', async () => {
    const loaded = await loadOrCreateKeyring(production(await tempDir(), { ed25519: devFile('ed25519'), p256: devFile('p256'), rsa: devFile('rsa'), p521: devFile('p521') }));
    expect(loaded.kinds).toEqual(['Ed25519', 'P-256', 'P-521', 'RSA']);
    expect(loaded.key('P-521').publicJwk).toEqual(keyring.key('P-521').publicJwk);
    expect(loaded.didKey('P-521').did).toBe(keyring.didKey('P-521').did);
    expect(loaded.didDocument().verificationMethod?.slice(9).map((m) => m.id.split('#')[1])).toEqual(['jwk-p521', 'jwk-p521-jsonwebkey']);
  });

  it('loads the P-384 key from keyFiles.p384', async () => {
    const loaded = await loadOrCreateKeyring(production(await tempDir(), { ed25519: devFile('ed25519'), p256: devFile('p256'), rsa: devFile('rsa'), p384: devFile('p384') }));
    expect(loaded.key('P-384').publicJwk).toEqual(keyring.key('P-384').publicJwk);
    expect(loaded.didKey('P-384').did).toBe(keyring.didKey('P-384').did);
  });

  it('publishes no x5u or x5c when no chain is configured', async () => {
    const loaded = await loadOrCreateKeyring(
      production(await tempDir(), { ed25519: devFile('ed25519'), p256: devFile('p256'), rsa: devFile('rsa') }),
    );
    expect(loaded.certificateChainPem('RSA')).toBeUndefined();
    expect(loaded.key('RSA').x5c).toBeUndefined();
    const rsa = loaded.didDocument().verificationMethod?.find((m) => m.id.endsWith('#jwk-rsa'));
    expect(rsa?.publicKeyJwk).not.toHaveProperty('x5u');
    expect(rsa?.publicKeyJwk).not.toHaveProperty('x5c');
  });

  it('refuses a chain that certifies another key', async () => {
    const error = await errorOf(
      loadOrCreateKeyring(
        production(await tempDir(), {
          ed25519: devFile('ed25519'),
          p256: devFile('p256'),
          rsa: devFile('rsa'),
          rsaChain: devFile('p256Chain'),
        }),
      ),
    );
    expect(error.code).toBe('KEYS_UNAVAILABLE');
    expect(error.message).toMatch(/p256\.chain\.pem does not fit the RSA key: the JWK is not the leaf certificate's key/);
  });

  it('refuses a chain that has expired', async () => {
    const files = { ed25519: devFile('ed25519'), p256: devFile('p256'), rsa: devFile('rsa'), rsaChain: devFile('rsaChain') };
    const error = await errorOf(loadOrCreateKeyring({ ...production(await tempDir(), files), clock: fixedClock(addDays(NOW, 800)) }));
    expect(error.code).toBe('KEYS_UNAVAILABLE');
    expect(error.message).toMatch(/has expired/);
  });
});
