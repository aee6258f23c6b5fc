/**
 * SQLite: recorded-issuance groups written by a thread of its own. better-sqlite3 is synchronous,
 * so on the event loop's thread a group's statements, its audit leaves and its COMMIT (the WAL
 * frames of every page the inserts touched, written by that thread) stop every other request:
 * measured on recorded ES256 issuance, about 0.2 ms of the event loop per issuance, more than
 * the signature. Here a worker thread with its own connection to the file runs the same code
 * (sqlite-group.ts, `recordIssuanceGroup`) while the event loop signs the next requests.
 *
 * The guarantees are the store's: a group is one BEGIN IMMEDIATE ... COMMIT, all or nothing; the
 * audit head is read under that write lock, so indexes stay gap-free across connections and
 * processes; the caller hears of a group only once its COMMIT returned. The event loop's
 * connection is held (Kysely's mutex) while a group is with the thread, so this process's other
 * transactions wait for it in line rather than in SQLite's busy handler, which would block the
 * event loop. Until the thread is ready, or when it cannot run, the event loop writes groups
 * itself, as before. A thread that dies with a group in flight cannot say whether it committed:
 * that group fails as "store unavailable" (no credential leaves), and later groups are written
 * on the event loop.
 */
import { Worker } from 'node:worker_threads';
import { GxTrustError, type ErrorCode } from '../errors.js';
import type { AuditEntry } from './records.js';
import type { IssuanceRecord } from './repositories.js';
import type { IndexBlockRequest } from './sqlite-group.js';

/** What the thread is started with. */
export interface WriterData {
  path: string;
  busyTimeoutMs: number;
  autocheckpointPages: number;
  /** A module exporting `recordCodecs` (RecordCodecs.module). */
  codecsModule: string;
}

export type WriterRequest =
  | { type: 'write'; id: number; items: readonly IssuanceRecord[]; createdAt: string; now: string }
  | ({ type: 'reserve'; id: number } & IndexBlockRequest)
  | { type: 'autocheckpoint'; id: number; pages: number }
  | { type: 'stop' };
/** A thrown error as it crosses the thread: a GxTrustError by code (and hint), a driver error by its code. */
export type WriterFault = { gx: { code: ErrorCode; message: string; hint?: string } } | { message: string; code?: string };
export type WriterReply =
  | { id: number; entries: AuditEntry[] }
  | { id: number; indexes: number[] }
  | { id: number; autocheckpointPages: number }
  | { id: number; fault: WriterFault }
  | { ready: true }
  | { failed: WriterFault };

export interface IssuanceWriter {
  /** Writes one group in one transaction; the audit entries in order, or the group's error. */
  write(items: readonly IssuanceRecord[], at: { createdAt: string; now: Date }): Promise<AuditEntry[]>;
  /**
   * Reserves a block of status indexes in one transaction (sqlite-group.ts, `reserveIndexBlock`):
   * a block's 64-row insert and its commit, on the event loop about a twentieth of a recorded
   * ES256 issuance's event-loop time, are the thread's too.
   */
  reserve(request: IndexBlockRequest): Promise<number[]>;
}

export interface IssuanceWriterThread {
  /** The writer when the thread is ready; undefined before, after `stop`, or when it failed. */
  current(): IssuanceWriter | undefined;
  /**
   * Sets `PRAGMA wal_autocheckpoint` on the thread's connection (after the groups already sent) and
   * resolves with the value read back; undefined when the thread is not running. The store calls it
   * when the checkpoint worker gives up, so the writer's commits checkpoint at the default again.
   */
  setAutocheckpoint(pages: number): Promise<number | undefined>;
  /** Lets the groups sent finish, then stops the thread and closes its connection. */
  stop(): Promise<void>;
}

const WRITER_FILE = new URL(import.meta.url.endsWith('.ts') ? './sqlite-writer-entry.mjs' : './sqlite-writer-thread.js', import.meta.url);

function toError(fault: WriterFault): Error {
  if ('gx' in fault) return new GxTrustError(fault.gx.code, fault.gx.message, fault.gx.hint === undefined ? {} : { hint: fault.gx.hint });
  // A driver error keeps its code: the dialect's mapError tells "unavailable" from the rest by it.
  return Object.assign(new Error(fault.message), fault.code === undefined ? {} : { code: fault.code });
}

export function startIssuanceWriter(data: WriterData, onFailure: (error: unknown) => void = () => {}): IssuanceWriterThread {
  const worker = new Worker(WRITER_FILE, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: 64 } });
  // Referenced only while a group is in flight: an idle writer never keeps a process alive.
  worker.unref();
  const pending = new Map<number, { resolve: (value: never) => void; reject: (error: unknown) => void }>();
  let nextId = 0;
  let state: 'starting' | 'ready' | 'stopped' | 'failed' = 'starting';
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  const fail = (error: unknown): void => {
    if (state === 'failed') return;
    const wasStopped = state === 'stopped';
    state = 'failed';
    for (const { reject } of pending.values()) {
      // SQLITE_IOERR: mapped to STORE_UNAVAILABLE; whether the group committed is unknown, so none of it is reported written.
      reject(Object.assign(new Error(`the SQLite writer thread stopped with a group in flight: ${error instanceof Error ? error.message : String(error)}`), { code: 'SQLITE_IOERR', cause: error }));
    }
    pending.clear();
    if (!wasStopped) onFailure(error);
  };

  worker.on('message', (reply: WriterReply) => {
    if ('ready' in reply) {
      if (state === 'starting') state = 'ready';
      return;
    }
    if ('failed' in reply) {
      fail(toError(reply.failed));
      return;
    }
    const waiting = pending.get(reply.id);
    if (waiting === undefined) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if ('fault' in reply) waiting.reject(toError(reply.fault));
    else waiting.resolve(('entries' in reply ? reply.entries : 'indexes' in reply ? reply.indexes : reply.autocheckpointPages) as never);
  });
  worker.once('error', fail);
  void exited.then(() => fail(new Error('the writer thread exited')));

  /** Sends a request the thread answers by its id, once the thread is ready. */
  const ask = <T>(request: (id: number) => WriterRequest): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (state !== 'ready') {
        reject(Object.assign(new Error('the SQLite writer thread is not running'), { code: 'SQLITE_IOERR' }));
        return;
      }
      const id = nextId++;
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve: resolve as (value: never) => void, reject });
      worker.postMessage(request(id));
    });

  const writer: IssuanceWriter = {
    write: (items, at) => ask<AuditEntry[]>((id) => ({ type: 'write', id, items, createdAt: at.createdAt, now: at.now.toISOString() })),
    reserve: (request) => ask<number[]>((id) => ({ type: 'reserve', id, ...request })),
  };

  return {
    current: () => (state === 'ready' ? writer : undefined),
    setAutocheckpoint(pages) {
      // Starting too: the thread reads its queued messages once it listens, after its own setting.
      if (state !== 'ready' && state !== 'starting') return Promise.resolve(undefined);
      return new Promise<number | undefined>((resolve, reject) => {
        const id = nextId++;
        if (pending.size === 0) worker.ref();
        pending.set(id, { resolve: resolve as (value: never) => void, reject });
        worker.postMessage({ type: 'autocheckpoint', id, pages } satisfies WriterRequest);
      });
    },
    async stop() {
      if (state === 'stopped' || state === 'failed') {
        await exited;
        return;
      }
      state = 'stopped';
      // Waited for now: an unreferenced worker's exit would not keep the loop alive to see it.
      worker.ref();
      // After every group sent: the thread answers them before it reads this.
      worker.postMessage({ type: 'stop' } satisfies WriterRequest);
      await exited;
    },
  };
}
