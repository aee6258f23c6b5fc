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
 * The interpreter: GX_PYTHON when set (only it), else /usr/bin/python3 (Debian's, where apt-get
 * puts the modules), else `python3` on PATH, whichever first imports jwt, pyld and cryptography.
 * Without one the suite is skipped, saying which packages to install; with GX_REQUIRE_PYTHON=1,
 * which .ci/run sets after installing them, it fails instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
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

function compactOf(enveloped: { id: string }): string {
  expect(enveloped.id).toMatch(ENVELOPE);
  return enveloped.id.replace(ENVELOPE, '');
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
  /** A did:web server of the test's: the service's DID document as published, or with other keys under the same ids. */
  let impostor: Server;
  let served: unknown;
  const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });

  beforeAll(async () => {
    svc = await startService({ GX_RESULT_CACHE_SECONDS: '0' });
    didDocument = (await (await fetch(`${svc.url}/.well-known/did.json`)).json()) as typeof didDocument;
    impostor = createServer((request, response) => {
      if (request.url !== '/.well-known/did.json') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/did+json' }).end(JSON.stringify(served));
    });
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => impostor?.close(resolve));
    await svc?.close();
  });

  /** Python's `--resolve` sending the service's did:web host to the test's server, which serves `document`. */
  function resolvedTo(document: unknown): string {
    served = document;
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
});
