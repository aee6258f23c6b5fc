/**
 * A Python verifier and signer (issue 14), both ways: test/interop/python/gx_peer.py, on Debian
 * bookworm's PyJWT 2.6 (python3-jwt), PyLD 2.0 (python3-pyld, URDNA2015) and cryptography 38
 * (python3-cryptography), run as a child process. gx-trust issues `vc+jwt` (ES256, EdDSA) and
 * `eddsa-rdfc-2022` credentials as its did:web, which Python resolves over loopback HTTP, and as
 * its did:key, which Python decodes; Python signs a `vc+jwt` as a did:jwk and an eddsa-rdfc-2022
 * credential as a did:key, each generated there, and POST /credentials/verify decides. Python's
 * JSON-LD contexts come only from contexts/. A changed subject, a key that is not the issuer's, a
 * header naming another algorithm or type, a term no context defines and a context not pinned are
 * refused by Python; a changed subject by gx-trust.
 *
 * Presentations, both ways: gx-trust signs a `vp+jwt` (and an eddsa-rdfc-2022 presentation) with a
 * challenge and a domain, Python verifies it and each credential it holds, and refuses another
 * challenge or domain and a credential swapped in; Python signs a `vp+jwt` as a did:jwk and
 * POST /presentations/verify decides. Status lists: Python fetches the BitstringStatusList a
 * credential names (its JSON form and its `vc+jwt` form), verifies it, checks its issuer and reads
 * the entry's bit, before and after a revocation through the API; a list changed after signing, or
 * signed by another issuer, is refused.
 *
 * The interpreter: GX_PYTHON when set (only it), else /usr/bin/python3 (Debian's, where apt-get
 * puts the modules), else `python3` on PATH, whichever first imports jwt, pyld and cryptography.
 * Without one the suite is skipped, saying which packages to install; with GX_REQUIRE_PYTHON=1,
 * which .ci/run sets after installing them, it fails instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyToMultikey } from '../../src/dids/multikey.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { credentialBody, issuedByGxTrust, tampered, VCDM2 } from './peers.js';

const DRIVER = fileURLToPath(new URL('./python/gx_peer.py', import.meta.url));
const PACKAGES = 'python3-jwt python3-pyld python3-cryptography';
const INSTALL = `apt-get install -y --no-install-recommends ${PACKAGES}`;

/** The first candidate interpreter that imports the three libraries the driver is built on. */
function findPython(): string | undefined {
  const candidates = process.env['GX_PYTHON'] ? [process.env['GX_PYTHON']] : ['/usr/bin/python3', 'python3'];
  return candidates.find((candidate) => spawnSync(candidate, ['-c', 'import jwt, pyld, cryptography'], { stdio: 'ignore' }).status === 0);
}

const python = findPython();
const pythonRequired = process.env['GX_REQUIRE_PYTHON'] === '1';

// Without the modules: a failure where CI requires the Python peer (.ci/run), else a skip that says how to get them.
describe.runIf(python === undefined && pythonRequired)('the Python peer', () => {
  it('needs an interpreter that imports jwt, pyld and cryptography (GX_REQUIRE_PYTHON=1)', () => {
    throw new Error(`no interpreter (${process.env['GX_PYTHON'] ?? '/usr/bin/python3, python3'}) imports jwt, pyld and cryptography; install Debian's ${PACKAGES}: ${INSTALL}`);
  });
});

interface PeerReport {
  verified: boolean;
  errors: { code: string; message: string }[];
  format?: string;
  issuer?: string;
  verificationMethod?: string;
  credential?: Record<string, any>;
  holder?: string;
  presentation?: Record<string, any>;
  /** A presentation's held credentials, each verified as on its own. */
  credentials?: PeerReport[];
  /** A credential's status entries as read from their lists, each with the report of its list. */
  statuses?: { statusPurpose: string; statusListIndex: string; status?: number; valid?: boolean; listFormat?: string; list: PeerReport }[];
  revoked?: boolean;
}

/** Runs the driver with `input` on stdin and reads its one JSON answer. */
function peer(args: string[], input: string): Promise<any> {
  return new Promise((resolve, reject) => {
    // Loopback DID documents are fetched directly, whatever proxy the environment names.
    const child = spawn(python!, [DRIVER, ...args], { env: { ...process.env, no_proxy: '*', NO_PROXY: '*' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`gx_peer.py ${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout));
    });
    child.stdin.end(input);
  });
}

const verifyAtPython = (credential: unknown, resolve?: string): Promise<PeerReport> =>
  peer(['verify', ...(resolve === undefined ? [] : ['--resolve', resolve])], typeof credential === 'string' ? credential : JSON.stringify(credential));

const CHALLENGE = 'python-nonce-4711';
const DOMAIN = 'connector.example';

const verifyPresentationAtPython = (presentation: unknown, challenge = CHALLENGE, domain = DOMAIN, resolve?: string): Promise<PeerReport> =>
  peer(['verify-presentation', '--challenge', challenge, '--domain', domain, ...(resolve === undefined ? [] : ['--resolve', resolve])], typeof presentation === 'string' ? presentation : JSON.stringify(presentation));

const codes = (report: PeerReport) => report.errors.map((error) => error.code);

/**
 * A credential whose subject holds objects without an id, blank nodes that RDFC-1.0 labels, both
 * sides alike or not at all; `offices` is an ordered list, so its order is signed. The terms are
 * defined inline: the pinned contexts define none for this.
 */
const NESTED = {
  '@context': [
    VCDM2,
    {
      offices: { '@id': 'https://lumiere.example/vocab#offices', '@container': '@list' },
      address: 'https://lumiere.example/vocab#address',
      locality: 'https://lumiere.example/vocab#locality',
      role: 'https://lumiere.example/vocab#role',
    },
  ],
  credentialSubject: {
    id: 'did:web:member.example',
    offices: [
      { address: { locality: 'Paris' }, role: 'headquarters' },
      { address: { locality: 'Grenoble' }, role: 'lab' },
    ],
  },
};

const ENVELOPE = /^data:application\/vc\+jwt,/;
const VP_ENVELOPE = /^data:application\/vp\+jwt,/;

function compactOf(enveloped: { id: string }, envelope = ENVELOPE): string {
  expect(enveloped.id).toMatch(envelope);
  return enveloped.id.replace(envelope, '');
}

/** The compact JWS with its header or payload changed through `change`, the signature kept. */
function rewritten(jwt: string, part: 0 | 1, change: (json: any) => any): string {
  const parts = jwt.split('.');
  parts[part] = Buffer.from(JSON.stringify(change(JSON.parse(Buffer.from(parts[part]!, 'base64url').toString('utf8'))))).toString('base64url');
  return parts.join('.');
}

describe.skipIf(python === undefined)(`a Python verifier and signer (skipped without an interpreter that imports jwt, pyld and cryptography: ${INSTALL})`, () => {
  let svc: RunningService;
  let didDocument: { id: string; verificationMethod: Record<string, unknown>[] };
  /**
   * A server of the test's standing in for the service's host: the service's DID document as
   * published, or with other keys under the same ids; and under /status-lists/ the list it is given.
   */
  let impostor: Server;
  let served: unknown;
  let servedList: { contentType: string; body: string } | undefined;
  const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });

  beforeAll(async () => {
    svc = await startService({ GX_RESULT_CACHE_SECONDS: '0' });
    didDocument = (await (await fetch(`${svc.url}/.well-known/did.json`)).json()) as typeof didDocument;
    impostor = createServer((request, response) => {
      if (request.url?.startsWith('/status-lists/') && servedList !== undefined) return void response.writeHead(200, { 'content-type': servedList.contentType }).end(servedList.body);
      if (request.url !== '/.well-known/did.json') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/did+json' }).end(JSON.stringify(served));
    });
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => impostor?.close(resolve));
    await svc?.close();
  });

  /** Python's `--resolve` sending the service's did:web host to the test's server, which serves `document` (and `list`). */
  function resolvedTo(document: unknown, list?: { contentType: string; body: string }): string {
    served = document;
    servedList = list;
    return `localhost:${svc.port}=127.0.0.1:${(impostor.address() as AddressInfo).port}`;
  }

  /** The service's DID document with every Ed25519 and P-256 key replaced by a fresh one, ids kept. */
  function withOtherKeys(): unknown {
    const ed25519 = generateKeyPairSync('ed25519').publicKey;
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const swapped = structuredClone(didDocument);
    for (const method of swapped.verificationMethod) {
      const id = String(method['id']);
      if (/#jwk-ed25519/.test(id)) method['publicKeyJwk'] = ed25519.export({ format: 'jwk' });
      if (/#jwk-p256/.test(id)) method['publicKeyJwk'] = p256.export({ format: 'jwk' });
      if (id.endsWith('#multikey-ed25519')) method['publicKeyMultibase'] = publicKeyToMultikey(ed25519);
    }
    return swapped;
  }

  describe.each([
    ['ES256', '#jwk-p256', 'ES384', 'P-256'],
    ['EdDSA', '#jwk-ed25519', 'ES256', 'Ed25519'],
  ] as const)('gx-trust issues a %s vc+jwt, Python verifies it', (alg, fragment, otherAlg, keyType) => {
    const issued = async (issuer?: string) =>
      compactOf((await postJson(`${svc.url}/credentials/issue`, { credential: credentialBody(issuer ?? svc.service.keyring.did), options: { format: 'vc+jwt', alg } }, auth())).body.verifiableCredential);

    it('verified under the key its kid names in the DID document Python fetched; the payload is the credential', async () => {
      const report = await verifyAtPython(await issued());
      expect(report, JSON.stringify(report.errors)).toMatchObject({ verified: true, format: 'vc+jwt', issuer: didDocument.id, verificationMethod: `${didDocument.id}${fragment}` });
      expect(report.credential).toMatchObject({ '@context': [VCDM2], issuer: didDocument.id, iss: didDocument.id, credentialSubject: { id: 'did:web:member.example' } });
    });

    it('verified in its envelope, as POST /credentials/issue answers', async () => {
      const answer = await postJson(`${svc.url}/credentials/issue`, { credential: credentialBody(svc.service.keyring.did), options: { format: 'vc+jwt', alg } }, auth());
      expect(await verifyAtPython(answer.body.verifiableCredential)).toMatchObject({ verified: true, errors: [] });
    });

    it(`verified as the service's ${keyType} did:key, which Python decodes`, async () => {
      const didKey = svc.service.keyring.didKey(keyType).did;
      const report = await verifyAtPython(await issued(didKey));
      expect(report, JSON.stringify(report.errors)).toMatchObject({ verified: true, issuer: didKey, verificationMethod: expect.stringMatching(new RegExp(`^${didKey}#`)) });
    });

    it('refused with another credentialSubject (signature kept)', async () => {
      const report = await verifyAtPython(rewritten(await issued(), 1, (claims) => ({ ...claims, credentialSubject: { id: 'did:web:mallory.example' } })));
      expect(report.verified).toBe(false);
      expect(codes(report)).toEqual(['INVALID_SIGNATURE']);
    });

    it('refused when the did:web serves other keys under the same ids (and verified where it serves the published ones)', async () => {
      const jwt = await issued();
      expect(await verifyAtPython(jwt, resolvedTo(didDocument))).toMatchObject({ verified: true });
      const report = await verifyAtPython(jwt, resolvedTo(withOtherKeys()));
      expect(report.verified).toBe(false);
      expect(codes(report)).toEqual(['INVALID_SIGNATURE']);
    });

    it(`refused with ${otherAlg} in the header over the ${keyType} key (the algorithm is the key type's)`, async () => {
      const report = await verifyAtPython(rewritten(await issued(), 0, (header) => ({ ...header, alg: otherAlg })));
      expect(codes(report)).toEqual(['ALG_NOT_ALLOWED']);
    });

    it('refused with typ vp+jwt in the header', async () => {
      const report = await verifyAtPython(rewritten(await issued(), 0, (header) => ({ ...header, typ: 'vp+jwt' })));
      expect(codes(report)).toEqual(['TOKEN_TYPE']);
    });
  });

  describe('gx-trust issues an eddsa-rdfc-2022 credential, Python verifies it', () => {
    it('verified under the Multikey the DID document Python fetched names', async () => {
      const credential = await issuedByGxTrust(svc, { cryptosuite: 'eddsa-rdfc-2022' });
      const report = await verifyAtPython(credential);
      expect(report, JSON.stringify(report.errors)).toMatchObject({ verified: true, errors: [], format: 'eddsa-rdfc-2022', issuer: didDocument.id, verificationMethod: `${didDocument.id}#multikey-ed25519` });
    });

    it("verified as the service's Ed25519 did:key (z6Mk..., decoded by Python)", async () => {
      const didKey = svc.service.keyring.didKey('Ed25519').did;
      expect(didKey).toMatch(/^did:key:z6Mk/);
      const answer = await postJson(`${svc.url}/credentials/issue`, { credential: credentialBody(didKey), options: { cryptosuite: 'eddsa-rdfc-2022' } }, auth());
      expect(answer.status, answer.text).toBe(201);
      const report = await verifyAtPython(answer.body.verifiableCredential);
      expect(report, JSON.stringify(report.errors)).toMatchObject({ verified: true, issuer: didKey, verificationMethod: expect.stringMatching(new RegExp(`^${didKey}#z6Mk`)) });
    });

    // Objects without an id are blank nodes: RDFC-1.0 labels them, and both sides must label them alike.
    it('verified with nested objects and an ordered list of them (blank nodes) in the subject', async () => {
      const answer = await postJson(`${svc.url}/credentials/issue`, { credential: { ...credentialBody(svc.service.keyring.did), ...NESTED }, options: { cryptosuite: 'eddsa-rdfc-2022' } }, auth());
      expect(answer.status, answer.text).toBe(201);
      const report = await verifyAtPython(answer.body.verifiableCredential);
      expect(report, JSON.stringify(report.errors)).toMatchObject({ verified: true, errors: [] });
      const swapped = structuredClone(answer.body.verifiableCredential);
      swapped.credentialSubject.offices.reverse();
      expect(codes(await verifyAtPython(swapped)), 'the array order is signed').toEqual(['INVALID_SIGNATURE']);
    });

    it('refused with another credentialSubject (proof kept)', async () => {
      const report = await verifyAtPython(tampered(await issuedByGxTrust(svc, { cryptosuite: 'eddsa-rdfc-2022' })));
      expect(report.verified).toBe(false);
      expect(codes(report)).toEqual(['INVALID_SIGNATURE']);
    });

    it('refused with a member no context defines (JSON-LD safe mode: it would not be signed)', async () => {
      const credential = await issuedByGxTrust(svc, { cryptosuite: 'eddsa-rdfc-2022' });
      const report = await verifyAtPython({ ...credential, credentialSubject: { ...credential.credentialSubject, undefinedClaim: 'added after signing' } });
      expect(report.verified).toBe(false);
      expect(codes(report)).toEqual(['SAFE_MODE_VIOLATION']);
    });

    it('refused with a changed proof option (created), which the signature covers', async () => {
      const credential = await issuedByGxTrust(svc, { cryptosuite: 'eddsa-rdfc-2022' });
      const report = await verifyAtPython({ ...credential, proof: { ...credential.proof, created: '2020-01-01T00:00:00Z' } });
      expect(codes(report)).toEqual(['INVALID_SIGNATURE']);
    });

    it('refused when the did:web serves another Ed25519 Multikey under the same id (and verified where it serves the published one)', async () => {
      const credential = await issuedByGxTrust(svc, { cryptosuite: 'eddsa-rdfc-2022' });
      expect(await verifyAtPython(credential, resolvedTo(didDocument))).toMatchObject({ verified: true });
      const report = await verifyAtPython(credential, resolvedTo(withOtherKeys()));
      expect(report.verified).toBe(false);
      expect(codes(report)).toEqual(['INVALID_SIGNATURE']);
    });

    it('refused with a context that is not in contexts/: the document loader fetches nothing else', async () => {
      const credential = await issuedByGxTrust(svc, { cryptosuite: 'eddsa-rdfc-2022' });
      const report = await verifyAtPython({ ...credential, '@context': [...credential['@context'], 'https://contexts.example/unpinned/v1'] });
      expect(codes(report)).toEqual(['CANONICALIZATION']);
      expect(report.errors[0]!.message).toContain('https://contexts.example/unpinned/v1 is not a pinned context');
    });
  });

  describe('Python signs, gx-trust verifies at POST /credentials/verify', () => {
    const body = () => JSON.stringify({ ...credentialBody(), id: `urn:uuid:${crypto.randomUUID()}`, validFrom: new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') });
    const verifyJwtAtGxTrust = (jwt: string) => postJson(`${svc.url}/credentials/verify`, jwt, { 'content-type': 'application/vc+jwt' });

    it.each(['ES256', 'EdDSA'])('a vc+jwt signed with %s as a did:jwk Python generated: valid', async (alg) => {
      const signed = await peer(['sign-jwt', '--alg', alg], body());
      expect(signed.issuer).toMatch(/^did:jwk:/);
      const answer = await verifyJwtAtGxTrust(signed.credential);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toMatchObject({ verified: true, format: 'vc+jwt', issuer: signed.issuer });
    });

    it('the ES256 vc+jwt with another credentialSubject: refused for its signature', async () => {
      const signed = await peer(['sign-jwt', '--alg', 'ES256'], body());
      const answer = await verifyJwtAtGxTrust(rewritten(signed.credential, 1, (claims) => ({ ...claims, credentialSubject: { id: 'did:web:mallory.example' } })));
      expect(answer.status, answer.text).toBe(422);
      expect(answer.body.checks).toContainEqual(expect.objectContaining({ check: 'proof', verified: false, code: 'INVALID_SIGNATURE' }));
    });

    it('an eddsa-rdfc-2022 credential as a did:key Python generated: valid', async () => {
      const signed = await peer(['sign-eddsa-rdfc-2022'], body());
      expect(signed.issuer).toMatch(/^did:key:z6Mk/);
      const answer = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: signed.credential });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toMatchObject({ verified: true, issuer: signed.issuer });
    });

    it('an eddsa-rdfc-2022 credential with blank nodes in the subject: valid; another office address refused', async () => {
      const signed = await peer(['sign-eddsa-rdfc-2022'], JSON.stringify({ ...JSON.parse(body()), ...NESTED }));
      const answer = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: signed.credential });
      expect(answer.status, answer.text).toBe(200);
      const changed = structuredClone(signed.credential);
      changed.credentialSubject.offices[1].address.locality = 'Lyon';
      const refused = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: changed });
      expect(refused.status, refused.text).toBe(422);
      expect(refused.body.checks).toContainEqual(expect.objectContaining({ check: 'proof', verified: false, code: 'INVALID_SIGNATURE' }));
    });

    it('the eddsa-rdfc-2022 credential with another credentialSubject: refused for its proof', async () => {
      const signed = await peer(['sign-eddsa-rdfc-2022'], body());
      const answer = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: tampered(signed.credential) });
      expect(answer.status, answer.text).toBe(422);
      expect(answer.body.checks).toContainEqual(expect.objectContaining({ check: 'proof', verified: false, code: 'INVALID_SIGNATURE' }));
    });
  });

  describe('gx-trust signs a presentation with a challenge and a domain, Python verifies it and each credential it holds', () => {
    const holder = () => svc.service.keyring.did;

    /** A presentation POST /presentations/prove signs as the service's did:web holding `credential`: the envelope it answers. */
    async function proved(credential: unknown, options: Record<string, unknown>): Promise<any> {
      const presentation = { '@context': [VCDM2], type: ['VerifiablePresentation'], holder: holder(), verifiableCredential: [credential] };
      const answer = await postJson(`${svc.url}/presentations/prove`, { presentation, options: { challenge: CHALLENGE, domain: DOMAIN, ...options } }, auth());
      expect(answer.status, answer.text).toBe(201);
      return answer.body.verifiablePresentation;
    }
    const vpJwt = async (alg = 'ES256') => proved(await issuedByGxTrust(svc, { format: 'vc+jwt', alg }), { format: 'vp+jwt', alg });

    it.each([
      ['ES256', '#jwk-p256'],
      ['EdDSA', '#jwk-ed25519'],
    ])('a %s vp+jwt: verified (typ, kid an authentication method of the holder, nonce, aud) with the vc+jwt it holds, in its envelope and bare', async (alg, fragment) => {
      const enveloped = await vpJwt(alg);
      const report = await verifyPresentationAtPython(enveloped);
      expect(report, JSON.stringify(report.errors)).toMatchObject({
        verified: true, errors: [], format: 'vp+jwt', holder: holder(), verificationMethod: `${holder()}${fragment}`,
        presentation: { nonce: CHALLENGE, aud: DOMAIN, iss: holder() },
        credentials: [{ verified: true, format: 'vc+jwt', issuer: holder(), verificationMethod: `${holder()}${fragment}` }],
      });
      expect(await verifyPresentationAtPython(compactOf(enveloped, VP_ENVELOPE))).toMatchObject({ verified: true, errors: [] });
    });

    it('refused for another challenge, or another domain', async () => {
      const enveloped = await vpJwt();
      expect(codes(await verifyPresentationAtPython(enveloped, 'python-nonce-4712'))).toEqual(['CHALLENGE_MISMATCH']);
      expect(codes(await verifyPresentationAtPython(enveloped, CHALLENGE, 'mallory.example'))).toEqual(['DOMAIN_MISMATCH']);
    });

    it('refused holding another credential, signature kept', async () => {
      const other = JSON.parse(Buffer.from(compactOf(await vpJwt(), VP_ENVELOPE).split('.')[1]!, 'base64url').toString('utf8')).verifiableCredential;
      const swapped = rewritten(compactOf(await vpJwt(), VP_ENVELOPE), 1, (claims) => ({ ...claims, verifiableCredential: other }));
      const report = await verifyPresentationAtPython(swapped);
      expect(report.verified).toBe(false);
      expect(codes(report)).toEqual(['INVALID_SIGNATURE']);
    });

    it('refused when the holder\'s DID document lists its key for assertions only (and verified where it serves the published one)', async () => {
      const enveloped = await vpJwt();
      expect(await verifyPresentationAtPython(enveloped, CHALLENGE, DOMAIN, resolvedTo(didDocument))).toMatchObject({ verified: true });
      const report = await verifyPresentationAtPython(enveloped, CHALLENGE, DOMAIN, resolvedTo({ ...didDocument, authentication: [] }));
      expect(codes(report)).toEqual(['KEY_BINDING']);
      expect(report.errors[0]!.message).toContain('authentication');
    });

    // The presentation's signature covers the envelope as it is, not the credential's validity: each held credential is verified on its own.
    it('refused when a credential it holds does not verify, the presentation signature valid', async () => {
      const issued = await issuedByGxTrust(svc, { format: 'vc+jwt', alg: 'ES256' });
      const forged = { ...issued, id: `data:application/vc+jwt,${rewritten(compactOf(issued), 1, (claims) => ({ ...claims, credentialSubject: { id: 'did:web:mallory.example' } }))}` };
      const report = await verifyPresentationAtPython(await proved(forged, { format: 'vp+jwt', alg: 'ES256' }));
      expect(report).toMatchObject({ verified: false, credentials: [{ verified: false }] });
      expect(codes(report)).toEqual(['CREDENTIAL_NOT_VERIFIED']);
      expect(codes(report.credentials![0]!)).toEqual(['INVALID_SIGNATURE']);
    });

    it('an eddsa-rdfc-2022 presentation (proofPurpose authentication, challenge, domain) holding an eddsa-rdfc-2022 credential: verified; another challenge or domain, or another credential, refused', async () => {
      const credential = await issuedByGxTrust(svc, { cryptosuite: 'eddsa-rdfc-2022' });
      const presentation = await proved(credential, {});
      expect(presentation.proof).toMatchObject({ cryptosuite: 'eddsa-rdfc-2022', proofPurpose: 'authentication', challenge: CHALLENGE, domain: DOMAIN });
      const report = await verifyPresentationAtPython(presentation);
      expect(report, JSON.stringify(report.errors)).toMatchObject({
        verified: true, errors: [], format: 'eddsa-rdfc-2022', holder: holder(), verificationMethod: `${holder()}#multikey-ed25519`,
        credentials: [{ verified: true, format: 'eddsa-rdfc-2022', issuer: holder() }],
      });
      expect(codes(await verifyPresentationAtPython(presentation, 'python-nonce-4712'))).toEqual(['CHALLENGE_MISMATCH']);
      expect(codes(await verifyPresentationAtPython(presentation, CHALLENGE, 'mallory.example'))).toEqual(['DOMAIN_MISMATCH']);
      const other = await issuedByGxTrust(svc, { cryptosuite: 'eddsa-rdfc-2022' });
      expect(codes(await verifyPresentationAtPython({ ...presentation, verifiableCredential: [other] }))).toEqual(['INVALID_SIGNATURE']);
      // An assertion proof where an authentication proof is due: the credential's own proof is no presentation proof.
      expect(codes(await verifyPresentationAtPython({ ...presentation, proof: { ...presentation.proof, proofPurpose: 'assertionMethod' } }))).toEqual(['PROOF_PURPOSE']);
    });
  });

  describe('Python signs a vp+jwt as its did:jwk, gx-trust verifies it (POST /presentations/verify)', () => {
    const ownCredential = () => ({ ...credentialBody(), id: `urn:uuid:${crypto.randomUUID()}`, validFrom: new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') });
    const verifyAtGxTrust = (jwt: string, challenge = CHALLENGE) =>
      postJson(`${svc.url}/presentations/verify?challenge=${challenge}&domain=${DOMAIN}`, jwt, { 'content-type': 'application/vp+jwt' });
    /** Python's vp+jwt holding a vc+jwt gx-trust issued and one it issues itself as the same did:jwk. */
    async function pythonPresentation(alg: string): Promise<{ presentation: string; holder: string }> {
      const issued = await issuedByGxTrust(svc, { format: 'vc+jwt', alg: 'ES256' });
      return peer(['sign-vp-jwt', '--alg', alg, '--challenge', CHALLENGE, '--domain', DOMAIN], JSON.stringify({ verifiableCredential: [issued], issue: [ownCredential()] }));
    }

    it.each(['ES256', 'EdDSA'])('%s, holding a credential gx-trust issued and one of its own: verified, with the challenge, the domain and both credentials', async (alg) => {
      const signed = await pythonPresentation(alg);
      expect(signed.holder).toMatch(/^did:jwk:/);
      // Python checks its own output first: a failure below is then gx-trust's.
      expect(await verifyPresentationAtPython(signed.presentation)).toMatchObject({ verified: true, holder: signed.holder });
      const answer = await verifyAtGxTrust(signed.presentation);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toMatchObject({ verified: true, format: 'vp+jwt', credentials: [{ verified: true, format: 'vc+jwt', issuer: didDocument.id }, { verified: true, format: 'vc+jwt', issuer: signed.holder }] });
      expect(answer.body.checks).toEqual(expect.arrayContaining([
        expect.objectContaining({ check: 'key-binding', verified: true, message: `${signed.holder}#0 (authentication)` }),
        expect.objectContaining({ check: 'challenge', verified: true }),
        expect.objectContaining({ check: 'domain', verified: true }),
      ]));
    });

    it('refused for another challenge', async () => {
      const answer = await verifyAtGxTrust((await pythonPresentation('ES256')).presentation, 'python-nonce-4712');
      expect(answer.status, answer.text).toBe(422);
      expect(answer.body.checks).toContainEqual(expect.objectContaining({ check: 'challenge', verified: false }));
    });

    it('refused holding another credential, signature kept', async () => {
      const other = await issuedByGxTrust(svc, { format: 'vc+jwt', alg: 'ES256' });
      const swapped = rewritten((await pythonPresentation('ES256')).presentation, 1, (claims) => ({ ...claims, verifiableCredential: [other, claims.verifiableCredential[1]] }));
      const answer = await verifyAtGxTrust(swapped);
      expect(answer.status, answer.text).toBe(422);
      expect(answer.body.checks).toContainEqual(expect.objectContaining({ check: 'proof', verified: false, code: 'INVALID_SIGNATURE' }));
    });
  });

  describe('Python reads a credential\'s BitstringStatusListEntry from the list gx-trust serves, and verifies the list', () => {
    /** Two credentials on the service's did:web revocation list: one revoked after the first reading, one untouched. */
    let revoked: any;
    let untouched: any;
    /** Python's reports before the revocation, by list form. */
    const before = new Map<string, [PeerReport, PeerReport]>();
    const statusAtPython = (credential: unknown, listFormat: string, resolve?: string): Promise<PeerReport> =>
      peer(['status', '--list-format', listFormat, ...(resolve === undefined ? [] : ['--resolve', resolve])], JSON.stringify(credential));
    const entryOf = (credential: any) => {
      const claims = credential.type === 'EnvelopedVerifiableCredential' ? JSON.parse(Buffer.from(compactOf(credential).split('.')[1]!, 'base64url').toString('utf8')) : credential;
      return { ...([claims.credentialStatus].flat()[0] as { statusListIndex: string; statusListCredential: string }), credentialId: String(claims.id) };
    };

    beforeAll(async () => {
      revoked = await issuedByGxTrust(svc, { cryptosuite: 'eddsa-rdfc-2022', credentialStatus: true });
      untouched = await issuedByGxTrust(svc, { format: 'vc+jwt', alg: 'ES256', credentialStatus: true });
      expect(entryOf(untouched).statusListCredential).toBe(entryOf(revoked).statusListCredential);
      for (const form of ['json', 'vc+jwt']) before.set(form, [await statusAtPython(revoked, form), await statusAtPython(untouched, form)]);
      const answer = await postJson(`${svc.url}/credentials/status`, { credentialId: entryOf(revoked).credentialId, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] }, auth());
      expect(answer.status, answer.text).toBe(200);
    });

    /** The list as served in `form`; `forged`: with the revoked credential's bit cleared and the proof kept, as a forger undoing a revocation writes it. */
    async function listServed(form: 'json' | 'vc+jwt', forged: boolean): Promise<{ contentType: string; body: string }> {
      const url = entryOf(revoked).statusListCredential;
      const index = Number(entryOf(revoked).statusListIndex);
      const clear = (encodedList: string) => {
        if (!forged) return encodedList;
        const bits = gunzipSync(Buffer.from(encodedList.slice(1), 'base64url'));
        expect(bits[index >> 3]! & (0x80 >> (index & 7)), 'the bit is set before it is cleared').not.toBe(0);
        bits[index >> 3]! &= ~(0x80 >> (index & 7));
        return `u${gzipSync(bits).toString('base64url')}`;
      };
      if (form === 'json') {
        const list = (await (await fetch(url, { headers: { accept: 'application/json' } })).json()) as any;
        list.credentialSubject.encodedList = clear(list.credentialSubject.encodedList);
        return { contentType: 'application/json', body: JSON.stringify(list) };
      }
      const jwt = await (await fetch(`${url}?format=vc+jwt`)).text();
      return { contentType: 'application/vc+jwt', body: rewritten(jwt, 1, (claims) => ({ ...claims, credentialSubject: { ...claims.credentialSubject, encodedList: clear(claims.credentialSubject.encodedList) } })) };
    }

    it.each([
      ['json', 'eddsa-rdfc-2022'],
      ['vc+jwt', 'vc+jwt'],
    ])('the %s list (its proof %s): both bits clear before the revocation; after it the revoked credential\'s set, the untouched one\'s clear', async (form, listFormat) => {
      const cleared = { verified: true, errors: [], revoked: false, statuses: [{ statusPurpose: 'revocation', status: 0, valid: true, listFormat, list: { verified: true, issuer: didDocument.id } }] };
      const [revokedBefore, untouchedBefore] = before.get(form)!;
      expect(revokedBefore, JSON.stringify(revokedBefore.errors)).toMatchObject({ ...cleared, statuses: [{ ...cleared.statuses[0], statusListIndex: entryOf(revoked).statusListIndex }] });
      expect(untouchedBefore, JSON.stringify(untouchedBefore.errors)).toMatchObject(cleared);

      const revokedAfter = await statusAtPython(revoked, form);
      expect(revokedAfter, JSON.stringify(revokedAfter.errors)).toMatchObject({ verified: true, revoked: true, statuses: [{ statusPurpose: 'revocation', statusListIndex: entryOf(revoked).statusListIndex, status: 1, valid: false, listFormat }] });
      expect(await statusAtPython(untouched, form)).toMatchObject(cleared);
    });

    it.each(['json', 'vc+jwt'] as const)('the %s list with the revoked bit cleared, proof kept, is refused (and read as revoked where the list as published is served)', async (form) => {
      expect(await statusAtPython(revoked, form, resolvedTo(didDocument, await listServed(form, false)))).toMatchObject({ verified: true, revoked: true });
      const report = await statusAtPython(revoked, form, resolvedTo(didDocument, await listServed(form, true)));
      expect(report).toMatchObject({ verified: false, statuses: [{ list: { verified: false } }] });
      expect(report.revoked).toBeUndefined();
      expect(codes(report)).toEqual(['STATUS_VERIFICATION_ERROR']);
      expect(codes(report.statuses![0]!.list)).toEqual(['INVALID_SIGNATURE']);
    });

    it('a list signed by another issuer (the service\'s Ed25519 did:key), served at the did:web list\'s URL, is refused', async () => {
      const didKey = svc.service.keyring.didKey('Ed25519').did;
      const answer = await postJson(`${svc.url}/credentials/issue`, { credential: credentialBody(didKey), options: { cryptosuite: 'eddsa-rdfc-2022', credentialStatus: true } }, auth());
      expect(answer.status, answer.text).toBe(201);
      const foreignUrl = entryOf(answer.body.verifiableCredential).statusListCredential;
      expect(foreignUrl).not.toBe(entryOf(untouched).statusListCredential);
      const foreign = await (await fetch(foreignUrl, { headers: { accept: 'application/json' } })).text();
      const report = await statusAtPython(untouched, 'json', resolvedTo(didDocument, { contentType: 'application/json', body: foreign }));
      expect(report).toMatchObject({ verified: false, statuses: [{ list: { verified: true, issuer: didKey } }] });
      expect(codes(report)).toEqual(['STATUS_LIST_ISSUER']);
    });
  });
});
