/**
 * W3C VC-API: the issuer is part of the request. POST /credentials/issue signs as the `issuer` the
 * credential names and as no default: without one the answer is 400 INVALID_INPUT at
 * /credential/issuer, nothing is signed, stored or audited, and the hint names the DIDs this very
 * caller may sign as (the signing policy's rows for its role: an admin the service's did:web and
 * did:keys or a hosted member, a member its own DID). A member naming its own DID is signed; naming
 * the service's is 403, audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
let member: { id: string; did: string };
let memberKey: string;

const V2 = 'https://www.w3.org/ns/credentials/v2';
const admin = () => ({ authorization: `Bearer ${svc.apiKey}` });
const asMember = () => ({ authorization: `Bearer ${memberKey}` });
const credential = (issuer?: string) => ({
  '@context': [V2],
  type: ['VerifiableCredential'],
  ...(issuer === undefined ? {} : { issuer }),
  credentialSubject: { id: 'did:web:subject.example' },
});

beforeAll(async () => {
  svc = await startService();
  const created = await postJson(`${svc.url}/members`, { slug: 'named', name: 'Named GmbH' }, admin());
  expect(created.status, created.text).toBe(201);
  member = created.body;
  const key = await postJson(`${svc.url}/members/${member.id}/api-keys`, { role: 'member' }, admin());
  expect(key.status, key.text).toBe(201);
  memberKey = key.body.apiKey;
});
afterAll(async () => {
  await svc?.close();
});

async function auditActionsSince(before: number): Promise<string[]> {
  const size = await svc.service.store.auditSize();
  return (await svc.service.store.auditEntries(before, size)).map((e) => JSON.parse(e.leaf).action as string);
}

describe('POST /credentials/issue without issuer', () => {
  it.each(['ldp_vc', 'vc+jwt'])('is 400 INVALID_INPUT at /credential/issuer for an admin (%s), the hint naming the service\'s DIDs; nothing signed, stored or audited', async (format) => {
    const before = await svc.service.store.auditSize();
    const response = await postJson(`${svc.url}/credentials/issue`, { credential: credential(), options: { format, credentialStatus: true } }, admin());
    expect(response.status, response.text).toBe(400);
    expect(response.contentType).toContain('application/problem+json');
    expect(response.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/credential/issuer' });
    const { did, didKey } = svc.service.keyring;
    for (const named of [did, didKey('Ed25519').did, didKey('P-256').did]) expect(response.body.hint).toContain(named);
    expect(response.body.hint).toContain('a member this service hosts');
    expect(response.body.hint).not.toContain('leave it out');
    expect(await auditActionsSince(before)).toEqual([]);
  });

  it('is 400 at /credential/issuer for a member, the hint naming its own DID and not the service\'s', async () => {
    const before = await svc.service.store.auditSize();
    const response = await postJson(`${svc.url}/credentials/issue`, { credential: credential() }, asMember());
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/credential/issuer', hint: `Name the issuer: ${member.did}` });
    expect(response.body.hint).not.toContain(svc.service.keyring.did + ',');
    expect(await auditActionsSince(before)).toEqual([]);
  });

  it('signs as the member when the member names its own DID, and refuses it the service\'s DID (403, audited)', async () => {
    const own = await postJson(`${svc.url}/credentials/issue`, { credential: credential(member.did) }, asMember());
    expect(own.status, own.text).toBe(201);
    expect(own.body.verifiableCredential.issuer).toBe(member.did);
    expect(own.body.verifiableCredential.proof.verificationMethod.startsWith(`${member.did}#`)).toBe(true);

    const before = await svc.service.store.auditSize();
    const refused = await postJson(`${svc.url}/credentials/issue`, { credential: credential(svc.service.keyring.did) }, asMember());
    expect(refused.status, refused.text).toBe(403);
    expect(refused.body).toMatchObject({ code: 'FORBIDDEN', hint: `Sign as ${member.did}` });
    expect(await auditActionsSince(before)).toEqual(['authorization.denied']);
  });

  it('signs as whichever of its DIDs an admin names', async () => {
    for (const issuer of [svc.service.keyring.did, svc.service.keyring.didKey('Ed25519').did, member.did]) {
      const issued = await postJson(`${svc.url}/credentials/issue`, { credential: credential(issuer) }, admin());
      expect(issued.status, issued.text).toBe(201);
      expect(issued.body.verifiableCredential.issuer).toBe(issuer);
    }
  });

  it('shows the instance\'s own did:web as the issuer in the OpenAPI example', async () => {
    const document = (await (await fetch(`${svc.url}/openapi.json`)).json()) as any;
    const example = document.paths['/credentials/issue'].post.requestBody.content['application/json'].example;
    expect(example.credential.issuer).toBe(svc.service.keyring.did);
  });
});
