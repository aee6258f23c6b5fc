/**
 * The RFC 9162 (Certificate Transparency 2.0) Merkle tree over SHA-256, its inclusion and
 * consistency proofs, and their verifiers. Hashes are raw 32-byte values.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9162#section-2.1
 */
import { createHash } from 'node:crypto';

export type Hash = Uint8Array;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** MTH({}) = SHA-256() — the hash of an empty string. @see RFC 9162 §2.1.1 */
export const EMPTY_ROOT: Hash = createHash('sha256').digest();

/**
 * "MTH({d(0)}) = HASH(0x00 || d(0))": the 0x00 / 0x01 domain separation is what stops a leaf being
 * passed off as an interior node (second-preimage attack, RFC 6962 §2.1).
 */
export function leafHash(entry: Uint8Array | string): Hash {
  const bytes = typeof entry === 'string' ? Buffer.from(entry, 'utf8') : entry;
  return createHash('sha256').update(LEAF_PREFIX).update(bytes).digest();
}

/** "MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))". */
export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** The largest power of two smaller than n (n > 1): the split point k of RFC 9162 §2.1.1. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

function equalHash(a: Hash, b: Hash): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function assertSize(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
}

/**
 * An append-only tree holding every complete, aligned subtree hash (level k holds the hashes of
 * the subtrees of 2^k leaves). Any MTH over a prefix is then O(log n) hashes, and each proof is
 * O(log n) look-ups, so serving proofs on a 100k-entry log never rehashes the leaves.
 */
export class MerkleTree {
  /** levels[0] are the leaf hashes; levels[k][i] = MTH(D[i·2^k : (i+1)·2^k]). */
  private readonly levels: Hash[][] = [[]];

  static fromLeafHashes(hashes: Iterable<Hash>): MerkleTree {
    const tree = new MerkleTree();
    for (const h of hashes) tree.append(h);
    return tree;
  }

  get size(): number {
    return this.levels[0]!.length;
  }

  /** Appends a leaf hash (not the entry: call leafHash first) and returns its index. */
  append(hash: Hash): number {
    if (hash.length !== 32) throw new RangeError('a leaf hash is 32 bytes');
    const index = this.size;
    this.levels[0]!.push(hash);
    let level = 0;
    let position = index;
    // A right child completes its parent: fold upwards while we are the right-hand sibling.
    while (position % 2 === 1) {
      const below = this.levels[level]!;
      const parent = nodeHash(below[position - 1]!, below[position]!);
      level += 1;
      position = (position - 1) / 2;
      (this.levels[level] ??= []).push(parent);
    }
    return index;
  }

  leafHashAt(index: number): Hash {
    const h = this.levels[0]![index];
    if (h === undefined) throw new RangeError(`no leaf ${index}`);
    return h;
  }

  /** MTH(D[0:treeSize]). */
  root(treeSize: number = this.size): Hash {
    assertSize(treeSize, 'treeSize');
    if (treeSize > this.size) throw new RangeError(`tree size ${treeSize} exceeds ${this.size}`);
    if (treeSize === 0) return EMPTY_ROOT;
    return this.subtree(0, treeSize);
  }

  /**
   * MTH(D[start:end]). Every left part the RFC recursion splits off is complete and aligned, so it
   * is a cached level entry; only the ragged right edge is hashed.
   */
  private subtree(start: number, end: number): Hash {
    const n = end - start;
    if (isPowerOfTwo(n) && start % n === 0) {
      const level = Math.log2(n);
      return this.levels[level]![start / n]!;
    }
    const k = split(n);
    return nodeHash(this.subtree(start, start + k), this.subtree(start + k, end));
  }

  /**
   * PATH(m, D[n]), leaf to root.
   * @see https://www.rfc-editor.org/rfc/rfc9162#section-2.1.3.1
   */
  inclusionProof(index: number, treeSize: number = this.size): Hash[] {
    assertSize(index, 'index');
    assertSize(treeSize, 'treeSize');
    if (treeSize > this.size) throw new RangeError(`tree size ${treeSize} exceeds ${this.size}`);
    if (index >= treeSize) throw new RangeError(`index ${index} is not below tree size ${treeSize}`);
    const path: Hash[] = [];
    const walk = (m: number, start: number, end: number): void => {
      const n = end - start;
      if (n === 1) return;
      const k = split(n);
      if (m < k) {
        walk(m, start, start + k);
        path.push(this.subtree(start + k, end));
      } else {
        walk(m - k, start + k, end);
        path.push(this.subtree(start, start + k));
      }
    };
    walk(index, 0, treeSize);
    return path;
  }

  /**
   * PROOF(m, D[n]) = SUBPROOF(m, D[n], true). Empty when m is 0 or m equals n.
   * @see https://www.rfc-editor.org/rfc/rfc9162#section-2.1.4.1
   */
  consistencyProof(first: number, second: number = this.size): Hash[] {
    assertSize(first, 'first');
    assertSize(second, 'second');
    if (second > this.size) throw new RangeError(`tree size ${second} exceeds ${this.size}`);
    if (first > second) throw new RangeError(`first ${first} exceeds second ${second}`);
    if (first === 0 || first === second) return [];
    const proof: Hash[] = [];
    const sub = (m: number, start: number, end: number, whole: boolean): void => {
      const n = end - start;
      if (m === n) {
        if (!whole) proof.push(this.subtree(start, end));
        return;
      }
      const k = split(n);
      if (m <= k) {
        sub(m, start, start + k, whole);
        proof.push(this.subtree(start + k, end));
      } else {
        sub(m - k, start + k, end, false);
        proof.push(this.subtree(start, start + k));
      }
    };
    sub(first, 0, second, true);
    return proof;
  }
}

/** MTH over leaf hashes. */
export function rootHash(leafHashes: readonly Hash[]): Hash {
  return MerkleTree.fromLeafHashes(leafHashes).root();
}

export function inclusionProof(source: readonly Hash[] | MerkleTree, index: number, treeSize: number): Hash[] {
  const tree = source instanceof MerkleTree ? source : MerkleTree.fromLeafHashes(source.slice(0, treeSize));
  return tree.inclusionProof(index, treeSize);
}

export function consistencyProof(source: readonly Hash[] | MerkleTree, first: number, second: number): Hash[] {
  const tree = source instanceof MerkleTree ? source : MerkleTree.fromLeafHashes(source.slice(0, second));
  return tree.consistencyProof(first, second);
}

/**
 * Verifies an inclusion proof with the algorithm of RFC 9162 §2.1.3.2 (no recursion, so a proof
 * whose length does not fit the tree shape fails instead of being padded).
 * @see https://www.rfc-editor.org/rfc/rfc9162#section-2.1.3.2
 */
export function verifyInclusion(
  hash: Hash,
  index: number,
  treeSize: number,
  proof: readonly Hash[],
  root: Hash,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0) return false;
  if (hash.length !== 32 || root.length !== 32) return false;
  // "If leaf_index is greater than or equal to tree_size, then stop and fail."
  if (index >= treeSize) return false;
  // Plain numbers, not 32-bit bitwise operators: sizes may exceed 2^31.
  let fn = index;
  let sn = treeSize - 1;
  let r = hash;
  for (const p of proof) {
    if (p.length !== 32) return false;
    // "If sn is 0, then stop the iteration and fail the proof verification."
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // "Compare sn to 0. Compare r against the root_hash. If sn is equal to 0 and r and the root_hash
  // are equal, then the log has proven the inclusion of hash."
  return sn === 0 && equalHash(r, root);
}

/**
 * Verifies a consistency proof with the algorithm of RFC 9162 §2.1.4.2. Size 0 is consistent
 * with every tree; equal sizes need equal roots and an empty proof.
 * @see https://www.rfc-editor.org/rfc/rfc9162#section-2.1.4.2
 */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Hash,
  secondRoot: Hash,
  proof: readonly Hash[],
): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second) return false;
  if (first === 0) return proof.length === 0;
  if (first === second) return proof.length === 0 && equalHash(firstRoot, secondRoot);
  if (firstRoot.length !== 32 || secondRoot.length !== 32) return false;
  // "If consistency_path is an empty array, stop and fail the proof verification."
  if (proof.length === 0) return false;
  if (proof.some((c) => c.length !== 32)) return false;
  // "If first is an exact power of 2, then prepend first_hash to the consistency_path array."
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  // "If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set."
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return equalHash(fr, firstRoot) && equalHash(sr, secondRoot) && sn === 0;
}
