/**
 * A DID document that cannot be fetched while verifying is a failed check, not a failed request:
 * POST /credentials/verify and /presentations/verify answer 422 with the report, whose key-binding
 * check names the reason (DID_RESOLUTION_FAILED, DID_NOT_FOUND, DID_RESOLUTION_TIMEOUT), never a
 * 502/504 problem. docs/api.md says so, and this file reads it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicJwkOf } from '../../src/dids/multikey.js';
import { startDidWebServer, type DidWebServer } from '../helpers/did-web-server.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
let dids: DidWebServer;
const key = generateKeyPairSync('ed25519');

beforeAll(async () => {
  svc = await startService({ GX_RESULT_CACHE_SECONDS: '0' });
  dids = await startDidWebServer();
});
afterAll(async () => {
  await dids?.close();
  await svc?.close();
});

/** A vc+jwt (or vp+jwt) of `did`, signed for real with the test key, its kid `<did>#key-1`. */
async function tokenOf(did: string, kind: 'vc' | 'vp'): Promise<string> {
  const payload =
    kind === 'vc'
      ? { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: did, validFrom: '2026-01-01T00:00:00Z', credentialSubject: { id: 'did:example:s' } }
      : { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], holder: did };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'EdDSA', typ: `${kind}+jwt`, kid: `${did}#key-1` })
    .sign(key.privateKey);
}

async function verify(did: string): Promise<{ check: { code?: string; message?: string } | undefined; statuses: number[] }> {
  const credential = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: await tokenOf(did, 'vc') });
  const presentation = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: await tokenOf(did, 'vp') });
  for (const answer of [credential, presentation]) {
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.body.verified).toBe(false);
  }
  const check = credential.body.checks.find((c: { check: string }) => c.check === 'key-binding');
  expect(presentation.body.checks.find((c: { check: string }) => c.check === 'key-binding')?.code).toBe(check?.code);
  return { check, statuses: [credential.status, presentation.status] };
}

describe('a DID document that cannot be fetched during verification', () => {
  it('verifies when the document is served (the baseline the failures below depart from)', async () => {
    const did = dids.didFor(['served']);
    const method = { id: `${did}#key-1`, type: 'JsonWebKey', controller: did, publicKeyJwk: publicJwkOf(key.publicKey) };
    dids.setDocument(did, { id: did, verificationMethod: [method], assertionMethod: [method.id], authentication: [method.id] });
    const answer = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: await tokenOf(did, 'vc') });
    expect(answer.status).toBe(200);
  });

  it('answers 422 with DID_RESOLUTION_FAILED and the reason when the host answers 500', async () => {
    const did = dids.didFor(['broken']);
    dids.setRoute('/broken/did.json', (_req, res) => {
      res.statusCode = 500;
      res.end('internal error');
    });
    const { check, statuses } = await verify(did);
    expect(statuses).toEqual([422, 422]);
    expect(check?.code).toBe('DID_RESOLUTION_FAILED');
    expect(check?.message).toMatch(/500/);
  });

  it('answers 422 with DID_NOT_FOUND when the host has no such document', async () => {
    const { check, statuses } = await verify(dids.didFor(['nobody']));
    expect(statuses).toEqual([422, 422]);
    expect(check?.code).toBe('DID_NOT_FOUND');
  });

  it('answers 422 with DID_RESOLUTION_FAILED when nothing listens at the host', async () => {
    const gone = await startDidWebServer();
    const did = gone.didFor(['issuer']);
    await gone.close();
    const { check, statuses } = await verify(did);
    expect(statuses).toEqual([422, 422]);
    expect(check?.code).toBe('DID_RESOLUTION_FAILED');
  });

  it('answers 422 with DID_RESOLUTION_TIMEOUT when the host never answers', async () => {
    const did = dids.didFor(['silent']);
    dids.setRoute('/silent/did.json', () => {});
    const { check, statuses } = await verify(did);
    expect(statuses).toEqual([422, 422]);
    expect(check?.code).toBe('DID_RESOLUTION_TIMEOUT');
  });

  it('is what docs/api.md states: a failed check in the 422 report, never a 502/504', () => {
    const api = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    expect(api).toContain('fails or times out during a verification is a failed check in that 422 report');
    expect(api).not.toMatch(/502\/504 a DID or chain fetch/);
  });
});
