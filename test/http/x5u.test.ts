/**
 * The Gaia-X `x5u` case, end to end: the key in an issuer's DID document carries `x5u`, the URL of
 * its certificate chain, and no `x5c`, so POST /credentials/verify must fetch the chain to run the
 * X.509 check. The Gaia-X compliance service fetches it with no timeout, no size cap and an
 * unbounded cache; gx-trust fetches it like a did:web document (https only, no internal address,
 * no redirect, a deadline and a cap), keeps at most 256 chains, and fails closed: a chain it could
 * not fetch, that certifies another key or that leads to no trust anchor is a failed x509 check
 * (422), never a pass. In development the issuer's DID document and its chain are served on
 * loopback; outside development the document is held locally and nothing is fetched at all.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, exportJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addDays, parsePemCertificates } from '../../src/x509/index.js';
import { issueCertificate } from '../../src/keyring/certificates.js';
import { didWebPath, startDidWebServer, type DidWebServer } from '../helpers/did-web-server.js';
import { productionEnv } from '../helpers/production.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
/** The x5u chain cache's bound (src/verifying/certificate-chain.ts). */
const X5U_CACHE_ENTRIES = 256;

interface Pair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const p256 = (): Pair => generateKeyPairSync('ec', { namedCurve: 'P-256' });

let dir: string;
let svc: RunningService;
let didHost: DidWebServer;
let chains: Server;
let chainsUrl: string;
const chainRoutes = new Map<string, (res: ServerResponse) => void>();
const chainHits = new Map<string, number>();

/** The issuer's key, and PEM chains for it and for others. */
let issuerKey: Pair & { jwk: JWK };
let trustedChain: string;
let otherKeyChain: string;
let untrustedChain: string;

async function chainFor(subject: KeyObject, root: Pair, rootName: string): Promise<{ leafAndRoot: string; rootPem: string }> {
  const now = new Date();
  const rootPem = await issueCertificate({ subject: { commonName: rootName }, subjectPublicKey: root.publicKey, issuerPrivateKey: root.privateKey, notBefore: addDays(now, -1), notAfter: addDays(now, 365), ca: true });
  const leafPem = await issueCertificate({ subject: { commonName: 'issuer signing key' }, subjectPublicKey: subject, issuerCertificatePem: rootPem, issuerPrivateKey: root.privateKey, notBefore: addDays(now, -1), notAfter: addDays(now, 180) });
  return { leafAndRoot: leafPem + rootPem, rootPem };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gx-x5u-'));
  const pair = p256();
  issuerKey = { ...pair, jwk: await exportJWK(pair.publicKey) };
  const anchor = p256();
  const trusted = await chainFor(issuerKey.publicKey, anchor, 'x5u test anchor');
  trustedChain = trusted.leafAndRoot;
  otherKeyChain = (await chainFor(p256().publicKey, anchor, 'x5u test anchor')).leafAndRoot;
  untrustedChain = (await chainFor(issuerKey.publicKey, p256(), 'a root nobody configured')).leafAndRoot;
  expect(parsePemCertificates(trustedChain)).toHaveLength(2);
  writeFileSync(join(dir, 'anchors.pem'), trusted.rootPem);

  // No result cache: each verification runs the X.509 check, as a first one does.
  svc = await startService({ GX_TRUST_ANCHORS: join(dir, 'anchors.pem'), GX_RESULT_CACHE_SECONDS: '0' });
  didHost = await startDidWebServer();
  chains = createServer((req, res) => {
    const path = req.url ?? '/';
    chainHits.set(path, (chainHits.get(path) ?? 0) + 1);
    const route = chainRoutes.get(new URL(path, chainsUrl).pathname);
    if (route === undefined) res.writeHead(404).end();
    else route(res);
  });
  await new Promise<void>((resolve) => chains.listen(0, '127.0.0.1', resolve));
  chainsUrl = `http://127.0.0.1:${(chains.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  chains?.closeAllConnections();
  await new Promise<void>((resolve) => (chains ? chains.close(() => resolve()) : resolve()));
  await didHost?.close();
  await svc?.close();
  rmSync(dir, { recursive: true, force: true });
});

const servePem = (pem: string) => (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/pem-certificate-chain' }).end(pem);

/** A DID document whose one key is the issuer's, with `x5u` and no `x5c`. */
function documentWithX5u(did: string, x5u: string) {
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/jws/v1'],
    id: did,
    verificationMethod: [{ id: `${did}#key-1`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: { ...issuerKey.jwk, x5u } }],
    assertionMethod: [`${did}#key-1`],
  };
}

/** A did:web issuer on loopback whose key's chain is at `chainPath` of the chain host. */
function issuerWithChainAt(name: string, chainPath: string): string {
  const did = didHost.didFor(['x5u', name]);
  didHost.setDocument(did, documentWithX5u(did, `${chainsUrl}${chainPath}`));
  return did;
}

async function signedBy(did: string, subject = 'did:example:holder'): Promise<string> {
  const payload = { '@context': [V2], type: ['VerifiableCredential'], issuer: did, credentialSubject: { id: subject } };
  return new CompactSign(Buffer.from(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid: `${did}#key-1` }).sign(issuerKey.privateKey);
}

async function verifyAt(service: RunningService, jwt: string): Promise<{ status: number; body: any }> {
  return postJson(`${service.url}/credentials/verify`, { verifiableCredential: jwt });
}

const checkOf = (report: any, name: string) => report.checks.find((c: { check: string }) => c.check === name);

/** A well-signed credential that fails only its X.509 check, with `code`. */
function expectX509Failure(answer: { status: number; body: any }, message: string): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(422);
  expect(checkOf(answer.body, 'proof')).toMatchObject({ verified: true });
  expect(checkOf(answer.body, 'key-binding')).toMatchObject({ verified: true });
  expect(checkOf(answer.body, 'x509')).toMatchObject({ verified: false, code: 'X509_CHAIN' });
  expect(checkOf(answer.body, 'x509').message).toContain(message);
}

describe('an issuer key with x5u, in development (loopback hosts allowed)', () => {
  it('passes the x509 check with a chain to a configured anchor, fetched once for several verifications', async () => {
    chainRoutes.set('/trusted.pem', servePem(trustedChain));
    const did = issuerWithChainAt('trusted', '/trusted.pem');
    for (const subject of ['did:example:a', 'did:example:b', 'did:example:c']) {
      const answer = await verifyAt(svc, await signedBy(did, subject));
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(checkOf(answer.body, 'x509')).toMatchObject({ verified: true });
    }
    expect(chainHits.get('/trusted.pem')).toBe(1);
  });

  it('fails a chain that certifies another key (chain and JWK differ)', async () => {
    chainRoutes.set('/other-key.pem', servePem(otherKeyChain));
    expectX509Failure(await verifyAt(svc, await signedBy(issuerWithChainAt('other-key', '/other-key.pem'))), "the JWK is not the leaf certificate's key");
  });

  it('fails a chain that leads to no configured anchor', async () => {
    chainRoutes.set('/untrusted.pem', servePem(untrustedChain));
    expectX509Failure(await verifyAt(svc, await signedBy(issuerWithChainAt('untrusted', '/untrusted.pem'))), 'untrusted chain');
  });

  it('fails closed when the chain is not there, is no PEM, or is redirected (and does not follow the redirect)', async () => {
    chainRoutes.set('/not-pem.pem', (res) => res.end('<html>not a chain</html>'));
    chainRoutes.set('/moved.pem', (res) => res.writeHead(302, { location: `${chainsUrl}/trusted.pem` }).end());
    chainRoutes.set('/trusted.pem', servePem(trustedChain));
    const before = chainHits.get('/trusted.pem') ?? 0;
    expectX509Failure(await verifyAt(svc, await signedBy(issuerWithChainAt('missing', '/missing.pem'))), 'answered 404');
    expectX509Failure(await verifyAt(svc, await signedBy(issuerWithChainAt('not-pem', '/not-pem.pem'))), 'holds no certificate');
    expectX509Failure(await verifyAt(svc, await signedBy(issuerWithChainAt('moved', '/moved.pem'))), 'redirects are not followed');
    expect(chainHits.get('/trusted.pem') ?? 0).toBe(before);
  });

  it('stops reading a chain past 64 KiB, sent without a length', async () => {
    chainRoutes.set('/huge.pem', (res) => {
      res.writeHead(200, { 'content-type': 'application/pem-certificate-chain' });
      for (let n = 0; n < 64; n++) res.write(trustedChain.padEnd(4096, '\n'));
      res.end();
    });
    expectX509Failure(await verifyAt(svc, await signedBy(issuerWithChainAt('huge', '/huge.pem'))), 'more than the 65536 bytes allowed');
  });

  it('fails a host that never answers by the fetch deadline, keeps nothing, and fetches again next time', async () => {
    chainRoutes.set('/silent.pem', () => undefined);
    const did = issuerWithChainAt('silent', '/silent.pem');
    expectX509Failure(await verifyAt(svc, await signedBy(did)), 'did not answer within 3000 ms');
    expect((await fetch(`${svc.url}/health`)).status).toBe(200);
    // The host comes back: the failure was not kept, so the next verification fetches and passes.
    chainRoutes.set('/silent.pem', servePem(trustedChain));
    const again = await verifyAt(svc, await signedBy(did));
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(chainHits.get('/silent.pem')).toBe(2);
  });

  it('keeps at most 256 chains: past them the least recently used is fetched again', async () => {
    chainRoutes.set('/lru.pem', servePem(trustedChain));
    // One issuer per chain URL: the query makes each URL (and each cache entry) its own.
    const issuers = Array.from({ length: X5U_CACHE_ENTRIES + 1 }, (_, n) => issuerWithChainAt(`lru-${n}`, `/lru.pem?n=${n}`));
    const first = issuers[0]!;
    const latest = issuers[issuers.length - 1]!;
    // The first alone, so it is the least recently used once the others are in.
    expect((await verifyAt(svc, await signedBy(first))).status).toBe(200);
    for (let at = 1; at < issuers.length; at += 8) {
      const answers = await Promise.all(issuers.slice(at, at + 8).map(async (did) => verifyAt(svc, await signedBy(did))));
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    }
    expect((await verifyAt(svc, await signedBy(latest))).status).toBe(200);
    expect(chainHits.get(`/lru.pem?n=${X5U_CACHE_ENTRIES}`)).toBe(1);
    expect((await verifyAt(svc, await signedBy(first))).status).toBe(200);
    expect(chainHits.get('/lru.pem?n=0')).toBe(2);
    // The DID documents were cached all along: only the chain was fetched again.
    expect(didHost.requestCount(didWebPath(first))).toBe(1);
  });
});

describe('an issuer key with x5u, outside development', () => {
  const ISSUER = 'did:web:issuer.example';
  let production: RunningService;
  let listener: net.Server;
  let listenerPort: number;
  let connectionsToListener = 0;
  /** Each x5u, and why it is refused. */
  const x5us = (): [string, string][] => [
    ['https://169.254.169.254/latest/meta-data/chain.pem', '169.254.169.254 is an address outbound fetches may not reach'],
    [`https://127.0.0.1:${listenerPort}/chain.pem`, '127.0.0.1 is an address outbound fetches may not reach'],
    [`https://[::1]:${listenerPort}/chain.pem`, '::1 is an address outbound fetches may not reach'],
    // The URL parser reads the single number as 127.0.0.1.
    ['https://2130706433/chain.pem', '127.0.0.1 is an address outbound fetches may not reach'],
    [`https://localhost:${listenerPort}/chain.pem`, 'localhost resolves to 127.0.0.1, an address outbound fetches may not reach'],
    ['http://issuer.example/chain.pem', 'only https URLs may be fetched'],
    ['file:///etc/passwd', 'only https URLs may be fetched'],
  ];

  beforeAll(async () => {
    listener = net.createServer((socket) => {
      connectionsToListener += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerPort = (listener.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await production?.close();
    await new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
  });

  it('refuses every internal or non-https x5u without a connection: a failed x509 check', async () => {
    for (const [n, [x5u, why]] of x5us().entries()) {
      const did = `${ISSUER}:${n}`;
      await production?.close();
      production = await startService(await productionEnv(join(dir, `production-${n}`)), { localDocuments: new Map([[did, documentWithX5u(did, x5u) as never]]) });
      const connect = vi.spyOn(net.Socket.prototype, 'connect');
      const answer = await verifyAt(production, await signedBy(did));
      // The only socket opened is the test's own, to the service.
      const targets = connect.mock.calls.map(([first]) => {
        const options = (Array.isArray(first) ? first[0] : first) as { host?: string; port?: number | string };
        return `${options.host ?? ''}:${String(options.port ?? '')}`;
      });
      connect.mockRestore();
      expectX509Failure(answer, why);
      expect(targets.filter((target) => !target.endsWith(`:${production.port}`)), x5u).toEqual(x5u.startsWith('https://localhost') ? [`localhost:${listenerPort}`] : []);
    }
    // The localhost name was resolved and refused in the lookup the socket connects with: no connection reached anything.
    expect(connectionsToListener).toBe(0);
  }, 60_000);
});
