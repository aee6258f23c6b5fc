/**
 * Private keys of hosted members: generated here, sealed at rest, opened here into SigningKeys; the
 * member registry stores and publishes only the sealed form and the public keys. Each key is stored in the database as
 * AES-256-GCM ciphertext under a key derived (HKDF-SHA256) from one service secret kept in
 * GX_KEYS_DIR beside the service's own keys, with the verification method id as additional data,
 * so a row copied onto another member's row does not open.
 *
 * Why the database and not PEM files per member: with PostgreSQL, replicas share the database but
 * not a keys folder, and every replica must sign as every member; the secret is distributed once,
 * like the service keys. A database dump or backup alone reveals no member key.
 * @see https://www.rfc-editor.org/rfc/rfc5869 (HKDF)
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, generateKeyPair as generateKeyPairCallback, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LRUCache } from 'lru-cache';
import type { KeyKind } from '../algorithms/index.js';
import { OWNER_ONLY_FILE } from '../file-permissions.js';
import { GxTrustError } from '../errors.js';
import { certificationRequest } from './certificates.js';
import { signingKeyOf, type SigningKey } from './signer.js';

const generateKeyPair = promisify(generateKeyPairCallback);

export const MEMBER_KEY_SECRET_FILE = 'member-keys.secret';
const FORMAT = 'gxseal1';

interface KeySealer {
  seal(privateKey: KeyObject, methodId: string): string;
  unseal(sealed: string, methodId: string): KeyObject;
}

/** Hosted member keys, as the member registry sees them: sealed strings in, public keys and signers out. */
export interface MemberKeyVault {
  /** A new key pair of `kind` for the method `methodId`: its public key, and its private key sealed under that method. */
  generate(kind: KeyKind, methodId: string): Promise<{ publicKey: KeyObject; sealedPrivateKey: string }>;
  /** The sealed key of `methodId`, opened (and kept open: unsealing and importing cost more than signing). */
  open(sealedPrivateKey: string, methodId: string): SigningKey;
  /** A PKCS#10 request (PEM) signed by the sealed key, for the subject `commonName`. */
  certificationRequest(sealedPrivateKey: string, methodId: string, commonName: string): Promise<string>;
}

// On the thread pool: an RSA key takes tens to hundreds of milliseconds, which the event loop
// (every other request) must not wait for.
const generatePair = (kind: KeyKind) =>
  kind === 'Ed25519'
    ? generateKeyPair('ed25519')
    : kind === 'P-256' || kind === 'P-384'
      ? generateKeyPair('ec', { namedCurve: kind })
      : generateKeyPair('rsa', { modulusLength: 2048 });

/** The vault over `<keysDir>/member-keys.secret` (see loadKeySealer). */
export async function loadMemberKeyVault(options: { keysDir: string; env: 'development' | 'production' }): Promise<MemberKeyVault> {
  const sealer = await loadKeySealer(options);
  // By method id and sealed form: a row replaced under the same id never serves the old key.
  const opened = new LRUCache<string, { privateKey: KeyObject; signingKey: SigningKey }>({ max: 1000 });
  const openKey = (sealed: string, methodId: string) => {
    const cacheKey = `${methodId}\n${sealed}`;
    let entry = opened.get(cacheKey);
    if (entry === undefined) {
      const privateKey = sealer.unseal(sealed, methodId);
      entry = { privateKey, signingKey: signingKeyOf(privateKey) };
      opened.set(cacheKey, entry);
    }
    return entry;
  };
  return {
    async generate(kind, methodId) {
      const pair = await generatePair(kind);
      return { publicKey: pair.publicKey, sealedPrivateKey: sealer.seal(pair.privateKey, methodId) };
    },
    open: (sealed, methodId) => openKey(sealed, methodId).signingKey,
    async certificationRequest(sealed, methodId, commonName) {
      const { privateKey } = openKey(sealed, methodId);
      return certificationRequest(privateKey, createPublicKey(privateKey), commonName);
    },
  };
}

/**
 * The sealer over `<keysDir>/member-keys.secret` (32 random bytes, base64). Development creates the
 * file; production only reads it, like every other key.
 */
async function loadKeySealer(options: { keysDir: string; env: 'development' | 'production' }): Promise<KeySealer> {
  const path = join(options.keysDir, MEMBER_KEY_SECRET_FILE);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new GxTrustError('KEYS_UNAVAILABLE', `cannot read ${path}`, { cause: error });
  }
  if (text === undefined) {
    if (options.env === 'production') {
      throw new GxTrustError('KEYS_UNAVAILABLE', `the member key secret ${path} does not exist`, {
        hint: `Create it once and give every replica the same file: head -c 32 /dev/urandom | base64 > ${path}; chmod 600 ${path}`,
      });
    }
    const fresh = randomBytes(32).toString('base64') + '\n';
    try {
      await writeFile(path, fresh, { mode: OWNER_ONLY_FILE, flag: 'wx' });
      text = fresh;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new GxTrustError('KEYS_UNAVAILABLE', `cannot write ${path}`, { cause: error });
      text = await readFile(path, 'utf8');
    }
  }
  const secret = Buffer.from(text.trim(), 'base64');
  if (secret.length < 32) {
    throw new GxTrustError('KEYS_UNAVAILABLE', `${path} must hold at least 32 random bytes, base64-encoded`);
  }
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'gx-trust member private keys v1', 32));
  secret.fill(0);

  return {
    seal(privateKey, methodId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(methodId, 'utf8'));
      const der = privateKey.export({ type: 'pkcs8', format: 'der' });
      const body = Buffer.concat([cipher.update(der), cipher.final()]);
      der.fill(0);
      return [FORMAT, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    unseal(sealed, methodId) {
      const [format, iv, body, tag] = sealed.split('.');
      if (format !== FORMAT || iv === undefined || body === undefined || tag === undefined) {
        throw new GxTrustError('KEYS_UNAVAILABLE', `the sealed key of ${methodId} is not in the ${FORMAT} format`);
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(methodId, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        const der = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
        const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
        der.fill(0);
        return privateKey;
      } catch {
        // The cause is dropped: it says nothing useful and must never carry key bytes into a log.
        throw new GxTrustError('KEYS_UNAVAILABLE', `the sealed key of ${methodId} does not open with this service's member key secret`, {
          hint: `Every replica needs the same ${MEMBER_KEY_SECRET_FILE}`,
        });
      }
    },
  };
}
