/**
 * Hostile status lists and status entries, end to end: a credential of the service names a list on
 * a loopback host, and POST /credentials/verify fetches it, verifies its signature and reads the
 * bit. Each list here is validly signed by the credential's own issuer, so only the check under
 * test can refuse it:
 * - the status-list gzip bomb: an encodedList a few dozen KiB long that inflates to 64 MiB is
 *   stopped by the cap on the inflated list, one that inflates to 1 GiB by the cap on the download;
 * - the bad status index: "-1", "12abc", "1e3" and the like, and an index past the list's end,
 *   are RANGE_ERROR, never "not revoked", and a malformed index fetches nothing;
 * - a list dated beyond the allowed clock skew into the future is not used.
 * The service answers 422 with the status check failed, and keeps answering.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/credentials/index.js';
import { credentialListedAt, jwtOf, MIN_LIST_BYTES as LIST_BYTES, signedRevocationList, startStatusListHost, type StatusListHost } from '../helpers/status-list-host.js';
import { startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
let lists: StatusListHost;

beforeAll(async () => {
  // No result cache: each verification runs every check, as a first one does.
  svc = await startService({ GX_RESULT_CACHE_SECONDS: '0' });
  lists = await startStatusListHost();
});
afterAll(async () => {
  await lists?.close();
  await svc?.close();
});

/** A revocation list of the service at `path`, signed for real as vc+jwt, with `change` applied before signing. */
async function serveList(path: string, change: (list: JsonObject) => void = () => undefined): Promise<string> {
  const url = lists.url(path);
  const jwt = jwtOf(await signedRevocationList(svc.service, url, { change }));
  // Chunked, with no content-length: the download cap is enforced while streaming.
  lists.routes.set(path, (res) => {
    res.writeHead(200, { 'content-type': 'application/vc+jwt' });
    for (let at = 0; at < jwt.length; at += 64 * 1024) res.write(jwt.slice(at, at + 64 * 1024));
    res.end();
  });
  return url;
}

async function verify(jwt: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${svc.url}/credentials/verify`, { method: 'POST', headers: { 'content-type': 'application/vc+jwt' }, body: jwt });
  return { status: response.status, body: await response.json() };
}

const checkOf = (report: any, name: string) => report.checks.find((c: { check: string }) => c.check === name);

async function expectAlive(): Promise<void> {
  const health = await fetch(`${svc.url}/health`);
  expect(health.status).toBe(200);
}

/** `copies` gzip members of `inflated` zero bytes each: a valid GZIP stream (RFC 1952 §2.2) whose members inflate one after the other. */
function gzipBomb(inflated: number, copies: number): string {
  const member = gzipSync(Buffer.alloc(inflated), { level: 9 });
  return 'u' + Buffer.concat(Array.from({ length: copies }, () => member)).toString('base64url');
}

describe('the status-list gzip bomb', () => {
  it('refuses a validly signed list whose encodedList inflates to 64 MiB with STATUS_VERIFICATION_ERROR, at the cap on the inflated list', async () => {
    const encodedList = gzipBomb(64 * 1024 * 1024, 1);
    expect(encodedList.length).toBeLessThan(128 * 1024);
    const url = await serveList('/lists/bomb', (list) => {
      (list['credentialSubject'] as JsonObject)['encodedList'] = encodedList;
    });
    const answer = await verify(await credentialListedAt(svc.service, url, '5'));
    expect(answer.status, JSON.stringify(answer.body)).toBe(422);
    expect(checkOf(answer.body, 'proof')).toMatchObject({ verified: true });
    expect(checkOf(answer.body, 'status')).toMatchObject({ verified: false, code: 'STATUS_VERIFICATION_ERROR', pointer: '/credentialStatus/statusListCredential' });
    expect(checkOf(answer.body, 'status').message).toContain('inflates to more than 2097152 bytes');
    await expectAlive();
  });

  it('refuses one that would inflate to 1 GiB with STATUS_RETRIEVAL_ERROR, at the cap on the download, before inflating anything', async () => {
    const encodedList = gzipBomb(64 * 1024 * 1024, 16);
    const url = await serveList('/lists/big-bomb', (list) => {
      (list['credentialSubject'] as JsonObject)['encodedList'] = encodedList;
    });
    const answer = await verify(await credentialListedAt(svc.service, url, '5'));
    expect(answer.status, JSON.stringify(answer.body)).toBe(422);
    expect(checkOf(answer.body, 'status')).toMatchObject({ verified: false, code: 'STATUS_RETRIEVAL_ERROR' });
    expect(checkOf(answer.body, 'status').message).toContain('more than the 262144 bytes allowed');
    await expectAlive();
  });
});

describe('a bad status index', () => {
  it.each([['-1'], ['12abc'], ['1e3'], [' 7'], ['07'], ['0x10'], ['5.0'], [5], [null]])(
    'statusListIndex %j is RANGE_ERROR, never "not revoked", and the list is not fetched',
    async (index) => {
      const path = `/lists/index-${encodeURIComponent(JSON.stringify(index))}`;
      const url = await serveList(path);
      const answer = await verify(await credentialListedAt(svc.service, url, index));
      expect(answer.status, JSON.stringify(answer.body)).toBe(422);
      expect(answer.body.verified).toBe(false);
      expect(checkOf(answer.body, 'status')).toMatchObject({ verified: false, code: 'RANGE_ERROR', pointer: '/credentialStatus/statusListIndex' });
      expect(lists.hits.get(path)).toBeUndefined();
    },
  );

  it.each([[String(LIST_BYTES * 8)], ['9999999999999999']])('statusListIndex %s, at or past the end of the list, is RANGE_ERROR', async (index) => {
    const path = `/lists/end-${index}`;
    const url = await serveList(path);
    const answer = await verify(await credentialListedAt(svc.service, url, index));
    expect(answer.status, JSON.stringify(answer.body)).toBe(422);
    expect(checkOf(answer.body, 'status')).toMatchObject({ verified: false, code: 'RANGE_ERROR', pointer: '/credentialStatus/statusListIndex' });
    expect(lists.hits.get(path)).toBe(1);
  });

  it('reads the last entry of the list (the control): not revoked', async () => {
    const url = await serveList('/lists/last');
    const answer = await verify(await credentialListedAt(svc.service, url, String(LIST_BYTES * 8 - 1)));
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(checkOf(answer.body, 'status')).toMatchObject({ verified: true, message: 'not revoked' });
  });
});

describe('a list from the future', () => {
  it('is not used when its validFrom is past the allowed clock skew: STATUS_VERIFICATION_ERROR', async () => {
    const later = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const url = await serveList('/lists/future', (list) => {
      list['validFrom'] = later;
    });
    const answer = await verify(await credentialListedAt(svc.service, url, '5'));
    expect(answer.status, JSON.stringify(answer.body)).toBe(422);
    expect(checkOf(answer.body, 'status')).toMatchObject({ verified: false, code: 'STATUS_VERIFICATION_ERROR' });
    expect(checkOf(answer.body, 'status').message).toContain('validity: not valid before');
  });

  it('is used when its validFrom is within the skew (a minute ahead)', async () => {
    const soon = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const url = await serveList('/lists/soon', (list) => {
      list['validFrom'] = soon;
    });
    const answer = await verify(await credentialListedAt(svc.service, url, '5'));
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(checkOf(answer.body, 'status')).toMatchObject({ verified: true });
  });
});
