/**
 * Issuing `vc+cose`: the credential's JSON as the payload of a COSE_Sign1 (tag 18) whose protected
 * header carries the algorithm, the `kid` (the signing method's DID URL, as UTF-8 bytes), the content
 * type `application/vc` and the `typ` `application/vc+cose` (RFC 9596); carried in presentations
 * as `data:application/vc+cose;base64,...`.
 * @see https://www.w3.org/TR/vc-jose-cose/#securing-with-cose
 */
import { encode, Tagged } from 'cborg';
import { assertAlgorithmAllowed } from '../../algorithms/index.js';
import { GxTrustError } from '../../errors.js';
import { isObject } from '../../json-input.js';
import type { Signer } from '../../keyring/signer.js';
import { COSE_ALGORITHMS, HEADER, sigStructure } from './verify.js';

/** The COSE identifier of each JOSE algorithm name gx-trust signs with. */
const COSE_IDS: ReadonlyMap<string, number> = new Map([...COSE_ALGORITHMS].map(([id, name]) => [name, id]));

export interface SignedCose {
  /** The COSE_Sign1 bytes. */
  bytes: Uint8Array;
  /** `data:application/vc+cose;base64,...`, the id of its EnvelopedVerifiableCredential. */
  dataUrl: string;
}

/**
 * Signs `credential` as a vc+cose. The keyring's Signer already writes ECDSA as r || s and PS256
 * with a 32-byte salt, which is what COSE (RFC 9053 §2) expects, as JWS does.
 */
export async function signCredentialCose({ credential, signer }: { credential: Record<string, unknown>; signer: Signer }): Promise<SignedCose> {
  const did = signer.kid.slice(0, Math.max(signer.kid.indexOf('#'), 0));
  if (!did.startsWith('did:')) throw new GxTrustError('INVALID_INPUT', `signer.kid must be an absolute DID URL, got ${signer.kid}`);
  assertAlgorithmAllowed(signer.algorithm, signer.publicJwk);
  const issuer = typeof credential.issuer === 'string' ? credential.issuer : isObject(credential.issuer) ? credential.issuer.id : undefined;
  if (issuer !== did) throw new GxTrustError('INVALID_INPUT', `credential.issuer (${String(issuer)}) must be the signer's DID ${did}`, { pointer: '/credential/issuer' });
  const alg = COSE_IDS.get(signer.algorithm);
  if (alg === undefined) throw new GxTrustError('ALG_NOT_ALLOWED', `${signer.algorithm} has no COSE identifier gx-trust signs with`);
  const protectedBytes = encode(new Map<number, unknown>([
    [HEADER.alg, alg],
    [HEADER.contentType, 'application/vc'],
    [HEADER.kid, new TextEncoder().encode(signer.kid)],
    [HEADER.typ, 'application/vc+cose'],
  ]));
  const payload = new TextEncoder().encode(JSON.stringify(credential));
  const signature = await signer.sign(sigStructure(protectedBytes, payload));
  const bytes = encode(new Tagged(18, [protectedBytes, new Map(), payload, signature]));
  return { bytes, dataUrl: `data:application/vc+cose;base64,${Buffer.from(bytes).toString('base64')}` };
}
