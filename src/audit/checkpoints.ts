/**
 * Signed checkpoints over the audit tree, and the in-memory tree that serves proofs.
 *
 * A checkpoint is signed with the service's Ed25519 key and names its verification method, so an
 * auditor checks it against the service's DID document (old methods stay there after a rotation).
 * The checkpointer signs when the tree has grown: on demand, every N entries and every T seconds.
 * Replicas may each sign one of the same size; `putCheckpoint` keeps the first, so every replica
 * hands out the same checkpoint for a size.
 * @see https://www.rfc-editor.org/rfc/rfc9162#section-4.10 (signed tree heads)
 * @see https://github.com/C2SP/C2SP/blob/main/tlog-checkpoint.md
 */
import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { systemClock, type Clock } from '../clock.js';
import { verificationMethodJwk } from '../dids/multikey.js';
import type { DidDocument, VerificationMethod } from '../dids/types.js';
import type { Keyring } from '../keyring/index.js';
import type { AuditRepository } from '../storage/repositories.js';
import { createCheckpoint, syncAuditTree, type SignCheckpoint, type SignedCheckpoint, type VerifyCheckpointSignature } from './log.js';
import { MerkleTree } from './merkle.js';

export interface CheckpointSigner {
  /** The verification method id of the signing key (`did:web:...#<multikey>`). */
  keyId: string;
  sign: SignCheckpoint;
  /** The public method an offline verifier needs, taken from the service's DID document. */
  verificationMethod: VerificationMethod;
}

/** Signs with the service's Ed25519 key (pure EdDSA, RFC 8032) under its Multikey method id. */
export function ed25519CheckpointSigner(keyring: Keyring): CheckpointSigner {
  const key = keyring.key('Ed25519');
  const keyId = key.multikeyVerificationMethodId ?? key.jwkVerificationMethodId;
  const signer = key.signer(keyId);
  const verificationMethod = keyring.didDocument().verificationMethod?.find((m) => m.id === keyId);
  if (verificationMethod === undefined) throw new Error(`the DID document lacks the checkpoint key ${keyId}`);
  return {
    keyId,
    verificationMethod,
    sign: async (bytes) => ({ keyId, signature: Buffer.from(await signer.sign(bytes)).toString('base64') }),
  };
}

function ed25519KeyOf(method: VerificationMethod): KeyObject | undefined {
  let jwk: JWK;
  try {
    jwk = verificationMethodJwk(method);
  } catch {
    return undefined;
  }
  // Only Ed25519 signs checkpoints: any other key type named by a checkpoint is a failure, not a
  // fallback to another algorithm.
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') return undefined;
  return createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
}

/**
 * Verifies checkpoint signatures with the methods of a DID document (or a bare list of methods),
 * matching the checkpoint's `keyId` exactly. A method marked `revoked` before the checkpoint's time
 * does not vouch for it.
 */
export function checkpointVerifier(source: DidDocument | readonly VerificationMethod[]): VerifyCheckpointSignature {
  const methods = Array.isArray(source) ? (source as readonly VerificationMethod[]) : ((source as DidDocument).verificationMethod ?? []);
  const keys = new Map<string, { key: KeyObject; revoked: string | undefined }>();
  for (const method of methods) {
    const key = ed25519KeyOf(method);
    if (key !== undefined) keys.set(method.id, { key, revoked: typeof method.revoked === 'string' ? method.revoked : undefined });
  }
  return async (checkpoint, signedBytes) => {
    const known = keys.get(checkpoint.keyId);
    if (known === undefined || typeof checkpoint.signature !== 'string') return false;
    if (known.revoked !== undefined && Date.parse(checkpoint.timestamp) >= Date.parse(known.revoked)) return false;
    const signature = Buffer.from(checkpoint.signature, 'base64');
    if (signature.length !== 64) return false;
    return cryptoVerify(null, signedBytes, known.key, signature);
  };
}

export interface CheckpointPolicy {
  /** Sign once the tree has grown by this many entries since the last checkpoint. */
  everyEntries: number;
  /** Sign when the tree has grown and the last checkpoint is this old. */
  everySeconds: number;
}

export interface Checkpointer {
  /** The in-memory tree, synced from the store; call `sync()` before reading it. */
  readonly tree: MerkleTree;
  /** Reads the rows other processes appended since the last sync. */
  sync(): Promise<MerkleTree>;
  /** A signed checkpoint of the current tree: the stored one when the tree has not grown since. */
  latest(): Promise<SignedCheckpoint>;
  /** Signs when the policy says so; returns the new checkpoint or undefined. */
  tick(): Promise<SignedCheckpoint | undefined>;
  /** Starts the timer that applies the policy; `stop()` ends it and waits for a tick in flight. */
  start(): void;
  stop(): Promise<void>;
}

export function createCheckpointer(options: {
  store: AuditRepository;
  signer: CheckpointSigner;
  policy: CheckpointPolicy;
  clock?: Clock;
  /** How often the timer looks at the log size; at most `everySeconds`. */
  pollMs?: number;
  onError?: (error: unknown) => void;
}): Checkpointer {
  const { store, signer, policy } = options;
  const clock = options.clock ?? systemClock;
  const tree = new MerkleTree();
  // One sync at a time: two concurrent syncs would append the same rows twice.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> | undefined;

  const sync = (): Promise<MerkleTree> => serial(() => syncAuditTree(tree, store));

  async function signAt(treeSize: number): Promise<SignedCheckpoint> {
    const checkpoint = await createCheckpoint({ tree, treeSize, now: clock(), sign: signer.sign });
    // Another replica may have signed this size first: keep and hand out the stored one.
    return store.putCheckpoint(checkpoint);
  }

  async function latest(): Promise<SignedCheckpoint> {
    return serial(async () => {
      await syncAuditTree(tree, store);
      const stored = await store.latestCheckpoint();
      if (stored !== undefined && stored.treeSize >= tree.size) return stored;
      return signAt(tree.size);
    });
  }

  async function tick(): Promise<SignedCheckpoint | undefined> {
    return serial(async () => {
      await syncAuditTree(tree, store);
      const stored = await store.latestCheckpoint();
      const lastSize = stored?.treeSize ?? 0;
      if (tree.size <= lastSize) return undefined;
      const age = stored === undefined ? Number.POSITIVE_INFINITY : clock().getTime() - Date.parse(stored.timestamp);
      if (tree.size - lastSize >= policy.everyEntries || age >= policy.everySeconds * 1000) return signAt(tree.size);
      return undefined;
    });
  }

  return {
    tree,
    sync,
    latest,
    tick,
    start() {
      if (timer !== undefined) return;
      const pollMs = options.pollMs ?? Math.min(1000, policy.everySeconds * 1000);
      timer = setInterval(() => {
        if (inFlight !== undefined) return;
        inFlight = tick()
          .catch((error: unknown) => options.onError?.(error))
          .finally(() => (inFlight = undefined));
      }, pollMs);
      // The timer must not keep a CLI command or a test process alive.
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await inFlight;
    },
  };
}
