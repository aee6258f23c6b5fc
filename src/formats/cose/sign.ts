/**
 * Issuing `vc+cose`: the credential's JSON as the payload of a COSE_Sign1 (tag 18) whose protected
 * header carries the algorithm, the `kid` (the signing method's DID URL, as UTF-8 bytes), the content
 * type `application/vc` and the `typ` `application/vc+cose` (RFC 9596); carried in presentations
 * as `data:application/vc+cose;base64,...`; presentations (`vp+cose`) the same way, typed `application/vp+cose`.
 * @see https://www.w3.org/TR/vc-jose-cose/#securing-with-cose
 */
import { encode, Tagged } from 'cborg';
import { assertAlgorithmAllowed } from '../../algorithms/index.js';
import { GxTrustError } from '../../errors.js';
import { isObject } from '../../json-input.js';
import type { Signer } from '../../keyring/signer.js';
import { envelopedCredentials } from '../jose/sign.js';
import { COSE_ALGORITHMS, HEADER, sigStructure } from './verify.js';

/** The COSE identifier of each JOSE algorithm name gx-trust signs with. */
const COSE_IDS: ReadonlyMap<string, number> = new Map([...COSE_ALGORITHMS].map(([id, name]) => [name, id]));

export interface SignedCose {
  /** The COSE_Sign1 bytes. */
  bytes: Uint8Array;
  /** `data:application/vc+cose;base64,...` (vp+cose), the id of its EnvelopedVerifiableCredential (Presentation). */
  dataUrl: string;
  /** The document signed (the payload's JSON). */
  document: Record<string, unknown>;
}

function signerDidOf(signer: Signer): string {
  const did = signer.kid.slice(0, Math.max(signer.kid.indexOf('#'), 0));
  if (!did.startsWith('did:')) throw new GxTrustError('INVALID_INPUT', `signer.kid must be an absolute DID URL, got ${signer.kid}`);
  assertAlgorithmAllowed(signer.algorithm, signer.publicJwk);
  return did;
}

const idOf = (value: unknown): unknown => (typeof value === 'string' ? value : isObject(value) ? value.id : undefined);

/** A COSE_Sign1 over `document` (its JSON), typed as a vc+cose or a vp+cose. */
async function signCose(document: Record<string, unknown>, signer: Signer, kind: 'vc' | 'vp'): Promise<SignedCose> {
  const alg = COSE_IDS.get(signer.algorithm);
  if (alg === undefined) throw new GxTrustError('ALG_NOT_ALLOWED', `${signer.algorithm} has no COSE identifier gx-trust signs with`);
  const protectedBytes = encode(new Map<number, unknown>([
    [HEADER.alg, alg],
    [HEADER.contentType, `application/${kind}`],
    [HEADER.kid, new TextEncoder().encode(signer.kid)],
    [HEADER.typ, `application/${kind}+cose`],
  ]));
  const payload = new TextEncoder().encode(JSON.stringify(document));
  const signature = await signer.sign(sigStructure(protectedBytes, payload));
  const bytes = encode(new Tagged(18, [protectedBytes, new Map(), payload, signature]));
  return { bytes, dataUrl: `data:application/${kind}+cose;base64,${Buffer.from(bytes).toString('base64')}`, document };
}

/**
 * Signs `credential` as a vc+cose. The keyring's Signer already writes ECDSA as r || s and PS256
 * with a 32-byte salt, which is what COSE (RFC 9053 §2) expects, as JWS does.
 */
export async function signCredentialCose({ credential, signer }: { credential: Record<string, unknown>; signer: Signer }): Promise<SignedCose> {
  const did = signerDidOf(signer);
  const issuer = idOf(credential.issuer);
  if (issuer !== did) throw new GxTrustError('INVALID_INPUT', `credential.issuer (${String(issuer)}) must be the signer's DID ${did}`, { pointer: '/credential/issuer' });
  return signCose(credential, signer, 'vc');
}

/**
 * Signs `presentation` as a vp+cose (VC-JOSE-COSE §3.3.2): the presentation's JSON as the payload,
 * content type `application/vp`, typ `application/vp+cose`, its credentials enveloped as in a
 * vp+jwt. COSE has no claim set here to carry a nonce or an audience in, so there is no challenge
 * or domain: the issuer refuses them before signing (src/issuing/index.ts).
 * @see https://www.w3.org/TR/vc-jose-cose/#securing-with-cose
 */
export async function signPresentationCose({ presentation, signer, at = '' }: { presentation: Record<string, unknown>; signer: Signer; at?: string }): Promise<SignedCose> {
  const did = signerDidOf(signer);
  const holder = presentation.holder === undefined ? did : idOf(presentation.holder);
  if (holder !== did) throw new GxTrustError('INVALID_INPUT', `presentation.holder (${String(holder)}) must be the signer's DID ${did}`, { pointer: `${at}/holder` });
  const document: Record<string, unknown> = { ...presentation, holder: presentation.holder ?? did };
  const held = envelopedCredentials(presentation, 'vp+cose', at);
  if (held !== undefined) document.verifiableCredential = held;
  return signCose(document, signer, 'vp');
}
