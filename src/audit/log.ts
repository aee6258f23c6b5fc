/**
 * The audit log: entries whose JCS bytes are the leaves of an RFC 9162 Merkle tree, signed
 * checkpoints over it, whole-log verification and offline evidence bundles.
 *
 * The event timestamp lives inside the leaf: Rekor v1 kept `integratedTime` outside its leaves and
 * it was "mutable in Rekor without detection" (docs.sigstore.dev/cosign/verifying/timestamps).
 */
import { canonicalJson } from '../jcs.js';
import { GxTrustError } from '../errors.js';
import type { SignedCheckpoint, StoredAuditEntry } from '../storage/records.js';
import { MerkleTree, leafHash, verifyConsistency, verifyInclusion, type Hash } from './merkle.js';

export type { SignedCheckpoint, StoredAuditEntry };

export type AuditAction =
  | 'credential.issued'
  | 'credential.status-changed'
  | 'compliance.decided'
  | 'key.changed'
  | 'member.changed'
  | 'authorization.denied'
  | (string & {});

/** One audit event. Its JCS form (RFC 8785) is the Merkle leaf, so any verifier can recompute it. */
export interface AuditEntry {
  /** Position in the log; inside the leaf so that a reordered or renumbered row changes the tree. */
  index: number;
  /** RFC 3339 UTC, as `Date.prototype.toISOString` writes it. */
  timestamp: string;
  /** Who: a member id or an API key id. */
  actor: string;
  action: AuditAction;
  /** What it is about, e.g. a credential id. */
  subject: string;
  /** Digests of the records the event concerns, e.g. `{ credential: 'sha256:...' }`. */
  digests: Record<string, string>;
  details?: Record<string, unknown>;
}

/** An entry before the store assigns its index and timestamp. */
export type AuditEntryInput = Omit<AuditEntry, 'index' | 'timestamp'>;

/** An entry as stored: the exact leaf bytes (JCS text) and the hash the store computed. */
export type SignCheckpoint = (bytes: Uint8Array) => Promise<{ keyId: string; signature: string }>;
export type VerifyCheckpointSignature = (checkpoint: SignedCheckpoint, signedBytes: Uint8Array) => Promise<boolean>;

/** The origin line naming this log in the signed checkpoint body. */
export const CHECKPOINT_ORIGIN = 'gx-trust audit log';

const jcs = canonicalJson;

/** The leaf bytes of an entry: its RFC 8785 canonical JSON, without undefined members. */
export function encodeAuditEntry(entry: AuditEntry): string {
  const { index, timestamp, actor, action, subject, digests, details } = entry;
  // Only the named members: an extra property on the caller's object must not slip into the leaf.
  const leaf = { index, timestamp, actor, action, subject, digests };
  return jcs(details === undefined ? leaf : { ...leaf, details });
}

export function auditLeafHash(entry: AuditEntry | string): Hash {
  return leafHash(typeof entry === 'string' ? entry : encodeAuditEntry(entry));
}

/** What the store writes for an entry it has placed: the leaf and its hash in hex (RecordCodecs.auditLeaf). */
export function auditLeaf(entry: AuditEntry): { leaf: string; leafHash: string } {
  const leaf = encodeAuditEntry(entry);
  return { leaf, leafHash: Buffer.from(leafHash(leaf)).toString('hex') };
}

/**
 * The signed body, in the shape of a C2SP tlog checkpoint (origin, size, base64 root) with the
 * time as an extension line, so the signature binds all three and nothing else.
 * @see https://github.com/C2SP/C2SP/blob/main/tlog-checkpoint.md
 */
export function checkpointSignedBytes(checkpoint: Pick<SignedCheckpoint, 'treeSize' | 'rootHash' | 'timestamp'>): Uint8Array {
  return Buffer.from(
    `${CHECKPOINT_ORIGIN}\n${checkpoint.treeSize}\n${checkpoint.rootHash}\n${checkpoint.timestamp}\n`,
    'utf8',
  );
}

export async function createCheckpoint(options: {
  tree: MerkleTree;
  treeSize?: number;
  now: Date;
  sign: SignCheckpoint;
}): Promise<SignedCheckpoint> {
  const treeSize = options.treeSize ?? options.tree.size;
  const body = {
    treeSize,
    rootHash: Buffer.from(options.tree.root(treeSize)).toString('base64'),
    timestamp: options.now.toISOString(),
  };
  const { keyId, signature } = await options.sign(checkpointSignedBytes(body));
  return { ...body, keyId, signature };
}

/** The minimal read side of a store that a tree needs; `Store` satisfies it. */
export interface AuditSource {
  auditSize(): Promise<number>;
  auditEntries(from: number, to: number): Promise<StoredAuditEntry[]>;
}

/**
 * Keeps an in-memory tree in step with the stored log, reading only new rows on each sync, so
 * proofs for a large log cost look-ups, not a rebuild. The stored leaf hashes are trusted here
 * (this serves proofs); `verifyAuditLog` is the path that trusts nothing.
 */
export async function syncAuditTree(tree: MerkleTree, source: AuditSource, pageSize = 10_000): Promise<MerkleTree> {
  const size = await source.auditSize();
  while (tree.size < size) {
    const rows = await source.auditEntries(tree.size, Math.min(size, tree.size + pageSize));
    if (rows.length === 0) break;
    for (const row of rows) {
      if (row.index !== tree.size) throw new GxTrustError('INTERNAL', `Audit log has a gap at index ${tree.size}`);
      tree.append(Buffer.from(row.leafHash, 'hex'));
    }
  }
  return tree;
}

export interface AuditProblem {
  index?: number;
  treeSize?: number;
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  /** The first index the log cannot vouch for; absent when ok. */
  firstBadIndex?: number;
  /** Entries checked and found consistent with every checkpoint. */
  treeSize: number;
  /** The largest tree size a good signed checkpoint (stored or kept) covers. */
  signedTreeSize: number;
  /**
   * Entries after `signedTreeSize`: no signature covers them yet, so nothing could reveal their
   * removal or rewriting (the checkpointer signs every GX_CHECKPOINT_EVERY_* entries or seconds).
   */
  unsignedEntries: number;
  problems: AuditProblem[];
}

interface ParsedLeaf {
  entry: AuditEntry | undefined;
  problem: string | undefined;
}

function parseLeaf(leaf: string): ParsedLeaf {
  let value: unknown;
  try {
    value = JSON.parse(leaf);
  } catch {
    return { entry: undefined, problem: 'the leaf is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { entry: undefined, problem: 'the leaf is not a JSON object' };
  }
  const e = value as Record<string, unknown>;
  if (
    typeof e['index'] !== 'number' ||
    typeof e['timestamp'] !== 'string' ||
    typeof e['actor'] !== 'string' ||
    typeof e['action'] !== 'string' ||
    typeof e['subject'] !== 'string' ||
    typeof e['digests'] !== 'object' ||
    e['digests'] === null
  ) {
    return { entry: undefined, problem: 'the leaf lacks index, timestamp, actor, action, subject or digests' };
  }
  if (Number.isNaN(Date.parse(e['timestamp']))) return { entry: undefined, problem: 'the timestamp is not RFC 3339' };
  // A verifier recomputes the leaf from the entry: bytes that are not the JCS form would hash
  // differently in their hands.
  if (jcs(value) !== leaf) return { entry: undefined, problem: 'the leaf is not in RFC 8785 canonical form' };
  return { entry: value as AuditEntry, problem: undefined };
}

function fromBase64(text: string): Hash {
  return Buffer.from(text, 'base64');
}

/**
 * Recomputes the whole tree from the stored rows and checks, in order: every row's leaf (canonical,
 * its own index equal to its position, its stored hash), timestamps never decreasing, every stored
 * checkpoint's signature and root, and the kept checkpoint an auditor holds (signature, root and
 * an RFC 9162 consistency proof to the newest checkpoint). Tail truncation is only detectable
 * against a checkpoint: a bare list of rows cannot know it lost its end.
 *
 * `firstBadIndex` is exact for damage visible in a row (hash, index, order, time, form). Damage
 * only a checkpoint reveals (a leaf rewritten together with its hash) cannot be pinned to a row,
 * since a root is one hash: `firstBadIndex` is then the first index no good checkpoint vouches
 * for. Signing checkpoints often narrows that range.
 */
export async function verifyAuditLog(options: {
  entries: readonly StoredAuditEntry[];
  checkpoints: readonly SignedCheckpoint[];
  keptCheckpoint?: SignedCheckpoint;
  verifySignature: VerifyCheckpointSignature;
  /**
   * Entries no good checkpoint covers are a problem (the auditor asked for a log wholly vouched
   * for). They are not damage, so `firstBadIndex` points at them only when nothing else is wrong.
   */
  requireSignedTail?: boolean;
}): Promise<AuditVerification> {
  const problems: AuditProblem[] = [];
  let firstBad = Number.POSITIVE_INFINITY;
  const bad = (index: number, message: string, treeSize?: number): void => {
    firstBad = Math.min(firstBad, index);
    problems.push(treeSize === undefined ? { index, message } : { index, treeSize, message });
  };

  const tree = new MerkleTree();
  let previousTime = Number.NEGATIVE_INFINITY;
  for (const [position, row] of options.entries.entries()) {
    if (row.index !== position) bad(position, `row ${position} carries index ${row.index}: a row is missing or moved`);
    const { entry, problem } = parseLeaf(row.leaf);
    if (entry === undefined) {
      bad(position, problem ?? 'the leaf is malformed');
    } else {
      if (entry.index !== position) bad(position, `the leaf at position ${position} says index ${entry.index}`);
      const columns = row.columns;
      if (columns !== undefined) {
        // A subject column edited behind the tree's back would hide an entry from the evidence of
        // its credential, or lend it to another, while every hash still matches.
        if (columns.subject !== entry.subject) bad(position, `the subject column says ${JSON.stringify(columns.subject)}, the leaf ${JSON.stringify(entry.subject)}`);
        if (columns.actor !== undefined && columns.actor !== entry.actor) bad(position, `the actor column says ${JSON.stringify(columns.actor)}, the leaf ${JSON.stringify(entry.actor)}`);
        if (columns.action !== entry.action) bad(position, `the action column says ${JSON.stringify(columns.action)}, the leaf ${JSON.stringify(entry.action)}`);
        if (Date.parse(columns.createdAt) !== Date.parse(entry.timestamp)) {
          bad(position, `the created_at column says ${columns.createdAt}, the leaf ${entry.timestamp}`);
        }
      }
      const time = Date.parse(entry.timestamp);
      if (time < previousTime) bad(position, `timestamp ${entry.timestamp} is earlier than the entry before it`);
      previousTime = Math.max(previousTime, time);
    }
    const hash = leafHash(row.leaf);
    if (Buffer.from(hash).toString('hex') !== row.leafHash) bad(position, 'the stored leaf hash does not match the leaf');
    tree.append(hash);
  }

  const checkpoints = [...options.checkpoints].sort((a, b) => a.treeSize - b.treeSize);
  const goodSizes: number[] = [0];
  // The last size a good checkpoint vouches for, at or below `size`.
  const vouchedBelow = (size: number): number => Math.max(...goodSizes.filter((s) => s <= size));
  const rowProblems = problems.map((p) => p.index ?? 0);
  const report = (problem: CheckpointProblem, checkpoint: SignedCheckpoint, prefix = ''): void => {
    if (problem.kind === 'truncated') {
      bad(tree.size, prefix + problem.message, checkpoint.treeSize);
      return;
    }
    // A root only says "something below treeSize changed". A damaged row in the range no good
    // checkpoint vouches for explains it exactly; otherwise the start of that range is the best bound.
    const from = Math.min(vouchedBelow(checkpoint.treeSize), tree.size);
    const explained = rowProblems.some((i) => i >= from && i < checkpoint.treeSize);
    const message = prefix + problem.message;
    if (explained) problems.push({ index: from, treeSize: checkpoint.treeSize, message });
    else bad(from, message, checkpoint.treeSize);
  };
  for (const checkpoint of checkpoints) {
    const problem = await checkCheckpoint(checkpoint, tree, options.verifySignature);
    if (problem === undefined) goodSizes.push(checkpoint.treeSize);
    else report(problem, checkpoint);
  }

  const kept = options.keptCheckpoint;
  if (kept !== undefined) {
    const problem = await checkCheckpoint(kept, tree, options.verifySignature);
    if (problem !== undefined) {
      report(problem, kept, 'kept checkpoint: ');
    } else {
      goodSizes.push(kept.treeSize);
      // The kept checkpoint must be a prefix of what the log now signs: prove it as an auditor would.
      const newest = checkpoints.at(-1);
      if (newest !== undefined && newest.treeSize >= kept.treeSize && newest.treeSize <= tree.size) {
        const proof = tree.consistencyProof(kept.treeSize, newest.treeSize);
        if (!verifyConsistency(kept.treeSize, newest.treeSize, fromBase64(kept.rootHash), fromBase64(newest.rootHash), proof)) {
          bad(kept.treeSize, 'the newest checkpoint is not consistent with the kept checkpoint', newest.treeSize);
        }
      } else if (newest !== undefined && newest.treeSize < kept.treeSize) {
        bad(newest.treeSize, `the newest stored checkpoint (${newest.treeSize}) is older than the kept one (${kept.treeSize})`);
      }
    }
  }

  const signedTreeSize = Math.min(Math.max(...goodSizes), tree.size);
  const unsignedEntries = tree.size - signedTreeSize;
  if (options.requireSignedTail === true && unsignedEntries > 0) {
    problems.push({
      index: signedTreeSize,
      message: `${unsignedEntries} entries from index ${signedTreeSize} on are covered by no signed checkpoint: their removal could not be seen (sign one with \`gx-trust audit checkpoint\`)`,
    });
    if (firstBad === Number.POSITIVE_INFINITY) firstBad = signedTreeSize;
  }
  const ok = problems.length === 0;
  return ok
    ? { ok, treeSize: tree.size, signedTreeSize, unsignedEntries, problems }
    : { ok, firstBadIndex: firstBad, treeSize: tree.size, signedTreeSize, unsignedEntries, problems };
}

interface CheckpointProblem {
  kind: 'signature' | 'truncated' | 'root';
  message: string;
}

async function checkCheckpoint(
  checkpoint: SignedCheckpoint,
  tree: MerkleTree,
  verifySignature: VerifyCheckpointSignature,
): Promise<CheckpointProblem | undefined> {
  let signed = false;
  try {
    signed = await verifySignature(checkpoint, checkpointSignedBytes(checkpoint));
  } catch {
    signed = false;
  }
  if (!signed) return { kind: 'signature', message: `the signature of checkpoint ${checkpoint.treeSize} does not verify` };
  if (!Number.isSafeInteger(checkpoint.treeSize) || checkpoint.treeSize < 0) {
    return { kind: 'root', message: 'the checkpoint tree size is not a non-negative integer' };
  }
  if (checkpoint.treeSize > tree.size) {
    return {
      kind: 'truncated',
      message: `checkpoint ${checkpoint.treeSize} covers entries the log no longer holds (it has ${tree.size}): the tail was truncated`,
    };
  }
  const root = Buffer.from(tree.root(checkpoint.treeSize)).toString('base64');
  if (root !== checkpoint.rootHash) {
    return { kind: 'root', message: `the recomputed root of size ${checkpoint.treeSize} differs from the signed one` };
  }
  return undefined;
}

/** Offline evidence: entries, their inclusion proofs and the signed checkpoint they lead to. */
export interface AuditEvidence {
  entries: AuditEntry[];
  inclusionProofs: { index: number; treeSize: number; hashes: string[] }[];
  checkpoint: SignedCheckpoint;
}

export function buildEvidence(options: {
  tree: MerkleTree;
  entries: readonly StoredAuditEntry[];
  checkpoint: SignedCheckpoint;
}): AuditEvidence {
  const { tree, checkpoint } = options;
  if (checkpoint.treeSize > tree.size) {
    throw new GxTrustError('INTERNAL', `Checkpoint ${checkpoint.treeSize} is ahead of the tree (${tree.size})`);
  }
  const entries: AuditEntry[] = [];
  const inclusionProofs: AuditEvidence['inclusionProofs'] = [];
  for (const row of options.entries) {
    if (row.index >= checkpoint.treeSize) continue;
    entries.push(JSON.parse(row.leaf) as AuditEntry);
    inclusionProofs.push({
      index: row.index,
      treeSize: checkpoint.treeSize,
      hashes: tree.inclusionProof(row.index, checkpoint.treeSize).map((h) => Buffer.from(h).toString('base64')),
    });
  }
  return { entries, inclusionProofs, checkpoint };
}

/** Checks an evidence bundle with nothing but the bundle and the checkpoint key: no database. */
export async function verifyEvidence(
  bundle: AuditEvidence,
  verifySignature: VerifyCheckpointSignature,
): Promise<{ ok: boolean; problems: AuditProblem[] }> {
  const problems: AuditProblem[] = [];
  const { checkpoint } = bundle;
  let signed = false;
  try {
    signed = await verifySignature(checkpoint, checkpointSignedBytes(checkpoint));
  } catch {
    signed = false;
  }
  if (!signed) problems.push({ treeSize: checkpoint.treeSize, message: 'the checkpoint signature does not verify' });
  if (bundle.entries.length !== bundle.inclusionProofs.length) {
    problems.push({ message: 'every entry needs exactly one inclusion proof' });
  }
  const root = fromBase64(checkpoint.rootHash);
  for (const [i, entry] of bundle.entries.entries()) {
    const proof = bundle.inclusionProofs[i];
    if (proof === undefined) continue;
    if (proof.index !== entry.index || proof.treeSize !== checkpoint.treeSize) {
      problems.push({ index: entry.index, message: 'the proof is for another index or tree size' });
      continue;
    }
    let hash: Hash;
    try {
      hash = auditLeafHash(entry);
    } catch {
      problems.push({ index: entry.index, message: 'the entry has no canonical form' });
      continue;
    }
    if (!verifyInclusion(hash, entry.index, checkpoint.treeSize, proof.hashes.map(fromBase64), root)) {
      problems.push({ index: entry.index, message: 'the entry is not included in the signed tree' });
    }
  }
  return { ok: problems.length === 0, problems };
}
