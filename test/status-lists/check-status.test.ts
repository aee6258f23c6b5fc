import { gzipSync } from 'node:zlib';
import { createServer } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/credentials/index.js';
import { setBit } from '../../src/status-lists/bitstring.js';
import { buildStatusListCredential } from '../../src/status-lists/credential.js';
import { createStatusWorld, VC_V2, type StatusWorld } from './fixtures.js';
import { unscopedIssuer } from '../helpers/unscoped-signing.js';

const DAY = 24 * 60 * 60 * 1000;

describe('createStatusCheck() fails closed', () => {
  let world: StatusWorld;

  beforeAll(async () => {
    world = await createStatusWorld();
  }, 60_000);
  afterAll(async () => {
    await world?.dispose();
  });

  interface ListOptions {
    issuer?: string;
    id?: string;
    purpose?: string;
    bytes?: number;
    set?: number[];
    encodedList?: string;
    format?: 'ldp_vc' | 'vc+jwt';
    tamper?: boolean;
  }

  /** Signs a list as the options say and serves it from the scripted server at `path`. */
  async function serveList(path: string, options: ListOptions = {}): Promise<string> {
    const url = `${world.scriptedUrl}${path}`;
    const bits = new Uint8Array(options.bytes ?? 16 * 1024);
    for (const index of options.set ?? []) setBit(bits, index, true);
    const credential = buildStatusListCredential({
      list: { id: 'x', purpose: options.purpose ?? 'revocation', bits },
      url: options.id ?? url,
      issuer: options.issuer ?? world.running.service.keyring.did,
      now: world.clock(),
    });
    if (options.encodedList !== undefined) (credential['credentialSubject'] as JsonObject)['encodedList'] = options.encodedList;
    const issued = await unscopedIssuer(world.running.service, world.clock).issueCredential(credential, { format: options.format ?? 'ldp_vc' });
    if (issued.format === 'vc+jwt') {
      world.routes.set(path, (res) => res.setHeader('content-type', 'application/vc+jwt').end(issued.jwt));
    } else {
      const document = structuredClone(issued.verifiableCredential);
      if (options.tamper === true) {
        const empty = new Uint8Array(16 * 1024);
        (document['credentialSubject'] as JsonObject)['encodedList'] = 'u' + gzipSync(empty).toString('base64url');
      }
      world.routes.set(path, (res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(document)));
    }
    return url;
  }

  function credentialWith(entry: Partial<JsonObject> & { statusListCredential: string }): JsonObject {
    return {
      '@context': [VC_V2],
      issuer: world.running.service.keyring.did,
      credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '5', ...entry },
    };
  }

  async function check(entry: Partial<JsonObject> & { statusListCredential: string }) {
    return world.statusCheck(credentialWith(entry), { now: world.clock() });
  }

  it('passes an unset bit and fails a set one, in both list formats', async () => {
    for (const format of ['ldp_vc', 'vc+jwt'] as const) {
      const url = await serveList(`/good-${format}`, { set: [6], format });
      expect(await check({ statusListCredential: url, statusListIndex: '5' })).toMatchObject({ verified: true });
      expect(await check({ statusListCredential: url, statusListIndex: '6' })).toMatchObject({ verified: false, code: 'CREDENTIAL_REVOKED' });
    }
  });

  it('reads StatusList2021Entry too, and refuses it against a Bitstring list', async () => {
    const url = await serveList('/list-2021');
    const result = await check({ type: 'StatusList2021Entry', statusListCredential: url });
    expect(result).toMatchObject({ verified: false, code: 'STATUS_VERIFICATION_ERROR' });
    expect(result?.message).toMatch(/must point at a StatusList2021Credential/);
  });

  it('reports an unreachable list as STATUS_RETRIEVAL_ERROR', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await check({ statusListCredential: `http://127.0.0.1:${port}/status-lists/revocation-0` })).toMatchObject({
      verified: false,
      code: 'STATUS_RETRIEVAL_ERROR',
    });
  });

  it('reports a 404 or a body that is no credential as STATUS_RETRIEVAL_ERROR', async () => {
    world.routes.set('/html', (res) => res.setHeader('content-type', 'text/html').end('<html>'));
    expect(await check({ statusListCredential: `${world.scriptedUrl}/missing` })).toMatchObject({ code: 'STATUS_RETRIEVAL_ERROR' });
    expect(await check({ statusListCredential: `${world.scriptedUrl}/html` })).toMatchObject({ code: 'STATUS_RETRIEVAL_ERROR' });
  });

  it('does not follow a redirect, even to a valid list', async () => {
    const target = await serveList('/redirect-target');
    world.routes.set('/redirect', (res) => res.writeHead(302, { location: target }).end());
    expect(await check({ statusListCredential: `${world.scriptedUrl}/redirect` })).toMatchObject({ verified: false, code: 'STATUS_RETRIEVAL_ERROR' });
    expect(world.hits.get('/redirect-target') ?? 0).toBe(0);
  });

  it('refuses a list signed by another issuer', async () => {
    const url = await serveList('/other-issuer', { issuer: world.running.service.keyring.didKey('Ed25519').did });
    const result = await check({ statusListCredential: url });
    expect(result).toMatchObject({ verified: false, code: 'STATUS_VERIFICATION_ERROR' });
    expect(result?.message).toMatch(/not by the credential's issuer/);
  });

  it('refuses a validly signed list whose id is another URL', async () => {
    const url = await serveList('/substituted', { id: `${world.scriptedUrl}/some-other-list` });
    const result = await check({ statusListCredential: url });
    expect(result).toMatchObject({ verified: false, code: 'STATUS_VERIFICATION_ERROR' });
    expect(result?.message).toMatch(/is not its URL/);
  });

  it('refuses a list whose encodedList was changed after signing', async () => {
    const url = await serveList('/tampered', { set: [5], tamper: true });
    expect(await check({ statusListCredential: url })).toMatchObject({ verified: false, code: 'STATUS_VERIFICATION_ERROR' });
  });

  it('refuses a list of another statusPurpose', async () => {
    const url = await serveList('/suspension-list', { purpose: 'suspension' });
    expect(await check({ statusListCredential: url })).toMatchObject({ verified: false, code: 'STATUS_VERIFICATION_ERROR' });
  });

  it('refuses a list under 131,072 entries with STATUS_LIST_LENGTH_ERROR', async () => {
    const url = await serveList('/short', { bytes: 1024 });
    expect(await check({ statusListCredential: url, statusListIndex: '0' })).toMatchObject({ verified: false, code: 'STATUS_LIST_LENGTH_ERROR' });
  });

  it('refuses a gzip bomb in a validly signed list', async () => {
    const bomb = 'u' + gzipSync(Buffer.alloc(64 * 1024 * 1024)).toString('base64url');
    const url = await serveList('/bomb', { encodedList: bomb });
    const result = await check({ statusListCredential: url });
    expect(result).toMatchObject({ verified: false, code: 'STATUS_VERIFICATION_ERROR' });
    expect(result?.message).toMatch(/inflates to more than/);
  }, 30_000);

  it('refuses a replayed list whose validUntil has passed', async () => {
    const url = await serveList('/old-empty-list');
    const check2 = world.makeStatusCheck();
    const later = new Date(world.clock().getTime() + 2 * DAY);
    world.advance(2 * DAY);
    try {
      const result = await check2(credentialWith({ statusListCredential: url }), { now: later });
      expect(result).toMatchObject({ verified: false, code: 'STATUS_VERIFICATION_ERROR' });
      expect(result?.message).toMatch(/validity/);
    } finally {
      world.advance(-2 * DAY);
    }
  });

  it.each([['-1'], ['12abc'], ['1e3'], [' 7'], ['07'], ['0x10'], [5], ['99999999999999999999']])(
    'refuses statusListIndex %j with RANGE_ERROR before fetching anything',
    async (index) => {
      const before = world.hits.get('/never') ?? 0;
      const result = await check({ statusListCredential: `${world.scriptedUrl}/never`, statusListIndex: index as string });
      expect(result).toMatchObject({ verified: false, code: 'RANGE_ERROR' });
      expect(world.hits.get('/never') ?? 0).toBe(before);
    },
  );

  it('refuses an index at or beyond the end of the list with RANGE_ERROR', async () => {
    const url = await serveList('/range');
    expect(await check({ statusListCredential: url, statusListIndex: '131072' })).toMatchObject({ verified: false, code: 'RANGE_ERROR' });
    expect(await check({ statusListCredential: url, statusListIndex: '131071' })).toMatchObject({ verified: true });
  });

  it('fails when any entry fails, and when an entry is of a type it cannot evaluate', async () => {
    const url = await serveList('/multi', { set: [9] });
    const both = {
      ...credentialWith({ statusListCredential: url }),
      credentialStatus: [
        { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '1', statusListCredential: url },
        { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '9', statusListCredential: url },
      ],
    };
    expect(await world.statusCheck(both, { now: world.clock() })).toMatchObject({ verified: false, code: 'CREDENTIAL_REVOKED' });
    const mixed = {
      ...both,
      credentialStatus: [both.credentialStatus[0], { type: 'toString', statusListCredential: url }],
    };
    expect(await world.statusCheck(mixed, { now: world.clock() })).toMatchObject({ verified: false, code: 'CHECK_NOT_RUN' });
    expect(await world.statusCheck({ ...both, credentialStatus: { type: 'OtherStatus' } }, { now: world.clock() })).toBeUndefined();
  });

  it('caches a verified list and fetches again once its ttl has passed', async () => {
    const url = await serveList('/cached');
    const path = '/cached';
    const before = world.hits.get(path) ?? 0;
    await check({ statusListCredential: url });
    await check({ statusListCredential: url });
    expect(world.hits.get(path)).toBe(before + 1);
    world.advance(6 * 60 * 1000);
    await check({ statusListCredential: url });
    expect(world.hits.get(path)).toBe(before + 2);
  });

  it('keeps the cache under its byte budget by evicting the least recently used list', async () => {
    const first = await serveList('/budget-1');
    const second = await serveList('/budget-2');
    const check = world.makeStatusCheck({ maxCacheBytes: 24 * 1024 });
    const run = (url: string) => check(credentialWith({ statusListCredential: url }), { now: world.clock() });
    const before = world.hits.get('/budget-1') ?? 0;
    await run(first);
    await run(first);
    expect(world.hits.get('/budget-1')).toBe(before + 1);
    await run(second);
    await run(first);
    expect(world.hits.get('/budget-1')).toBe(before + 2);
  });

  describe('outside test mode', () => {
    it.each([
      'http://10.0.0.1/status-lists/revocation-0',
      'https://10.0.0.1/status-lists/revocation-0',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/list',
      'file:///etc/passwd',
      'data:application/json,{}',
    ])('refuses %s without connecting', async (url) => {
      const check = world.makeStatusCheck({ testMode: false });
      const result = await check(credentialWith({ statusListCredential: url }), { now: world.clock() });
      expect(result).toMatchObject({ verified: false, code: 'STATUS_RETRIEVAL_ERROR' });
    });

    it('refuses a host name that resolves to a private address, with zero connections', async () => {
      const port = new URL(world.scriptedUrl).port;
      const lookups: string[] = [];
      const lookup = ((hostname: string, _options: unknown, callback: (e: null, a: { address: string; family: number }[]) => void) => {
        lookups.push(hostname);
        callback(null, [{ address: '127.0.0.1', family: 4 }]);
      }) as unknown as LookupFunction;
      const check = world.makeStatusCheck({ testMode: false, fetch: { lookup } });
      const connections = world.connections();
      const result = await check(credentialWith({ statusListCredential: `https://status.internal.test:${port}/good-ldp_vc` }), {
        now: world.clock(),
      });
      expect(result).toMatchObject({ verified: false, code: 'STATUS_RETRIEVAL_ERROR' });
      expect(lookups).toEqual(['status.internal.test']);
      expect(world.connections()).toBe(connections);
    });
  });
});
