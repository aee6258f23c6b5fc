/**
 * The issuer and holder side of the selective-disclosure suites, as the suites' own generators
 * are: Digital Bazaar's `@digitalbazaar/vc` `issue` with a cryptosuite's sign suite (base proof,
 * mandatory pointers) and `derive` with its disclose suite (selective pointers), by a did:key the
 * test makes (P-256 for ecdsa-sd-2023, BLS12-381 G2 for bbs-2023), and Digital Bazaar's verifier
 * reading a DID document as any verifier fetches it. gx-trust's own code is not used on this side
 * except for its pinned contexts, which the peer loads as files (nothing is fetched).
 */
import { expect } from 'vitest';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Bls12381Multikey from '@digitalbazaar/bls12-381-multikey';
import * as ecdsaSd2023 from '@digitalbazaar/ecdsa-sd-2023-cryptosuite';
import * as bbs2023 from '@digitalbazaar/bbs-2023-cryptosuite';
import { pinnedContexts } from '../../src/document-loader/index.js';
import type { Answer } from './harness.js';

export type SdSuite = 'ecdsa-sd-2023' | 'bbs-2023';

export interface SdIssuer {
  did: string;
  methodId: string;
  signer: { id: string; algorithm: string; sign(input: { data: Uint8Array }): Promise<Uint8Array>; multisign?: (input: { header: Uint8Array; messages: Uint8Array[] }) => Promise<Uint8Array> };
}

export async function didKeyOf(suite: SdSuite): Promise<SdIssuer> {
  const key =
    suite === 'bbs-2023'
      ? await Bls12381Multikey.generateBbsKeyPair({ algorithm: Bls12381Multikey.ALGORITHMS.BBS_BLS12381_SHA256 })
      : await EcdsaMultikey.generate({ curve: 'P-256' });
  const did = `did:key:${key.publicKeyMultibase}`;
  const methodId = `${did}#${key.publicKeyMultibase}`;
  key.id = methodId;
  key.controller = did;
  return { did, methodId, signer: key.signer() };
}

type Loader = (url: string) => Promise<{ contextUrl: null; documentUrl: string; document: unknown }>;

/** The pinned contexts, and did:key documents written out by hand (not gx-trust's resolver); `didDocument` serves one more DID, e.g. the service's did:web. */
export function peerLoader(didDocument?: { id: string; '@context': unknown; verificationMethod: { id: string }[] }): Loader {
  const contexts = pinnedContexts();
  return async (url: string) => {
    const answer = (document: unknown) => ({ contextUrl: null, documentUrl: url, document: structuredClone(document) });
    if (contexts.has(url)) return answer(contexts.get(url));
    if (didDocument !== undefined) {
      if (url === didDocument.id) return answer(didDocument);
      const method = didDocument.verificationMethod.find((m) => m.id === url);
      if (method !== undefined) return answer({ '@context': didDocument['@context'], ...method });
    }
    const [did = '', fragment] = url.split('#');
    const multibase = did.replace(/^did:key:/, '');
    if (!did.startsWith('did:key:')) throw new Error(`peer loader: ${url}`);
    const method = { id: `${did}#${multibase}`, type: 'Multikey', controller: did, publicKeyMultibase: multibase };
    if (fragment !== undefined) return answer({ '@context': 'https://w3id.org/security/multikey/v1', ...method });
    return answer({ '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'], id: did, verificationMethod: [method], assertionMethod: [method.id] });
  };
}

const cryptosuites = { 'ecdsa-sd-2023': ecdsaSd2023, 'bbs-2023': bbs2023 } as const;

/** What a generator may change in the proof before it is signed (the suites' malformed vectors). */
export interface ProofTweak {
  /** Written as `proof.cryptosuite` and signed (the disclose suite must be told the same name). */
  cryptosuite?: string;
  /** Written as `proof.created` and signed. */
  created?: string;
}

function proofSuite(cryptosuite: unknown, signer: SdIssuer['signer'] | undefined, tweak: ProofTweak): any {
  const suite: any = new DataIntegrityProof({ signer, cryptosuite });
  if (tweak.cryptosuite !== undefined) suite.cryptosuite = tweak.cryptosuite;
  if (tweak.created !== undefined) suite.proof = { created: tweak.created };
  return suite;
}

/** The issuer's base proof (for the holder only), by raw @digitalbazaar/vc. */
export async function issueBase(suite: SdSuite, issuer: SdIssuer, credential: any, mandatoryPointers: string[], tweak: ProofTweak = {}): Promise<any> {
  const proof = proofSuite(cryptosuites[suite].createSignCryptosuite({ mandatoryPointers }), issuer.signer, tweak);
  return vc.issue({ credential: { ...credential, issuer: issuer.did }, suite: proof, documentLoader: peerLoader() });
}

/** What the holder derives and shows a verifier. */
export async function derive(suite: SdSuite, base: any, selectivePointers: string[], tweak: ProofTweak = {}): Promise<any> {
  // A disclose suite finds the base proof by its cryptosuite name; `created` is the issuer's to sign.
  const proof = proofSuite(cryptosuites[suite].createDiscloseCryptosuite({ selectivePointers }), undefined, tweak.cryptosuite === undefined ? {} : { cryptosuite: tweak.cryptosuite });
  return vc.derive({ verifiableCredential: base, suite: proof, documentLoader: peerLoader() });
}

/** Digital Bazaar's ecdsa-sd-2023 verifier; `didDocument` is the issuer's when it is no did:key. */
export async function peerVerifies(credential: any, didDocument?: any): Promise<boolean> {
  const suite = new DataIntegrityProof({ cryptosuite: ecdsaSd2023.createVerifyCryptosuite() });
  // Status is not what these tests are about (status list interop: digitalcredentials-vc.test.ts).
  const result = await vc.verifyCredential({ credential, suite, documentLoader: peerLoader(didDocument), checkStatus: async () => ({ verified: true }) });
  return result.verified === true;
}

export function expectVerified(answer: Answer): void {
  expect(answer.status, answer.text).toBe(200);
  expect(answer.body.verified, answer.text).toBe(true);
}

/** The suites' verificationFail, and the check and code gx-trust gives. */
export function expectRefused(answer: Answer, check: string, code: string): void {
  expect([400, 422], answer.text).toContain(answer.status);
  expect(answer.body?.verified, answer.text).not.toBe(true);
  const failed = (answer.body?.checks ?? []).find((c: { check: string; verified: boolean }) => c.check === check && !c.verified);
  expect(failed, answer.text).toBeDefined();
  expect(failed.code, answer.text).toBe(code);
}
