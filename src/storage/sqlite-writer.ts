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
 * connection is held (Kysely's mutex) while groups are with the thread, so this process's other
 * transactions wait for it in line rather than in SQLite's busy handler, which would block the
 * event loop. Two groups may be with the thread at once (`pipelined`): one committing, the next
 * queued behind it, so the event loop signs while the thread commits instead of the two taking
 * turns. Until the thread is ready, or when it cannot run, the event loop writes groups itself,
 * one at a time, as before. A thread that dies with a group in flight cannot say whether it committed:
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
  /**
   * How many groups the store may have with the writer at once (GroupCommit's maxInFlight). The
   * thread runs them one at a time in the order sent; a second one waits in its queue, so it starts
   * as soon as the first commits, without a round trip to the event loop. More than two would only
   * split the requests in flight into smaller groups (more commits for the same work).
   */
  readonly groupsInFlight: number;
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

/** Marks the error of a request the thread took with it: whether it committed is unknown. */
const LOST = Symbol('gx-trust.sqlite-writer.lost');

/** Whether `error` (or an error it wraps, as the store's mapped errors do) is a request lost with the writer thread. */
export function lostWithWriter(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { [LOST]?: boolean })[LOST] === true) return true;
  }
  return false;
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
      reject(Object.assign(new Error(`the SQLite writer thread stopped with a group in flight: ${error instanceof Error ? error.message : String(error)}`), { code: 'SQLITE_IOERR', cause: error, [LOST]: true }));
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
    groupsInFlight: 1,
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

/**
 * How many groups (and block reservations) one hold of the event loop's connection may send to the
 * thread. A run takes the groups that come while one of it is still with the thread, so under
 * steady load it would never end, and the process's other transactions and reads (which wait for
 * the connection) would wait for good. Bounded, they wait at most this many group commits (a few
 * milliseconds); the cost is one hop through the event loop every this many groups, when the
 * thread waits for the next run's first group.
 */
export const MAX_GROUPS_PER_RUN = 8;

/**
 * Groups the store may have with the thread at once. Two overlap signing and committing, but the
 * requests in flight are then shared between two smaller groups (more commits): under load 8-13 on
 * 2 cores that showed as more CPU per issuance and no throughput win; on the quiet machine, where a
 * core is free for the thread, two gave 11-18 % more recorded issuances per second in three pairs
 * of three (performance.md). 1 gives the one-group behaviour back.
 */
export const WRITER_GROUPS_IN_FLIGHT = 2;

/**
 * The thread's writer for the store: each group (and block reservation) is sent while the event
 * loop's connection is held (`hold` runs its callback holding it, Kysely's `connection().execute`),
 * one hold for a run of them. A group that comes while a run is open (its connection held or
 * asked for, a group of it still with the thread) joins that run and is sent at once, behind the
 * ones before it; otherwise it asks for the connection in line with the process's other
 * transactions. The thread answers in the order it was sent, and so in commit order: whatever the
 * event loop does when a group is answered follows the commits' order.
 */
export function pipelined(thread: IssuanceWriter, hold: (whileHeld: () => Promise<void>) => Promise<void>, maxPerRun = MAX_GROUPS_PER_RUN): IssuanceWriter {
  interface Run {
    held: Promise<void>;
    inFlight: number;
    admitted: number;
    end: () => void;
  }
  let open: Run | undefined;

  const startRun = (): Run => {
    const run: Run = { held: Promise.resolve(), inFlight: 0, admitted: 0, end: () => {} };
    run.held = new Promise<void>((granted, refused) => {
      hold(() => {
        granted();
        return new Promise<void>((end) => (run.end = end));
      }).catch(refused);
    });
    return run;
  };

  const send = async <T>(task: () => Promise<T>): Promise<T> => {
    if (open === undefined || open.admitted >= maxPerRun) open = startRun();
    const run = open;
    run.admitted++;
    run.inFlight++;
    // Full: the next group asks for the connection anew, after whatever else waits for it.
    if (run.admitted >= maxPerRun) open = undefined;
    try {
      await run.held;
      return await task();
    } finally {
      if (--run.inFlight === 0) {
        if (open === run) open = undefined;
        run.end();
      }
    }
  };

  return {
    groupsInFlight: WRITER_GROUPS_IN_FLIGHT,
    write: (items, at) => send(() => thread.write(items, at)),
    reserve: (request) => send(() => thread.reserve(request)),
  };
}
