/**
 * A member key removed by a rotation (`previous: remove`, the answer to a compromise) fails at once
 * with KEY_NOT_FOUND: on the service that rotated it, which had just verified a credential signed
 * by it (its DID resolution and its verification result cache were warm), and on a second instance
 * sharing the database, which had too. And the new keys verify at once on both. Member DIDs are
 * resolved from the shared store, not from a 5-minute DID cache fed over HTTP.
 *
 * On SQLite (two instances on one database file) always, and on PostgreSQL when
 * GX_TEST_DATABASE_URL is set.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { freshPostgresSchema, type PostgresSchema } from '../replicas/process.js';

const DATABASE = process.env['GX_TEST_DATABASE_URL'];

let running: RunningService[] = [];
let db: PostgresSchema | undefined;

afterEach(async () => {
  // The second instance first: the first one's folder holds the keys and the SQLite file both use.
  for (const svc of running.reverse()) await svc.close();
  running = [];
  await db?.dispose();
  db = undefined;
});

/** Two instances of one service identity (same base URL, keys and database), as behind a load balancer. */
async function twoInstances(kind: 'sqlite' | 'postgres'): Promise<[RunningService, RunningService]> {
  const database: Record<string, string> = {};
  if (kind === 'postgres') {
    db = await freshPostgresSchema(DATABASE!);
    database['DATABASE_URL'] = db.databaseUrl;
  }
  const first = await startService(database);
  running.push(first);
  const { keysDir, dataDir } = first.service.config;
  const second = await startService({ ...database, GX_BASE_URL: `http://localhost:${first.port}`, GX_KEYS_DIR: keysDir, GX_DATA_DIR: dataDir });
  running.push(second);
  expect(second.service.keyring.did).toBe(first.service.keyring.did);
  return [first, second];
}

async function call(svc: RunningService, method: string, path: string, body: unknown, apiKey: string) {
  const response = await fetch(`${svc.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as any };
}

/** As the member `did`, which the credential names. */
const credential = (did: string) => ({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: did, credentialSubject: { id: 'did:web:subject.example' } });

async function verify(svc: RunningService, vc: unknown) {
  return postJson(`${svc.url}/credentials/verify`, { verifiableCredential: vc });
}

function keyBinding(report: { checks: { check: string; code?: string }[] }) {
  return report.checks.find((c) => c.check === 'key-binding');
}

describe.each([
  ['SQLite', 'sqlite' as const, false],
  ['PostgreSQL', 'postgres' as const, DATABASE === undefined],
])('a member key removed by a rotation, on %s', (_name, kind, skip) => {
  it.skipIf(skip)('fails at once with KEY_NOT_FOUND on the rotating instance and on another sharing the database; the new keys verify at once', async () => {
    const [a, b] = await twoInstances(kind);
    const member = await call(a, 'POST', '/members', { slug: 'breached', name: 'Breached GmbH' }, a.apiKey);
    expect(member.status, member.text).toBe(201);
    const memberKey = (await call(a, 'POST', `/members/${member.body.id}/api-keys`, { role: 'member' }, a.apiKey)).body.apiKey as string;

    // Signed by the member's current keys: Data Integrity (Ed25519) and vc+jwt (ES256).
    const issued = [
      await call(a, 'POST', '/credentials/issue', { credential: credential(member.body.did), options: {} }, memberKey),
      await call(a, 'POST', '/credentials/issue', { credential: credential(member.body.did), options: { format: 'vc+jwt', alg: 'ES256' } }, memberKey),
    ];
    for (const response of issued) expect(response.status, response.text).toBe(201);
    const credentials = issued.map((r) => r.body.verifiableCredential as unknown);

    // Both instances verify them, twice: the member's DID is resolved, and the results kept.
    for (const svc of [a, b]) {
      for (const vc of [...credentials, ...credentials]) {
        const report = await verify(svc, vc);
        expect(report.status, report.text).toBe(200);
      }
    }

    const rotated = await call(a, 'POST', `/members/${member.body.id}/keys/rotate`, { previous: 'remove' }, a.apiKey);
    expect(rotated.status, rotated.text).toBe(200);

    for (const svc of [a, b]) {
      for (const vc of credentials) {
        const report = await verify(svc, vc);
        expect(report.status, `${svc === a ? 'rotating' : 'second'} instance: ${report.text}`).toBe(422);
        expect(keyBinding(report.body)).toMatchObject({ verified: false, code: 'KEY_NOT_FOUND' });
      }
    }

    // The new keys sign, and both instances know them at once.
    const fresh = await call(a, 'POST', '/credentials/issue', { credential: credential(member.body.did), options: { format: 'vc+jwt', alg: 'ES256' } }, memberKey);
    expect(fresh.status, fresh.text).toBe(201);
    for (const svc of [a, b]) {
      const report = await verify(svc, fresh.body.verifiableCredential);
      expect(report.status, report.text).toBe(200);
    }
  });
});
