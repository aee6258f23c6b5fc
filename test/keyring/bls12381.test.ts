/**
 * The keyring's BLS12-381 G2 key (bbs-2023, issue 14), added the way the P-384 and P-521 keys were:
 * generated in development (also into a keys folder from before it existed, nothing else there
 * changing), optional in production (GX_KEY_BLS12381_FILE: without it the service starts as
 * before), published last in the did:web document and as a did:key, and never readable outside
 * the keyring.
 */
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import * as Bls12381Multikey from '@digitalbazaar/bls12-381-multikey';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { GxTrustError } from '../../src/errors.js';
import { DEVELOPMENT_FILES, loadOrCreateKeyring, type Keyring, type LoadKeyringOptions } from '../../src/keyring/index.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const BASE_URL = 'http://localhost:8080';
const DID = 'did:web:localhost%3A8080';

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gx-trust-bls-'));
  tempDirs.push(dir);
  return dir;
}
const development = (keysDir: string): LoadKeyringOptions => ({ keysDir, baseUrl: BASE_URL, env: 'development', clock: fixedClock(NOW) });

async function errorOf(promise: Promise<unknown>): Promise<GxTrustError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(GxTrustError);
  return error as GxTrustError;
}

let devDir: string;
let keyring: Keyring;
const devFile = (name: keyof typeof DEVELOPMENT_FILES) => join(devDir, DEVELOPMENT_FILES[name]);
const production = (keyFiles: LoadKeyringOptions['keyFiles']): LoadKeyringOptions => ({
  keysDir: join(devDir, 'unused'),
  baseUrl: BASE_URL,
  env: 'production',
  clock: fixedClock(NOW),
  keyFiles: { ed25519: devFile('ed25519'), p256: devFile('p256'), rsa: devFile('rsa'), p384: devFile('p384'), p521: devFile('p521'), ...keyFiles },
});

beforeAll(async () => {
  devDir = await tempDir();
  keyring = await loadOrCreateKeyring(development(devDir));
});
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the BLS12-381 key in development', () => {
  it('is a Multikey JSON file readable by its owner only', async () => {
    const file = JSON.parse(await readFile(devFile('bls12381'), 'utf8'));
    expect(file).toEqual({ '@context': 'https://w3id.org/security/multikey/v1', type: 'Multikey', publicKeyMultibase: expect.stringMatching(/^zUC7/), secretKeyMultibase: expect.stringMatching(/^z/) });
    expect((await stat(devFile('bls12381'))).mode & 0o777).toBe(0o600);
    expect(keyring.bbsKey()?.publicKeyMultibase).toBe(file.publicKeyMultibase);
  });

  it('is published last in the did:web document (#multikey-bls12381) and as a did:key', () => {
    const key = keyring.bbsKey()!;
    expect(key).toMatchObject({ kind: 'Bls12381G2', multikeyVerificationMethodId: `${DID}#multikey-bls12381` });
    expect(keyring.didDocument().verificationMethod?.at(-1)).toEqual({ id: `${DID}#multikey-bls12381`, type: 'Multikey', controller: DID, publicKeyMultibase: key.publicKeyMultibase });
    expect(key.didKey.did).toBe(`did:key:${key.publicKeyMultibase}`);
    expect(key.didKey.document.verificationMethod).toEqual([{ id: key.didKey.verificationMethodId, type: 'Multikey', controller: key.didKey.did, publicKeyMultibase: key.publicKeyMultibase }]);
  });

  it('signs as its two methods only, with the BBS algorithm bbs-2023 requires', () => {
    const key = keyring.bbsKey()!;
    expect(key.signer()).toMatchObject({ kid: `${DID}#multikey-bls12381`, keyKind: 'Bls12381G2', algorithm: 'BBS-BLS12-381-SHA-256' });
    expect(key.signer(key.didKey.verificationMethodId).kid).toBe(key.didKey.verificationMethodId);
    expect(key.signer().publicKey).toHaveLength(96);
    for (const other of [`${DID}#multikey-p256`, keyring.didKey('P-256').verificationMethodId]) expect(() => key.signer(other)).toThrow(GxTrustError);
  });

  it('makes BBS signatures the published public key verifies', async () => {
    const signer = keyring.bbsKey()!.signer();
    const header = new TextEncoder().encode('header');
    const messages = [new TextEncoder().encode('one'), new TextEncoder().encode('two')];
    const signature = await signer.multisign({ header, messages });
    const published = await Bls12381Multikey.from({ '@context': 'https://w3id.org/security/multikey/v1', type: 'Multikey', id: signer.kid, controller: DID, publicKeyMultibase: signer.publicKeyMultibase });
    // The library verifies BBS proofs, not signatures: a proof derived under the published key from
    // this signature verifies only if the signature does.
    const proofOver = (signed: Uint8Array[]) =>
      published.deriveProof({ signature, header, messages: signed, presentationHeader: new Uint8Array(), disclosedMessageIndexes: [0, 1] }).then(
        (proof: Uint8Array) => published.verifier().multiverify({ proof, header, presentationHeader: new Uint8Array(), messages: signed }),
        () => false,
      );
    expect(await proofOver(messages)).toBe(true);
    expect(await proofOver([...messages].reverse())).toBe(false);
  });

  it('never shows its secret key in JSON or util.inspect of the keyring and the key', () => {
    const secret = JSON.parse(readFileSync(devFile('bls12381'), 'utf8')).secretKeyMultibase as string;
    const key = keyring.bbsKey()!;
    for (const text of [JSON.stringify(keyring), JSON.stringify(key), inspect(key, { depth: 5 }), JSON.stringify(key.signer()), inspect(key.signer(), { depth: 5 }), JSON.stringify(keyring.didDocument())]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain('secretKey');
    }
  });

  it('is generated into a keys folder from before it existed, and nothing else there changes', async () => {
    const dir = await tempDir();
    const older = Object.values(DEVELOPMENT_FILES).filter((f) => f !== DEVELOPMENT_FILES.bls12381);
    await Promise.all(older.map((f) => copyFile(join(devDir, f), join(dir, f))));
    const before = await Promise.all(older.map((f) => readFile(join(dir, f), 'utf8')));
    const upgraded = await loadOrCreateKeyring(development(dir));
    expect((await stat(join(dir, DEVELOPMENT_FILES.bls12381))).mode & 0o777).toBe(0o600);
    expect(await Promise.all(older.map((f) => readFile(join(dir, f), 'utf8')))).toEqual(before);
    // Every method published before keeps its place; the new key is a new one, appended.
    const methods = upgraded.didDocument().verificationMethod ?? [];
    expect(methods.slice(0, -1)).toEqual(keyring.didDocument().verificationMethod?.slice(0, -1));
    expect(methods.at(-1)?.id).toBe(`${DID}#multikey-bls12381`);
    expect(upgraded.bbsKey()?.publicKeyMultibase).not.toBe(keyring.bbsKey()?.publicKeyMultibase);
    for (const kind of ['Ed25519', 'P-256', 'P-384', 'P-521', 'RSA'] as const) expect(upgraded.key(kind).publicJwk).toEqual(keyring.key(kind).publicJwk);
    // Loaded again, not generated again.
    expect((await loadOrCreateKeyring(development(dir))).bbsKey()?.publicKeyMultibase).toBe(upgraded.bbsKey()?.publicKeyMultibase);
  });
});

describe('the BLS12-381 key in production', () => {
  it('is optional: without keyFiles.bls12381 the service starts as before, with no BLS12-381 method', async () => {
    const loaded = await loadOrCreateKeyring(production({}));
    expect(loaded.bbsKey()).toBeUndefined();
    expect(loaded.didDocument().verificationMethod?.map((m) => m.id)).not.toContain(`${DID}#multikey-bls12381`);
    // (Without configured chains, production's JWK methods carry no x5c: the ids are what is compared.)
    expect(loaded.didDocument().verificationMethod?.map((m) => m.id)).toEqual(keyring.didDocument().verificationMethod?.slice(0, -1).map((m) => m.id));
  });

  it('loads the key from keyFiles.bls12381 (GX_KEY_BLS12381_FILE)', async () => {
    const loaded = await loadOrCreateKeyring(production({ bls12381: devFile('bls12381') }));
    expect(loaded.bbsKey()?.publicKeyMultibase).toBe(keyring.bbsKey()?.publicKeyMultibase);
    expect(loaded.didDocument().verificationMethod?.at(-1)).toEqual(keyring.didDocument().verificationMethod?.at(-1));
    expect(loaded.bbsKey()?.didKey.did).toBe(keyring.bbsKey()?.didKey.did);
  });

  it('loads a key whose public key encodes as zUC6... (about 1 in 250 do; a zUC7 prefix check refused them at start)', async () => {
    let pair: { publicKeyMultibase: string; export(options: object): Promise<Record<string, string>> };
    // Generated, not stored: found in a few hundred tries (1,500 keys gave 6).
    do pair = await Bls12381Multikey.generateBbsKeyPair({ algorithm: Bls12381Multikey.ALGORITHMS.BBS_BLS12381_SHA256 });
    while (!pair.publicKeyMultibase.startsWith('zUC6'));
    const exported = await pair.export({ publicKey: true, secretKey: true, includeContext: true });
    const file = join(await tempDir(), 'zuc6.json');
    await writeFile(file, JSON.stringify({ '@context': exported['@context'], type: 'Multikey', publicKeyMultibase: exported['publicKeyMultibase'], secretKeyMultibase: exported['secretKeyMultibase'] }));
    const loaded = await loadOrCreateKeyring(production({ bls12381: file }));
    expect(loaded.bbsKey()?.publicKeyMultibase).toBe(pair.publicKeyMultibase);
  });

  it('refuses a file whose public key is not its secret key\'s, a PEM, and a missing file (KEYS_UNAVAILABLE, no key bytes quoted)', async () => {
    const dir = await tempDir();
    const file = JSON.parse(await readFile(devFile('bls12381'), 'utf8'));
    const other = await Bls12381Multikey.generateBbsKeyPair({ algorithm: Bls12381Multikey.ALGORITHMS.BBS_BLS12381_SHA256 });
    const mixed = join(dir, 'mixed.json');
    await writeFile(mixed, JSON.stringify({ ...file, publicKeyMultibase: other.publicKeyMultibase }));
    const error = await errorOf(loadOrCreateKeyring(production({ bls12381: mixed })));
    expect(error.code).toBe('KEYS_UNAVAILABLE');
    expect(error.message).toMatch(/is not the public key of its secretKeyMultibase/);
    expect(error.message).not.toContain(file.secretKeyMultibase);
    const pem = await errorOf(loadOrCreateKeyring(production({ bls12381: devFile('p256') })));
    expect(pem.message).toMatch(/p256\.key\.pem is not a BLS12-381 G2 key pair: not JSON/);
    const missing = await errorOf(loadOrCreateKeyring(production({ bls12381: join(dir, 'absent.json') })));
    expect(missing.code).toBe('KEYS_UNAVAILABLE');
  });
});
