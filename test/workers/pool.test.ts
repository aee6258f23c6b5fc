/**
 * The worker pool's overload behaviour: a bounded queue that sheds at once (VERIFIER_BUSY, 503 with
 * Retry-After over HTTP) while the event loop keeps answering what needs no thread, and threads that
 * yield the cores to the event loop (nice 10, or SCHED_IDLE).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isGxTrustError } from '../../src/errors.js';
import { createWorkerPool, type WorkerPool } from '../../src/workers/pool.js';
import type { WorkerTask } from '../../src/workers/tasks.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { unscopedIssuer } from '../helpers/unscoped-signing.js';

const makeCredential = (issuer: string, n: number) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
  type: ['VerifiableCredential'],
  issuer,
  credentialSubject: { id: `did:web:member-${n}.example`, 'gx:countryCode': 'DE' },
});

/** Scheduling policy (field 41: 0 normal, 5 SCHED_IDLE) and nice value (field 19) of this process's threads. */
function threadScheduling(): { policy: number; nice: number }[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { nice: Number(fields[16]), policy: Number(fields[38]) };
  });
}

describe('the worker pool under overload', () => {
  let issuing: RunningService;
  let pool: WorkerPool | undefined;

  beforeAll(async () => {
    issuing = await startService({ GX_WORKERS: '0' });
  }, 30_000);
  afterEach(async () => {
    await pool?.destroy();
    pool = undefined;
  });
  afterAll(async () => {
    await issuing?.close();
  });

  async function task(n: number): Promise<WorkerTask> {
    const issued = await unscopedIssuer(issuing.service).issueCredential(makeCredential(issuing.service.keyring.did, n), { format: 'ldp_vc', cryptosuite: 'eddsa-rdfc-2022' });
    const did = issuing.service.keyring.did;
    return { task: 'verify-data-integrity', input: issued.verifiableCredential, documents: [[did, await issuing.service.resolver.resolve(did)]], now: Date.now(), clock: Date.now(), clockSkewSeconds: 300 };
  }

  it('refuses a task at once with VERIFIER_BUSY once maxQueued tasks wait, and runs the admitted ones', async () => {
    let shed = 0;
    pool = createWorkerPool({ threads: 1, maxQueued: 3, onShed: () => (shed += 1) });
    const tasks = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(task));
    // Sent in one turn of the event loop, before the thread is even up: the first two are handed to
    // the starting thread (two tasks per thread), the next three wait, and the rest are refused.
    const outcomes = await Promise.allSettled(tasks.map((t) => pool!.run<{ checks: { verified: boolean }[] }>(t)));
    const admitted = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(admitted.every((o) => o.value.checks.every((c) => c.verified))).toBe(true);
    expect(admitted.length).toBeGreaterThanOrEqual(3);
    expect(admitted.length).toBeLessThanOrEqual(3 + 2);
    // The refused are the last sent: the queue was full from then on.
    expect(outcomes.slice(admitted.length).every((o) => o.status === 'rejected')).toBe(true);
    for (const outcome of refused) {
      const reason = (outcome as PromiseRejectedResult).reason;
      expect(isGxTrustError(reason) && reason.code).toBe('VERIFIER_BUSY');
    }
    expect(shed).toBe(refused.length);
    // Once the queue drained, tasks are admitted again.
    await expect(pool.run(await task(8))).resolves.toMatchObject({ hasDocument: true });
  });

  it('runs a task sent with shed: false past a full queue (the service\'s own status lists), and still refuses the others', async () => {
    let shed = 0;
    pool = createWorkerPool({ threads: 1, maxQueued: 1, onShed: () => (shed += 1) });
    const tasks = await Promise.all([12, 13, 14, 15, 16].map(task));
    // In one turn, as above: at most two handed to the thread and one waiting, so the fourth at
    // the latest is refused; the fifth, which may not be shed, comes after it and waits behind them.
    const sheddable = tasks.slice(0, 4).map((t) => pool!.run(t));
    const unshed = pool.run<{ checks: { verified: boolean }[] }>(tasks[4]!, { shed: false });
    const outcomes = await Promise.allSettled(sheddable);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(outcomes[3]!.status).toBe('rejected');
    for (const { reason } of refused) expect(isGxTrustError(reason) && reason.code).toBe('VERIFIER_BUSY');
    expect(shed).toBe(refused.length);
    const result = await unshed;
    expect(result.checks.length).toBeGreaterThan(0);
    expect(result.checks.every((c) => c.verified)).toBe(true);
  });

  // /proc/self/task is Linux's; gx-trust's deployments and CI are Linux.
  it.runIf(process.platform === 'linux')('runs its threads as SCHED_IDLE with priority "idle", so the event loop preempts them', async () => {
    const before = threadScheduling().filter((t) => t.policy === 5).length;
    pool = createWorkerPool({ threads: 1, priority: 'idle' });
    await pool.run(await task(9));
    expect(threadScheduling().filter((t) => t.policy === 5).length).toBe(before + 1);
  });

  it.runIf(process.platform === 'linux')('runs its threads at nice 10 by default ("low"), and leaves them alone with "normal"', async () => {
    const niced = threadScheduling().filter((t) => t.nice === 10).length;
    pool = createWorkerPool({ threads: 1 });
    await pool.run(await task(10));
    expect(threadScheduling().filter((t) => t.nice === 10).length).toBe(niced + 1);
    await pool.destroy();
    const idle = threadScheduling().filter((t) => t.policy === 5 || t.nice !== 0).length;
    pool = createWorkerPool({ threads: 1, priority: 'normal' });
    await pool.run(await task(11));
    expect(threadScheduling().filter((t) => t.policy === 5 || t.nice !== 0).length).toBe(idle);
  });
});

describe('POST /credentials/verify while the pool sheds', () => {
  let svc: RunningService;

  beforeAll(async () => {
    // No anonymous canonicalization budget here: the burst is the pool's to shed (test/http/canonicalization-budget.test.ts has the budget).
    svc = await startService({ GX_WORKERS: '1', GX_WORKER_QUEUE_MAX: '1', GX_RESULT_CACHE_SECONDS: '0', GX_RATE_LIMIT_ANONYMOUS_CANONICALIZATIONS: '0' });
  }, 30_000);
  afterAll(async () => {
    await svc?.close();
  });

  it('answers 503 VERIFIER_BUSY with Retry-After past the queue, and still verifies a vc+jwt at once', async () => {
    const auth = { authorization: `Bearer ${svc.apiKey}` };
    const credentials = [];
    for (let n = 0; n < 24; n++) {
      const issued = await postJson(`${svc.url}/credentials/issue`, { credential: makeCredential(svc.service.keyring.did, 100 + n), options: { format: 'ldp_vc', cryptosuite: 'eddsa-rdfc-2022' } }, auth);
      expect(issued.status).toBe(201);
      credentials.push(issued.body.verifiableCredential);
    }
    const jwt = await postJson(`${svc.url}/credentials/issue`, { credential: makeCredential(svc.service.keyring.did, 200), options: { format: 'vc+jwt', alg: 'ES256' } }, auth);
    // The pool is cold (its thread starts on first use), so a burst waits for it: past one waiting task, each is shed.
    const burst = credentials.map((vc) => fetch(`${svc.url}/credentials/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ verifiableCredential: vc }) }));
    const alongside = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: jwt.body.verifiableCredential });
    const answers = await Promise.all(burst);
    expect(alongside.status).toBe(200);
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    const busy = answers.filter((a) => a.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    for (const answer of busy) {
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await answer.json()) as { code: string }).code).toBe('VERIFIER_BUSY');
    }
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^gx_verifications_shed_total ${busy.length}$`, 'm'));
  });
});
