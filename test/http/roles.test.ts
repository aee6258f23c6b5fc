/**
 * The role and ownership matrix over HTTP: each caller (anonymous, bootstrap admin, and a member's
 * admin / member / connector / auditor keys, a revoked key) against each endpoint. The endpoints
 * are the route table's: a route without a row here fails the first test. To cover a new route,
 * add a row to ENDPOINTS with the status each caller must get.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/http/route-table.js';
import { examples } from '../../src/http/openapi/examples.js';
import { startService, type RunningService } from '../helpers/service.js';

type Caller = 'anonymous' | 'bootstrap' | 'admin' | 'member' | 'connector' | 'auditor' | 'revoked' | 'otherMember';

const TERMS_TEXT = 'Terms of this test service.\n';
let service: RunningService;
const keys = {} as Record<Exclude<Caller, 'anonymous'>, string>;
let acme: { id: string; did: string };
let other: { id: string; did: string };
let ownCredentialId: string;
/** The path of the status list the member's credential points at. */
let ownStatusListPath: string;

async function call(method: string, path: string, body: unknown, caller: Caller) {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (caller !== 'anonymous') headers['authorization'] = `Bearer ${keys[caller]}`;
  const response = await fetch(`${service.url}${path}`, { method, headers, redirect: 'manual', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, text };
}

/** Issued as the member acme: its own keys and the admins' may name it, another member's may not. */
const credential = () => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  issuer: acme.did,
  credentialSubject: { id: 'did:web:subject.example' },
});

interface Endpoint {
  name: string;
  /** The route of the table this row covers: `<METHOD> <pattern>`. */
  route: string;
  request: () => { method: string; path: string; body?: unknown };
  /** The status each caller gets; a caller left out gets `others`. */
  expect: Partial<Record<Caller, number>> & { others: number };
}

const ENDPOINTS: Endpoint[] = [
  {
    name: 'POST /credentials/issue',
    route: 'POST /credentials/issue',
    request: () => ({ method: 'POST', path: '/credentials/issue', body: { credential: credential() } }),
    expect: { anonymous: 401, revoked: 401, connector: 403, auditor: 403, otherMember: 403, others: 201 },
  },
  {
    name: 'POST /credentials/verify (public)',
    route: 'POST /credentials/verify',
    request: () => ({ method: 'POST', path: '/credentials/verify', body: { verifiableCredential: { ...credential(), issuer: 'did:web:x.example' } } }),
    expect: { others: 422 },
  },
  {
    // The holder's step: members and connectors (their own keys, not the service's). A credential
    // without a base proof is refused, whoever asks.
    name: 'POST /credentials/derive',
    route: 'POST /credentials/derive',
    request: () => ({ method: 'POST', path: '/credentials/derive', body: { verifiableCredential: credential(), options: { selectivePointers: ['/credentialSubject/id'] } } }),
    expect: { anonymous: 401, revoked: 401, auditor: 403, others: 400 },
  },
  {
    name: 'POST /presentations/prove',
    route: 'POST /presentations/prove',
    request: () => ({
      method: 'POST',
      path: '/presentations/prove',
      body: { presentation: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'] }, options: { challenge: 'n-1' } },
    }),
    expect: { anonymous: 401, revoked: 401, connector: 403, auditor: 403, others: 201 },
  },
  {
    name: 'POST /credentials/status (acme\'s credential)',
    route: 'POST /credentials/status',
    request: () => ({
      method: 'POST',
      path: '/credentials/status',
      body: { credentialId: ownCredentialId, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'suspended' }] },
    }),
    expect: { anonymous: 401, revoked: 401, connector: 403, auditor: 403, otherMember: 404, others: 200 },
  },
  {
    name: 'GET /members/{acme}/credentials',
    route: 'GET /members/:id/credentials',
    request: () => ({ method: 'GET', path: `/members/${acme.id}/credentials` }),
    expect: { anonymous: 401, revoked: 401, connector: 403, otherMember: 404, others: 200 },
  },
  {
    name: 'GET /credentials/{acme\'s private credential} (public when made public)',
    route: 'GET /credentials/:id',
    request: () => ({ method: 'GET', path: `/credentials/${encodeURIComponent(ownCredentialId)}` }),
    expect: { anonymous: 404, revoked: 401, connector: 404, otherMember: 404, others: 200 },
  },
  {
    name: 'PATCH /credentials/{acme\'s credential}',
    route: 'PATCH /credentials/:id',
    request: () => ({ method: 'PATCH', path: `/credentials/${encodeURIComponent(ownCredentialId)}`, body: { visibility: 'private' } }),
    expect: { anonymous: 401, revoked: 401, connector: 403, auditor: 403, otherMember: 404, others: 200 },
  },
  {
    name: 'POST /danube/validate (public)',
    route: 'POST /danube/validate',
    request: () => ({ method: 'POST', path: '/danube/validate', body: [] }),
    expect: { others: 400 },
  },
  {
    name: 'GET /members',
    route: 'GET /members',
    request: () => ({ method: 'GET', path: '/members' }),
    expect: { anonymous: 401, revoked: 401, bootstrap: 200, admin: 200, others: 403 },
  },
  {
    name: 'POST /members',
    route: 'POST /members',
    request: () => ({ method: 'POST', path: '/members', body: { slug: `m-${Math.random().toString(36).slice(2, 10)}`, name: 'M' } }),
    expect: { anonymous: 401, revoked: 401, bootstrap: 201, admin: 201, others: 403 },
  },
  {
    name: 'GET /members/{acme}',
    route: 'GET /members/:id',
    request: () => ({ method: 'GET', path: `/members/${acme.id}` }),
    expect: { anonymous: 401, revoked: 401, otherMember: 404, others: 200 },
  },
  {
    name: 'POST /members/{acme}/api-keys',
    route: 'POST /members/:id/api-keys',
    request: () => ({ method: 'POST', path: `/members/${acme.id}/api-keys`, body: { role: 'connector' } }),
    expect: { anonymous: 401, revoked: 401, bootstrap: 201, admin: 201, others: 403 },
  },
  {
    name: 'DELETE /members/{acme}/api-keys/{unknown}',
    route: 'DELETE /members/:id/api-keys/:keyId',
    request: () => ({ method: 'DELETE', path: `/members/${acme.id}/api-keys/key_0000` }),
    expect: { anonymous: 401, revoked: 401, bootstrap: 404, admin: 404, others: 403 },
  },
  {
    name: 'POST /members/{acme}/keys/rotate',
    route: 'POST /members/:id/keys/rotate',
    request: () => ({ method: 'POST', path: `/members/${acme.id}/keys/rotate`, body: {} }),
    expect: { anonymous: 401, revoked: 401, connector: 403, auditor: 403, otherMember: 404, others: 200 },
  },
  {
    name: 'POST /members/{acme}/keys/rsa/csr',
    route: 'POST /members/:id/keys/:kid/csr',
    request: () => ({ method: 'POST', path: `/members/${acme.id}/keys/rsa/csr` }),
    expect: { anonymous: 401, revoked: 401, connector: 403, auditor: 403, otherMember: 404, others: 201 },
  },
  {
    name: 'PUT /members/{acme}/keys/rsa/certificate (a chain of another key)',
    route: 'PUT /members/:id/keys/:kid/certificate',
    request: () => ({ method: 'PUT', path: `/members/${acme.id}/keys/rsa/certificate`, body: examples.installMemberCertificate.body }),
    expect: { anonymous: 401, revoked: 401, connector: 403, auditor: 403, otherMember: 404, others: 422 },
  },
  {
    name: 'POST /members/{acme}/presentations (acme\'s credential)',
    route: 'POST /members/:id/presentations',
    request: () => ({ method: 'POST', path: `/members/${acme.id}/presentations`, body: { credentials: [ownCredentialId], format: 'ldp_vp', challenge: 'n-1' } }),
    expect: { anonymous: 401, revoked: 401, connector: 403, auditor: 403, otherMember: 404, others: 201 },
  },
  {
    name: 'POST /members/{acme}/labels (not onboarded)',
    route: 'POST /members/:id/labels',
    request: () => ({ method: 'POST', path: `/members/${acme.id}/labels`, body: { level: 'standard-compliance' } }),
    expect: { anonymous: 401, revoked: 401, connector: 403, auditor: 403, otherMember: 404, others: 422 },
  },
  {
    // The POST /credentials/status row above has suspended acme's credential by now: a wallet gets
    // no copy of it (422 CREDENTIAL_SUSPENDED) once the caller may offer.
    name: 'POST /members/{acme}/credential-offers (acme\'s suspended credential)',
    route: 'POST /members/:id/credential-offers',
    request: () => ({ method: 'POST', path: `/members/${acme.id}/credential-offers`, body: { credentials: [ownCredentialId] } }),
    expect: { anonymous: 401, revoked: 401, connector: 403, auditor: 403, otherMember: 404, others: 422 },
  },
  {
    // The wallet endpoints take no API key: a pre-authorized code (the token endpoint), an access token (the credential endpoint).
    name: 'POST /openid4vci/token (no code)',
    route: 'POST /openid4vci/token',
    request: () => ({ method: 'POST', path: '/openid4vci/token', body: { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code' } }),
    expect: { others: 400 },
  },
  {
    // An offer by reference is public: the reference is the secret (an API key adds nothing).
    name: 'GET /openid4vci/credential-offers/{reference} (acme\'s offer)',
    route: 'GET /openid4vci/credential-offers/:reference',
    request: () => ({ method: 'GET', path: new URL(decodeURIComponent(offerByReference.split('credential_offer_uri=')[1]!)).pathname }),
    expect: { others: 200 },
  },
  {
    name: 'POST /openid4vci/nonce (public)',
    route: 'POST /openid4vci/nonce',
    request: () => ({ method: 'POST', path: '/openid4vci/nonce' }),
    expect: { others: 200 },
  },
  {
    name: 'POST /openid4vci/credential (an API key is no access token)',
    route: 'POST /openid4vci/credential',
    request: () => ({ method: 'POST', path: '/openid4vci/credential', body: { credential_configuration_id: 'GaiaXLegalPerson_jwt_vc_json' } }),
    expect: { others: 401 },
  },
  {
    name: 'POST /openid4vci/deferred-credential (an API key is no access token)',
    route: 'POST /openid4vci/deferred-credential',
    request: () => ({ method: 'POST', path: '/openid4vci/deferred-credential', body: { transaction_id: 't-1' } }),
    expect: { others: 401 },
  },
  {
    // An admin's review of onboarding; a member does not decide its own (no such offer here: 404 for an admin).
    name: 'POST /members/{acme}/credential-offers/{offerId}/review (no such offer)',
    route: 'POST /members/:id/credential-offers/:offerId/review',
    request: () => ({ method: 'POST', path: `/members/${acme.id}/credential-offers/00000000-0000-4000-8000-000000000000/review`, body: { decision: 'refused', reason: 'no' } }),
    expect: { anonymous: 401, revoked: 401, bootstrap: 404, admin: 404, others: 403 },
  },
  {
    // OpenID4VP: a connector (or a member, or an admin) asks a wallet for a presentation; an auditor reads, it does not ask.
    name: 'POST /verifier/requests',
    route: 'POST /verifier/requests',
    request: () => ({ method: 'POST', path: '/verifier/requests', body: {} }),
    expect: { anonymous: 401, revoked: 401, auditor: 403, others: 201 },
  },
  {
    // Only its creator reads a request: one nobody created is answered as another caller's is (404).
    name: 'GET /verifier/requests/{unknown}',
    route: 'GET /verifier/requests/:id',
    request: () => ({ method: 'GET', path: '/verifier/requests/00000000-0000-4000-8000-000000000000' }),
    expect: { anonymous: 401, revoked: 401, auditor: 403, others: 404 },
  },
  {
    // The wallet's endpoints take no API key: the request id (and, for the response, its state) is the handle.
    name: 'GET /openid4vp/requests/{unknown} (public)',
    route: 'GET /openid4vp/requests/:id',
    request: () => ({ method: 'GET', path: '/openid4vp/requests/00000000-0000-4000-8000-000000000000' }),
    expect: { others: 400 },
  },
  {
    name: 'POST /openid4vp/requests/{unknown}/response (public)',
    route: 'POST /openid4vp/requests/:id/response',
    // Without the form body a wallet posts: 400 before the request is even looked up.
    request: () => ({ method: 'POST', path: '/openid4vp/requests/00000000-0000-4000-8000-000000000000/response' }),
    expect: { others: 400 },
  },
  {
    name: 'GET /members/{slug}/did.json (public)',
    route: 'GET /members/:slug/did.json',
    request: () => ({ method: 'GET', path: '/members/acme/did.json' }),
    expect: { others: 200 },
  },
  {
    name: 'GET /audit/entries',
    route: 'GET /audit/entries',
    request: () => ({ method: 'GET', path: '/audit/entries?from=0&to=1' }),
    expect: { anonymous: 401, revoked: 401, member: 403, connector: 403, otherMember: 403, others: 200 },
  },
  {
    name: 'POST /presentations/verify (public)',
    route: 'POST /presentations/verify',
    request: () => ({ method: 'POST', path: '/presentations/verify', body: { verifiablePresentation: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'] } } }),
    expect: { others: 422 },
  },
  {
    name: 'GET /status-lists/{acme\'s list} (public)',
    route: 'GET /status-lists/:id',
    request: () => ({ method: 'GET', path: ownStatusListPath }),
    expect: { others: 200 },
  },
  {
    name: 'POST /compliance (not a presentation)',
    route: 'POST /compliance',
    request: () => ({ method: 'POST', path: '/compliance', body: { presentation: 'not-a-vp-jwt' } }),
    expect: { anonymous: 401, revoked: 401, connector: 403, auditor: 403, others: 400 },
  },
  ...(['standard-compliance', 'label-level-1', 'label-level-2', 'label-level-3'] as const).map((offer): Endpoint => ({
    name: `POST /api/credential-offers/${offer} (not a presentation)`,
    route: `POST /api/credential-offers/${offer}`,
    request: () => ({ method: 'POST', path: `/api/credential-offers/${offer}`, body: {} }),
    expect: { anonymous: 401, revoked: 401, connector: 403, auditor: 403, others: 400 },
  })),
  {
    name: 'POST /api/credential-offers (not a presentation)',
    route: 'POST /api/credential-offers',
    request: () => ({ method: 'POST', path: '/api/credential-offers', body: {} }),
    expect: { anonymous: 401, revoked: 401, connector: 403, auditor: 403, others: 400 },
  },
  {
    name: 'GET /compliance/decisions/{acme\'s decision}',
    route: 'GET /compliance/decisions/:id',
    request: () => ({ method: 'GET', path: '/compliance/decisions/decision-of-acme' }),
    expect: { anonymous: 401, revoked: 401, connector: 403, otherMember: 404, others: 200 },
  },
  {
    name: 'POST /participants (no participant)',
    route: 'POST /participants',
    request: () => ({ method: 'POST', path: '/participants', body: {} }),
    expect: { anonymous: 401, revoked: 401, connector: 403, auditor: 403, others: 400 },
  },
  {
    name: 'POST /service-offerings (no offering)',
    route: 'POST /service-offerings',
    request: () => ({ method: 'POST', path: '/service-offerings', body: {} }),
    expect: { anonymous: 401, revoked: 401, connector: 403, auditor: 403, others: 400 },
  },
  {
    name: 'GET /audit/checkpoints/latest',
    route: 'GET /audit/checkpoints/latest',
    request: () => ({ method: 'GET', path: '/audit/checkpoints/latest' }),
    expect: { anonymous: 401, revoked: 401, member: 403, connector: 403, otherMember: 403, others: 200 },
  },
  {
    name: 'GET /audit/proofs/inclusion/0',
    route: 'GET /audit/proofs/inclusion/:index',
    request: () => ({ method: 'GET', path: '/audit/proofs/inclusion/0' }),
    expect: { anonymous: 401, revoked: 401, member: 403, connector: 403, otherMember: 403, others: 200 },
  },
  {
    name: 'GET /audit/proofs/consistency',
    route: 'GET /audit/proofs/consistency',
    request: () => ({ method: 'GET', path: '/audit/proofs/consistency?from=1&to=2' }),
    expect: { anonymous: 401, revoked: 401, member: 403, connector: 403, otherMember: 403, others: 200 },
  },
  {
    name: 'GET /audit/evidence/{acme\'s credential}',
    route: 'GET /audit/evidence/:credentialId',
    request: () => ({ method: 'GET', path: `/audit/evidence/${encodeURIComponent(ownCredentialId)}` }),
    expect: { anonymous: 401, revoked: 401, member: 403, connector: 403, otherMember: 403, others: 200 },
  },
  ...(
    [
      ['GET /.well-known/did.json', '/.well-known/did.json'],
      ['GET /.well-known/openid-credential-issuer', '/.well-known/openid-credential-issuer'],
      ['GET /.well-known/oauth-authorization-server', '/.well-known/oauth-authorization-server'],
      ['GET /openid4vci/jwks', '/openid4vci/jwks'],
      ['GET /.well-known/x509/:kind.pem', '/.well-known/x509/rsa.pem'],
      ['GET /terms-and-conditions', '/terms-and-conditions'],
      ['GET /health', '/health'],
      ['GET /ready', '/ready'],
      ['GET /metrics', '/metrics'],
      ['GET /openapi.json', '/openapi.json'],
      ['GET /docs', '/docs'],
      ['GET /docs/assets/:file', '/docs/assets/index.css'],
      ['GET /console/', '/console/'],
      ['GET /console/assets/:file', '/console/assets/index-3f2a9c.js'],
    ] as const
  ).map(([route, path]): Endpoint => ({ name: `${route} (public)`, route, request: () => ({ method: 'GET', path }), expect: { others: 200 } })),
];

ENDPOINTS.push(
  { name: 'GET / (public)', route: 'GET /', request: () => ({ method: 'GET', path: '/' }), expect: { others: 302 } },
  { name: 'GET /whoami', route: 'GET /whoami', request: () => ({ method: 'GET', path: '/whoami' }), expect: { anonymous: 401, revoked: 401, others: 200 } },
);

const CALLERS: Caller[] = ['anonymous', 'bootstrap', 'admin', 'member', 'connector', 'auditor', 'revoked', 'otherMember'];

let consoleDir: string | undefined;
/** acme's (deferred) offer, by reference. */
let offerByReference: string;

beforeAll(async () => {
  // A console of two files: the console routes answer whether or not dist/web was built.
  consoleDir = mkdtempSync(join(tmpdir(), 'gx-trust-console-'));
  mkdirSync(join(consoleDir, 'assets'));
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(consoleDir, 'assets', 'index-3f2a9c.js'), 'export {};');
  // A terms text, so GET /terms-and-conditions answers 200 (its hash accepted beside the Gaia-X ones).
  writeFileSync(join(consoleDir, 'terms.txt'), TERMS_TEXT);
  service = await startService({ GX_CONSOLE_DIR: consoleDir, GX_TERMS_AND_CONDITIONS_FILE: join(consoleDir, 'terms.txt'), GX_ACCEPTED_TERMS_HASHES: createHash('sha256').update(TERMS_TEXT).digest('hex') });
  keys.bootstrap = service.apiKey;
  const create = async (slug: string) => {
    const created = await call('POST', '/members', { slug, name: slug }, 'bootstrap');
    expect(created.status, created.text).toBe(201);
    return JSON.parse(created.text) as { id: string; did: string };
  };
  const apiKey = async (member: { id: string }, role: string) => {
    const created = await call('POST', `/members/${member.id}/api-keys`, { role }, 'bootstrap');
    expect(created.status, created.text).toBe(201);
    return JSON.parse(created.text) as { id: string; apiKey: string };
  };
  acme = await create('acme');
  other = await create('other');
  for (const role of ['admin', 'member', 'connector', 'auditor'] as const) keys[role] = (await apiKey(acme, role)).apiKey;
  keys.otherMember = (await apiKey(other, 'member')).apiKey;
  const revoked = await apiKey(acme, 'member');
  keys.revoked = revoked.apiKey;
  expect((await call('DELETE', `/members/${acme.id}/api-keys/${revoked.id}`, undefined, 'bootstrap')).status).toBe(204);
  const issued = await call('POST', '/credentials/issue', { credential: credential(), options: { credentialStatus: ['revocation', 'suspension'] } }, 'member');
  expect(issued.status, issued.text).toBe(201);
  const issuedCredential = JSON.parse(issued.text).verifiableCredential;
  ownCredentialId = issuedCredential.id;
  ownStatusListPath = new URL(issuedCredential.credentialStatus[0].statusListCredential).pathname;
  const offered = await call('POST', `/members/${acme.id}/credential-offers`, { deferred: { credentialConfigurationIds: ['GaiaXLegalPerson_jwt_vc_json'] } }, 'member');
  expect(offered.status, offered.text).toBe(201);
  offerByReference = JSON.parse(offered.text).credentialOfferUriByReference;
  await service.service.store.recordDecision({
    id: 'decision-of-acme',
    decision: { id: 'decision-of-acme', actor: `member:${acme.id}`, outcome: 'refused' },
    audit: { actor: `member:${acme.id}`, action: 'compliance.refused', subject: 'decision-of-acme', digests: {}, details: {} },
  });
});
afterAll(async () => {
  await service?.close();
  if (consoleDir !== undefined) rmSync(consoleDir, { recursive: true, force: true });
});

describe('the matrix', () => {
  it('has a row for every route of the route table, and none for a route it does not have', () => {
    const routes = ROUTES.map((route) => `${route.method.toUpperCase()} ${route.path}`).sort();
    const rows = ENDPOINTS.map((endpoint) => endpoint.route);
    expect(routes.filter((route) => !rows.includes(route)), 'routes without a row in ENDPOINTS').toEqual([]);
    expect(rows.filter((row) => !routes.includes(row)), 'rows naming no route of the table').toEqual([]);
  });
});

describe.each(ENDPOINTS)('$name', (endpoint) => {
  it.each(CALLERS)('answers %s as the matrix says', async (caller) => {
    const { method, path, body } = endpoint.request();
    const before = await service.service.store.auditSize();
    const answer = await call(method, path, body, caller);
    const expected = endpoint.expect[caller] ?? endpoint.expect.others;
    expect(answer.status, answer.text).toBe(expected);
    if (expected === 403 || (caller === 'otherMember' && expected === 404)) {
      // Every refusal of an authenticated caller leaves an audit entry, also when it is answered as
      // an unknown id (another member's record: no existence oracle).
      const entries = await service.service.store.auditEntries(before, before + 10);
      expect(entries.map((e) => JSON.parse(e.leaf).action)).toContain('authorization.denied');
      expect(JSON.parse(answer.text).code).toBe(expected === 403 ? 'FORBIDDEN' : 'NOT_FOUND');
    }
  });
});

describe('ownership of signing identities', () => {
  it.each([
    ['another member\'s DID', () => other.did],
    ['the service DID', () => service.service.keyring.did],
  ])('refuses a member issuing as %s', async (_label, did) => {
    const answer = await call('POST', '/credentials/issue', { credential: { ...credential(), issuer: did() } }, 'member');
    expect(answer.status).toBe(403);
    const entries = await service.service.store.auditEntriesForSubject(did());
    expect(entries.map((e) => JSON.parse(e.leaf).action)).toContain('authorization.denied');
  });

  it('refuses a member signing a presentation as another member\'s DID', async () => {
    const answer = await call(
      'POST',
      '/presentations/prove',
      { presentation: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], holder: other.did }, options: { challenge: 'n' } },
      'member',
    );
    expect(answer.status).toBe(403);
  });
});
