/**
 * POST /members/{id}/presentations signs every presentation format POST /presentations/prove does
 * (vp+jwt, vp+sd-jwt, vp+cose, ldp_vp), through the same signing path, with the hosted key the
 * member chooses by alg; each verifies at POST /presentations/verify with the credentials it holds.
 * A member still signs as itself only.
 */
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';

interface Member {
  id: string;
  did: string;
  apiKey: string;
}

let svc: RunningService;
let acme: Member;
let globex: Member;
/** Acme's stored credentials, by the format they were issued in. */
const held: Record<'vc+jwt' | 'vc+sd-jwt' | 'vc+cose' | 'ldp_vc', string> = { 'vc+jwt': '', 'vc+sd-jwt': '', 'vc+cose': '', ldp_vc: '' };

const as = (member: Member) => ({ authorization: `Bearer ${member.apiKey}` });

async function createMember(slug: string): Promise<Member> {
  const admin = { authorization: `Bearer ${svc.apiKey}` };
  const created = await postJson(`${svc.url}/members`, { slug, name: `${slug} GmbH` }, admin);
  expect(created.status, created.text).toBe(201);
  const key = await postJson(`${svc.url}/members/${created.body.id}/api-keys`, { role: 'member' }, admin);
  expect(key.status, key.text).toBe(201);
  return { id: created.body.id, did: created.body.did, apiKey: key.body.apiKey };
}

beforeAll(async () => {
  svc = await startService();
  acme = await createMember('acme');
  globex = await createMember('globex');
  for (const format of Object.keys(held) as (keyof typeof held)[]) {
    const credential = { '@context': [V2], type: ['VerifiableCredential'], issuer: acme.did, credentialSubject: { id: acme.did, name: `held as ${format}` } };
    const options = format === 'ldp_vc' ? { format, cryptosuite: 'eddsa-rdfc-2022' } : { format };
    const issued = await postJson(`${svc.url}/credentials/issue`, { credential, options }, as(acme));
    expect(issued.status, issued.text).toBe(201);
    const records = await svc.service.store.credentialsOfDid(acme.did);
    held[format] = records.find((record) => record.format === (format === 'ldp_vc' ? 'eddsa-rdfc-2022' : format) && !Object.values(held).includes(record.id))!.id;
  }
}, 120_000);

afterAll(async () => {
  await svc?.close();
});

const present = (member: Member, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  postJson(`${svc.url}/members/${member.id}/presentations`, body, { ...as(member), ...headers });

describe('POST /members/{id}/presentations in every presentation format', () => {
  const enveloped = () => [held['vc+jwt'], held['vc+sd-jwt'], held['vc+cose']];

  it.each([
    ['vp+jwt', 'PS256', 'RSA'],
    ['vp+sd-jwt', 'PS256', 'RSA'],
    ['vp+sd-jwt', 'ES256', 'P-256'],
    ['vp+sd-jwt', 'EdDSA', 'Ed25519'],
    ['vp+cose', 'PS256', 'RSA'],
    ['vp+cose', 'ES256', 'P-256'],
    ['vp+cose', 'EdDSA', 'Ed25519'],
    ['vp+jwt', 'EdDSA', 'Ed25519'],
  ])('%s with %s (the member\'s %s key) verifies, and so does every credential it holds', async (format, alg) => {
    const withBinding = format !== 'vp+cose';
    const signed = await present(acme, {
      credentials: enveloped(),
      format,
      alg,
      ...(withBinding ? { challenge: 'nonce-7', audience: 'https://verifier.example' } : {}),
    });
    expect(signed.status, signed.text).toBe(201);
    const envelope = signed.body.verifiablePresentation;
    expect(envelope.id.startsWith(`data:application/${format}`)).toBe(true);
    if (format !== 'vp+cose') expect(decodeProtectedHeader(signed.body.jwt.split('~')[0])).toMatchObject({ alg, kid: expect.stringMatching(new RegExp(`^${acme.did}#`)) });
    const verified = await postJson(`${svc.url}/presentations/verify`, {
      verifiablePresentation: envelope,
      ...(withBinding ? { options: { challenge: 'nonce-7', domain: 'https://verifier.example' } } : {}),
    });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body).toMatchObject({ verified: true, format, issuer: acme.did });
    expect(verified.body.credentials.map((c: { verified: boolean; format: string }) => [c.verified, c.format])).toEqual([
      [true, 'vc+jwt'],
      [true, 'vc+sd-jwt'],
      [true, 'vc+cose'],
    ]);
  });

  it('ldp_vp holds the Data Integrity credential and the enveloped ones, and verifies', async () => {
    const signed = await present(acme, { credentials: [held.ldp_vc, ...enveloped()], format: 'ldp_vp', challenge: 'nonce-8' });
    expect(signed.status, signed.text).toBe(201);
    const verified = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: signed.body.verifiablePresentation, options: { challenge: 'nonce-8' } });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.credentials.map((c: { verified: boolean }) => c.verified)).toEqual([true, true, true, true]);
  });

  it('answers the bare vp+sd-jwt when asked for application/vp+sd-jwt', async () => {
    const signed = await present(acme, { credentials: [held['vc+jwt']], format: 'vp+sd-jwt' }, { accept: 'application/vp+sd-jwt' });
    expect(signed.status, signed.text).toBe(201);
    expect(signed.contentType).toMatch(/^application\/vp\+sd-jwt/);
    const verified = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: signed.text });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body).toMatchObject({ verified: true, format: 'vp+sd-jwt' });
  });

  it.each([
    ['a Data Integrity credential in a vp+sd-jwt', () => ({ credentials: [held['vc+jwt'], held.ldp_vc], format: 'vp+sd-jwt' }), '/credentials/1'],
    ['a challenge on a vp+cose (it has nowhere to carry it)', () => ({ credentials: [held['vc+jwt']], format: 'vp+cose', challenge: 'n' }), '/challenge'],
    ['an audience on a vp+cose', () => ({ credentials: [held['vc+jwt']], format: 'vp+cose', audience: 'https://verifier.example' }), '/audience'],
    ['selectivelyDisclosable on a vp+jwt', () => ({ credentials: [held['vc+jwt']], format: 'vp+jwt', selectivelyDisclosable: ['/holder'] }), '/selectivelyDisclosable'],
    ['an algorithm no hosted key has', () => ({ credentials: [held['vc+jwt']], format: 'vp+jwt', alg: 'ES384' }), '/alg'],
    ['alg with ldp_vp', () => ({ credentials: [held.ldp_vc], format: 'ldp_vp', alg: 'EdDSA', challenge: 'n' }), '/alg'],
  ])('refuses %s: 400 at the member\'s own field', async (_name, body, pointer) => {
    const refused = await present(acme, body());
    expect(refused.status, refused.text).toBe(400);
    expect(JSON.stringify(refused.body)).toContain(`"${pointer}"`);
  });

  it.each(['vp+sd-jwt', 'vp+cose'])('a member cannot sign a %s as another member: its path is 404 (audited), its credentials unknown ids', async (format) => {
    const before = await svc.service.store.auditSize();
    const path = await postJson(`${svc.url}/members/${acme.id}/presentations`, { credentials: [held['vc+jwt']], format }, as(globex));
    expect(path.status, path.text).toBe(404);
    const viaOwnPath = await present(globex, { credentials: [held['vc+jwt']], format });
    expect(viaOwnPath.status, viaOwnPath.text).toBe(404);
    expect(viaOwnPath.body.code).toBe('NOT_FOUND');
    const entries = (await svc.service.store.auditEntries(before, await svc.service.store.auditSize())).map((entry) => JSON.parse(entry.leaf));
    expect(entries.map((entry) => entry.action)).toEqual(['authorization.denied', 'authorization.denied']);
  });
});
