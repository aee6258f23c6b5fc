/**
 * The DID cache-abuse case, end to end: did-resolver's own cache keys on the whole DID URL, is
 * unbounded and obeys `;no-cache=true` from the input, so a verifier using it can be made to fetch
 * a did.json for every request and to keep an entry per fragment. gx-trust's cache is keyed by the
 * bare DID and bounded (least recently used out), and nothing in a credential forces a fetch.
 * Issuers are did:web documents served on loopback; POST /credentials/verify is asked over HTTP,
 * and the documents' GET counts show what reached the network.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CompactSign, exportJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didWebPath, startDidWebServer, type DidWebServer } from '../helpers/did-web-server.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
/** The DID cache's bound (src/dids/cache.ts, the resolver's default). */
const DID_CACHE_ENTRIES = 1000;

let svc: RunningService;
let host: DidWebServer;
let key: { privateKey: KeyObject; jwk: JWK };

beforeAll(async () => {
  // No result cache, so each verification binds its key again and asks the DID cache.
  svc = await startService({ GX_RESULT_CACHE_SECONDS: '0' });
  host = await startDidWebServer();
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  key = { privateKey: pair.privateKey, jwk: await exportJWK(pair.publicKey) };
});
afterAll(async () => {
  await host?.close();
  await svc?.close();
});

/** A did:web issuer on the loopback host with one P-256 key, `#key-1`. */
function issuer(name: string): string {
  const did = host.didFor(['issuers', name]);
  host.setDocument(did, {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/jws/v1'],
    id: did,
    verificationMethod: [{ id: `${did}#key-1`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: key.jwk }],
    assertionMethod: [`${did}#key-1`],
  });
  return did;
}

async function signed(did: string, kid = `${did}#key-1`): Promise<string> {
  const payload = { '@context': [V2], type: ['VerifiableCredential'], issuer: did, credentialSubject: { id: 'did:example:holder' } };
  return new CompactSign(Buffer.from(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid }).sign(key.privateKey);
}

async function verify(verifiableCredential: unknown): Promise<{ status: number; body: any }> {
  return postJson(`${svc.url}/credentials/verify`, { verifiableCredential }, { authorization: `Bearer ${svc.apiKey}` });
}

const fetchesOf = (did: string) => host.requestCount(didWebPath(did));
const checkOf = (report: any, name: string) => report.checks.find((c: { check: string }) => c.check === name);

/** Runs `tasks` with at most `width` in flight: below the hardened fetch's 16 per host. */
async function inBatches<T>(tasks: (() => Promise<T>)[], width = 8): Promise<T[]> {
  const results: T[] = [];
  for (let at = 0; at < tasks.length; at += width) results.push(...(await Promise.all(tasks.slice(at, at + width).map((task) => task()))));
  return results;
}

describe('the DID cache', () => {
  it('fetches a document once for a thousand different fragments, which take no entries of their own', async () => {
    const bystander = issuer('bystander');
    expect((await verify(await signed(bystander))).status).toBe(200);
    const target = issuer('fragments');
    const answers = await inBatches(Array.from({ length: DID_CACHE_ENTRIES }, (_, n) => async () => verify(await signed(target, `${target}#k${n}`))));
    for (const answer of answers) {
      expect(answer.status).toBe(422);
      expect(checkOf(answer.body, 'key-binding')).toMatchObject({ verified: false, code: 'KEY_NOT_FOUND' });
    }
    expect(fetchesOf(target)).toBe(1);
    // Had each fragment taken an entry, the thousand of them would have pushed the bystander out.
    expect((await verify(await signed(bystander))).status).toBe(200);
    expect(fetchesOf(bystander)).toBe(1);
  });

  it('ignores DID parameters: ;no-cache=true in a proof\'s verification method forces no fetch', async () => {
    const did = issuer('no-cache');
    expect((await verify(await signed(did))).status).toBe(200);
    const credential = {
      '@context': [V2],
      type: ['VerifiableCredential'],
      issuer: did,
      credentialSubject: { id: 'did:example:holder' },
      proof: {
        type: 'DataIntegrityProof',
        cryptosuite: 'ecdsa-rdfc-2019',
        proofPurpose: 'assertionMethod',
        verificationMethod: `${did};no-cache=true#key-1`,
        created: '2026-01-01T00:00:00Z',
        proofValue: 'z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKKFkZ5HFoWQeM1sY8',
      },
    };
    for (const attempt of [1, 2, 3]) {
      const answer = await verify(credential);
      expect(answer.status, `attempt ${attempt}`).toBe(422);
      // The parameter is stripped: the key is bound from the cached document of the bare DID.
      expect(checkOf(answer.body, 'key-binding'), JSON.stringify(answer.body)).toMatchObject({ verified: true });
    }
    expect(fetchesOf(did)).toBe(1);
  });

  it('refuses a kid with a DID parameter or a query without resolving anything', async () => {
    const did = issuer('kid-parameters');
    for (const kid of [`${did};no-cache=true#key-1`, `${did}?versionTime=2020-01-01T00:00:00Z#key-1`]) {
      const answer = await verify(await signed(did, kid));
      expect(answer.status).toBe(422);
      expect(checkOf(answer.body, 'key-binding')).toMatchObject({ verified: false, code: 'KEY_BINDING' });
    }
    expect(fetchesOf(did)).toBe(0);
  });

  it('is bounded: past 1000 DIDs the least recently used one is fetched again, the others are not', async () => {
    const first = issuer('lru-first');
    expect((await verify(await signed(first))).status).toBe(200);
    const others = Array.from({ length: DID_CACHE_ENTRIES }, (_, n) => issuer(`lru-${n}`));
    const answers = await inBatches(others.map((did) => async () => verify(await signed(did))));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const latest = others[others.length - 1]!;
    expect((await verify(await signed(latest))).status).toBe(200);
    expect(fetchesOf(latest)).toBe(1);
    expect((await verify(await signed(first))).status).toBe(200);
    expect(fetchesOf(first)).toBe(2);
    expect((await fetch(`${svc.url}/health`)).status).toBe(200);
  });
});
