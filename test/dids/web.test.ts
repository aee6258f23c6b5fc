import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDidResolver, didWebUrl } from '../../src/dids/index.js';
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

function codeOfCall(run: () => unknown): Promise<string> {
  return codeOf(Promise.resolve().then(run));
}

let server: DidWebServer;
beforeAll(async () => {
  server = await startDidWebServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('didWebUrl()', () => {
  it('maps a bare domain to /.well-known/did.json and a path to /<path>/did.json', () => {
    expect(didWebUrl('did:web:w3c-ccg.github.io', { testMode: false }).href).toBe('https://w3c-ccg.github.io/.well-known/did.json');
    expect(didWebUrl('did:web:w3c-ccg.github.io:user:alice', { testMode: false }).href).toBe('https://w3c-ccg.github.io/user/alice/did.json');
    expect(didWebUrl('did:web:example.com%3A3000:user:alice', { testMode: false }).href).toBe('https://example.com:3000/user/alice/did.json');
  });

  it('maps empty path segments (did:web:host::path, valid DID syntax, used by Gaia-X notaries) to empty URL path segments', () => {
    expect(didWebUrl('did:web:registration.lab.gaia-x.eu::development', { testMode: false }).href).toBe('https://registration.lab.gaia-x.eu//development/did.json');
    expect(didWebUrl('did:web:example.com:a::b', { testMode: false }).href).toBe('https://example.com/a//b/did.json');
    // The leading '//' stays in the path: it never becomes an authority.
    expect(didWebUrl('did:web:example.com::evil.test', { testMode: false }).host).toBe('example.com');
  });

  it('uses plain http for loopback hosts in test mode only', () => {
    expect(didWebUrl('did:web:localhost%3A8080', { testMode: true }).href).toBe('http://localhost:8080/.well-known/did.json');
    expect(didWebUrl('did:web:example.com', { testMode: true }).protocol).toBe('https:');
  });

  describe('percent-decoding only the port colon', () => {
    it.each([
      ['did:web:trusted.example%40attacker.test'],
      ['did:web:trusted.example%2Fevil'],
      ['did:web:trusted.example%3Fq=1'],
      ['did:web:trusted.example%23frag'],
      ['did:web:trusted.example:a%2Fb'],
      ['did:web:trusted.example:a%3Ab'],
      ['did:web:trusted.example%3A1%3A2'],
      ['did:web:trusted.example%3A99999'],
    ])('refuses %s with INVALID_DID', async (did) => {
      expect(await codeOfCall(() => didWebUrl(did, { testMode: false }))).toBe('INVALID_DID');
      expect(await codeOf(createDidResolver({ testMode: false }).resolve(did))).toBe('INVALID_DID');
    });

    it.each([['did:web:example.com:a:'], ['did:web:example.com:.'], ['did:web:example.com:..'], ['did:web:exa_mple.com'], ['did:web:example.com::..']])(
      'refuses the empty, dot or malformed part in %s',
      async (did) => {
        expect(await codeOfCall(() => didWebUrl(did, { testMode: false }))).toBe('INVALID_DID');
      },
    );
  });
});

describe('did:web resolution in production mode', () => {
  describe('internal hosts are refused with zero connects', () => {
    it.each([
      ['did:web:169.254.169.254'],
      ['did:web:2130706433'],
      ['did:web:0x7f.1'],
      ['did:web:%5B%3A%3A1%5D'],
      ['did:web:localhost%3A2375'],
      ['did:web:intranet'],
    ])('%s -> DID_FORBIDDEN', async (did) => {
      const connect = vi.spyOn(net.Socket.prototype, 'connect');
      const resolver = createDidResolver({ testMode: false });
      expect(await codeOf(resolver.resolve(did))).toBe('DID_FORBIDDEN');
      expect(connect).not.toHaveBeenCalled();
    });

    it('never reaches the loopback server behind did:web:localhost%3A<port>', async () => {
      const before = server.connectionCount();
      const did = server.didFor(['issuer']);
      server.setDocument(did, { id: did });
      expect(await codeOf(createDidResolver({ testMode: false }).resolve(did))).toBe('DID_FORBIDDEN');
      expect(server.connectionCount()).toBe(before);
    });
  });

  it('a name whose DNS answer is private is refused at connect (the checked address is the one used)', async () => {
    const before = server.connectionCount();
    const answers: string[][] = [];
    // A rebinding resolver: every answer points at our loopback server.
    const lookup = ((hostname: string, options: unknown, callback: (e: null, a: { address: string; family: number }[]) => void) => {
      answers.push([hostname]);
      callback(null, [{ address: '127.0.0.1', family: 4 }]);
    }) as unknown as net.LookupFunction;
    const resolver = createDidResolver({ testMode: false, fetchOptions: { lookup } });
    const error = await resolver.resolve(`did:web:rebind.example%3A${server.port}`).catch((e: unknown) => e);
    expect((error as GxTrustError).code).toBe('DID_RESOLUTION_FAILED');
    expect((error as GxTrustError).message).toContain('127.0.0.1');
    expect(answers).toEqual([['rebind.example']]);
    expect(server.connectionCount()).toBe(before);
  });

  it('refuses a host when any one of its addresses is private (IPv4-mapped IPv6 included)', async () => {
    const lookup = ((_h: string, _o: unknown, callback: (e: null, a: { address: string; family: number }[]) => void) => {
      callback(null, [
        { address: '93.184.216.34', family: 4 },
        { address: '::ffff:10.0.0.5', family: 6 },
      ]);
    }) as unknown as net.LookupFunction;
    const resolver = createDidResolver({ testMode: false, fetchOptions: { lookup } });
    const error = await resolver.resolve('did:web:mixed.example').catch((e: unknown) => e);
    expect((error as GxTrustError).code).toBe('DID_RESOLUTION_FAILED');
    expect((error as GxTrustError).message).toContain('resolves to ::ffff:10.0.0.5');
  });
});

describe('did:web resolution in test mode against a loopback server', () => {
  const resolver = () => createDidResolver({ testMode: true, fetchOptions: { timeoutMs: 300 } });

  it('resolves a did:web end to end', async () => {
    const did = server.didFor(['e2e']);
    const document = {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did,
      verificationMethod: [{ id: `${did}#key-1`, type: 'Multikey', controller: did, publicKeyMultibase: 'z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' }],
      assertionMethod: ['#key-1'],
    };
    server.setDocument(did, document);
    // The same spy the zero-connect tests rely on sees this fetch's connect.
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    expect(await resolver().resolve(did)).toEqual(document);
    expect(server.requestCount('/e2e/did.json')).toBe(1);
    expect(connect).toHaveBeenCalled();
  });

  it('resolves a did:web with an empty path segment from host//path/did.json', async () => {
    const did = server.didFor(['', 'development']);
    expect(did).toMatch(/^did:web:localhost%3A\d+::development$/);
    server.setDocument(did, { id: did });
    expect((await resolver().resolve(did)).id).toBe(did);
    expect(server.requestCount('//development/did.json')).toBe(1);
  });

  it('resolves the root document at /.well-known/did.json', async () => {
    const did = server.didFor();
    server.setDocument(did, { id: did });
    expect((await resolver().resolve(did)).id).toBe(did);
  });

  it('refuses DIDs past the per-host cap at once, and does not keep that refusal in the cache', async () => {
    const held: (() => void)[] = [];
    const dids = [0, 1, 2, 3].map((n) => server.didFor(['capped', String(n)]));
    for (const did of dids) {
      server.setDocument(did, { id: did });
      server.setRoute(`/capped/${did.split(':').pop()}/did.json`, (_req, res) => held.push(() => res.end(JSON.stringify({ id: did }))));
    }
    const capped = createDidResolver({ testMode: true, fetchOptions: { timeoutMs: 5000, maxPerHost: 2 } });
    const pending = dids.map((did) => capped.resolve(did).then((d) => d.id, (e: unknown) => (e as GxTrustError).code));
    expect(await Promise.all(pending.slice(2))).toEqual(['DID_RESOLUTION_FAILED', 'DID_RESOLUTION_FAILED']);
    await vi.waitFor(() => expect(held).toHaveLength(2));
    for (const answer of held) answer();
    expect(await Promise.all(pending.slice(0, 2))).toEqual(dids.slice(0, 2));
    // Asked again, a refused DID is fetched (a kept refusal would fail it for the negative TTL).
    server.setRoute(`/capped/2/did.json`, (_req, res) => res.end(JSON.stringify({ id: dids[2] })));
    expect((await capped.resolve(dids[2]!)).id).toBe(dids[2]);
  });

  it('fails with DID_NOT_FOUND on 404', async () => {
    expect(await codeOf(resolver().resolve(server.didFor(['missing'])))).toBe('DID_NOT_FOUND');
  });

  it('refuses a document whose id is another DID', async () => {
    const did = server.didFor(['other-id']);
    server.setDocument(did, { id: 'did:web:attacker.example' });
    const error = await resolver().resolve(did).catch((e: unknown) => e);
    expect((error as GxTrustError).code).toBe('DID_RESOLUTION_FAILED');
    expect((error as GxTrustError).message).toContain("id must equal the DID");
  });

  it.each([
    ['not JSON', '{"id":'],
    ['a JSON array', '[]'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
  ])('refuses a body that is %s', async (_name, body) => {
    const did = server.didFor(['bad-body', String(_name.length)]);
    server.setRoute(`/bad-body/${_name.length}/did.json`, (_req, res) => res.end(body));
    expect(await codeOf(resolver().resolve(did))).toBe('DID_RESOLUTION_FAILED');
  });

  it('refuses a did.json holding a __proto__ key, without polluting Object.prototype', async () => {
    const did = server.didFor(['proto']);
    server.setRoute('/proto/did.json', (_req, res) => res.end(`{"id":"${did}","__proto__":{"polluted":true}}`));
    const error = await resolver().resolve(did).catch((e: unknown) => e);
    expect((error as GxTrustError).code).toBe('DID_RESOLUTION_FAILED');
    expect((error as GxTrustError).message).toContain('__proto__');
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('does not follow a 302', async () => {
    const did = server.didFor(['redirect']);
    const target = server.didFor(['redirect-target']);
    server.setDocument(target, { id: did });
    server.setRoute('/redirect/did.json', (_req, res) => {
      res.writeHead(302, { location: `${server.origin}/redirect-target/did.json` }).end();
    });
    const error = await resolver().resolve(did).catch((e: unknown) => e);
    expect((error as GxTrustError).code).toBe('DID_RESOLUTION_FAILED');
    expect((error as GxTrustError).message).toContain('302');
    expect(server.requestCount('/redirect-target/did.json')).toBe(0);
  });

  it('aborts a 50 MB chunked body at the 256 KiB cap while streaming', async () => {
    const did = server.didFor(['huge']);
    let written = 0;
    server.setRoute('/huge/did.json', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // no content-length: chunked
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => {
        while (written < 50 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const error = await resolver().resolve(did).catch((e: unknown) => e);
    expect((error as GxTrustError).code).toBe('DID_RESOLUTION_FAILED');
    expect((error as GxTrustError).message).toContain('262144');
    await server.socketsClosed();
    expect(written).toBeLessThan(50 * 1024 * 1024);
  });

  it('refuses a declared content-length over the cap without reading the body', async () => {
    const did = server.didFor(['declared']);
    server.setRoute('/declared/did.json', (_req, res) => {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
      res.write('{');
    });
    const error = await resolver().resolve(did).catch((e: unknown) => e);
    expect((error as GxTrustError).code).toBe('DID_RESOLUTION_FAILED');
    expect((error as GxTrustError).message).toContain('announces');
  });

  it('aborts a slow loris at the total deadline and destroys the socket', async () => {
    const did = server.didFor(['slow']);
    let serverSocketClosed = false;
    server.setRoute('/slow/did.json', (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      const timer = setInterval(() => res.write(' '), 5000);
      req.socket.once('close', () => {
        serverSocketClosed = true;
        clearInterval(timer);
      });
    });
    expect(await codeOf(resolver().resolve(did))).toBe('DID_RESOLUTION_TIMEOUT');
    await server.socketsClosed();
    expect(serverSocketClosed).toBe(true);
  });

  it('times out a server that accepts but never answers', async () => {
    const did = server.didFor(['silent']);
    server.setRoute('/silent/did.json', () => undefined);
    expect(await codeOf(resolver().resolve(did))).toBe('DID_RESOLUTION_TIMEOUT');
  });
});
