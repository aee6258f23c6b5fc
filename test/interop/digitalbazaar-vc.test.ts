/**
 * Digital Bazaar's @digitalbazaar/vc, a W3C VC-API reference stack, and gx-trust on the same Data
 * Integrity credentials, both ways: gx-trust issues (eddsa-rdfc-2022, ecdsa-rdfc-2019,
 * Ed25519Signature2020) and the peer verifies with its own suites and a document loader that knows
 * only the pinned contexts and the DID document the service publishes; the peer issues with a
 * did:key of its own and gx-trust's POST /credentials/verify, which never saw that key, says
 * valid. A changed subject is refused on both sides.
 */
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { Ed25519VerificationKey2020 } from '@digitalbazaar/ed25519-verification-key-2020';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { peerDocumentLoader, tampered, VCDM2, type PeerDocumentLoader, issuedByGxTrust } from './peers.js';

const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';
const ED25519_2020_V1 = 'https://w3id.org/security/suites/ed25519-2020/v1';

let svc: RunningService;
let documentLoader: PeerDocumentLoader;

beforeAll(async () => {
  svc = await startService({ GX_RESULT_CACHE_SECONDS: '0' });
  documentLoader = await peerDocumentLoader(`${svc.url}/.well-known/did.json`);
});
afterAll(async () => {
  await svc?.close();
});


const verifyAtGxTrust = (verifiableCredential: unknown) => postJson(`${svc.url}/credentials/verify`, { verifiableCredential });

/** The verifying suites a peer deployment configures: any of the three, whichever the proof names. */
function peerVerifyingSuites(): unknown[] {
  return [new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }), new DataIntegrityProof({ cryptosuite: ecdsaRdfc2019 }), new Ed25519Signature2020()];
}

async function verifyAtPeer(credential: unknown): Promise<{ verified: boolean; error?: { message?: string; errors?: { message: string }[] } }> {
  return vc.verifyCredential({ credential, suite: peerVerifyingSuites(), documentLoader });
}

const peerError = (result: Awaited<ReturnType<typeof verifyAtPeer>>) =>
  JSON.stringify(result.error?.errors?.map((e) => e.message) ?? result.error?.message ?? result);

describe.each([
  ['eddsa-rdfc-2022', { cryptosuite: 'eddsa-rdfc-2022' }],
  ['ecdsa-rdfc-2019', { cryptosuite: 'ecdsa-rdfc-2019' }],
  ['Ed25519Signature2020', { cryptosuite: 'Ed25519Signature2020' }],
])('gx-trust issues %s, @digitalbazaar/vc verifies', (_suite, options) => {
  it('verifies the credential as issued', async () => {
    const credential = await issuedByGxTrust(svc, options);
    const result = await verifyAtPeer(credential);
    expect(result.verified, peerError(result)).toBe(true);
  });

  it('refuses it with a changed subject', async () => {
    const result = await verifyAtPeer(tampered(await issuedByGxTrust(svc, options)));
    expect(result.verified).toBe(false);
    // Refused for its signature, not for a document the loader could not serve.
    expect(peerError(result)).toMatch(/signature/i);
  });
});

/** A did:key of the peer's own and a suite signing with it, as a wallet or another issuer has. */
async function peerIssuer(kind: 'eddsa-rdfc-2022' | 'ecdsa-rdfc-2019' | 'Ed25519Signature2020'): Promise<{ did: string; suite: unknown; context: string[] }> {
  if (kind === 'Ed25519Signature2020') {
    const key = await Ed25519VerificationKey2020.generate();
    const did = `did:key:${key.fingerprint()}`;
    key.controller = did;
    key.id = `${did}#${key.fingerprint()}`;
    documentLoader.addDidKey(did, key.export({ publicKey: true, includeContext: false }), ['https://www.w3.org/ns/did/v1', ED25519_2020_V1]);
    return { did, suite: new Ed25519Signature2020({ key }), context: [VCDM2, ED25519_2020_V1] };
  }
  const key = kind === 'eddsa-rdfc-2022' ? await Ed25519Multikey.generate() : await EcdsaMultikey.generate({ curve: 'P-256' });
  const fingerprint: string = key.publicKeyMultibase;
  const did = `did:key:${fingerprint}`;
  key.controller = did;
  key.id = `${did}#${fingerprint}`;
  documentLoader.addDidKey(did, await key.export({ publicKey: true, includeContext: false }), ['https://www.w3.org/ns/did/v1', MULTIKEY_V1]);
  const suite = new DataIntegrityProof({ signer: key.signer(), cryptosuite: kind === 'eddsa-rdfc-2022' ? eddsaRdfc2022 : ecdsaRdfc2019 });
  return { did, suite, context: [VCDM2] };
}

describe.each(['eddsa-rdfc-2022', 'ecdsa-rdfc-2019', 'Ed25519Signature2020'] as const)('@digitalbazaar/vc issues %s with its own did:key, gx-trust verifies', (kind) => {
  async function issuedByPeer(): Promise<any> {
    const { did, suite, context } = await peerIssuer(kind);
    const credential = {
      '@context': context,
      id: `urn:uuid:${crypto.randomUUID()}`,
      type: ['VerifiableCredential'],
      issuer: did,
      validFrom: new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      credentialSubject: { id: 'did:web:member.example' },
    };
    const signed = await vc.issue({ credential, suite, documentLoader });
    // The peer checks its own output first: a failure below is then gx-trust's, not the peer's.
    const own = await verifyAtPeer(signed);
    expect(own.verified, peerError(own)).toBe(true);
    return signed;
  }

  it('POST /credentials/verify says valid', async () => {
    const answer = await verifyAtGxTrust(await issuedByPeer());
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ verified: true, format: kind, issuer: expect.stringMatching(/^did:key:z/) });
  });

  it('refuses it with a changed subject', async () => {
    const answer = await verifyAtGxTrust(tampered(await issuedByPeer()));
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.checks).toContainEqual(expect.objectContaining({ check: 'proof', verified: false, code: 'INVALID_SIGNATURE' }));
  });
});

describe('Data Integrity presentations, both ways', () => {
  const challenge = 'nonce-4711';
  const domain = 'connector.example';

  async function verifyPresentationAtPeer(presentation: unknown, expected: { challenge: string; domain: string }) {
    return vc.verify({ presentation, suite: peerVerifyingSuites(), documentLoader, ...expected }) as Promise<{ verified: boolean; error?: { errors?: { message: string }[] } }>;
  }

  async function provedByGxTrust(): Promise<any> {
    const credential = await issuedByGxTrust(svc, { cryptosuite: 'eddsa-rdfc-2022' });
    const answer = await postJson(
      `${svc.url}/presentations/prove`,
      { presentation: { '@context': [VCDM2], type: ['VerifiablePresentation'], verifiableCredential: [credential] }, options: { format: 'ldp_vp', challenge, domain } },
      { authorization: `Bearer ${svc.apiKey}` },
    );
    expect(answer.status, answer.text).toBe(201);
    return answer.body.verifiablePresentation;
  }

  it('gx-trust signs an ldp_vp (eddsa-rdfc-2022), @digitalbazaar/vc verifies it and the credential it holds', async () => {
    const result = await verifyPresentationAtPeer(await provedByGxTrust(), { challenge, domain });
    expect(result.verified, JSON.stringify(result.error?.errors?.map((e) => e.message))).toBe(true);
  });

  it('@digitalbazaar/vc refuses it for another challenge (replay)', async () => {
    const result = await verifyPresentationAtPeer(await provedByGxTrust(), { challenge: 'nonce-4712', domain });
    expect(result.verified).toBe(false);
  });

  async function presentedByPeer(): Promise<any> {
    const { did, suite, context } = await peerIssuer('eddsa-rdfc-2022');
    const credential = await issuedByGxTrust(svc, { cryptosuite: 'eddsa-rdfc-2022' });
    const presentation = vc.createPresentation({ verifiableCredential: [credential], holder: did, version: 2.0 });
    presentation['@context'] = context;
    return vc.signPresentation({ presentation, suite, challenge, domain, documentLoader });
  }

  const verifyPresentationAtGxTrust = (verifiablePresentation: unknown, options: { challenge: string; domain: string }) =>
    postJson(`${svc.url}/presentations/verify`, { verifiablePresentation, options });

  it('@digitalbazaar/vc signs a presentation as its did:key holding a gx-trust credential, gx-trust verifies both', async () => {
    const answer = await verifyPresentationAtGxTrust(await presentedByPeer(), { challenge, domain });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ verified: true, credentials: [{ verified: true }] });
  });

  it('gx-trust refuses the peer\'s presentation for another challenge, and with its holder changed', async () => {
    const presentation = await presentedByPeer();
    const replayed = await verifyPresentationAtGxTrust(presentation, { challenge: 'nonce-4712', domain });
    expect(replayed.status, replayed.text).toBe(422);
    expect(replayed.body.checks).toContainEqual(expect.objectContaining({ check: 'challenge', verified: false }));
    const changed = await verifyPresentationAtGxTrust({ ...presentation, holder: 'did:web:mallory.example' }, { challenge, domain });
    expect(changed.status, changed.text).toBe(422);
  });
});
