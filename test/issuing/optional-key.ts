/**
 * The set-up of the key-choice tests: a development keyring's files, loaded again as a production
 * keyring configured without, then with, one key that a deployment from before that key existed
 * has no file for (P-384, P-521, BLS12-381), and an issuer over each.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/clock.js';
import { createDocumentLoader } from '../../src/document-loader/index.js';
import { createIssuer, type Issuer } from '../../src/issuing/index.js';
import { DEVELOPMENT_FILES, loadOrCreateKeyring, type KeyFiles, type Keyring } from '../../src/keyring/index.js';

type OptionalKey = 'p384' | 'p521' | 'bls12381';

export interface OptionalKeyIssuers {
  /** Where the development keyring wrote its files. */
  dir: string;
  development: Keyring;
  /** Over a production keyring with every file but `key`'s. */
  without: Issuer;
  /** The same, with `key`'s file too. */
  with: Issuer;
  close(): Promise<void>;
}

/** `alsoConfigured`: optional keys the deployment has besides ed25519, P-256 and RSA (a P-521 test's P-384). */
export async function optionalKeyIssuers(key: OptionalKey, alsoConfigured: readonly OptionalKey[] = []): Promise<OptionalKeyIssuers> {
  const dir = await mkdtemp(join(tmpdir(), `gx-trust-${key}-choice-`));
  const development = await loadOrCreateKeyring({ keysDir: dir, baseUrl: 'https://trust.example.org', env: 'development' });
  const file = (name: keyof typeof DEVELOPMENT_FILES) => join(dir, DEVELOPMENT_FILES[name]);
  const base: KeyFiles = { ed25519: file('ed25519'), p256: file('p256'), rsa: file('rsa') };
  for (const also of alsoConfigured) base[also] = file(also);
  const production = (keyFiles: KeyFiles) => loadOrCreateKeyring({ keysDir: join(dir, 'unused'), baseUrl: 'https://trust.example.org', env: 'production', keyFiles });
  const documentLoader = createDocumentLoader();
  const issuerOver = async (keyFiles: KeyFiles) => createIssuer({ keyring: await production(keyFiles), documentLoader, clock: systemClock });
  return {
    dir,
    development,
    without: await issuerOver(base),
    with: await issuerOver({ ...base, [key]: file(key) }),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
