/**
 * No verification hangs: a status list credential that names itself in its own credentialStatus is
 * verified without following that status (the verification answers, and so does the next one), and
 * a status host that never answers ends in a report whose status check is CHECK_NOT_RUN by the
 * verification deadline (GX_VERIFY_DEADLINE_MS), for a credential alone and inside a presentation,
 * leaving nothing in the status lists' cache that a later verification would wait on.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/credentials/index.js';
import { unscopedIssuer } from '../helpers/unscoped-signing.js';
import { credentialListedAt as listedAt, jwtOf, signedRevocationList, startStatusListHost, type StatusListHost } from '../helpers/status-list-host.js';
import { startService, type RunningService } from '../helpers/service.js';

const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
// Well below the 3 s a status-list fetch may take on its own: a host that never answers is cut by
// the verification deadline, not by the fetch's, and a second verification started after the
// first one's deadline ends before the first fetch would have (so it cannot pass by joining it).
const DEADLINE_MS = 1000;

let svc: RunningService;
/** The loopback status host: a path it has no route for never answers. */
let lists: StatusListHost;
let listsUrl: string;

beforeAll(async () => {
  svc = await startService({ GX_VERIFY_DEADLINE_MS: String(DEADLINE_MS), GX_RESULT_CACHE_SECONDS: '0' });
  lists = await startStatusListHost({ unrouted: 'never-answers' });
  listsUrl = lists.url('');
});
afterAll(async () => {
  await lists?.close();
  await svc?.close();
});

/** An answer with a revocation list of the service's own for `path`, signed for real (vc+jwt, ES256). */
async function listAnswer(path: string, extra: JsonObject = {}): Promise<(res: ServerResponse) => void> {
  const jwt = jwtOf(await signedRevocationList(svc.service, `${listsUrl}${path}`, { change: (list) => Object.assign(list, extra) }));
  return (res) => res.setHeader('content-type', 'application/vc+jwt').end(jwt);
}

/** A vc+jwt of the service whose revocation entry points at `listUrl`. */
const credentialListedAt = (listUrl: string) => listedAt(svc.service, listUrl, '5');

async function verify(jwt: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${svc.url}/credentials/verify`, { method: 'POST', headers: { 'content-type': 'application/vc+jwt' }, body: jwt });
  return { status: response.status, body: await response.json() };
}

const statusCheckOf = (report: any) => report.checks.find((c: { check: string }) => c.check === 'status');

describe('a status list credential that names itself in its credentialStatus', () => {
  it('is verified without following its own status: the verification answers, and the next one too', async () => {
    const url = `${listsUrl}/lists/self`;
    lists.routes.set('/lists/self', await listAnswer('/lists/self', {
      credentialStatus: { id: `${url}#0`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '0', statusListCredential: url },
    }));
    const jwt = await credentialListedAt(url);
    for (const attempt of [1, 2]) {
      const answer = await verify(jwt);
      expect(answer.status, `attempt ${attempt}: ${JSON.stringify(answer.body)}`).toBe(200);
      expect(statusCheckOf(answer.body)).toMatchObject({ verified: true, message: 'not revoked' });
    }
  });
});

describe('a status host that never answers', () => {
  it('ends the verification by its deadline with the status check CHECK_NOT_RUN, and leaves no cache entry behind', async () => {
    const path = '/lists/silent';
    const url = `${listsUrl}${path}`;
    lists.routes.delete(path);
    const jwt = await credentialListedAt(url);
    const comesBack = await listAnswer(path);

    const answer = await verify(jwt);
    expect(answer.status).toBe(422);
    expect(answer.body.verified).toBe(false);
    expect(statusCheckOf(answer.body)).toMatchObject({ verified: false, code: 'CHECK_NOT_RUN', pointer: '/credentialStatus/statusListCredential' });
    expect(statusCheckOf(answer.body).message).toContain(`${DEADLINE_MS} ms`);
    // The proof was checked in time: only what had not finished is CHECK_NOT_RUN.
    expect(answer.body.checks.find((c: { check: string }) => c.check === 'proof')).toMatchObject({ verified: true });

    // The host comes back while the first fetch still hangs (it has 3 s of its own, more than two
    // deadlines): the next verification fetches the list again instead of waiting on the entry the
    // first one started, which left the cache at the first one's deadline.
    lists.routes.set(path, comesBack);
    const again = await verify(jwt);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(statusCheckOf(again.body)).toMatchObject({ verified: true });
    expect(lists.hits.get(path)).toBe(2);
  });

  it('ends a presentation by the same deadline, with the held credential\'s status CHECK_NOT_RUN', async () => {
    const path = '/lists/silent-for-presentation';
    lists.routes.delete(path);
    const jwt = await credentialListedAt(`${listsUrl}${path}`);
    const did = svc.service.keyring.did;
    const signed = await unscopedIssuer(svc.service).signPresentation(
      { '@context': [VC_V2], type: ['VerifiablePresentation'], holder: did, verifiableCredential: [{ '@context': VC_V2, type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${jwt}` }] },
      { format: 'vp+jwt', alg: 'ES256' },
    );
    if (signed.format !== 'vp+jwt') throw new Error('expected a VP-JWT');
    const response = await fetch(`${svc.url}/presentations/verify`, { method: 'POST', headers: { 'content-type': 'application/vp+jwt' }, body: signed.jwt });
    const report: any = await response.json();
    expect(response.status).toBe(422);
    expect(report.checks.filter((c: { verified: boolean }) => !c.verified)).toEqual([]);
    expect(report.credentials).toHaveLength(1);
    expect(statusCheckOf(report.credentials[0])).toMatchObject({ verified: false, code: 'CHECK_NOT_RUN' });
  });
});
