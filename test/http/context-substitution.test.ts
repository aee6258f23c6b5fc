/**
 * The context-substitution case over HTTP: an inline context that would give a signed term another
 * meaning (the gx prefix pointed elsewhere, a compact IRI term or the VerifiableCredential type
 * redefined, `id` aliased to `@type`) is refused, because the pinned contexts protect their terms
 * and jsonld enforces `@protected`: added after signing it fails the proof check (422), given for
 * signing it is 400. Nothing is fetched: the contexts are the pinned files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const GX = 'https://w3id.org/gaia-x/development#';

let svc: RunningService;
let signed: Record<string, unknown>;
const admin = () => ({ authorization: `Bearer ${svc.apiKey}` });
const credential = () => ({ '@context': [V2, GX], type: ['VerifiableCredential'], issuer: svc.service.keyring.did, credentialSubject: { id: 'did:web:member.example', 'gx:countryCode': 'DE' } });

beforeAll(async () => {
  svc = await startService();
  const issued = await postJson(`${svc.url}/credentials/issue`, { credential: credential(), options: { format: 'ldp_vc' } }, admin());
  expect(issued.status, issued.text).toBe(201);
  signed = issued.body.verifiableCredential;
});
afterAll(async () => {
  await svc?.close();
});

const REDEFINITIONS: [string, Record<string, unknown>, string][] = [
  ['the gx prefix pointed at another vocabulary', { gx: 'https://evil.example/vocab#' }, 'tried to redefine a protected term'],
  ['gx:countryCode defined as another IRI', { 'gx:countryCode': 'https://evil.example/vocab#country' }, 'term in form of IRI must expand to definition'],
  ['VerifiableCredential defined as another type', { VerifiableCredential: 'https://evil.example/vocab#VC' }, 'tried to redefine a protected term'],
];

describe('an inline context that changes what a signed term means', () => {
  it.each(REDEFINITIONS)('%s, added after signing, fails the proof check (422)', async (_name, redefinition, reason) => {
    const forged = { ...signed, '@context': [V2, GX, redefinition] };
    const answer = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: forged });
    expect(answer.status, answer.text).toBe(422);
    const proof = answer.body.checks.find((c: { check: string }) => c.check === 'proof');
    expect(proof).toMatchObject({ verified: false });
    expect(proof.message).toContain(reason);
  });

  it.each(REDEFINITIONS)('%s, given for signing in either format, is 400 and nothing is signed', async (_name, redefinition, reason) => {
    for (const format of ['ldp_vc', 'vc+jwt']) {
      const before = await svc.service.store.auditSize();
      const answer = await postJson(`${svc.url}/credentials/issue`, { credential: { ...credential(), '@context': [V2, GX, redefinition] }, options: { format } }, admin());
      expect(answer.status, `${format}: ${answer.text}`).toBe(400);
      expect(answer.body.detail).toContain(reason);
      expect(await svc.service.store.auditSize()).toBe(before);
    }
  });

  it('the untouched credential verifies (the control)', async () => {
    const answer = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: signed });
    expect(answer.status, answer.text).toBe(200);
  });
});
