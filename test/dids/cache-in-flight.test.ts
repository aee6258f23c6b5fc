/**
 * No cache holds a promise that never settles: the DID resolution cache and the x5u chain cache
 * share in-flight work between callers, and each shared entry settles within its bound and leaves
 * the cache, so the next caller starts afresh.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createResolutionCache } from '../../src/dids/cache.js';
import { createCertificateChainCheck } from '../../src/verifying/certificate-chain.js';

describe('createResolutionCache(): an in-flight load that never settles', () => {
  it('answers every caller sharing it with DID_RESOLUTION_TIMEOUT, keeps no entry, and the next caller loads again', async () => {
    const cache = createResolutionCache<string>({ maxPendingMs: 50 });
    let loads = 0;
    const never = () => {
      loads += 1;
      return new Promise<string>(() => undefined);
    };
    const first = cache.get('did:web:silent.example', never);
    const joined = cache.get('did:web:silent.example', never);
    await expect(first).rejects.toMatchObject({ code: 'DID_RESOLUTION_TIMEOUT' });
    await expect(joined).rejects.toMatchObject({ code: 'DID_RESOLUTION_TIMEOUT' });
    expect(loads).toBe(1);
    // Not remembered as a failure either: the cache gave up waiting, it learnt nothing of the DID.
    expect(cache.size).toBe(0);
    await expect(cache.get('did:web:silent.example', async () => 'the document')).resolves.toBe('the document');
  });
});

describe('the x5u chain cache: a host that never answers', () => {
  let silent: Server;
  let url: string;
  let requests = 0;
  beforeAll(async () => {
    silent = createServer(() => {
      requests += 1; // and never answers
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/chain.pem`;
  });
  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('fails the x509 check within the bound, and the next verification fetches again instead of waiting on the first fetch', async () => {
    const check = createCertificateChainCheck({ trustAnchorsPem: [], testMode: true, maxPendingMs: 100 });
    const method = { id: 'did:web:issuer.example#rsa', type: 'JsonWebKey2020', controller: 'did:web:issuer.example', publicKeyJwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB', x5u: url } };
    expect(await check(method, { validAt: new Date() })).toMatchObject({ check: 'x509', verified: false, code: 'X509_CHAIN', message: `${url} was not fetched within 100 ms` });
    await vi.waitFor(() => expect(requests).toBe(1));
    // The first fetch still hangs (its own deadline is 3 s): a second check does not join it.
    expect(await check(method, { validAt: new Date() })).toMatchObject({ verified: false, message: `${url} was not fetched within 100 ms` });
    await vi.waitFor(() => expect(requests).toBe(2));
  });
});
