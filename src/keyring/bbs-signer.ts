/**
 * The keyring's BLS12-381 G2 key as a signer of bbs-2023 base proofs (BBS-BLS12-381-SHA-256). It
 * signs nothing else (src/algorithms ties BLS12-381 keys to bbs-2023 and bbs-2023 to them), and its
 * secret key leaves src/keyring for one place only: the signing thread (bbs-thread.ts), started on
 * the first signature, so the ~140 ms of CPU each BBS signature costs is spent off the event loop.
 * @see https://www.w3.org/TR/vc-di-bbs/#create-base-proof-bbs-2023
 */
import { Worker } from 'node:worker_threads';
import { base58btcDecode } from '../dids/multikey.js';
import { GxTrustError } from '../errors.js';

/** The BBS ciphersuite of bbs-2023 (VC DI BBS §3.3.1: BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_H2G_HM2S_). */
export const BBS_ALGORITHM = 'BBS-BLS12-381-SHA-256';

/** Signs bbs-2023 base proofs as one verification method. */
export interface BbsSigner {
  /** The verification method a verifier finds the key at. */
  readonly kid: string;
  readonly keyKind: 'Bls12381G2';
  readonly algorithm: typeof BBS_ALGORITHM;
  /** `zUC7...`: multicodec bls12_381-g2-pub (0xeb01) and the 96-byte compressed G2 point. */
  readonly publicKeyMultibase: string;
  /** The 96 bytes a base proofValue carries, so a holder can derive without resolving the key. */
  readonly publicKey: Uint8Array;
  /** One BBS signature over `header` and `messages` (the bbs-2023 library's `multisign`). */
  multisign(input: { header: Uint8Array; messages: Uint8Array[] }): Promise<Uint8Array>;
}

/**
 * Whose signature waits where. 'issuance' (bbs-2023 credentials callers ask for) waits in the
 * bounded queue and is refused past it; 'status-lists' (the service re-signing its own lists) goes
 * ahead of every waiting issuance and is never refused: a verifier's status check reads the list,
 * so shedding it would turn an issuance burst into a verification outage. It needs no bound of its
 * own here, since the status-list publisher re-signs one list at a time (at most one signature per
 * BLS12-381 list waits).
 */
export type BbsSignatureLane = 'issuance' | 'status-lists';

export interface BbsSigningKey {
  readonly keyKind: 'Bls12381G2';
  readonly publicKeyMultibase: string;
  /** `lane` defaults to 'issuance'. */
  signer(kid: string, lane?: BbsSignatureLane): BbsSigner;
}

type Pending = { id: number; header: Uint8Array; messages: Uint8Array[]; resolve: (signature: Uint8Array) => void; reject: (error: Error) => void; queuedAt: number };

/** Told of the signing queue's state (src/observability/metrics.ts turns these into gx_bbs_* metrics). */
export interface BbsQueueObserver {
  /** Signatures waiting behind the one being made (both lanes), after every change. */
  queued?(depth: number): void;
  /** How long a signature waited before the thread began it. */
  waited?(seconds: number): void;
  /** A signature refused at once because the queue was full (SIGNER_BUSY). */
  shed?(): void;
}

export interface BbsQueueOptions {
  /** Most issuance signatures waiting behind the one being made; past it one is refused at once with SIGNER_BUSY. Default 32. Status-list signatures are not counted. */
  maxQueued?: number;
  observer?: BbsQueueObserver;
}

export const DEFAULT_BBS_QUEUE_MAX = 32;

/**
 * Compiled (dist/), the thread is bbs-thread.js beside this file; from source it starts as plain
 * Node and cannot load bbs-thread.ts, so bbs-thread-entry.mjs registers tsx first (as src/workers).
 */
const THREAD_FILE = new URL(import.meta.url.endsWith('.ts') ? './bbs-thread-entry.mjs' : './bbs-thread.js', import.meta.url);

/** The G2 point of a `zUC7...` Multikey: what follows its two-byte multicodec header. */
export function bls12381G2PublicKeyBytes(publicKeyMultibase: string): Uint8Array {
  const bytes = base58btcDecode(publicKeyMultibase.slice(1));
  if (!publicKeyMultibase.startsWith('z') || bytes.length !== 98 || bytes[0] !== 0xeb || bytes[1] !== 0x01) {
    throw new GxTrustError('KEYS_UNAVAILABLE', 'the BLS12-381 key is not a G2 Multikey (zUC7...)');
  }
  return bytes.slice(2);
}

/**
 * The BbsSigningKey over a key pair the keyring has loaded. One thread signs, one signature at a
 * time; it holds the process open only while a signature is pending (a CLI run ends when it is done).
 *
 * The queue in front of it is bounded: at 7-30 signatures a second, an unbounded queue let a burst
 * of bbs-2023 issuances make every later one wait for all of them. Past `maxQueued` issuances
 * waiting, one is refused at once (503 SIGNER_BUSY with Retry-After), before anything is recorded.
 * The queue is kept here, not in the thread (which is handed one signature at a time), so that a
 * status-list signature can overtake the issuances waiting.
 */
export function bbsSigningKeyOf(publicKeyMultibase: string, secretKeyMultibase: string, queue: BbsQueueOptions = {}): BbsSigningKey {
  const publicKey = bls12381G2PublicKeyBytes(publicKeyMultibase);
  const maxQueued = queue.maxQueued ?? DEFAULT_BBS_QUEUE_MAX;
  const observer = queue.observer ?? {};
  let thread: Worker | undefined;
  let nextId = 0;
  // The signature the thread is making, and when it was handed over.
  let signing: { pending: Pending; postedAt: number } | undefined;
  const waiting: Record<BbsSignatureLane, Pending[]> = { 'status-lists': [], issuance: [] };
  // Seconds one signature takes on the thread (moving average), for the Retry-After of a refusal.
  let secondsPerSignature = 0.1;

  const depth = (): number => waiting['status-lists'].length + waiting.issuance.length;
  const failAll = (error: Error) => {
    const failed = [...(signing === undefined ? [] : [signing.pending]), ...waiting['status-lists'].splice(0), ...waiting.issuance.splice(0)];
    signing = undefined;
    for (const { reject } of failed) reject(error);
    observer.queued?.(0);
  };

  const started = (): Worker => {
    if (thread !== undefined) return thread;
    const worker = new Worker(THREAD_FILE, { workerData: { publicKeyMultibase, secretKeyMultibase } });
    worker.on('message', (message: { id?: number; signature?: Uint8Array; error?: string }) => {
      if (message.id === undefined || signing === undefined || message.id !== signing.pending.id) return;
      const { pending, postedAt } = signing;
      signing = undefined;
      secondsPerSignature = 0.8 * secondsPerSignature + 0.2 * ((performance.now() - postedAt) / 1000);
      next();
      if (message.signature !== undefined) pending.resolve(new Uint8Array(message.signature));
      else pending.reject(new GxTrustError('INTERNAL', `the BBS signature failed: ${message.error ?? 'no reason given'}`));
    });
    // A thread that failed or ended is replaced on the next signature; what it had pending fails now.
    worker.on('error', (error) => {
      thread = undefined;
      failAll(new GxTrustError('INTERNAL', `the BBS signing thread failed: ${error.message}`, { cause: error }));
    });
    worker.on('exit', () => {
      thread = undefined;
      failAll(new GxTrustError('INTERNAL', 'the BBS signing thread ended'));
    });
    thread = worker;
    return worker;
  };

  /** Hands the thread the next signature, a status list's before any issuance, when it is free. */
  function next(): void {
    if (signing === undefined) {
      const pending = waiting['status-lists'].shift() ?? waiting.issuance.shift();
      if (pending !== undefined) {
        let worker: Worker;
        try {
          worker = started();
        } catch (error) {
          pending.reject(new GxTrustError('INTERNAL', 'the BBS signing thread could not start', { cause: error }));
          next();
          return;
        }
        const postedAt = performance.now();
        signing = { pending, postedAt };
        observer.waited?.((postedAt - pending.queuedAt) / 1000);
        worker.ref();
        worker.postMessage({ id: pending.id, header: pending.header, messages: pending.messages });
      } else {
        thread?.unref();
      }
    }
    observer.queued?.(depth());
  }

  const multisignIn = (lane: BbsSignatureLane) => ({ header, messages }: { header: Uint8Array; messages: Uint8Array[] }): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      if (lane === 'issuance' && signing !== undefined && waiting.issuance.length >= maxQueued) {
        observer.shed?.();
        // When the queue ahead will have drained, at the pace the thread has been signing.
        const retryAfterSeconds = Math.min(60, Math.max(1, Math.ceil((depth() + 1) * secondsPerSignature)));
        reject(new GxTrustError('SIGNER_BUSY', `${waiting.issuance.length} BBS signatures are already waiting for the signing thread`, {
          hint: 'Retry after the number of seconds in Retry-After',
          retryAfterSeconds,
        }));
        return;
      }
      waiting[lane].push({ id: nextId++, header, messages, resolve, reject, queuedAt: performance.now() });
      next();
    });
  const multisign = { issuance: multisignIn('issuance'), 'status-lists': multisignIn('status-lists') };

  const key: BbsSigningKey = {
    keyKind: 'Bls12381G2',
    publicKeyMultibase,
    signer(kid, lane = 'issuance') {
      if (typeof kid !== 'string' || !URL.canParse(kid) || !/#.+$/.test(kid)) {
        throw new GxTrustError('INVALID_INPUT', `a signer's kid must be an absolute URL with a fragment (a DID URL), got ${String(kid)}`);
      }
      return Object.freeze({ kid, keyKind: 'Bls12381G2', algorithm: BBS_ALGORITHM, publicKeyMultibase, publicKey: publicKey.slice(), multisign: multisign[lane] });
    },
  };
  return Object.freeze(key);
}
