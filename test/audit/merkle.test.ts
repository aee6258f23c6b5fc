import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_ROOT,
  MerkleTree,
  consistencyProof,
  inclusionProof,
  leafHash,
  rootHash,
  verifyConsistency,
  verifyInclusion,
  type Hash,
} from '../../src/audit/merkle.js';

interface Vectors {
  sha256EmptyTreeHash: string;
  leaves: string[];
  roots: string[];
  inclusionProofs: { leaf: number; size: number; proof: string[] }[];
  consistencyProofs: { size1: number; size2: number; proof: string[] }[];
}

const V = JSON.parse(
  readFileSync(new URL('./vectors/transparency-dev-merkle-verify-test.json', import.meta.url), 'utf8'),
) as Vectors;

const unhex = (h: string): Hash => Buffer.from(h, 'hex');
const hex = (b: Hash): string => Buffer.from(b).toString('hex');
const LEAF_HASHES = V.leaves.map((l) => leafHash(unhex(l)));
const rootOfSize = (n: number): Hash => unhex(V.roots[n - 1]!);

function flip(proof: readonly Hash[], i: number): Hash[] {
  return proof.map((p, j) => {
    if (j !== i) return p;
    const copy = Buffer.from(p);
    copy[0]! ^= 8;
    return copy;
  });
}

describe('MerkleTree (RFC 9162 §2.1)', () => {
  it('has SHA-256 of the empty string as the root of the empty tree', () => {
    expect(hex(EMPTY_ROOT)).toBe(V.sha256EmptyTreeHash);
    expect(hex(new MerkleTree().root())).toBe(V.sha256EmptyTreeHash);
  });

  it('matches the published root for every size 1..8 of the reference tree', () => {
    const tree = MerkleTree.fromLeafHashes(LEAF_HASHES);
    for (let n = 1; n <= 8; n++) {
      expect(hex(tree.root(n)), `size ${n}`).toBe(V.roots[n - 1]);
      expect(hex(rootHash(LEAF_HASHES.slice(0, n)))).toBe(V.roots[n - 1]);
    }
  });

  it.each(V.inclusionProofs)('produces the published inclusion proof for leaf $leaf of $size', (v) => {
    const proof = inclusionProof(LEAF_HASHES, v.leaf - 1, v.size);
    expect(proof.map(hex)).toEqual(v.proof);
  });

  it.each(V.consistencyProofs)('produces the published consistency proof $size1 -> $size2', (v) => {
    expect(consistencyProof(LEAF_HASHES, v.size1, v.size2).map(hex)).toEqual(v.proof);
  });
});

describe('verifyInclusion() (RFC 9162 §2.1.3.2)', () => {
  it.each(V.inclusionProofs)('accepts the published proof for leaf $leaf of $size', (v) => {
    expect(verifyInclusion(LEAF_HASHES[v.leaf - 1]!, v.leaf - 1, v.size, v.proof.map(unhex), rootOfSize(v.size))).toBe(true);
  });

  it.each(V.inclusionProofs.filter((v) => v.proof.length > 0))(
    'rejects every corruption of the proof for leaf $leaf of $size',
    (v) => {
      const index = v.leaf - 1;
      const proof = v.proof.map(unhex);
      const root = rootOfSize(v.size);
      const leaf = LEAF_HASHES[index]!;
      const probes: [number, number, Hash, Hash[], Hash][] = [
        [index - 1, v.size, leaf, proof, root],
        [index + 1, v.size, leaf, proof, root],
        [index ^ 2, v.size, leaf, proof, root],
        [index, v.size * 2, leaf, proof, root],
        [index, Math.floor(v.size / 2), leaf, proof, root],
        [index, v.size, leafHash(Buffer.from('WrongLeaf')), proof, root],
        [index, v.size, leaf, proof, EMPTY_ROOT],
        [index, v.size, leaf, [...proof, root], root],
        [index, v.size, leaf, [root, ...proof], root],
        [index, v.size, leaf, proof.slice(0, -1), root],
        ...proof.map((_, i): [number, number, Hash, Hash[], Hash] => [index, v.size, leaf, flip(proof, i), root]),
      ];
      for (const [i, size, h, p, r] of probes) expect(verifyInclusion(h, i, size, p, r)).toBe(false);
    },
  );

  it('rejects an index at or past the tree size and a short hash', () => {
    const h = LEAF_HASHES[0]!;
    expect(verifyInclusion(h, 0, 0, [], h)).toBe(false);
    expect(verifyInclusion(h, 1, 1, [], h)).toBe(false);
    expect(verifyInclusion(h, 0, 1, [], h.subarray(0, 31))).toBe(false);
    expect(verifyInclusion(h, 0, 1, [], h)).toBe(true);
  });
});

describe('verifyConsistency() (RFC 9162 §2.1.4.2)', () => {
  it.each(V.consistencyProofs)('accepts the published proof $size1 -> $size2', (v) => {
    expect(verifyConsistency(v.size1, v.size2, rootOfSize(v.size1), rootOfSize(v.size2), v.proof.map(unhex))).toBe(true);
  });

  it.each(V.consistencyProofs.filter((v) => v.proof.length > 0))(
    'rejects every corruption of the proof $size1 -> $size2',
    (v) => {
      const proof = v.proof.map(unhex);
      const r1 = rootOfSize(v.size1);
      const r2 = rootOfSize(v.size2);
      const probes: [number, number, Hash, Hash, Hash[]][] = [
        [v.size1 - 1, v.size2, r1, r2, proof],
        [v.size1 + 1, v.size2, r1, r2, proof],
        [v.size1 ^ 2, v.size2, r1, r2, proof],
        [v.size1, v.size2 * 2, r1, r2, proof],
        [v.size1, Math.floor(v.size2 / 2), r1, r2, proof],
        [v.size1, v.size2, Buffer.from('WrongRoot'), r2, proof],
        [v.size1, v.size2, r1, Buffer.from('WrongRoot'), proof],
        [v.size1, v.size2, r2, r1, proof],
        [v.size1, v.size2, r1, r2, []],
        [v.size1, v.size2, r1, r2, [...proof, r1]],
        [v.size1, v.size2, r1, r2, [...proof, r2]],
        [v.size1, v.size2, r1, r2, [r1, ...proof]],
        [v.size1, v.size2, r1, r2, [r2, ...proof]],
        [v.size1, v.size2, r1, r2, [proof[0]!, ...proof]],
        [v.size1, v.size2, r1, r2, proof.slice(0, -1)],
        ...proof.map((_, i): [number, number, Hash, Hash, Hash[]] => [v.size1, v.size2, r1, r2, flip(proof, i)]),
      ];
      for (const [m, n, a, b, p] of probes) expect(verifyConsistency(m, n, a, b, p), `${m}->${n}`).toBe(false);
    },
  );

  it('treats size 0 as consistent with anything, and equal sizes as needing equal roots', () => {
    const a = Buffer.from('don\'t care 1');
    const b = Buffer.from('don\'t care 2');
    expect(verifyConsistency(0, 0, a, a, [])).toBe(true);
    expect(verifyConsistency(0, 1, a, b, [])).toBe(true);
    expect(verifyConsistency(1, 1, b, b, [])).toBe(true);
    expect(verifyConsistency(1, 1, a, b, [])).toBe(false);
    expect(verifyConsistency(1, 0, a, b, [])).toBe(false);
    expect(verifyConsistency(2, 1, a, b, [])).toBe(false);
    expect(verifyConsistency(1, 2, a, b, [])).toBe(false);
    expect(verifyConsistency(0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false);
    expect(verifyConsistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false);
  });
});

describe('proof round trips for every tree size 1..64', () => {
  const leaves = Array.from({ length: 64 }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
  const tree = MerkleTree.fromLeafHashes(leaves);

  it('agrees with an independent recursive MTH on every prefix', () => {
    // Written straight from the RFC 9162 §2.1.1 definition, sharing no code with the tree.
    const sha = (...parts: Uint8Array[]): Hash => {
      const h = createHash('sha256');
      for (const p of parts) h.update(p);
      return h.digest();
    };
    const reference = (hs: Hash[]): Hash => {
      if (hs.length === 0) return sha();
      if (hs.length === 1) return hs[0]!;
      let k = 1;
      while (k * 2 < hs.length) k *= 2;
      return sha(Uint8Array.of(1), reference(hs.slice(0, k)), reference(hs.slice(k)));
    };
    for (let n = 0; n <= 64; n++) expect(hex(tree.root(n))).toBe(hex(reference(leaves.slice(0, n))));
  });

  it('verifies every leaf in every size, and not under a neighbouring index', () => {
    for (let n = 1; n <= 64; n++) {
      const root = tree.root(n);
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i, n);
        expect(verifyInclusion(leaves[i]!, i, n, proof, root), `${i} of ${n}`).toBe(true);
        if (n > 1) expect(verifyInclusion(leaves[i]!, (i + 1) % n, n, proof, root)).toBe(false);
      }
    }
  });

  it('proves every pair of sizes m <= n consistent, and not against another root', () => {
    for (let n = 1; n <= 64; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        expect(verifyConsistency(m, n, tree.root(m), tree.root(n), proof), `${m} -> ${n}`).toBe(true);
        if (m < n) expect(verifyConsistency(m, n, tree.root(m), tree.root(n - 1), proof)).toBe(false);
      }
    }
  });
});
