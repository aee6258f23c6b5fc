/**
 * The environment of a production service for tests: GX_ENV=production needs an https base URL
 * and key files (production never generates keys), so the development keys are generated once into
 * `dir` and named as the operator's files. The service still listens on loopback.
 */
import { join } from 'node:path';
import { DEVELOPMENT_FILES, loadOrCreateKeyring } from '../../src/keyring/index.js';

export const PRODUCTION_ADMIN_API_KEY = 'production-admin-key-0123456789abcdef';

export async function productionEnv(dir: string): Promise<Record<string, string>> {
  const keysDir = join(dir, 'operator-keys');
  await loadOrCreateKeyring({ keysDir, baseUrl: 'https://trust.example.org', env: 'development' });
  const file = (name: keyof typeof DEVELOPMENT_FILES) => join(keysDir, DEVELOPMENT_FILES[name]);
  return {
    GX_ENV: 'production',
    GX_BASE_URL: 'https://trust.example.org',
    GX_ADMIN_API_KEY: PRODUCTION_ADMIN_API_KEY,
    GX_KEY_ED25519_FILE: file('ed25519'),
    GX_KEY_P256_FILE: file('p256'),
    GX_KEY_RSA_FILE: file('rsa'),
    GX_CERT_CHAIN_RSA_FILE: file('rsaChain'),
    GX_CERT_CHAIN_P256_FILE: file('p256Chain'),
  };
}
