/**
 * SpruceID DIDKit, through its WebAssembly build (@spruceid/didkit-wasm-node 0.2.1: DIDKit's Rust
 * `ssi` compiled to wasm, no native binary), both ways. DIDKit makes its own Ed25519 did:key and
 * signs VCDM 1.1 credentials and presentations as JWTs and as Ed25519Signature2018 proofs, which
 * gx-trust verifies over loopback HTTP; gx-trust signs as its own did:key and DIDKit verifies.
 * What DIDKit 0.2.1 cannot do is recorded here as tests that assert its actual answer:
 * - It reads VCDM 1.1 only: a VCDM 2.0 credential fails its data model ("Invalid context", at the
 *   end of `@context`), a VCDM 2.0 vc+jwt has no `vc` claim for it to read.
 * - It knows no Data Integrity proofs (`DataIntegrityProof`, eddsa-rdfc-2022): "Linked Data Proof
 *   type not implemented". Of gx-trust's suites it verifies Ed25519Signature2020, on a VCDM 1.1
 *   credential or presentation.
 * - Its did:web driver does not percent-decode the port (`did:web:localhost%3A<port>`: "invalid
 *   domain character") and fetches https:// only, so gx-trust signs as its did:key here.
 * - Its Linked Data presentation proof does not cover a JWT credential inside it: the 2018 context
 *   types `verifiableCredential` as `@id`, so the JWT is a relative IRI that canonicalization drops.
 *   DIDKit accepts such a presentation with another credential swapped in; gx-trust refuses the
 *   form (JSON-LD safe mode), so a holder's signature never seems to vouch for what it does not sign.
 * DIDKit runs offline: it resolves did:key itself and embeds the JSON-LD contexts it knows. Its
 * wasm glue fetches through the global `fetch`, which this file watches: DIDKit fetched nothing.
 */
import * as didkit from '@spruceid/didkit-wasm-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { tampered, VCDM2 } from './peers.js';

const VCDM1 = 'https://www.w3.org/2018/credentials/v1';

let svc: RunningService;
const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });
/** URLs anything in this process asked for beyond the service under test: DIDKit's fetches land here. */
const fetchedElsewhere: string[] = [];
const loopbackFetch = globalThis.fetch;

beforeAll(async () => {
  svc = await startService({ GX_RESULT_CACHE_SECONDS: '0' });
  globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.startsWith(`${svc.url}/`)) return loopbackFetch(input, init);
    fetchedElsewhere.push(url);
    return Promise.reject(new TypeError(`no network in tests: ${url}`));
  }) as typeof fetch;
});
afterAll(async () => {
  globalThis.fetch = loopbackFetch;
  await svc?.close();
});

/** DIDKit answers with a JSON string: `{checks, warnings, errors}` for a verification. */
const report = (answer: string) => JSON.parse(answer) as { checks: string[]; warnings: string[]; errors: string[] };

/** A holder and issuer of DIDKit's own: an Ed25519 key it generates, as did:key. */
async function didkitKey() {
  const key = didkit.generateEd25519Key();
  return { key, did: didkit.keyToDID('key', key), method: String(await didkit.keyToVerificationMethod('key', key)) };
}

async function didkitCredential(proofFormat: 'jwt' | 'ldp', subject = 'did:web:member.example'): Promise<string> {
  const { key, did, method } = await didkitKey();
  const credential = { '@context': [VCDM1], type: ['VerifiableCredential'], issuer: did, issuanceDate: '2026-01-01T00:00:00Z', credentialSubject: { id: subject } };
  return didkit.issueCredential(JSON.stringify(credential), JSON.stringify({ proofPurpose: 'assertionMethod', verificationMethod: method, proofFormat }), key);
}

/** A presentation DIDKit signs as its did:key, holding `credential` (a JWT or a credential object). */
async function didkitPresentation(proofFormat: 'jwt' | 'ldp', credential: unknown, challenge: string, domain: string): Promise<string> {
  const { key, did, method } = await didkitKey();
  const presentation = { '@context': [VCDM1], type: ['VerifiablePresentation'], holder: did, verifiableCredential: credential };
  return didkit.issuePresentation(JSON.stringify(presentation), JSON.stringify({ proofPurpose: 'authentication', verificationMethod: method, proofFormat, challenge, domain }), key);
}

const verifyCredentialAtGxTrust = (vc: string, proofFormat: 'jwt' | 'ldp') =>
  proofFormat === 'jwt'
    ? postJson(`${svc.url}/credentials/verify`, vc, { 'content-type': 'application/vc+jwt' })
    : postJson(`${svc.url}/credentials/verify`, { verifiableCredential: JSON.parse(vc) });

const verifyPresentationAtGxTrust = (vp: string, proofFormat: 'jwt' | 'ldp', options: Record<string, string>) =>
  proofFormat === 'jwt'
    ? postJson(`${svc.url}/presentations/verify?${new URLSearchParams(options)}`, vp, { 'content-type': 'application/vp+jwt' })
    : postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: JSON.parse(vp), options });

/**
 * A DIDKit JWT naming another subject, signature kept. DIDKit writes the subject twice (`sub` and
 * the `vc` claim's credentialSubject); both change, or gx-trust refuses the disagreement before the proof.
 */
function withChangedSubject(jwt: string): string {
  const [header, payload, signature] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
  const changed = { ...claims, sub: 'did:web:mallory.example', vc: tampered(claims.vc) };
  return [header, Buffer.from(JSON.stringify(changed)).toString('base64url'), signature].join('.');
}

describe('DIDKit issues VCDM 1.1 credentials as its did:key, gx-trust verifies them', () => {
  it('the peer writes a VCDM 1.1 JWT (`vc` claim, EdDSA) and an Ed25519Signature2018 proof', async () => {
    const [header, payload] = (await didkitCredential('jwt')).split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
    expect(header).toMatchObject({ alg: 'EdDSA', kid: expect.stringMatching(/^did:key:z6Mk/) });
    expect(payload).toMatchObject({ iss: expect.stringMatching(/^did:key:z6Mk/), vc: { '@context': [VCDM1] } });
    expect(JSON.parse(await didkitCredential('ldp')).proof).toMatchObject({ type: 'Ed25519Signature2018', jws: expect.stringMatching(/^ey[^.]+\.\.[^.]+$/) });
  });

  it.each(['jwt', 'ldp'] as const)('POST /credentials/verify says valid (%s)', async (proofFormat) => {
    const answer = await verifyCredentialAtGxTrust(await didkitCredential(proofFormat), proofFormat);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ verified: true, format: proofFormat === 'jwt' ? 'jwt_vc_json' : 'Ed25519Signature2018', issuer: expect.stringMatching(/^did:key:z6Mk/) });
  });

  it.each(['jwt', 'ldp'] as const)('refuses it with another subject, for its proof (%s)', async (proofFormat) => {
    const vc = await didkitCredential(proofFormat);
    const changed = proofFormat === 'jwt' ? withChangedSubject(vc) : JSON.stringify(tampered(JSON.parse(vc)));
    const answer = await verifyCredentialAtGxTrust(changed, proofFormat);
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.checks).toContainEqual(expect.objectContaining({ check: 'proof', verified: false, code: 'INVALID_SIGNATURE' }));
  });
});

describe('DIDKit signs presentations as its did:key, gx-trust verifies them', () => {
  const challenge = 'n-didkit';
  const domain = 'verifier.example';

  it.each(['jwt', 'ldp'] as const)('a %s presentation holding a credential of the same format: valid, with the credential', async (proofFormat) => {
    const credential = await didkitCredential(proofFormat);
    const vp = await didkitPresentation(proofFormat, proofFormat === 'jwt' ? credential : JSON.parse(credential), challenge, domain);
    const answer = await verifyPresentationAtGxTrust(vp, proofFormat, { challenge, domain });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ verified: true, credentials: [{ verified: true }] });
    expect(answer.body.checks).toContainEqual(expect.objectContaining({ check: 'challenge', verified: true }));
  });

  it.each(['jwt', 'ldp'] as const)('a %s presentation is refused for another challenge', async (proofFormat) => {
    const vp = await didkitPresentation(proofFormat, JSON.parse(await didkitCredential('ldp')), challenge, domain);
    const answer = await verifyPresentationAtGxTrust(vp, proofFormat, { challenge: 'n-other', domain });
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.checks).toContainEqual(expect.objectContaining({ check: 'challenge', verified: false }));
  });
});

/** A VCDM 1.1 credential gx-trust issues over its VC-API as the did:key of its Ed25519 key, named explicitly. */
async function issuedByGxTrust(options: Record<string, unknown>, context = VCDM1): Promise<any> {
  const issuer = svc.service.keyring.didKey(options['alg'] === 'ES256' || options['cryptosuite'] === 'ecdsa-rdfc-2019' ? 'P-256' : 'Ed25519').did;
  const credential = { '@context': [context], type: ['VerifiableCredential'], issuer, ...(context === VCDM1 ? { issuanceDate: '2026-01-01T00:00:00Z' } : {}), credentialSubject: { id: 'did:web:member.example' } };
  const answer = await postJson(`${svc.url}/credentials/issue`, { credential, options }, auth());
  expect(answer.status, answer.text).toBe(201);
  return answer.body.verifiableCredential;
}

const verifiedByDidkit = async (vc: unknown, options: Record<string, unknown> = {}) =>
  report(await didkit.verifyCredential(typeof vc === 'string' ? vc : JSON.stringify(vc), JSON.stringify({ proofPurpose: 'assertionMethod', ...options })));

describe('gx-trust issues a VCDM 1.1 credential as its did:key with Ed25519Signature2020, DIDKit verifies it', () => {
  it('DIDKit verifies it', async () => {
    const vc = await issuedByGxTrust({ cryptosuite: 'Ed25519Signature2020' });
    expect(vc.proof.type).toBe('Ed25519Signature2020');
    expect(await verifiedByDidkit(vc)).toEqual({ checks: ['proof'], warnings: [], errors: [] });
  });

  it('DIDKit refuses it with another subject', async () => {
    const result = await verifiedByDidkit(tampered(await issuedByGxTrust({ cryptosuite: 'Ed25519Signature2020' })));
    expect(result.errors).toEqual(['signature error: Verification equation was not satisfied']);
  });
});

describe('gx-trust signs a VCDM 1.1 presentation as its did:key, DIDKit verifies it', () => {
  const challenge = 'n-gx';
  const domain = 'holder.example';
  async function proved(): Promise<any> {
    const presentation = { '@context': [VCDM1], type: ['VerifiablePresentation'], holder: svc.service.keyring.didKey('Ed25519').did, verifiableCredential: [await issuedByGxTrust({ cryptosuite: 'Ed25519Signature2020' })] };
    const answer = await postJson(`${svc.url}/presentations/prove`, { presentation, options: { cryptosuite: 'Ed25519Signature2020', challenge, domain } }, auth());
    expect(answer.status, answer.text).toBe(201);
    return answer.body.verifiablePresentation;
  }
  const verifiedPresentation = async (vp: unknown, expected: Record<string, string>) =>
    report(await didkit.verifyPresentation(JSON.stringify(vp), JSON.stringify({ proofPurpose: 'authentication', ...expected })));

  it('DIDKit verifies it, holding a gx-trust credential, under its challenge and domain', async () => {
    expect(await verifiedPresentation(await proved(), { challenge, domain })).toEqual({ checks: ['proof'], warnings: [], errors: [] });
  });

  it('DIDKit refuses it for another challenge', async () => {
    // DIDKit selects proofs by the expected challenge: none applies.
    const result = await verifiedPresentation(await proved(), { challenge: 'n-other', domain });
    expect(result.errors).toEqual(['No applicable proof']);
  });

  it('DIDKit refuses it with the credential inside changed', async () => {
    const vp = await proved();
    vp.verifiableCredential[0] = tampered(vp.verifiableCredential[0]);
    expect((await verifiedPresentation(vp, { challenge, domain })).errors).toEqual(['signature error: Verification equation was not satisfied']);
  });
});

describe('DIDKit 0.2.1\'s limitations, as they stand', () => {
  it('it refuses a VCDM 2.0 credential by its data model, whatever the proof: "Invalid context"', async () => {
    for (const options of [{ cryptosuite: 'eddsa-rdfc-2022' }, { cryptosuite: 'Ed25519Signature2020' }, { cryptosuite: 'ecdsa-rdfc-2019' }]) {
      const vc = await issuedByGxTrust(options, VCDM2);
      await expect(verifiedByDidkit(vc), JSON.stringify(options)).rejects.toThrow(/^Invalid context at line 1 column \d+$/);
    }
  });

  it.each(['EdDSA', 'ES256'])('it finds no credential in a VCDM 2.0 vc+jwt (%s): it reads the `vc` claim only', async (alg) => {
    const enveloped = await issuedByGxTrust({ format: 'vc+jwt', alg }, VCDM2);
    const jwt = String(enveloped.id).replace(/^data:application\/vc\+jwt,/, '');
    expect(await verifiedByDidkit(jwt, { proofFormat: 'jwt' })).toEqual({ checks: [], warnings: [], errors: ['Unable to convert JWT claims to VC: Verifiable credential not found in JWT'] });
  });

  it('it knows no Data Integrity proof, even on a VCDM 1.1 credential', async () => {
    const vc = await issuedByGxTrust({ cryptosuite: 'eddsa-rdfc-2022' });
    expect(vc.proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022' });
    expect((await verifiedByDidkit(vc)).errors).toEqual(['Linked Data Proof type not implemented']);
  });

  it('its did:web driver cannot read the service\'s did:web: the encoded port is an "invalid domain character"', async () => {
    await expect(didkit.resolveDID(svc.service.keyring.did, '{}')).rejects.toThrow(/invalid domain character/);
  });

  // Why gx-trust refuses the form: the 2018 context types verifiableCredential as @id, the JWT is a
  // relative IRI, and the canonical form DIDKit signs leaves it out.
  it('its Linked Data presentation does not sign a JWT credential inside: DIDKit accepts another one swapped in, gx-trust refuses the form', async () => {
    const challenge = 'n-swap';
    const vp = JSON.parse(await didkitPresentation('ldp', await didkitCredential('jwt'), challenge, 'verifier.example'));
    const swapped = { ...vp, verifiableCredential: await didkitCredential('jwt', 'did:web:mallory.example') };
    const options = JSON.stringify({ proofPurpose: 'authentication', challenge });
    expect(report(await didkit.verifyPresentation(JSON.stringify(swapped), options))).toEqual({ checks: ['proof'], warnings: [], errors: [] });
    const answer = await verifyPresentationAtGxTrust(JSON.stringify(vp), 'ldp', { challenge });
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.checks).toContainEqual(expect.objectContaining({ check: 'proof', verified: false, code: 'SAFE_MODE_VIOLATION' }));
  });
});

describe('DIDKit stays offline', () => {
  it('its fetches go through the global fetch this file watches: a did:web elsewhere is asked for, and refused', async () => {
    await expect(didkit.resolveDID('did:web:example.invalid', '{}')).rejects.toThrow(/no network in tests: https:\/\/example\.invalid\/\.well-known\/did\.json/);
    expect(fetchedElsewhere.splice(0)).toEqual(['https://example.invalid/.well-known/did.json']);
  });

  // Runs last: every DIDKit call above (did:key resolution, JSON-LD contexts) was answered offline.
  it('fetched nothing for any test above', () => {
    expect(fetchedElsewhere).toEqual([]);
  });
});
