/**
 * The private key of a running service, read from its key files as an operator's tooling would:
 * the service itself hands out only Signers (src/keyring/signer.ts). For tests that sign what the
 * service never would (hostile or malformed JWS under the service's own key), with jose directly.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../src/config.js';
import { DEVELOPMENT_FILES, type KeyKind } from '../../src/keyring/index.js';

const FILES = {
  Ed25519: { option: 'ed25519', dev: DEVELOPMENT_FILES.ed25519 },
  'P-256': { option: 'p256', dev: DEVELOPMENT_FILES.p256 },
  'P-384': { option: 'p384', dev: DEVELOPMENT_FILES.p384 },
  'P-521': { option: 'p521', dev: DEVELOPMENT_FILES.p521 },
  RSA: { option: 'rsa', dev: DEVELOPMENT_FILES.rsa },
} as const;

export function servicePrivateKey(service: { config: Config }, kind: KeyKind): KeyObject {
  const file = service.config.keyFiles[FILES[kind].option] ?? join(service.config.keysDir, FILES[kind].dev);
  return createPrivateKey(readFileSync(file, 'utf8'));
}
