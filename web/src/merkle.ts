/**
 * RFC 9162 inclusion proofs checked in the browser (WebCrypto SHA-256): the console does not take
 * the service's word that an entry is in the log; it recomputes the leaf hash from the entry's
 * bytes and the root from the proof, and compares it with the signed checkpoint's root.
 * The same algorithm as src/audit/merkle.ts verifyInclusion.
 * @see https://www.rfc-editor.org/rfc/rfc9162#section-2.1.3.2
 */
const sha256 = async (...parts: Uint8Array[]): Promise<Uint8Array> => {
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
};

export const fromBase64 = (b64: string): Uint8Array => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
export const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

/** MTH of one entry: SHA-256(0x00 || leaf bytes), the leaf being the entry's JCS text as stored. */
export const leafHash = (leaf: string): Promise<Uint8Array> => sha256(new Uint8Array([0]), new TextEncoder().encode(leaf));
const nodeHash = (left: Uint8Array, right: Uint8Array): Promise<Uint8Array> => sha256(new Uint8Array([1]), left, right);

export async function rootFromInclusionProof(hash: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[]): Promise<Uint8Array | undefined> {
  if (index < 0 || index >= treeSize) return undefined;
  let fn = index;
  let sn = treeSize - 1;
  let r = hash;
  for (const p of proof) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}
