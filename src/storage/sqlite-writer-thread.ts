/**
 * The writer thread (see sqlite-writer.ts): its own connection to the database file, the group
 * statements prepared on it, and one group at a time, in the order the event loop sent them.
 */
import { randomInt } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { isGxTrustError } from '../errors.js';
import { recordIssuanceGroup, reserveIndexBlock, sqliteIssuanceStatements } from './sqlite-group.js';
import type { RecordCodecs } from './store.js';
import type { WriterData, WriterFault, WriterReply, WriterRequest } from './sqlite-writer.js';

const port = parentPort!;
const data = workerData as WriterData;

function fault(error: unknown): WriterFault {
  if (isGxTrustError(error)) return { gx: { code: error.code, message: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }) } };
  const code = (error as { code?: unknown } | null)?.code;
  return { message: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}) };
}

try {
  // The codecs are the composition root's (storage imports no domain module): named by module.
  const { recordCodecs } = (await import(data.codecsModule)) as { recordCodecs: RecordCodecs };
  const db = new Database(data.path, { fileMustExist: true });
  // As the event loop's connection (sqlite.ts): the same durability, the same foreign keys.
  db.pragma(`busy_timeout = ${data.busyTimeoutMs}`);
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`wal_autocheckpoint = ${data.autocheckpointPages}`);
  const statements = sqliteIssuanceStatements(db);
  port.on('message', (request: WriterRequest) => {
    if (request.type === 'stop') {
      db.close();
      port.close();
      return;
    }
    let reply: WriterReply;
    if (request.type === 'autocheckpoint') {
      db.pragma(`wal_autocheckpoint = ${request.pages}`);
      port.postMessage({ id: request.id, autocheckpointPages: db.pragma('wal_autocheckpoint', { simple: true }) as number } satisfies WriterReply);
      return;
    }
    try {
      reply =
        request.type === 'reserve'
          ? // Uniform draws from the CSPRNG, as the store's own (sql-store.ts, cryptoRandomIndex).
            { id: request.id, indexes: reserveIndexBlock(statements, request, (size) => randomInt(size)) }
          : { id: request.id, entries: recordIssuanceGroup(statements, request.items, { createdAt: request.createdAt, now: new Date(request.now) }, recordCodecs.auditLeaf) };
    } catch (error) {
      reply = { id: request.id, fault: fault(error) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true } satisfies WriterReply);
} catch (error) {
  port.postMessage({ failed: fault(error) } satisfies WriterReply);
  port.close();
}
