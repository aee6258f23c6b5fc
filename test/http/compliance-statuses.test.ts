/**
 * Every status the Compliance section of docs/gaia-x.md documents for POST /compliance and the Gaia-X paths
 * (/api/credential-offers/*), one row each: 201 issued, 200 dry run passed, 422 a presentation that
 * fails the rules (with its findings, even when it is unsigned), 400 only for input that is not a
 * presentation at all, 401 without an API key, 403 for a key that may not ask, 415 for a body of
 * the wrong kind. To document a new status, add it to docs/gaia-x.md and a row here.
 */
import { decodeJwt, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../helpers/service.js';
import { createParty, legalPerson, memberCredentials, startComplianceWorld, type ComplianceWorld, type Party } from '../compliance/fixtures.js';

let world: ComplianceWorld;
let member: Party;
const keys: Record<'admin' | 'connector' | 'otherMember', string> = { admin: '', connector: '', otherMember: '' };

/** The inputs the rows send, built once. */
const inputs = {} as Record<
  | 'vpJwt'
  | 'unsecuredVpJwt'
  | 'noRegistrationNumberVpJwt'
  | 'credentialJwt',
  string
> &
  Record<'unsignedVp' | 'emptyVp' | 'envelopedVp' | 'credentialObject', Record<string, unknown>>;

const enveloped = (jwt: string) => ({ '@context': 'https://www.w3.org/ns/credentials/v2', type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${jwt}` });

beforeAll(async () => {
  world = await startComplianceWorld();
  member = await createParty(world.server, 'member', world.ca);
  keys.admin = world.service.apiKey;
  const created = await postJson(`${world.service.url}/members`, { slug: 'another-member', name: 'Another Member GmbH' }, world.auth);
  expect(created.status, created.text).toBe(201);
  for (const [name, role] of [['connector', 'connector'], ['otherMember', 'member']] as const) {
    const key = await postJson(`${world.service.url}/members/${encodeURIComponent(created.body.id)}/api-keys`, { role }, world.auth);
    expect(key.status, key.text).toBe(201);
    keys[name] = key.body.apiKey;
  }

  const credentials = await memberCredentials(world, member);
  const presentation = { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], holder: member.did, verifiableCredential: credentials.map(enveloped) };
  inputs.vpJwt = await member.present(credentials);
  inputs.unsecuredVpJwt = new UnsecuredJWT(presentation).encode();
  inputs.unsignedVp = presentation;
  inputs.emptyVp = { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], holder: member.did };
  inputs.envelopedVp = { '@context': 'https://www.w3.org/ns/credentials/v2', type: 'EnvelopedVerifiablePresentation', id: `data:application/vp+jwt,${inputs.vpJwt}` };
  const withoutNumber = legalPerson(member.did);
  delete (withoutNumber['credentialSubject'] as Record<string, unknown>)['gx:registrationNumber'];
  inputs.noRegistrationNumberVpJwt = await member.present([await member.sign(withoutNumber), ...credentials.slice(1)]);
  inputs.credentialJwt = credentials[0]!;
  inputs.credentialObject = decodeJwt(credentials[0]!) as Record<string, unknown>;
});

afterAll(async () => {
  await world?.close();
});

type Input = keyof typeof inputs | 'garbage';
type Caller = keyof typeof keys | 'anonymous';

interface Row {
  /** What is sent and how. */
  path: string;
  body: Input | { wrap: Input; options?: Record<string, unknown> } | { raw: string };
  type?: string;
  as?: Caller;
  accept?: string;
  status: number;
  /** problem+json: its code. */
  code?: string;
  /** A finding the answer must hold (422). */
  finding?: string;
  /** POST /compliance's own answer: its outcome. */
  outcome?: string;
}

const JSON_TYPE = 'application/json';
const VP_JWT = 'application/vp+jwt';
const GENERIC_JWT = 'application/jwt';
const GAIA_X = ['/api/credential-offers/standard-compliance', '/api/credential-offers/label-level-1'];

const ROWS: [string, Row][] = [
  // POST /compliance: our own answer.
  ['201 issued, a VP-JWT as the body', { path: '/compliance', body: 'vpJwt', type: VP_JWT, status: 201, outcome: 'issued' }],
  ['201 issued, {presentation, options}', { path: '/compliance', body: { wrap: 'vpJwt', options: { labelLevel: 'L1' } }, type: JSON_TYPE, status: 201, outcome: 'issued' }],
  ['200 dry run passed', { path: '/compliance?dryRun=true', body: 'vpJwt', type: VP_JWT, status: 200, outcome: 'dry-run-passed' }],
  ['422 a dry run refused', { path: '/compliance?dryRun=true', body: 'unsignedVp', type: JSON_TYPE, status: 422, outcome: 'dry-run-refused', finding: 'PROOF_MISSING' }],
  ['422 an unsigned JSON-LD presentation, wrapped', { path: '/compliance', body: { wrap: 'unsignedVp' }, type: JSON_TYPE, status: 422, outcome: 'refused', finding: 'PROOF_MISSING' }],
  ['422 an unsigned JSON-LD presentation as the body', { path: '/compliance', body: 'unsignedVp', type: JSON_TYPE, status: 422, outcome: 'refused', finding: 'PROOF_MISSING' }],
  ['422 an unsecured VP-JWT (alg none)', { path: '/compliance', body: 'unsecuredVpJwt', type: VP_JWT, status: 422, outcome: 'refused', finding: 'ALG_NOT_ALLOWED' }],
  ['422 a presentation without a registration number', { path: '/compliance', body: 'noRegistrationNumberVpJwt', type: VP_JWT, status: 422, outcome: 'refused', finding: 'REGISTRATION_NUMBER_MISSING' }],
  ['422 a presentation of no credential', { path: '/compliance', body: { wrap: 'emptyVp' }, type: JSON_TYPE, status: 422, outcome: 'refused', finding: 'LEGAL_PERSON_MISSING' }],
  ['400 a body that is no JWT', { path: '/compliance', body: 'garbage', type: VP_JWT, status: 400, code: 'INVALID_INPUT' }],
  ['400 a credential, not a presentation (JWT)', { path: '/compliance', body: 'credentialJwt', type: VP_JWT, status: 400, code: 'INVALID_INPUT' }],
  ['400 a credential, not a presentation (JSON-LD)', { path: '/compliance', body: { wrap: 'credentialObject' }, type: JSON_TYPE, status: 400, code: 'INVALID_INPUT' }],
  ['400 a request object with an unknown member', { path: '/compliance', body: { raw: '{"presentation": "a.b.c", "level": "L1"}' }, type: JSON_TYPE, status: 400, code: 'INVALID_INPUT' }],
  ['400 an unknown label level', { path: '/compliance?labelLevel=L9', body: 'vpJwt', type: VP_JWT, status: 400, code: 'INVALID_INPUT' }],
  ['401 without an API key', { path: '/compliance', body: 'vpJwt', type: VP_JWT, as: 'anonymous', status: 401, code: 'UNAUTHORIZED' }],
  ['403 a connector key', { path: '/compliance', body: 'vpJwt', type: VP_JWT, as: 'connector', status: 403, code: 'FORBIDDEN' }],
  ['403 a member key, for another holder\'s presentation', { path: '/compliance', body: 'vpJwt', type: VP_JWT, as: 'otherMember', status: 403, code: 'FORBIDDEN' }],
  ['415 a body that is neither JSON nor a JWT', { path: '/compliance', body: 'vpJwt', type: 'text/plain', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' }],
  // RFC 7519's generic type, as clients that send a VP-JWT to the verify routes use it.
  ['201 issued, a VP-JWT as application/jwt', { path: '/compliance', body: 'vpJwt', type: GENERIC_JWT, status: 201, outcome: 'issued' }],
  ['200 dry run passed, a VP-JWT as application/jwt', { path: '/compliance?dryRun=true', body: 'vpJwt', type: GENERIC_JWT, status: 200, outcome: 'dry-run-passed' }],
  ['400 a credential, not a presentation (JWT as application/jwt)', { path: '/compliance', body: 'credentialJwt', type: GENERIC_JWT, status: 400, code: 'INVALID_INPUT' }],

  // The Gaia-X paths: the label, or problem+json.
  ...GAIA_X.flatMap((path): [string, Row][] => [
    [`${path}: 201 the label as vc+jwt`, { path, body: 'vpJwt', type: VP_JWT, status: 201 }],
    [`${path}: 201 the label as JSON when asked`, { path, body: 'vpJwt', type: VP_JWT, accept: JSON_TYPE, status: 201 }],
    [`${path}: 422 an unsecured VP-JWT (alg none)`, { path, body: 'unsecuredVpJwt', type: VP_JWT, status: 422, code: 'COMPLIANCE_FAILED', finding: 'ALG_NOT_ALLOWED' }],
    [`${path}: 422 an unsigned JSON-LD presentation`, { path, body: 'unsignedVp', type: JSON_TYPE, status: 422, code: 'COMPLIANCE_FAILED', finding: 'PROOF_MISSING' }],
    [`${path}: 422 a presentation without a registration number`, { path, body: 'noRegistrationNumberVpJwt', type: VP_JWT, status: 422, code: 'COMPLIANCE_FAILED', finding: 'REGISTRATION_NUMBER_MISSING' }],
    [`${path}: 400 a body that is no JWT`, { path, body: 'garbage', type: VP_JWT, status: 400, code: 'INVALID_INPUT' }],
    [`${path}: 400 a credential, not a presentation`, { path, body: 'credentialJwt', type: VP_JWT, status: 400, code: 'INVALID_INPUT' }],
    [`${path}: 401 without an API key`, { path, body: 'vpJwt', type: VP_JWT, as: 'anonymous', status: 401, code: 'UNAUTHORIZED' }],
    [`${path}: 403 a connector key`, { path, body: 'vpJwt', type: VP_JWT, as: 'connector', status: 403, code: 'FORBIDDEN' }],
    [`${path}: 403 a member key, for another holder's presentation`, { path, body: 'vpJwt', type: VP_JWT, as: 'otherMember', status: 403, code: 'FORBIDDEN' }],
  ]),
  ['/api/credential-offers: 201 for a JSON-LD (enveloped) presentation', { path: '/api/credential-offers', body: 'envelopedVp', type: JSON_TYPE, status: 201 }],
  ['/api/credential-offers: 422 an unsigned JSON-LD presentation', { path: '/api/credential-offers', body: 'unsignedVp', type: JSON_TYPE, status: 422, code: 'COMPLIANCE_FAILED', finding: 'PROOF_MISSING' }],
  ['/api/credential-offers: 422 a presentation of no credential', { path: '/api/credential-offers', body: 'emptyVp', type: JSON_TYPE, status: 422, code: 'COMPLIANCE_FAILED', finding: 'LEGAL_PERSON_MISSING' }],
  ['/api/credential-offers: 400 a credential, not a presentation', { path: '/api/credential-offers', body: 'credentialObject', type: JSON_TYPE, status: 400, code: 'INVALID_INPUT' }],
  ['/api/credential-offers: 401 without an API key', { path: '/api/credential-offers', body: 'envelopedVp', type: JSON_TYPE, as: 'anonymous', status: 401, code: 'UNAUTHORIZED' }],
  ['/api/credential-offers: 403 a connector key', { path: '/api/credential-offers', body: 'envelopedVp', type: JSON_TYPE, as: 'connector', status: 403, code: 'FORBIDDEN' }],
  ['/api/credential-offers: 201 for a VP-JWT (the Tagus service read a JWT too)', { path: '/api/credential-offers', body: 'vpJwt', type: VP_JWT, status: 201 }],
  ['/api/credential-offers: 415 a body that is neither JSON nor a JWT', { path: '/api/credential-offers', body: 'vpJwt', type: 'text/plain', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' }],
];

function bodyOf(body: Row['body']): string {
  const value = (input: Input): unknown => (input === 'garbage' ? 'not a presentation' : inputs[input]);
  if (typeof body === 'object' && 'raw' in body) return body.raw;
  if (typeof body === 'object') return JSON.stringify({ presentation: value(body.wrap), ...(body.options === undefined ? {} : { options: body.options }) });
  const input = value(body);
  return typeof input === 'string' ? input : JSON.stringify(input);
}

describe('compliance statuses, as docs/gaia-x.md documents them', () => {
  it.each(ROWS)('%s', async (_name, row) => {
    const caller = row.as ?? 'admin';
    const headers: Record<string, string> = { 'content-type': row.type ?? JSON_TYPE };
    if (caller !== 'anonymous') headers['authorization'] = `Bearer ${keys[caller]}`;
    if (row.accept !== undefined) headers['accept'] = row.accept;
    const response = await fetch(`${world.service.url}${row.path}`, { method: 'POST', headers, body: bodyOf(row.body) });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    expect(response.status, text).toBe(row.status);
    if (row.code !== undefined) {
      expect(contentType).toMatch(/^application\/problem\+json/);
      const problem = JSON.parse(text) as { code: string; status: number; hint?: string; findings?: { code: string }[] };
      expect(problem.code).toBe(row.code);
      expect(problem.status).toBe(row.status);
      if (row.finding !== undefined) expect(problem.findings?.map((f) => f.code)).toContain(row.finding);
    } else if (row.outcome !== undefined) {
      const answer = JSON.parse(text) as { outcome: string; findings: { code: string; rule: string; hint: string }[] };
      expect(answer.outcome).toBe(row.outcome);
      if (row.finding !== undefined) expect(answer.findings.map((f) => f.code)).toContain(row.finding);
      if (row.status === 422) for (const f of answer.findings) expect(f.hint.length, f.rule).toBeGreaterThan(0);
      else expect(answer.findings).toEqual([]);
    } else {
      // A label: a compact vc+jwt, or JSON with it when asked.
      const jwt = row.accept === JSON_TYPE || row.path === '/api/credential-offers' ? (JSON.parse(text) as { jwt: string }).jwt : text;
      expect(contentType).toMatch(row.accept === JSON_TYPE || row.path === '/api/credential-offers' ? /^application\/json/ : /^application\/vc\+jwt/);
      expect(decodeJwt(jwt)['type']).toEqual(['VerifiableCredential', 'gx:LabelCredential']);
    }
  });
});
