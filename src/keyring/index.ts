/**
 * The service's own keys and the identities it signs as: its did:web document (JsonWebKey2020,
 * JsonWebKey, Multikey and Ed25519VerificationKey2020 methods over one Ed25519, one P-256, one
 * P-384, one P-521 and one RSA key, and a BLS12-381 G2 key for bbs-2023) and the did:key forms of
 * the Ed25519, P-256, P-384, P-521 and BLS12-381 keys. In development the keys and an X.509 chain (P-256, RSA) are generated once into `keysDir`,
 * and a key missing from an existing `keysDir` is generated on the next start; in production they
 * are only ever loaded, and the P-384 and P-521 keys are optional there (a deployment from before
 * they existed starts unchanged and simply cannot sign with them until `GX_KEY_P384_FILE` /
 * `GX_KEY_P521_FILE` names one); so is the BLS12-381 key (`GX_KEY_BLS12381_FILE`).
 * @see https://w3c-ccg.github.io/did-method-web/
 */
import { generateKeyPair as generateKeyPairCb, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { systemClock, type Clock } from '../clock.js';
import { isBls12381G2Multikey, publicJwkOf, publicKeyToMultikey } from '../dids/multikey.js';
import type { DidDocument, VerificationMethod } from '../dids/types.js';
import { GxTrustError } from '../errors.js';
import { addDays, certificateInfo, parsePemCertificates, validateCertificateChain } from '../x509/index.js';
import { issueCertificate } from './certificates.js';
import { signingKeyOf, type Signer } from './signer.js';
import { bbsSigningKeyOf, type BbsQueueOptions, type BbsSignatureLane, type BbsSigner } from './bbs-signer.js';
import * as Bls12381Multikey from '@digitalbazaar/bls12-381-multikey';
import { defaultAlgorithm, keyKindOf, type KeyKind } from '../algorithms/index.js';
import { OWNER_ONLY_FILE, OWNER_ONLY_FOLDER } from '../file-permissions.js';

export type { Signer, SigningKey, SuiteSigner } from './signer.js';
export { BBS_ALGORITHM, DEFAULT_BBS_QUEUE_MAX, type BbsQueueObserver, type BbsQueueOptions, type BbsSignatureLane, type BbsSigner } from './bbs-signer.js';
export { allowedAlgorithms, assertAlgorithmAllowed, defaultAlgorithm, keyKindOf, type KeyKind } from '../algorithms/index.js';

const generateKeyPair = promisify(generateKeyPairCb);

export interface ServiceKey {
  kind: KeyKind;
  publicKey: KeyObject;
  /** The bare public JWK (kty, crv, x, y, n, e); the DID document's copy adds alg, x5u and x5c. */
  publicJwk: JWK;
  /** Ed25519, P-256, P-384 and P-521. */
  publicKeyMultibase?: string;
  /** base64 DER, leaf first (RFC 7517 §4.7), ending with the root; RSA and P-256 when a chain is configured. */
  x5c?: string[];
  /** The algorithm the service signs with using this key. */
  alg: string;
  jwkVerificationMethodId: string;
  multikeyVerificationMethodId?: string;
  /** Ed25519 only: the Ed25519VerificationKey2020 method, for the Ed25519Signature2020 suite. */
  ed25519VerificationKey2020Id?: string;
  /**
   * The key signing as one of its methods: the JsonWebKey2020 one by default, or its Multikey,
   * Ed25519VerificationKey2020 or did:key method. The private key itself never leaves the keyring.
   */
  signer(kid?: string): Signer;
}

/**
 * The BLS12-381 G2 key: bbs-2023 base proofs only (src/algorithms). Outside KeyKind: it has no
 * node:crypto form, no JWK the JOSE formats take, and no algorithm but BBS.
 */
export interface BbsServiceKey {
  kind: 'Bls12381G2';
  /** `zUC7...` */
  publicKeyMultibase: string;
  /** `<did:web>#multikey-bls12381`. */
  multikeyVerificationMethodId: string;
  didKey: DidKeyIdentity;
  /**
   * The key signing as its did:web Multikey method (the default) or its did:key method; `lane`
   * 'status-lists' for the service's own lists, which go ahead of issuance (bbs-signer.ts).
   */
  signer(kid?: string, lane?: BbsSignatureLane): BbsSigner;
}

export interface DidKeyIdentity {
  did: string;
  verificationMethodId: string;
  document: DidDocument;
}

/** The key types that have a did:key form in gx-trust. */
export type DidKeyKind = 'Ed25519' | 'P-256' | 'P-384' | 'P-521';

export interface Keyring {
  did: string;
  baseUrl: string;
  /** The kinds of key this keyring holds: all five, or (production without a P-384 or P-521 key file) all but those. */
  kinds: readonly KeyKind[];
  /** INVALID_INPUT when the keyring holds no key of `kind` (see kinds). */
  key(kind: KeyKind): ServiceKey;
  /** A fresh copy each call: callers may not mutate the service's identity. */
  didDocument(): DidDocument;
  didKey(kind: DidKeyKind): DidKeyIdentity;
  /** The BLS12-381 key, or undefined (production without GX_KEY_BLS12381_FILE). */
  bbsKey(): BbsServiceKey | undefined;
  /** The did:key identities of the keys this keyring holds (Ed25519, P-256, then P-384 and P-521 when held). */
  didKeys(): { kind: DidKeyKind; did: string }[];
  /** The PEM served at the `x5u` of the key's JsonWebKey2020 method. */
  certificateChainPem(kind: 'RSA' | 'P-256'): string | undefined;
  /** The development root in development, [] in production (anchors then come from the registry). */
  trustAnchorsPem(): string[];
}

export interface KeyFiles {
  ed25519?: string;
  p256?: string;
  p384?: string;
  p521?: string;
  /** A Multikey JSON file with the BLS12-381 G2 key pair (publicKeyMultibase, secretKeyMultibase). */
  bls12381?: string;
  rsa?: string;
  rsaChain?: string;
  p256Chain?: string;
}

export interface LoadKeyringOptions {
  keysDir: string;
  baseUrl: string;
  env: 'development' | 'production';
  keyFiles?: KeyFiles;
  clock?: Clock;
  /** The bound on bbs-2023 signatures waiting for the BBS signing thread, and who is told of it (metrics). */
  bbsQueue?: BbsQueueOptions;
}

/** Fragments are part of the public identity: credentials name them in `verificationMethod` / `kid`. */
export const VERIFICATION_METHOD_FRAGMENTS = {
  jwkEd25519: 'jwk-ed25519',
  jwkP256: 'jwk-p256',
  jwkP384: 'jwk-p384',
  jwkP521: 'jwk-p521',
  jwkRsa: 'jwk-rsa',
  multikeyEd25519: 'multikey-ed25519',
  multikeyP256: 'multikey-p256',
  multikeyP384: 'multikey-p384',
  multikeyBls12381: 'multikey-bls12381',
  ed25519VerificationKey2020: 'ed25519-2020',
} as const;

/**
 * The `JsonWebKey` twin of each JsonWebKey2020 method: the same publicKeyJwk under the type
 * VC-JOSE-COSE §4.3 names ("the verification method type JsonWebKey"), next to the JsonWebKey2020
 * methods Gaia-X expects. Its id is the JsonWebKey2020 method's plus this suffix.
 * @see https://www.w3.org/TR/vc-jose-cose/#using-controlled-identifier-documents
 */
export const JSON_WEB_KEY_TWIN_SUFFIX = '-jsonwebkey';

/**
 * The term `JsonWebKey` as the Controlled Identifiers v1 context defines it
 * (https://www.w3.org/ns/cid/v1), inline: the documents keep their pinned contexts, and a JSON-LD
 * reader in safe mode still finds every term defined.
 * @see https://www.w3.org/TR/cid-1.0/#jsonwebkey
 */
const JSON_WEB_KEY_TERM = Object.freeze({
  JsonWebKey: {
    '@id': 'https://w3id.org/security#JsonWebKey',
    '@context': {
      '@protected': true,
      id: '@id',
      type: '@type',
      publicKeyJwk: { '@id': 'https://w3id.org/security#publicKeyJwk', '@type': '@json' },
    },
  },
});

export const DID_DOCUMENT_CONTEXT = [
  'https://www.w3.org/ns/did/v1',
  'https://w3id.org/security/suites/jws-2020/v1',
  'https://w3id.org/security/multikey/v1',
  'https://w3id.org/security/suites/ed25519-2020/v1',
  JSON_WEB_KEY_TERM,
] as const;

const DID_KEY_CONTEXT = ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'] as const;

/** Development file names inside keysDir. */
export const DEVELOPMENT_FILES = {
  ed25519: 'ed25519.key.pem',
  p256: 'p256.key.pem',
  p384: 'p384.key.pem',
  p521: 'p521.key.pem',
  bls12381: 'bls12381.key.json',
  rsa: 'rsa.key.pem',
  rootKey: 'dev-root-ca.key.pem',
  rootCertificate: 'dev-root-ca.pem',
  p256Chain: 'p256.chain.pem',
  rsaChain: 'rsa.chain.pem',
} as const;

const ROOT_VALIDITY_DAYS = 3650;
const LEAF_VALIDITY_DAYS = 730;
// Certificates start a little in the past so a verifier with a slow clock accepts them at once.
const BACKDATE_MS = 5 * 60_000;
const DEVELOPMENT_ORGANIZATION = 'gx-trust development (not for production)';

/**
 * The did:web DID for the URL the service is reachable at.
 * @see https://w3c-ccg.github.io/did-method-web/#create-register "The domain name MUST be ...
 *   If the domain contains a port percent encode the colon"; path segments are joined with ':'.
 */
export function didWebFromBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (cause) {
    throw new GxTrustError('CONFIG_INVALID', `baseUrl ${JSON.stringify(baseUrl)} is not a URL`, { cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new GxTrustError('CONFIG_INVALID', 'baseUrl must be an https: (or, in development, http:) URL');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new GxTrustError('CONFIG_INVALID', 'baseUrl must not carry credentials, a query or a fragment');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // did:web: "The domain name MUST NOT include IP addresses" — resolvers (ours too) refuse them.
  if (isIP(host) !== 0) {
    throw new GxTrustError('CONFIG_INVALID', `baseUrl host ${host} is an IP address; did:web needs a domain name`, {
      hint: 'Use http://localhost:<port> in development',
    });
  }
  const segments = url.pathname.replace(/\/+$/, '').split('/').slice(1);
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new GxTrustError('CONFIG_INVALID', `baseUrl path ${url.pathname} has empty or dot segments`);
  }
  const port = url.port === '' ? '' : `%3A${url.port}`;
  return ['did:web:' + host + port, ...segments.map((s) => s.replaceAll(':', '%3A'))].join(':');
}

function normalizeBaseUrl(baseUrl: string): string {
  return new URL(baseUrl).toString().replace(/\/+$/, '');
}

// ---------------------------------------------------------------------------------------------
// Files

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new GxTrustError('KEYS_UNAVAILABLE', `cannot read ${path}`, { cause: error });
  }
}

/** Like Promise.all, but rejects only once every promise has settled, with the first refusal. */
async function allOrFirstError<T extends readonly unknown[]>(promises: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(promises);
  const refused = settled.find((result) => result.status === 'rejected');
  if (refused !== undefined) throw refused.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

async function readRequired(path: string, what: string): Promise<string> {
  const text = await readIfExists(path);
  if (text === undefined) {
    throw new GxTrustError('KEYS_UNAVAILABLE', `the ${what} file ${path} does not exist`, {
      hint: 'Production never generates keys: provide the PEM files named in the configuration',
    });
  }
  return text;
}

/**
 * Writes a new file readable by the owner only. `wx` never overwrites: when another process
 * wrote the file first, its content wins and is returned.
 */
async function writeNew(path: string, content: string): Promise<string> {
  try {
    await writeFile(path, content, { mode: OWNER_ONLY_FILE, flag: 'wx' });
    return content;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFile(path, 'utf8');
    throw new GxTrustError('KEYS_UNAVAILABLE', `cannot write ${path}`, { cause: error });
  }
}

async function overwrite(path: string, content: string): Promise<void> {
  try {
    await writeFile(path, content, { mode: OWNER_ONLY_FILE });
  } catch (error) {
    throw new GxTrustError('KEYS_UNAVAILABLE', `cannot write ${path}`, { cause: error });
  }
}

function parsePrivateKey(pem: string, path: string, expected: KeyKind): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // The parser's error is dropped: it could quote key bytes, and the file name is what helps.
    throw new GxTrustError('KEYS_UNAVAILABLE', `${path} is not a PEM private key`, {
      hint: 'Expect an unencrypted PKCS#8 PEM file (the PRIVATE KEY block that openssl genpkey writes)',
    });
  }
  let kind: KeyKind;
  try {
    kind = keyKindOf(key);
  } catch (cause) {
    throw new GxTrustError('KEYS_UNAVAILABLE', `${path} holds a key type gx-trust does not sign with`, { cause });
  }
  if (kind !== expected) {
    throw new GxTrustError('KEYS_UNAVAILABLE', `${path} holds a key of type ${kind} where ${expected} is expected`);
  }
  return key;
}

async function generatePrivateKeyPem(kind: KeyKind): Promise<string> {
  const pair =
    kind === 'Ed25519'
      ? await generateKeyPair('ed25519')
      : kind === 'P-256' || kind === 'P-384' || kind === 'P-521'
        ? await generateKeyPair('ec', { namedCurve: kind })
        : await generateKeyPair('rsa', { modulusLength: 2048 });
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

const KEY_FILE: Record<KeyKind, { option: keyof KeyFiles; dev: string }> = {
  Ed25519: { option: 'ed25519', dev: DEVELOPMENT_FILES.ed25519 },
  'P-256': { option: 'p256', dev: DEVELOPMENT_FILES.p256 },
  'P-384': { option: 'p384', dev: DEVELOPMENT_FILES.p384 },
  'P-521': { option: 'p521', dev: DEVELOPMENT_FILES.p521 },
  RSA: { option: 'rsa', dev: DEVELOPMENT_FILES.rsa },
};

/**
 * The kinds a production configuration may leave out, with the setting that adds each: P-384 and
 * P-521 came after deployments that name only the other three files, and those must start as
 * before (without P-384 or P-521 signing).
 */
export const OPTIONAL_KEY_SETTINGS: Readonly<Partial<Record<KeyKind, string>>> = Object.freeze({ 'P-384': 'GX_KEY_P384_FILE', 'P-521': 'GX_KEY_P521_FILE' });

/** The production setting of the BLS12-381 key file (optional, as P-384 and P-521). */
export const BLS12381_KEY_SETTING = 'GX_KEY_BLS12381_FILE';

/**
 * The BLS12-381 G2 key pair as a Multikey (the form @digitalbazaar/bls12-381-multikey exports and
 * imports): JSON, since no PEM/PKCS#8 encoding is defined for it.
 */
async function generateBls12381KeyJson(): Promise<string> {
  const pair = (await Bls12381Multikey.generateBbsKeyPair({ algorithm: Bls12381Multikey.ALGORITHMS.BBS_BLS12381_SHA256 })) as {
    export(options: { publicKey: boolean; secretKey: boolean; includeContext: boolean }): Promise<Record<string, unknown>>;
  };
  const exported = await pair.export({ publicKey: true, secretKey: true, includeContext: true });
  return `${JSON.stringify({ '@context': exported['@context'], type: 'Multikey', publicKeyMultibase: exported['publicKeyMultibase'], secretKeyMultibase: exported['secretKeyMultibase'] }, null, 2)}\n`;
}

/**
 * Reads a BLS12-381 key file: the public key is derived again from the secret one and must be the
 * one the file names (a file edited by hand, or two keys mixed, would publish a key that verifies
 * nothing signed). The library's messages are dropped: they could quote key bytes.
 */
async function parseBls12381Key(text: string, path: string): Promise<{ publicKeyMultibase: string; secretKeyMultibase: string }> {
  const unusable = (why: string) =>
    new GxTrustError('KEYS_UNAVAILABLE', `${path} is not a BLS12-381 G2 key pair: ${why}`, {
      hint: 'Expect the Multikey JSON gx-trust writes in development: {"type": "Multikey", "publicKeyMultibase": "zUC7...", "secretKeyMultibase": "z488..."}',
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw unusable('not JSON');
  }
  const file = (parsed ?? {}) as Record<string, unknown>;
  const secretKeyMultibase = file['secretKeyMultibase'];
  if (file['type'] !== 'Multikey' || typeof secretKeyMultibase !== 'string' || typeof file['publicKeyMultibase'] !== 'string') {
    throw unusable('it needs type "Multikey", publicKeyMultibase and secretKeyMultibase');
  }
  let derived: unknown;
  try {
    const pair = (await Bls12381Multikey.from({ '@context': 'https://w3id.org/security/multikey/v1', type: 'Multikey', secretKeyMultibase })) as {
      export(options: { publicKey: boolean; includeContext: boolean }): Promise<Record<string, unknown>>;
    };
    derived = (await pair.export({ publicKey: true, includeContext: false }))['publicKeyMultibase'];
  } catch {
    throw unusable('its secretKeyMultibase is not a BLS12-381 secret key');
  }
  // By its multicodec header: about 1 key in 250 encodes as zUC6..., not zUC7... (base58 of the point's first bytes).
  if (derived !== file['publicKeyMultibase'] || typeof derived !== 'string' || !isBls12381G2Multikey(derived)) {
    throw unusable('its publicKeyMultibase is not the public key of its secretKeyMultibase (or not a G2 key)');
  }
  return { publicKeyMultibase: derived, secretKeyMultibase };
}

async function loadBls12381Key(options: LoadKeyringOptions): Promise<{ publicKeyMultibase: string; secretKeyMultibase: string } | undefined> {
  const configured = options.keyFiles?.bls12381;
  if (configured !== undefined) {
    const path = resolve(configured);
    return parseBls12381Key(await readRequired(path, 'BLS12-381 key'), path);
  }
  // Optional in production, as P-384 and P-521: a deployment from before it starts unchanged.
  if (options.env === 'production') return undefined;
  const path = join(options.keysDir, DEVELOPMENT_FILES.bls12381);
  const text = (await readIfExists(path)) ?? (await writeNew(path, await generateBls12381KeyJson()));
  return parseBls12381Key(text, path);
}

async function loadPrivateKey(kind: KeyKind, options: LoadKeyringOptions): Promise<KeyObject>;
async function loadPrivateKey(kind: KeyKind, options: LoadKeyringOptions, optional: true): Promise<KeyObject | undefined>;
async function loadPrivateKey(kind: KeyKind, options: LoadKeyringOptions, optional = false): Promise<KeyObject | undefined> {
  const configured = options.keyFiles?.[KEY_FILE[kind].option];
  if (configured !== undefined) {
    const path = resolve(configured);
    return parsePrivateKey(await readRequired(path, `${kind} private key`), path, kind);
  }
  if (options.env === 'production' && optional && OPTIONAL_KEY_SETTINGS[kind] !== undefined) return undefined;
  if (options.env === 'production') {
    throw new GxTrustError('KEYS_UNAVAILABLE', `no ${kind} private key file is configured (keyFiles.${KEY_FILE[kind].option})`, {
      hint: 'Production never generates keys: name a PKCS#8 PEM file for each key',
    });
  }
  const path = join(options.keysDir, KEY_FILE[kind].dev);
  const pem = (await readIfExists(path)) ?? (await writeNew(path, await generatePrivateKeyPem(kind)));
  return parsePrivateKey(pem, path, kind);
}

// ---------------------------------------------------------------------------------------------
// Certificate chains

/** Throws unless `chainPem` certifies `publicKey` and is valid now: the chain checks itself against its own last certificate. */
async function checkOwnChain(chainPem: string, publicKey: KeyObject, now: Date): Promise<string[]> {
  const x5c = parsePemCertificates(chainPem);
  const anchor = x5c[x5c.length - 1] as string;
  await validateCertificateChain({
    x5c,
    publicJwk: publicJwkOf(publicKey),
    trustAnchorsPem: [`-----BEGIN CERTIFICATE-----\n${anchor}\n-----END CERTIFICATE-----\n`],
    validAt: now,
  });
  return x5c;
}

function isUsableRoot(certificatePem: string, publicKey: KeyObject, now: Date): boolean {
  try {
    const info = certificateInfo(certificatePem);
    return info.ca && info.publicKey.equals(publicKey) && info.notBefore <= now && now < info.notAfter;
  } catch {
    return false;
  }
}

interface DevelopmentRoot {
  privateKey: KeyObject;
  certificatePem: string;
}

async function loadOrCreateDevelopmentRoot(keysDir: string, now: Date): Promise<{ root: DevelopmentRoot; created: boolean }> {
  const keyPath = join(keysDir, DEVELOPMENT_FILES.rootKey);
  const certPath = join(keysDir, DEVELOPMENT_FILES.rootCertificate);
  const keyPem = await readIfExists(keyPath);
  const certPem = await readIfExists(certPath);
  if (keyPem !== undefined && certPem !== undefined) {
    const privateKey = parsePrivateKey(keyPem, keyPath, 'P-256');
    if (isUsableRoot(certPem, createPublicKey(privateKey), now)) {
      return { root: { privateKey, certificatePem: certPem }, created: false };
    }
    // Expired or not matching its key: a development root is replaced, with every leaf under it.
  }
  const privateKey =
    keyPem === undefined
      ? parsePrivateKey(await writeNew(keyPath, await generatePrivateKeyPem('P-256')), keyPath, 'P-256')
      : parsePrivateKey(keyPem, keyPath, 'P-256');
  const certificatePem = await issueCertificate({
    subject: { commonName: 'gx-trust development root CA', organization: DEVELOPMENT_ORGANIZATION },
    subjectPublicKey: createPublicKey(privateKey),
    issuerPrivateKey: privateKey,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: addDays(now, ROOT_VALIDITY_DAYS),
    ca: true,
  });
  await overwrite(certPath, certificatePem);
  return { root: { privateKey, certificatePem }, created: true };
}

async function loadOrCreateDevelopmentChain(
  kind: 'RSA' | 'P-256',
  publicKey: KeyObject,
  keysDir: string,
  root: DevelopmentRoot,
  rootCreated: boolean,
  now: Date,
): Promise<string> {
  const path = join(keysDir, kind === 'RSA' ? DEVELOPMENT_FILES.rsaChain : DEVELOPMENT_FILES.p256Chain);
  const existing = rootCreated ? undefined : await readIfExists(path);
  if (existing !== undefined) {
    try {
      const x5c = await checkOwnChain(existing, publicKey, now);
      if (x5c[x5c.length - 1] === parsePemCertificates(root.certificatePem)[0]) return existing;
    } catch {
      // A chain that no longer fits its key or has expired is reissued under the current root.
    }
  }
  const leafPem = await issueCertificate({
    subject: { commonName: `gx-trust development ${kind} signing key`, organization: DEVELOPMENT_ORGANIZATION },
    subjectPublicKey: publicKey,
    issuerCertificatePem: root.certificatePem,
    issuerPrivateKey: root.privateKey,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: addDays(now, LEAF_VALIDITY_DAYS),
  });
  const chainPem = leafPem + root.certificatePem;
  await overwrite(path, chainPem);
  return chainPem;
}

async function loadConfiguredChain(path: string, kind: KeyKind, publicKey: KeyObject, now: Date): Promise<string> {
  const pem = await readRequired(path, `${kind} certificate chain`);
  try {
    await checkOwnChain(pem, publicKey, now);
  } catch (cause) {
    const reason = cause instanceof GxTrustError ? cause.message : 'unreadable';
    throw new GxTrustError('KEYS_UNAVAILABLE', `the certificate chain ${path} does not fit the ${kind} key: ${reason}`, { cause });
  }
  return pem;
}

// ---------------------------------------------------------------------------------------------
// The keyring

function makeServiceKey(fields: Omit<ServiceKey, 'signer'>, privateKey: KeyObject, didKeyMethod?: string): ServiceKey {
  const signingKey = signingKeyOf(privateKey);
  const own = new Set([fields.jwkVerificationMethodId, fields.multikeyVerificationMethodId, fields.ed25519VerificationKey2020Id, didKeyMethod].filter((id) => id !== undefined));
  const signers = new Map([...own].map((id) => [id, signingKey.signer(id)]));
  return Object.freeze({
    ...fields,
    signer(kid = fields.jwkVerificationMethodId) {
      const signer = signers.get(kid);
      // Only the methods that publish this very key: a signature under any other would not verify.
      if (signer === undefined) throw new GxTrustError('INVALID_INPUT', `${kid} is not a verification method of the service's ${fields.kind} key`);
      return signer;
    },
  });
}

function missingKeyHint(kind: unknown): string {
  if (kind === 'P-384') return 'The operator has not configured a P-384 key (GX_KEY_P384_FILE); sign with P-256 (ES256, ecdsa-rdfc-2019) instead';
  if (kind === 'P-521') return 'The operator has not configured a P-521 key (GX_KEY_P521_FILE); sign with ES256 or ES384 instead';
  return 'The service holds Ed25519, P-256, P-384, P-521 and RSA keys';
}

function didKeyIdentity(multikey: string): DidKeyIdentity {
  const did = `did:key:${multikey}`;
  const verificationMethodId = `${did}#${multikey}`;
  const document: DidDocument = {
    '@context': [...DID_KEY_CONTEXT],
    id: did,
    verificationMethod: [{ id: verificationMethodId, type: 'Multikey', controller: did, publicKeyMultibase: multikey }],
    assertionMethod: [verificationMethodId],
    authentication: [verificationMethodId],
  };
  return { did, verificationMethodId, document };
}

/**
 * Loads the service's keys (development: generating whatever is missing into `keysDir`;
 * production: only from `keyFiles`, never generating) and builds its identities.
 */
export async function loadOrCreateKeyring(options: LoadKeyringOptions): Promise<Keyring> {
  const clock = options.clock ?? systemClock;
  const now = clock();
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  const did = didWebFromBaseUrl(baseUrl);
  const production = options.env === 'production';

  if (!production) {
    try {
      await mkdir(options.keysDir, { recursive: true, mode: OWNER_ONLY_FOLDER });
    } catch (cause) {
      throw new GxTrustError('KEYS_UNAVAILABLE', `cannot create the keys directory ${options.keysDir}`, { cause });
    }
  }
  // Settled, not raced: a refusal of one key must not return while another is still being
  // generated into keysDir (a caller that then removes or reuses the folder would race its write).
  const [ed25519, p256, rsa, p384, p521, bls12381] = await allOrFirstError([
    loadPrivateKey('Ed25519', options),
    loadPrivateKey('P-256', options),
    loadPrivateKey('RSA', options),
    // In development generated like the others, also into a keysDir that predates them.
    loadPrivateKey('P-384', options, true),
    loadPrivateKey('P-521', options, true),
    loadBls12381Key(options),
  ] as const);
  const publicKeys = { Ed25519: createPublicKey(ed25519), 'P-256': createPublicKey(p256), RSA: createPublicKey(rsa) };

  const chains: { RSA?: string; 'P-256'?: string } = {};
  const anchors: string[] = [];
  const rsaChainFile = options.keyFiles?.rsaChain;
  const p256ChainFile = options.keyFiles?.p256Chain;
  if (rsaChainFile !== undefined) chains.RSA = await loadConfiguredChain(resolve(rsaChainFile), 'RSA', publicKeys.RSA, now);
  if (p256ChainFile !== undefined) chains['P-256'] = await loadConfiguredChain(resolve(p256ChainFile), 'P-256', publicKeys['P-256'], now);
  if (!production) {
    const { root, created } = await loadOrCreateDevelopmentRoot(options.keysDir, now);
    anchors.push(root.certificatePem);
    chains.RSA ??= await loadOrCreateDevelopmentChain('RSA', publicKeys.RSA, options.keysDir, root, created, now);
    chains['P-256'] ??= await loadOrCreateDevelopmentChain('P-256', publicKeys['P-256'], options.keysDir, root, created, now);
  }

  const fragment = (f: string) => `${did}#${f}`;
  const F = VERIFICATION_METHOD_FRAGMENTS;
  const mkEd = publicKeyToMultikey(publicKeys.Ed25519);
  const mkP256 = publicKeyToMultikey(publicKeys['P-256']);
  const x5cOf = (kind: 'RSA' | 'P-256') => {
    const pem = chains[kind];
    return pem === undefined ? undefined : parsePemCertificates(pem);
  };
  const keys: Partial<Record<KeyKind, ServiceKey>> = {
    Ed25519: makeServiceKey(
      {
        kind: 'Ed25519',
        publicKey: publicKeys.Ed25519,
        publicJwk: publicJwkOf(publicKeys.Ed25519),
        publicKeyMultibase: mkEd,
        alg: defaultAlgorithm('Ed25519'),
        jwkVerificationMethodId: fragment(F.jwkEd25519),
        multikeyVerificationMethodId: fragment(F.multikeyEd25519),
        ed25519VerificationKey2020Id: fragment(F.ed25519VerificationKey2020),
      },
      ed25519,
      didKeyIdentity(mkEd).verificationMethodId,
    ),
    'P-256': makeServiceKey(
      {
        kind: 'P-256',
        publicKey: publicKeys['P-256'],
        publicJwk: publicJwkOf(publicKeys['P-256']),
        publicKeyMultibase: mkP256,
        ...(x5cOf('P-256') === undefined ? {} : { x5c: x5cOf('P-256') as string[] }),
        alg: defaultAlgorithm('P-256'),
        jwkVerificationMethodId: fragment(F.jwkP256),
        multikeyVerificationMethodId: fragment(F.multikeyP256),
      },
      p256,
      didKeyIdentity(mkP256).verificationMethodId,
    ),
    RSA: makeServiceKey(
      {
        kind: 'RSA',
        publicKey: publicKeys.RSA,
        publicJwk: publicJwkOf(publicKeys.RSA),
        ...(x5cOf('RSA') === undefined ? {} : { x5c: x5cOf('RSA') as string[] }),
        alg: defaultAlgorithm('RSA'),
        jwkVerificationMethodId: fragment(F.jwkRsa),
      },
      rsa,
    ),
  };
  let mkP384: string | undefined;
  if (p384 !== undefined) {
    const publicKey = createPublicKey(p384);
    mkP384 = publicKeyToMultikey(publicKey);
    // No X.509 chain: Gaia-X chains are RSA or P-256; the P-384 key serves VC-JOSE-COSE (ES384) and
    // ecdsa-rdfc-2019 verifiers, who read the key from the DID document.
    keys['P-384'] = makeServiceKey(
      {
        kind: 'P-384',
        publicKey,
        publicJwk: publicJwkOf(publicKey),
        publicKeyMultibase: mkP384,
        alg: defaultAlgorithm('P-384'),
        jwkVerificationMethodId: fragment(F.jwkP384),
        multikeyVerificationMethodId: fragment(F.multikeyP384),
      },
      p384,
      didKeyIdentity(mkP384).verificationMethodId,
    );
  }
  let mkP521: string | undefined;
  if (p521 !== undefined) {
    const publicKey = createPublicKey(p521);
    mkP521 = publicKeyToMultikey(publicKey);
    // JOSE only: ecdsa-rdfc-2019 is defined for P-256 and P-384, so the P-521 key has no Multikey
    // method in the did:web document (its did:key is a Multikey, read by ES512 verifiers as a JWK),
    // and no X.509 chain (as P-384).
    keys['P-521'] = makeServiceKey(
      {
        kind: 'P-521',
        publicKey,
        publicJwk: publicJwkOf(publicKey),
        publicKeyMultibase: mkP521,
        alg: defaultAlgorithm('P-521'),
        jwkVerificationMethodId: fragment(F.jwkP521),
      },
      p521,
      didKeyIdentity(mkP521).verificationMethodId,
    );
  }
  const held = keys as Record<Exclude<KeyKind, 'P-384' | 'P-521'>, ServiceKey> & Partial<Record<'P-384' | 'P-521', ServiceKey>>;

  const x5uPath = { RSA: 'rsa.pem', 'P-256': 'p256.pem' } as const;
  const jwkMethod = (key: ServiceKey): VerificationMethod => {
    const publicKeyJwk: VerificationMethod['publicKeyJwk'] = { ...key.publicJwk, alg: key.alg };
    if ((key.kind === 'RSA' || key.kind === 'P-256') && key.x5c !== undefined) {
      // Gaia-X resolves the chain through x5u; x5c carries the same chain for verifiers that do not fetch.
      publicKeyJwk.x5u = `${baseUrl}/.well-known/x509/${x5uPath[key.kind]}`;
      publicKeyJwk.x5c = [...key.x5c];
    }
    return { id: key.jwkVerificationMethodId, type: 'JsonWebKey2020', controller: did, publicKeyJwk };
  };
  const jsonWebKeyTwin = (method: VerificationMethod): VerificationMethod => ({
    ...structuredClone(method),
    id: method.id + JSON_WEB_KEY_TWIN_SUFFIX,
    type: 'JsonWebKey',
  });
  const jwkMethods = [jwkMethod(held.Ed25519), jwkMethod(held['P-256']), jwkMethod(held.RSA)];
  const methods: VerificationMethod[] = [
    ...jwkMethods,
    ...jwkMethods.map(jsonWebKeyTwin),
    { id: fragment(F.multikeyEd25519), type: 'Multikey', controller: did, publicKeyMultibase: mkEd },
    { id: fragment(F.multikeyP256), type: 'Multikey', controller: did, publicKeyMultibase: mkP256 },
    // Ed25519VerificationKey2020 uses the same multicodec-prefixed base58btc encoding as Multikey.
    { id: fragment(F.ed25519VerificationKey2020), type: 'Ed25519VerificationKey2020', controller: did, publicKeyMultibase: mkEd },
  ];
  if (held['P-384'] !== undefined && mkP384 !== undefined) {
    // After the others, so every method published before keeps its place in the document.
    const p384Jwk = jwkMethod(held['P-384']);
    methods.push(p384Jwk, jsonWebKeyTwin(p384Jwk), { id: fragment(F.multikeyP384), type: 'Multikey', controller: did, publicKeyMultibase: mkP384 });
  }
  if (held['P-521'] !== undefined) {
    // Last, for the same reason; with or without the P-384 methods before it.
    const p521Jwk = jwkMethod(held['P-521']);
    methods.push(p521Jwk, jsonWebKeyTwin(p521Jwk));
  }
  let bbsKey: BbsServiceKey | undefined;
  if (bls12381 !== undefined) {
    const signingKey = bbsSigningKeyOf(bls12381.publicKeyMultibase, bls12381.secretKeyMultibase, options.bbsQueue);
    const multikeyVerificationMethodId = fragment(F.multikeyBls12381);
    const didKey = didKeyIdentity(bls12381.publicKeyMultibase);
    // Only the two methods that publish this very key.
    const own = new Set([multikeyVerificationMethodId, didKey.verificationMethodId]);
    bbsKey = Object.freeze({
      kind: 'Bls12381G2',
      publicKeyMultibase: bls12381.publicKeyMultibase,
      multikeyVerificationMethodId,
      didKey,
      signer(kid = multikeyVerificationMethodId, lane?: BbsSignatureLane) {
        if (!own.has(kid)) throw new GxTrustError('INVALID_INPUT', `${kid} is not a verification method of the service's BLS12-381 key`);
        return signingKey.signer(kid, lane);
      },
    });
    // Last of all, so every method published before keeps its place; a Multikey only (bbs-2023
    // reads no other form, and no JOSE algorithm takes the key).
    methods.push({ id: multikeyVerificationMethodId, type: 'Multikey', controller: did, publicKeyMultibase: bls12381.publicKeyMultibase });
  }
  const document: DidDocument = {
    '@context': [...DID_DOCUMENT_CONTEXT],
    id: did,
    verificationMethod: methods,
    assertionMethod: methods.map((m) => m.id),
    authentication: methods.map((m) => m.id),
  };
  const didKeys: Partial<Record<DidKeyKind, DidKeyIdentity>> = { Ed25519: didKeyIdentity(mkEd), 'P-256': didKeyIdentity(mkP256) };
  if (mkP384 !== undefined) didKeys['P-384'] = didKeyIdentity(mkP384);
  if (mkP521 !== undefined) didKeys['P-521'] = didKeyIdentity(mkP521);
  const kinds = Object.freeze((['Ed25519', 'P-256', 'P-384', 'P-521', 'RSA'] as const).filter((kind) => keys[kind] !== undefined));

  const keyring: Keyring = {
    did,
    baseUrl,
    kinds,
    key(kind) {
      const key = keys[kind];
      if (key === undefined) throw new GxTrustError('INVALID_INPUT', `this service holds no ${String(kind)} key`, { hint: missingKeyHint(kind) });
      return key;
    },
    didDocument: () => structuredClone(document),
    didKey(kind) {
      const identity = didKeys[kind];
      if (identity === undefined) throw new GxTrustError('INVALID_INPUT', `this service has no did:key for ${String(kind)} keys`, { hint: missingKeyHint(kind) });
      return structuredClone(identity);
    },
    bbsKey: () => (bbsKey === undefined ? undefined : { ...bbsKey, didKey: structuredClone(bbsKey.didKey) }),
    didKeys: () => (['Ed25519', 'P-256', 'P-384', 'P-521'] as const).flatMap((kind) => (didKeys[kind] === undefined ? [] : [{ kind, did: didKeys[kind].did }])),
    certificateChainPem: (kind) => chains[kind],
    trustAnchorsPem: () => [...anchors],
  };
  return Object.freeze(keyring);
}
