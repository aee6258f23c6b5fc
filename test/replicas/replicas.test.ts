/**
 * Two real gx-trust processes sharing one PostgreSQL database (a fresh schema), issuing and
 * revoking concurrently through both. Afterwards: no status index handed out twice, every issued
 * credential stored exactly once, the audit tree and every checkpoint either replica signed
 * verify, and both replicas serve the same status list bits.
 *
 * Needs a PostgreSQL server: GX_TEST_DATABASE_URL (CI sets it in .ci/run). Without one the suite is
 * reported as skipped, with this reason, rather than as a test that passes idle (and `npm test` on a
 * machine without PostgreSQL still passes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointVerifier } from '../../src/audit/checkpoints.js';
import { checkpointSignedBytes, verifyAuditLog, type SignedCheckpoint } from '../../src/audit/log.js';
import { verifyConsistency } from '../../src/audit/merkle.js';
import type { DidDocument } from '../../src/dids/types.js';
import { didWebFromBaseUrl } from '../../src/keyring/index.js';
import { openPostgresStore } from '../../src/storage/postgres.js';
import { getBit } from '../../src/status-lists/bitstring.js';
import { decodeStatusList } from '../../src/status-lists/credential.js';
import { postJson } from '../helpers/service.js';
import { bounded, freePort, freshPostgresSchema, startGxProcess, type GxProcess, type PostgresSchema } from './process.js';
import { recordCodecs } from '../../src/record-codecs.js';

const DATABASE = process.env['GX_TEST_DATABASE_URL'] ?? '';
const ISSUES = 240;
const REVOKES = 80;
const IN_FLIGHT = 16;

// Skipped without a PostgreSQL server to share: replicas of the embedded SQLite store are not a supported deployment.
describe.skipIf(DATABASE === '')('two gx-trust replicas sharing one PostgreSQL', { timeout: 180_000 }, () => {
    let db: PostgresSchema;
    let dir: string;
    let replicas: GxProcess[] = [];
    const apiKey = `gx_replica_test_${'k'.repeat(24)}`;
    const auth = { authorization: `Bearer ${apiKey}` };

    beforeAll(async () => {
      db = await freshPostgresSchema(DATABASE);
      dir = mkdtempSync(join(tmpdir(), 'gx-trust-replicas-'));
      const ports = [await freePort(), await freePort()];
      // One service identity behind a load balancer: same keys, same public base URL, same database.
      const env = (i: number) => ({
        DATABASE_URL: db.databaseUrl,
        GX_KEYS_DIR: join(dir, 'keys'),
        GX_DATA_DIR: join(dir, `data-${i}`),
        GX_ADMIN_API_KEY: apiKey,
        GX_BASE_URL: `http://localhost:${ports[0]}`,
        GX_CHECKPOINT_EVERY_ENTRIES: '50',
      });
      // The first creates the keys; the second starts while the first may still be migrating.
      replicas = [await startGxProcess(env(0), ports[0])];
      replicas.push(await startGxProcess(env(1), ports[1]));
    }, 120_000);

    afterAll(async () => {
      await Promise.all(replicas.map((r) => r.stop()));
      await db?.dispose();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('issue and revoke concurrently through both without a shared index, a lost record or a broken tree', async () => {
      const issued = await bounded(
        IN_FLIGHT,
        Array.from({ length: ISSUES }, (_, i) => async () => {
          const replica = replicas[i % 2]!;
          const response = await postJson(
            `${replica.url}/credentials/issue`,
            {
              // Both replicas are the one identity of the first's base URL.
              credential: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: didWebFromBaseUrl(`http://localhost:${replicas[0]!.port}`), credentialSubject: { id: `did:web:member-${i}.example` } },
              options: i % 3 === 0 ? { credentialStatus: true, format: 'vc+jwt', alg: 'ES256' } : { credentialStatus: true },
            },
            { ...auth, 'idempotency-key': `issue-${i}`, accept: 'application/json' },
          );
          expect(response.status, response.text).toBe(201);
          const vc = response.body.verifiableCredential;
          const document = typeof vc === 'string' ? vc : vc.type === 'EnvelopedVerifiableCredential' ? vc.id : vc;
          const credential =
            typeof document === 'string'
              ? JSON.parse(Buffer.from(document.replace(/^data:[^,]*,/, '').split('.')[1]!, 'base64url').toString())
              : document;
          return { id: credential.id as string, index: Number(credential.credentialStatus[0].statusListIndex), list: credential.credentialStatus[0].statusListCredential as string };
        }),
      );

      // Revoke through the replica that did NOT issue it, concurrently.
      const revoked = issued.slice(0, REVOKES);
      await bounded(
        IN_FLIGHT,
        revoked.map((credential, i) => async () => {
          const response = await postJson(
            `${replicas[(i + 1) % 2]!.url}/credentials/status`,
            { credentialId: credential.id, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] },
            auth,
          );
          expect(response.status, response.text).toBe(200);
        }),
      );

      // No status index handed out twice, in the credentials as returned and in the table.
      const slots = issued.map((c) => `${c.list}#${c.index}`);
      expect(new Set(slots).size).toBe(ISSUES);
      const dupes = await db.pool.query('SELECT list_id, idx FROM status_allocations GROUP BY list_id, idx HAVING count(*) > 1');
      expect(dupes.rows).toEqual([]);

      // Every credential returned is stored exactly once, and nothing else was stored.
      const stored = await db.pool.query<{ id: string }>('SELECT id FROM issued_credentials');
      expect(stored.rows.map((r) => r.id).sort()).toEqual(issued.map((c) => c.id).sort());

      // The audit log: gap-free, every leaf and every checkpoint (signed by either replica) verifies.
      const store = await openPostgresStore({ codecs: recordCodecs, connectionString: DATABASE, schema: db.schema });
      try {
        const didDocument = (await (await fetch(`${replicas[0]!.url}/.well-known/did.json`)).json()) as DidDocument;
        const size = await store.auditSize();
        expect(size).toBe(ISSUES + REVOKES);
        const checkpoints = await store.checkpoints();
        const verdict = await verifyAuditLog({
          entries: await store.auditEntries(0, size),
          checkpoints,
          verifySignature: checkpointVerifier(didDocument),
        });
        expect(verdict.problems).toEqual([]);
        expect(verdict).toMatchObject({ ok: true, treeSize: ISSUES + REVOKES });

        // Both replicas serve a checkpoint of the whole log; a kept one from A is consistent with B's.
        const latest = async (r: GxProcess) =>
          (await (await fetch(`${r.url}/audit/checkpoints/latest`, { headers: auth })).json()) as SignedCheckpoint;
        const [a, b] = [await latest(replicas[0]!), await latest(replicas[1]!)];
        expect(a).toEqual(b);
        expect(a.treeSize).toBe(size);
        expect(await checkpointVerifier(didDocument)(a, checkpointSignedBytes(a))).toBe(true);
        const kept = checkpoints[0] ?? a;
        const proof = (await (await fetch(`${replicas[1]!.url}/audit/proofs/consistency?from=${kept.treeSize}&to=${a.treeSize}`, { headers: auth })).json()) as { hashes: string[] };
        const b64 = (s: string) => Buffer.from(s, 'base64');
        expect(verifyConsistency(kept.treeSize, a.treeSize, b64(kept.rootHash), b64(a.rootHash), proof.hashes.map(b64))).toBe(true);
      } finally {
        await store.close();
      }

      // Both replicas serve the same bits, and exactly the revoked ones are set.
      const lists = [...new Set(issued.map((c) => new URL(c.list).pathname))];
      for (const path of lists) {
        const bits = await Promise.all(
          replicas.map(async (r) => {
            const list = (await (await fetch(`${r.url}${path}`)).json()) as { credentialSubject: { encodedList: string } };
            return decodeStatusList(list.credentialSubject.encodedList);
          }),
        );
        expect(Buffer.compare(bits[0]!, bits[1]!)).toBe(0);
        for (const [i, c] of issued.entries()) {
          if (new URL(c.list).pathname === path) expect(getBit(bits[0]!, c.index)).toBe(i < REVOKES);
        }
      }
    });
  });
