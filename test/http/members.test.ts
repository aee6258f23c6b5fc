/**
 * Members through the real app: an admin creates members and hands out API keys; a member issues
 * as its own did:web, which a partner service resolves over loopback HTTP from
 * /members/<slug>/did.json; ownership refusals are 403 and audited; keys rotate with old and new
 * credentials verifying; a revoked API key stops at once; no response or log carries a key.
 */
import { createDecipheriv, createPrivateKey, hkdfSync, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEMBER_KEY_SECRET_FILE } from '../../src/keyring/member-keys.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../helpers/clock.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { externalKey } from '../members/fixtures.js';

let issuer: RunningService;
/** A partner service verifying the members' credentials, on a clock the test moves. */
let partner: RunningService;
const partnerTime = manualClock();
const DAY = 86_400_000;
const logged: unknown[] = [];
/** Every response body the tests saw, to search for secrets at the end. */
const seen: string[] = [];

async function call(method: string, path: string, body?: unknown, apiKey?: string) {
  const response = await fetch(`${issuer.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  seen.push(text);
  return { status: response.status, text, body: text === '' ? undefined : (JSON.parse(text) as any) };
}

const admin = () => issuer.apiKey;

async function createMember(slug: string, keys?: unknown) {
  const created = await call('POST', '/members', { slug, name: `${slug} GmbH`, ...(keys === undefined ? {} : { keys }) }, admin());
  expect(created.status, created.text).toBe(201);
  return created.body;
}

async function apiKeyFor(member: { id: string }, role: string) {
  const created = await call('POST', `/members/${member.id}/api-keys`, { role }, admin());
  expect(created.status, created.text).toBe(201);
  return created.body as { id: string; apiKey: string; role: string };
}

const credential = (extra: Record<string, unknown> = {}) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  credentialSubject: { id: 'did:web:subject.example' },
  ...extra,
});

/** Issues as `issuer`, which the credential names (the VC-API signs as no default). */
async function issueAs(apiKey: string, issuer: string, extra: Record<string, unknown> = {}, options: Record<string, unknown> = {}) {
  return call('POST', '/credentials/issue', { credential: credential({ issuer, ...extra }), options }, apiKey);
}

/**
 * Verifies at the partner as one that has not resolved the member lately: a day passes on its clock
 * first, far past anything its DID cache keeps, so it fetches the member's DID document as it is
 * now. (One partner for the file: a service started per verification costs an RSA-2048 key
 * generation, seconds each on a busy machine.)
 */
async function verifyAtPartner(vc: unknown) {
  partnerTime.advance(DAY);
  return postJson(`${partner.url}/credentials/verify`, { verifiableCredential: vc });
}

async function auditActions(subject: string): Promise<string[]> {
  return (await issuer.service.store.auditEntriesForSubject(subject)).map((e) => JSON.parse(e.leaf).action as string);
}

beforeAll(async () => {
  issuer = await startService({}, { log: (error) => logged.push(error) });
  // No result cache: every verification checks the proof against the document it resolves.
  partner = await startService({ GX_RESULT_CACHE_SECONDS: '0' }, { clock: partnerTime.clock });
});
afterAll(async () => {
  await issuer?.close();
  await partner?.close();
});

describe('members and their did:web', () => {
  let acme: any;
  let acmeKey: string;

  beforeAll(async () => {
    acme = await createMember('acme');
    acmeKey = (await apiKeyFor(acme, 'member')).apiKey;
  });

  it('gives a member did:web:<host>:members:<slug>, served at /members/<slug>/did.json: Ed25519 and P-256 Multikeys, RSA and P-256 JsonWebKey2020 with x5c and their JsonWebKey twins', async () => {
    expect(acme.did).toBe(`did:web:localhost%3A${issuer.port}:members:acme`);
    expect(acme.custody).toBe('hosted');
    const doc = await call('GET', '/members/acme/did.json');
    expect(doc.status).toBe(200);
    expect(doc.body.id).toBe(acme.did);
    expect(doc.body.verificationMethod.map((vm: any) => vm.type).sort()).toEqual(['JsonWebKey', 'JsonWebKey', 'JsonWebKey2020', 'JsonWebKey2020', 'Multikey', 'Multikey']);
    for (const vm of doc.body.verificationMethod) {
      expect(vm).toMatchObject({ controller: acme.did });
      expect(vm.id.startsWith(`${acme.did}#`)).toBe(true);
      if (vm.type === 'JsonWebKey2020') {
        expect(vm.publicKeyJwk.x5c).toHaveLength(2);
        // VC-JOSE-COSE §4.3: the same key as a JsonWebKey method.
        expect(doc.body.verificationMethod).toContainEqual({ ...vm, id: `${vm.id}-jsonwebkey`, type: 'JsonWebKey' });
      }
    }
    expect(doc.body.assertionMethod).toEqual(doc.body.verificationMethod.map((vm: any) => vm.id));
    expect((await call('GET', '/members/nobody/did.json')).status).toBe(404);
  });

  it('reads each method\'s x5c chain out in GET /members/{id}: subject, issuer and validity of each certificate, leaf first, as the DID document publishes it', async () => {
    const doc = await call('GET', '/members/acme/did.json');
    const view = await call('GET', `/members/${acme.id}`, undefined, admin());
    expect(view.status).toBe(200);
    for (const method of view.body.verificationMethods) {
      const published = doc.body.verificationMethod.find((vm: any) => vm.id === method.id);
      const x5c: string[] | undefined = published?.publicKeyJwk?.x5c;
      if (x5c === undefined) {
        expect(method.certificates).toBeUndefined();
        continue;
      }
      const chain = x5c.map((der) => new X509Certificate(Buffer.from(der, 'base64')));
      expect(method.certificates).toEqual(chain.map((c) => ({ subject: expect.any(String), issuer: expect.any(String), notBefore: new Date(c.validFrom).toISOString(), notAfter: new Date(c.validTo).toISOString() })));
      // Leaf first: each certificate is issued by the next one's subject.
      expect(method.certificates[0].subject).toContain(acme.did);
      expect(method.certificates[0].issuer).toBe(method.certificates[1].subject);
    }
    expect(view.body.verificationMethods.filter((m: any) => m.certificates !== undefined)).toHaveLength(2);
  });

  it('refuses a second member with the same slug (409) and a bad slug (400 with a pointer)', async () => {
    const again = await call('POST', '/members', { slug: 'acme', name: 'again' }, admin());
    expect(again.status).toBe(409);
    const bad = await call('POST', '/members', { slug: 'Acme_Corp', name: 'x' }, admin());
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/slug' });
  });

  it('shows an API key once: never in GET /members, GET /members/{id}, or anywhere but the creation answer', async () => {
    const created = await apiKeyFor(acme, 'connector');
    expect(created.apiKey).toMatch(/^gx_[A-Za-z0-9_-]{43}$/);
    const one = await call('GET', `/members/${acme.id}`, undefined, admin());
    const all = await call('GET', '/members', undefined, admin());
    expect(one.body.apiKeys.map((k: any) => k.id)).toContain(created.id);
    for (const text of [one.text, all.text]) {
      expect(text).not.toContain(created.apiKey);
      expect(text).not.toContain(acmeKey);
    }
    // Stored as a hash only.
    const stored = await issuer.service.store.listApiKeys(acme.id);
    expect(JSON.stringify(stored)).not.toContain(created.apiKey);
  });

  it('lets a member issue as its own did:web, named as the issuer; a partner resolves it over loopback HTTP and verifies', async () => {
    for (const options of [{}, { format: 'vc+jwt', alg: 'EdDSA' }, { cryptosuite: 'ecdsa-rdfc-2019' }]) {
      const issued = await issueAs(acmeKey, acme.did, {}, options);
      expect(issued.status, issued.text).toBe(201);
      const vc = issued.body.verifiableCredential;
      if (options.format === undefined) {
        expect(vc.issuer).toBe(acme.did);
        expect(vc.proof.verificationMethod.startsWith(`${acme.did}#`)).toBe(true);
      }
      const verified = await verifyAtPartner(vc);
      expect(verified.status, verified.text).toBe(200);
    }
  });

  it('refuses to issue as another member or as the service (403) and audits the attempt', async () => {
    const other = await createMember('other-co');
    for (const issuerDid of [other.did, issuer.service.keyring.did]) {
      const refused = await issueAs(acmeKey, issuerDid);
      expect(refused.status, refused.text).toBe(403);
      expect(refused.body.code).toBe('FORBIDDEN');
      const entries = await auditActions(issuerDid);
      expect(entries).toContain('authorization.denied');
    }
  });

  it('refuses to change the status of another member\'s credential (404, as an unknown id) and audits the attempt', async () => {
    const rival = await createMember('rival');
    const rivalKey = (await apiKeyFor(rival, 'member')).apiKey;
    const issued = await issueAs(rivalKey, rival.did, {}, { credentialStatus: true });
    expect(issued.status, issued.text).toBe(201);
    const id = issued.body.verifiableCredential.id;
    const body = { credentialId: id, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] };
    const refused = await call('POST', '/credentials/status', body, acmeKey);
    expect(refused.status).toBe(404);
    expect(await auditActions(id)).toEqual(['credential.issued', 'authorization.denied']);
    const own = await call('POST', '/credentials/status', body, rivalKey);
    expect(own.status, own.text).toBe(200);
  });

  it('audits member and API key changes as member.changed', async () => {
    const actions = await auditActions(acme.did);
    expect(actions.filter((a) => a === 'member.changed').length).toBeGreaterThanOrEqual(3);
  });

  it('revokes an API key at once: the next request with it is 401', async () => {
    const { id, apiKey } = await apiKeyFor(acme, 'member');
    expect((await issueAs(apiKey, acme.did)).status).toBe(201);
    const revoked = await call('DELETE', `/members/${acme.id}/api-keys/${id}`, undefined, admin());
    expect(revoked.status).toBe(204);
    const after = await issueAs(apiKey, acme.did);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('UNAUTHORIZED');
    expect((await call('DELETE', `/members/${acme.id}/api-keys/${id}`, undefined, admin())).status).toBe(404);
  });
});

describe('key rotation', () => {
  it('keeps the old method (with expires = the latest validUntil it signed) so old and new credentials verify; a removed key gives KEY_NOT_FOUND', async () => {
    const member = await createMember('rotor');
    const key = (await apiKeyFor(member, 'member')).apiKey;
    const validUntil = new Date(Date.now() + 30 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const old = await issueAs(key, member.did, { validUntil });
    expect(old.status, old.text).toBe(201);
    const oldVc = old.body.verifiableCredential;
    const oldMethod = oldVc.proof.verificationMethod;

    const rotated = await call('POST', `/members/${member.id}/keys/rotate`, {}, key);
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body.previous).toContain(oldMethod);

    const fresh = await issueAs(key, member.did);
    expect(fresh.status, fresh.text).toBe(201);
    const newVc = fresh.body.verifiableCredential;
    expect(newVc.proof.verificationMethod).not.toBe(oldMethod);
    expect(rotated.body.current).toContain(newVc.proof.verificationMethod);

    const doc = (await call('GET', '/members/rotor/did.json')).body;
    const kept = doc.verificationMethod.find((vm: any) => vm.id === oldMethod);
    expect(kept).toMatchObject({ type: 'Multikey', expires: new Date(validUntil).toISOString() });
    expect(doc.authentication).not.toContain(oldMethod);
    expect(doc.authentication).toContain(newVc.proof.verificationMethod);

    expect((await verifyAtPartner(oldVc)).status).toBe(200);
    expect((await verifyAtPartner(newVc)).status).toBe(200);

    // A compromise: the rotation removes the previous keys at once.
    const removed = await call('POST', `/members/${member.id}/keys/rotate`, { previous: 'remove' }, admin());
    expect(removed.status, removed.text).toBe(200);
    const after = await verifyAtPartner(oldVc);
    expect(after.status).toBe(422);
    expect(after.body.checks.find((c: any) => c.code === 'KEY_NOT_FOUND')).toBeDefined();
    const afterNew = await verifyAtPartner(newVc);
    expect(afterNew.status).toBe(422);
  });

  it('drops a retired key that signed nothing at once', async () => {
    const member = await createMember('idle');
    const before = (await call('GET', '/members/idle/did.json')).body.verificationMethod.map((vm: any) => vm.id);
    await call('POST', `/members/${member.id}/keys/rotate`, {}, admin());
    const after = (await call('GET', '/members/idle/did.json')).body.verificationMethod.map((vm: any) => vm.id);
    expect(after).toHaveLength(6);
    expect(after.some((id: string) => before.includes(id))).toBe(false);
  });
});

describe('members with their own keys', () => {
  it('registers a public JWK with x5c/x5u for verification only; issuing as that member is refused', async () => {
    const { publicKeyJwk } = await externalKey();
    const ext = await createMember('elsewhere', { publicKeys: [{ publicKeyJwk }] });
    expect(ext.custody).toBe('external');
    const doc = (await call('GET', '/members/elsewhere/did.json')).body;
    expect(doc.verificationMethod[0]).toMatchObject({ type: 'JsonWebKey2020', publicKeyJwk: { x5u: publicKeyJwk.x5u, x5c: publicKeyJwk.x5c } });
    const key = (await apiKeyFor(ext, 'member')).apiKey;
    const refused = await issueAs(key, ext.did);
    expect(refused.status).toBe(400);
    expect(refused.body.pointer).toBe('/credential/issuer');
  });

  it('refuses a JWK that carries private key material, without echoing it', async () => {
    const { privateJwk } = await externalKey();
    const refused = await call('POST', '/members', { slug: 'leaky', name: 'Leaky', keys: { publicKeys: [{ publicKeyJwk: privateJwk }] } }, admin());
    expect(refused.status).toBe(400);
    expect(refused.body.pointer).toBe('/keys/publicKeys/0/publicKeyJwk/d');
    expect(refused.text).not.toContain(privateJwk.d);
  });
});

/** The gxseal1 format of src/keyring/member-keys.ts, opened with the service's member key secret. */
function unsealForTest(sealed: string, methodId: string, keysDir: string): KeyObject {
  const secret = Buffer.from(readFileSync(join(keysDir, MEMBER_KEY_SECRET_FILE), 'utf8').trim(), 'base64');
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'gx-trust member private keys v1', 32));
  const [, iv, body, tag] = sealed.split('.') as [string, string, string, string];
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(methodId, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  const der = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

describe('private keys never leave the service', () => {
  it('no response and no logged error holds a sealed or plain private key of a member', async () => {
    const secrets: string[] = [];
    for (const member of await issuer.service.store.listMembers()) {
      for (const key of await issuer.service.store.memberKeys(member.id)) {
        if (key.sealedPrivateKey === null) continue;
        secrets.push(key.sealedPrivateKey);
        // Opened as the keyring opens it (src/keyring/member-keys.ts): the service itself hands out only signers.
        const opened = unsealForTest(key.sealedPrivateKey, key.id, issuer.service.config.keysDir);
        secrets.push(opened.export({ type: 'pkcs8', format: 'der' }).toString('base64'));
        secrets.push(String(opened.export({ format: 'jwk' }).d));
      }
    }
    expect(secrets.length).toBeGreaterThan(4);
    const haystack = [...seen, ...logged.map((e) => (e instanceof Error ? `${e.message}\n${e.stack}` : JSON.stringify(e)))].join('\n');
    const leaves = (await issuer.service.store.auditEntries(0, 10_000)).map((e) => e.leaf).join('\n');
    for (const secret of secrets) {
      expect(haystack).not.toContain(secret);
      expect(leaves).not.toContain(secret);
    }
    expect(haystack).not.toContain('PRIVATE KEY');
  });
});
