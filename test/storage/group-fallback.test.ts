/**
 * PostgreSQL writes a group of plain recorded issuances as one statement placed after the audit
 * entry this process last wrote; when another replica moved the head in between, the statement
 * fails, is rolled back, and the group goes the long way. That fallback used to be silent: here a
 * second handle on the same schema appends an entry, and the service's next issuance must still
 * be recorded, while `gx_store_group_fallbacks_total` moves and a debug line says why.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { recordCodecs } from '../../src/record-codecs.js';
import { createService, type Service } from '../../src/service.js';
import { openPostgresStore } from '../../src/storage/postgres.js';
import type { Store } from '../../src/storage/store.js';
import { freshPostgresSchema, type PostgresSchema } from '../replicas/process.js';
import { makeAuditInput } from './fixtures.js';

const DATABASE = process.env['GX_TEST_DATABASE_URL'];

// Only PostgreSQL has the one-statement path (SQLite has no round trips to save); without a test
// database there is nothing to fall back from.
describe.skipIf(DATABASE === undefined)('one-statement group fallback on PostgreSQL', () => {
  let schema: PostgresSchema;
  let dir: string;
  let service: Service;
  let other: Store;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    schema = await freshPostgresSchema(DATABASE!);
    dir = mkdtempSync(join(tmpdir(), 'gx-trust-fallback-'));
    const logDestination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    service = await createService(
      parseConfig({ GX_KEYS_DIR: join(dir, 'keys'), GX_DATA_DIR: join(dir, 'data'), PORT: '8080', GX_LOG_LEVEL: 'debug', DATABASE_URL: schema.databaseUrl }),
      { logDestination },
    );
    other = await openPostgresStore({ codecs: recordCodecs, connectionString: DATABASE!, schema: schema.schema });
  });

  afterAll(async () => {
    await other?.close();
    await service?.close();
    await schema?.dispose();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const issue = async (i: number) => {
    const api = service.signing.signerFor('credentials-api');
    const credential = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential'],
      issuer: service.keyring.did,
      credentialSubject: { id: `did:web:member-${i}.example` },
    };
    const issued = await api.issueCredential(credential, { format: 'vc+jwt', alg: 'ES256', credentialStatus: true }, { caller: { actor: 'test', role: 'admin' } });
    if (issued.format !== 'vc+jwt') throw new Error(`asked for vc+jwt, got ${issued.format}`);
    // The credential's own id is in the JWT's payload (the answer's envelope has an id of its own).
    return (JSON.parse(Buffer.from(issued.jwt.split('.')[1]!, 'base64url').toString('utf8')) as { id: string }).id;
  };

  const fallbacks = async () => {
    const metric = service.metrics!.registry.getSingleMetric('gx_store_group_fallbacks_total');
    return (await metric!.get()).values[0]?.value ?? 0;
  };

  it('counts and logs a group that went the long way, and still records its credential', async () => {
    // The first group reads the head under the lock; the second is placed after it in one statement.
    await issue(1);
    await issue(2);
    expect(await fallbacks()).toBe(0);

    // Another replica appends: the head this process believes in is stale now.
    const moved = await other.appendAudit(makeAuditInput());
    const id = await issue(3);

    expect(await fallbacks()).toBe(1);
    const [entry] = await service.store.auditEntriesForSubject(id);
    expect(entry?.index).toBe(moved.index + 1);
    expect(await service.store.getCredential(id)).toBeDefined();
    const line = lines.find((l) => typeof l['msg'] === 'string' && (l['msg'] as string).includes('written the long way'));
    expect(line).toMatchObject({ level: 'debug', groupSize: 1 });
  });
});
