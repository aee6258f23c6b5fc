import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDidResolver, parseDidUrl } from '../../src/dids/index.js';
import type { DidDocument } from '../../src/dids/types.js';
import { GxTrustError } from '../../src/errors.js';
import { startDidWebServer, type DidWebServer } from '../helpers/did-web-server.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GxTrustError) return error.code;
    throw error;
  }
  throw new Error('expected a GxTrustError, got a result');
}

async function errorOf(promise: Promise<unknown>): Promise<GxTrustError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof GxTrustError)) throw new Error(`expected a GxTrustError, got ${String(error)}`);
  return error;
}

/** A clock the test moves by hand. */
function manualClock(start = '2026-01-01T00:00:00Z') {
  let now = Date.parse(start);
  return {
    clock: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

let server: DidWebServer;
beforeAll(async () => {
  server = await startDidWebServer();
});
afterAll(async () => {
  await server.close();
});

describe('parseDidUrl()', () => {
  it('strips legacy parameters and splits path, query and fragment', () => {
    expect(parseDidUrl('did:web:example.com;no-cache=true#key-1')).toEqual({ did: 'did:web:example.com', method: 'web', fragment: 'key-1' });
    expect(parseDidUrl('did:web:example.com/p?versionId=1#k')).toEqual({
      did: 'did:web:example.com',
      method: 'web',
      path: '/p',
      query: 'versionId=1',
      fragment: 'k',
    });
  });
});

describe('createDidResolver().resolve()', () => {
  const resolver = createDidResolver({ testMode: false });

  describe('unknown, prototype-named and malformed methods', () => {
    it.each([['did:constructor:x'], ['did:hasownproperty:x'], ['did:example:123']])('%s -> UNSUPPORTED_DID_METHOD', async (did) => {
      expect(await codeOf(resolver.resolve(did))).toBe('UNSUPPORTED_DID_METHOD');
    });

    it.each([['did:__proto__:x'], ['did:toString:x'], ['did:web:'], ['did:web'], ['web:example.com'], [''], ['did:web:a b']])(
      '%j -> INVALID_DID',
      async (did) => {
        expect(await codeOf(resolver.resolve(did))).toBe('INVALID_DID');
      },
    );

    it.each([[undefined], [null], [42], [{ toString: () => 'did:web:example.com' }]])('refuses the non-string %j', async (value) => {
      expect(await codeOf(resolver.resolve(value as unknown as string))).toBe('INVALID_DID');
    });

    it('refuses a DID URL over 2 KiB', async () => {
      expect(await codeOf(resolver.resolve(`did:web:example.com#${'k'.repeat(2048)}`))).toBe('INVALID_DID');
    });

    it('leaves Object.prototype alone', async () => {
      const before = Object.getOwnPropertyNames(Object.prototype).sort();
      const constructorBefore = Object.prototype.constructor;
      for (const did of ['did:constructor:x', 'did:__proto__:x', 'did:tostring:x', 'did:valueof:x']) await codeOf(resolver.resolve(did));
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
      expect(Object.prototype.constructor).toBe(constructorBefore);
    });
  });

  it('serves localDocuments without HTTP, as copies', async () => {
    const did = 'did:web:gx-trust.example';
    const local = createDidResolver({ testMode: false, localDocuments: new Map([[did, { id: did, verificationMethod: [] }]]) });
    const first = await local.resolve(`${did}#key-1`);
    first.verificationMethod?.push({ id: 'x', type: 'x', controller: 'x' });
    expect((await local.resolve(did)).verificationMethod).toEqual([]);
  });
});

describe('the resolution cache', () => {
  function serve(name: string): { did: string; path: string } {
    const did = server.didFor([name]);
    server.setDocument(did, { id: did });
    return { did, path: `/${name}/did.json` };
  }

  it('single flight: 100 parallel resolutions of one DID make one fetch', async () => {
    const { did, path } = serve('single-flight');
    const resolver = createDidResolver({ testMode: true });
    const documents = await Promise.all(Array.from({ length: 100 }, () => resolver.resolve(did)));
    expect(documents.every((document) => document.id === did)).toBe(true);
    expect(server.requestCount(path)).toBe(1);
  });

  it('parameters, query and fragments share the bare DID entry; no-cache forces nothing', async () => {
    const { did, path } = serve('cache-key');
    const resolver = createDidResolver({ testMode: true });
    await resolver.resolve(did);
    await resolver.resolve(`${did};no-cache=true`);
    await resolver.resolve(`${did}?versionTime=2020-01-01T00:00:00Z`);
    for (let k = 1; k <= 200; k++) await resolver.resolve(`${did}#k${k}`);
    expect(server.requestCount(path)).toBe(1);
  });

  it('refetches after the 5 minute TTL on the injected clock', async () => {
    const { did, path } = serve('ttl');
    const time = manualClock();
    const resolver = createDidResolver({ testMode: true, clock: time.clock });
    await resolver.resolve(did);
    time.advance(5 * 60_000 - 1);
    await resolver.resolve(did);
    expect(server.requestCount(path)).toBe(1);
    time.advance(1);
    await resolver.resolve(did);
    expect(server.requestCount(path)).toBe(2);
  });

  it('remembers a failure for 30 s (negative cache), then retries', async () => {
    const did = server.didFor(['negative']);
    const path = '/negative/did.json';
    const time = manualClock();
    const resolver = createDidResolver({ testMode: true, clock: time.clock });
    expect(await codeOf(resolver.resolve(did))).toBe('DID_NOT_FOUND');
    expect(await codeOf(resolver.resolve(did))).toBe('DID_NOT_FOUND');
    expect(server.requestCount(path)).toBe(1);
    server.setDocument(did, { id: did });
    time.advance(30_000);
    expect((await resolver.resolve(did)).id).toBe(did);
    expect(server.requestCount(path)).toBe(2);
  });

  it('is bounded: the least recently used DID is evicted', async () => {
    const a = serve('lru-a');
    const b = serve('lru-b');
    const c = serve('lru-c');
    const resolver = createDidResolver({ testMode: true, cache: { max: 2 } });
    await resolver.resolve(a.did);
    await resolver.resolve(b.did);
    await resolver.resolve(c.did);
    await resolver.resolve(a.did);
    expect(server.requestCount(a.path)).toBe(2);
    expect(server.requestCount(c.path)).toBe(1);
  });

  it('hands out copies, so a caller cannot poison the cached document', async () => {
    const { did } = serve('copies');
    const resolver = createDidResolver({ testMode: true });
    const first = await resolver.resolve(did);
    first.id = 'did:web:attacker.example';
    expect((await resolver.resolve(did)).id).toBe(did);
  });
});

describe('resolveVerificationMethod()', () => {
  const did = 'did:web:issuer.example';
  const other = 'did:web:other.example';
  const key = 'z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
  function makeDocument(overrides: Partial<DidDocument> = {}): DidDocument {
    return {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did,
      verificationMethod: [
        { id: `${did}#assert`, type: 'Multikey', controller: did, publicKeyMultibase: key },
        { id: '#relative', type: 'Multikey', controller: did, publicKeyMultibase: key },
        { id: `${did}#auth-only`, type: 'Multikey', controller: did, publicKeyMultibase: key },
        { id: `${did}#foreign-controller`, type: 'Multikey', controller: other, publicKeyMultibase: key },
        { id: `${did}#rotated`, type: 'Multikey', controller: did, publicKeyMultibase: key, revoked: '2025-06-01T00:00:00Z' },
        { id: `${did}#expired`, type: 'Multikey', controller: did, publicKeyMultibase: key, expires: '2025-12-31T23:59:59Z' },
        { id: `${did}#future-expiry`, type: 'Multikey', controller: did, publicKeyMultibase: key, expires: '2027-01-01T00:00:00Z' },
      ],
      assertionMethod: [
        `${did}#assert`,
        '#relative',
        `${did}#foreign-controller`,
        `${did}#rotated`,
        `${did}#expired`,
        `${did}#future-expiry`,
        { id: `${did}#embedded`, type: 'Multikey', controller: did, publicKeyMultibase: key },
      ],
      authentication: [`${did}#auth-only`],
      ...overrides,
    };
  }
  function resolverFor(document: DidDocument, forDid = did) {
    return createDidResolver({
      testMode: false,
      localDocuments: new Map([[forDid, document]]),
      clock: () => new Date('2026-01-01T00:00:00Z'),
    });
  }
  const asIssuer = { purpose: 'assertionMethod', expectedController: did } as const;

  it('returns a referenced method with its absolute id', async () => {
    const method = await resolverFor(makeDocument()).resolveVerificationMethod(`${did}#assert`, asIssuer);
    expect(method).toMatchObject({ id: `${did}#assert`, controller: did, publicKeyMultibase: key });
  });

  it('finds a method declared with a relative id and makes the id absolute', async () => {
    const method = await resolverFor(makeDocument()).resolveVerificationMethod(`${did}#relative`, asIssuer);
    expect(method.id).toBe(`${did}#relative`);
  });

  it('finds a method embedded in the relationship', async () => {
    const method = await resolverFor(makeDocument()).resolveVerificationMethod(`${did}#embedded`, asIssuer);
    expect(method.id).toBe(`${did}#embedded`);
  });

  it('accepts a method whose expiry is still ahead', async () => {
    const method = await resolverFor(makeDocument()).resolveVerificationMethod(`${did}#future-expiry`, asIssuer);
    expect(method.expires).toBe('2027-01-01T00:00:00Z');
  });

  describe('key purpose and controller', () => {
    it('refuses a method listed only under authentication, naming both relationships', async () => {
      const error = await errorOf(resolverFor(makeDocument()).resolveVerificationMethod(`${did}#auth-only`, asIssuer));
      expect(error.code).toBe('KEY_BINDING');
      expect(error.message).toContain('listed under authentication, not assertionMethod');
    });

    it('refuses a method of another DID, naming both DIDs', async () => {
      const error = await errorOf(resolverFor(makeDocument()).resolveVerificationMethod(`${other}#assert`, asIssuer));
      expect(error.code).toBe('KEY_BINDING');
      expect(error.message).toContain(other);
      expect(error.message).toContain(did);
    });

    it('refuses a method whose controller is another DID', async () => {
      const error = await errorOf(resolverFor(makeDocument()).resolveVerificationMethod(`${did}#foreign-controller`, asIssuer));
      expect(error.code).toBe('KEY_BINDING');
      expect(error.message).toContain(`not by ${did}`);
    });

    it('refuses a DID document whose id is not the DID', async () => {
      const resolver = resolverFor(makeDocument({ id: other }));
      expect(await codeOf(resolver.resolveVerificationMethod(`${did}#assert`, asIssuer))).toBe('KEY_BINDING');
    });

    it('refuses a method not listed under any relationship', async () => {
      const document = makeDocument({ assertionMethod: [], authentication: [] });
      const error = await errorOf(resolverFor(document).resolveVerificationMethod(`${did}#assert`, asIssuer));
      expect(error.code).toBe('KEY_BINDING');
      expect(error.message).toContain('not listed under any verification relationship');
    });

    it('refuses two different methods declared with one id', async () => {
      const document = makeDocument();
      document.assertionMethod?.push({ id: `${did}#assert`, type: 'Multikey', controller: did, publicKeyMultibase: 'z6MkOther' });
      expect(await codeOf(resolverFor(document).resolveVerificationMethod(`${did}#assert`, asIssuer))).toBe('KEY_BINDING');
    });
  });

  it('refuses a revoked method and an expired one (key rotation)', async () => {
    expect(await codeOf(resolverFor(makeDocument()).resolveVerificationMethod(`${did}#rotated`, asIssuer))).toBe('KEY_BINDING');
    expect(await codeOf(resolverFor(makeDocument()).resolveVerificationMethod(`${did}#expired`, asIssuer))).toBe('KEY_BINDING');
  });

  it('answers KEY_NOT_FOUND for a method the document does not have', async () => {
    expect(await codeOf(resolverFor(makeDocument()).resolveVerificationMethod(`${did}#removed`, asIssuer))).toBe('KEY_NOT_FOUND');
  });

  it.each([[did], [`${did}#`], [`${did}/path#k`], [`${did}?q=1#k`], ['#assert']])('refuses the reference %j with INVALID_DID', async (reference) => {
    expect(await codeOf(resolverFor(makeDocument()).resolveVerificationMethod(reference, asIssuer))).toBe('INVALID_DID');
  });

  it('refuses the Tagus compliance DID document, whose key id has no fragment', async () => {
    const tagus = JSON.parse(
      readFileSync(new URL('../fixtures/gaiax-samples/tagus-22.10/compliance.gaia-x.eu-did.json', import.meta.url), 'utf8'),
    ) as DidDocument;
    const resolver = resolverFor(tagus, 'did:web:compliance.gaia-x.eu');
    const options = { purpose: 'assertionMethod', expectedController: 'did:web:compliance.gaia-x.eu' } as const;
    const error = await errorOf(resolver.resolveVerificationMethod('did:web:compliance.gaia-x.eu#JWK2020-RSA', options));
    expect(error.code).toBe('KEY_BINDING');
    expect(error.message).toContain('which is not did:web:compliance.gaia-x.eu#<fragment>');
  });

  it('resolves a method of a did:web served over loopback', async () => {
    const webDid = server.didFor(['binding']);
    server.setDocument(webDid, {
      id: webDid,
      verificationMethod: [{ id: `${webDid}#key-1`, type: 'Multikey', controller: webDid, publicKeyMultibase: key }],
      assertionMethod: ['#key-1'],
    });
    const resolver = createDidResolver({ testMode: true });
    const method = await resolver.resolveVerificationMethod(`${webDid}#key-1`, { purpose: 'assertionMethod', expectedController: webDid });
    expect(method.id).toBe(`${webDid}#key-1`);
  });
});
