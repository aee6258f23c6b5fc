/**
 * A group of plain issuances on PostgreSQL costs the service two round trips: BEGIN goes out with
 * the group's statement, prepared on the connection by the first group of its size, and COMMIT
 * alone once the statement returned (postgres-group.ts, why). Each
 * round trip is a write to the server's socket, which costs the event loop far more CPU than the
 * bytes it carries. Counted here as the server's ReadyForQuery messages, through a loopback proxy
 * in front of the real database.
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/log.js';
import { recordCodecs } from '../../src/record-codecs.js';
import { openPostgresStore } from '../../src/storage/postgres.js';
import type { IssuanceRecord } from '../../src/storage/repositories.js';
import type { Store } from '../../src/storage/store.js';
import { freshPostgresSchema, type PostgresSchema } from '../replicas/process.js';
import { makeAuditInput, makeCredentialRecord } from './fixtures.js';

const DATABASE = process.env['GX_TEST_DATABASE_URL'];
const LIST = { id: 'https://issuer.example/status-lists/1', purpose: 'revocation' as const, size: 131_072 };

/**
 * Forwards connections to the database and counts the ReadyForQuery ('Z') messages the server
 * sends: one per round trip, whatever the protocol (a simple query, or an extended batch up to its
 * Sync). The server's side of the stream is typed messages from the first byte (no TLS here).
 */
async function countingProxy(target: URL): Promise<{ server: Server; port: number; readyForQuery: () => number }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5) {
        const length = pending.readInt32BE(1);
        if (pending.length < 1 + length) break;
        if (pending[0] === 0x5a) count++;
        pending = pending.subarray(1 + length);
      }
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, readyForQuery: () => count };
}

describe.skipIf(DATABASE === undefined)('round trips of an issuance group on PostgreSQL', () => {
  let schema: PostgresSchema;
  let proxy: Awaited<ReturnType<typeof countingProxy>>;
  let store: Store | undefined;

  beforeEach(async () => {
    schema = await freshPostgresSchema(DATABASE!);
    proxy = await countingProxy(new URL(DATABASE!));
  });

  afterEach(async () => {
    await store?.close();
    store = undefined;
    await new Promise((resolve) => proxy.server.close(resolve));
    await schema?.dispose();
  });

  const openThroughProxy = async (fallbacks: unknown[]) => {
    const url = new URL(DATABASE!);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const opened = await openPostgresStore({ codecs: recordCodecs, connectionString: url.toString(), schema: schema.schema, onGroupFallback: (error) => fallbacks.push(error) });
    await opened.ensureStatusList(LIST);
    return opened;
  };

  const issuance = async (): Promise<IssuanceRecord> => {
    const credential = makeCredentialRecord();
    const index = await store!.reserveStatusIndex({ listId: LIST.id, credentialId: credential.id });
    return {
      credential: { ...credential, statusEntries: [{ listId: LIST.id, index, purpose: 'revocation' }] },
      allocations: [{ listId: LIST.id, index, credentialId: credential.id }],
      audit: makeAuditInput({ subject: credential.id, digests: { credential: credential.digest } }),
      metadata: { ownerMemberId: null, visibility: 'public', series: 'round-trips' },
    };
  };

  it('writes a group of eight plain issuances in two round trips once its statement is prepared, and commits all of it', async () => {
    const fallbacks: unknown[] = [];
    store = await openThroughProxy(fallbacks);
    // The first group reads the head under the lock (the long way); the next is placed after it.
    await store.recordIssuance(await issuance());
    // The first group of eight prepares the statement on its connection (BEGIN, the statement
    // with its Parse, COMMIT); the next finds it there (the pool hands out the connection last
    // returned).
    const first = await Promise.all(Array.from({ length: 8 }, issuance));
    let before = proxy.readyForQuery();
    await Promise.all(first.map((item) => store!.recordIssuance(item)));
    expect(proxy.readyForQuery() - before).toBe(3);
    const group = await Promise.all(Array.from({ length: 8 }, issuance));
    before = proxy.readyForQuery();
    const written = await Promise.all(group.map((item) => store!.recordIssuance(item)));
    expect(proxy.readyForQuery() - before).toBe(2);

    expect(fallbacks).toEqual([]);
    expect(written.map((w) => w.auditEntry.index)).toEqual([9, 10, 11, 12, 13, 14, 15, 16]);
    for (const item of [...first, ...group]) {
      expect(await store.getCredential(item.credential.id)).toMatchObject({ id: item.credential.id, credential: item.credential.credential });
      expect(await store.credentialMetadata(item.credential.id)).toEqual({ ownerMemberId: null, visibility: 'public', series: 'round-trips', supersededBy: null });
      const [entry] = item.credential.statusEntries;
      expect(await store.getAllocation(LIST.id, entry!.index)).toEqual({ listId: LIST.id, index: entry!.index, credentialId: item.credential.id });
    }
    const entries = await store.auditEntries(0, 30);
    expect(entries.map((e) => e.index)).toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect(await verifyAuditLog({ entries, checkpoints: [], verifySignature: async () => true })).toMatchObject({ ok: true, treeSize: 17 });
  });

  it('writes groups of twenty sizes on one connection, the sizes past those it prepares unnamed in two round trips too', async () => {
    const fallbacks: unknown[] = [];
    store = await openThroughProxy(fallbacks);
    await store.recordIssuance(await issuance());
    let size = 1;
    const trips: number[] = [];
    for (; size <= 20; size++) {
      const group = await Promise.all(Array.from({ length: size }, issuance));
      const before = proxy.readyForQuery();
      await Promise.all(group.map((item) => store!.recordIssuance(item)));
      trips.push(proxy.readyForQuery() - before);
    }
    // Sizes 1-16 are prepared as they come (three round trips the first time); 17-20 go unnamed.
    expect(trips).toEqual([...Array.from({ length: 16 }, () => 3), 2, 2, 2, 2]);
    expect(fallbacks).toEqual([]);
    const total = 1 + (20 * 21) / 2;
    const entries = await store.auditEntries(0, total + 10);
    expect(entries.map((e) => e.index)).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(await verifyAuditLog({ entries, checkpoints: [], verifySignature: async () => true })).toMatchObject({ ok: true, treeSize: total });
  });
});
