/**
 * No self-description can stall the service: POST /danube/validate refuses one over the size limits
 * (400 GRAPH_TOO_LARGE) before any validation work, anonymous callers pay for validation from their
 * share of costly work by its size, and with the worker pool on, validations run on its threads
 * while the event loop keeps answering. Onboarding and the compliance shapes rule keep the same limits.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { largestAcceptedSubmission, legalPersonSubmission } from '../../src/danube/example-submissions.js';
import { SUBMISSION_LIMITS } from '../../src/danube/submission-limits.js';
import type { WorkerPool } from '../../src/workers/pool.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { address, createParty, legalPerson, memberCredentials, startComplianceWorld, submit, type ComplianceWorld, type Party } from '../compliance/fixtures.js';

type Json = Record<string, any>;

/** The LegalPerson submission with `count` addresses on gx:legalAddress (each a node object). */
function withAddresses(count: number, address: (i: number) => Json = () => ({ type: 'gx:Address', 'gx:countryCode': 'DE' })): Json[] {
  const submission = legalPersonSubmission() as Json[];
  submission[0]!.credentialSubject['gx:legalAddress'] = Array.from({ length: count }, (_, i) => address(i));
  return submission;
}

/** The LegalPerson submission grown to `nodes` node objects (3 credentials hold 9 of their own). */
const withNodes = (nodes: number) => withAddresses(nodes - 8);

describe.each([
  ['one pool thread', '1'],
  ['no pool', '0'],
])('POST /danube/validate: size limits (%s)', (_name, workers) => {
  let svc: RunningService;
  let pool: WorkerPool | undefined;
  beforeAll(async () => {
    // No share limit here (the share has its own tests below).
    svc = await startService({ GX_WORKERS: workers, GX_RATE_LIMIT_ANONYMOUS_CANONICALIZATIONS: '0' });
    pool = svc.service.workerPool;
    expect(pool === undefined).toBe(workers === '0');
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('refuses one LegalPerson with 1000 address nodes with 400 GRAPH_TOO_LARGE before any validation work, naming the first node over the limit', async () => {
    const before = pool?.stats();
    const response = await postJson(`${svc.url}/danube/validate`, withAddresses(1000));
    expect(response.status, response.text).toBe(400);
    expect(response.contentType).toMatch(/^application\/problem\+json/);
    expect(response.body.code).toBe('GRAPH_TOO_LARGE');
    // Nodes are counted in document order: the credential node, its subject, then the addresses.
    expect(response.body.pointer).toBe(`/0/credentialSubject/gx:legalAddress/${SUBMISSION_LIMITS.nodes - 2}`);
    expect(response.body.hint).toContain(`${SUBMISSION_LIMITS.nodes} node objects`);
    // Refused on the event loop from the JSON alone: nothing was handed to a pool thread.
    if (pool !== undefined) expect(pool.stats()).toMatchObject({ completed: before!.completed, inFlight: 0 });
  });

  it('points into the presentation as sent', async () => {
    const vp = { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], verifiableCredential: withAddresses(1000) };
    const response = await postJson(`${svc.url}/danube/validate`, vp);
    expect(response.status).toBe(400);
    expect(response.body.pointer).toMatch(/^\/verifiableCredential\/0\/credentialSubject\/gx:legalAddress\/\d+$/);
  });

  it('refuses a graph over the triple limit (fewer nodes, each with many statements), pointing at the credential', async () => {
    const full = (i: number) => ({ type: 'gx:Address', 'gx:countryCode': 'DE', 'vcard:region': 'DE30', 'vcard:locality': `Berlin ${i}`, 'vcard:postal-code': '10115', 'vcard:street-address': `Sample Street ${i}` });
    const submission = withAddresses(400, full);
    const response = await postJson(`${svc.url}/danube/validate`, submission);
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ code: 'GRAPH_TOO_LARGE', pointer: '/0' });
    expect(response.body.detail).toContain('triples');
  });

  it('refuses more credentials than a submission may hold, naming the first one over', async () => {
    const many = Array.from({ length: SUBMISSION_LIMITS.credentials + 1 }, () => legalPersonSubmission()[1]);
    const response = await postJson(`${svc.url}/danube/validate`, many);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'GRAPH_TOO_LARGE', pointer: `/${SUBMISSION_LIMITS.credentials}` });
  });

  it('validates the largest submission the limits admit', async () => {
    const response = await postJson(`${svc.url}/danube/validate`, largestAcceptedSubmission());
    expect(response.status, response.text).toBe(200);
    // Its 492 addresses break gx:legalAddress's sh:maxCount 1, and nothing else.
    expect(response.body.findings.map((f: Json) => `${f.rule} ${f.pointer}`)).toEqual(['shacl:maxCount /0/credentialSubject/gx:legalAddress']);
  });
});

describe('POST /danube/validate with the worker pool', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ GX_WORKERS: '1', GX_RATE_LIMIT_ANONYMOUS_CANONICALIZATIONS: '0' });
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('answers /health while large validations are in flight on the pool thread', async () => {
    const pool = svc.service.workerPool!;
    const largest = largestAcceptedSubmission();
    // The thread starts (and compiles the shapes) on its first task: not what this test is about.
    expect((await postJson(`${svc.url}/danube/validate`, largest)).status).toBe(200);
    const completed = pool.stats().completed;

    // Six validations at the limits: about 1.5 s of one core, queued on one thread two at a time.
    const pending = new Set<number>();
    const validations = Array.from({ length: 6 }, async (_, i) => {
      pending.add(i);
      try {
        return await postJson(`${svc.url}/danube/validate`, largest);
      } finally {
        pending.delete(i);
      }
    });
    // Wait until the thread has them (this poll is answered by the event loop too).
    await vi.waitFor(() => expect(pool.stats().inFlight).toBeGreaterThan(0), { timeout: 20_000, interval: 2 });
    const health = await fetch(`${svc.url}/health`);
    const stillPending = pending.size;
    const inFlight = pool.stats().inFlight;
    expect(health.status).toBe(200);
    // /health answered while validations were still running or waiting on the pool, not after them.
    expect(stillPending).toBeGreaterThan(0);
    expect(inFlight).toBeGreaterThan(0);

    const answers = await Promise.all(validations);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(pool.stats().completed - completed).toBe(6);
  });
});

describe('POST /danube/validate: the anonymous share of costly work', () => {
  const PER_SECOND = 5;
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ GX_RATE_LIMIT_ANONYMOUS_CANONICALIZATIONS: String(PER_SECOND) });
  });
  afterAll(async () => {
    await svc?.close();
  });

  /** Waits until a full share is back (the bucket refills PER_SECOND a second). */
  const refilled = () => new Promise((resolve) => setTimeout(resolve, 1100));
  const validateAll = (submissions: Json[][], headers: Record<string, string> = {}) =>
    Promise.all(submissions.map((submission) => postJson(`${svc.url}/danube/validate`, submission, headers)));

  it('charges a validation by its size: small ones one unit each, a large one the whole share', async () => {
    await refilled();
    const small = await validateAll(Array.from({ length: PER_SECOND }, () => legalPersonSubmission() as Json[]));
    expect(small.map((a) => a.status)).toEqual(Array.from({ length: PER_SECOND }, () => 200));

    await refilled();
    // 50 node objects: 5 units, as much as a second's share.
    const [first, second] = await validateAll([withNodes(50), withNodes(50)]);
    expect([first!.status, second!.status].sort()).toEqual([200, 429]);
    const refused = first!.status === 429 ? first! : second!;
    expect(refused.contentType).toMatch(/^application\/problem\+json/);
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect(refused.body.hint).toMatch(/API key/);
  });

  it('answers 429 with Retry-After past the share', async () => {
    await refilled();
    const answers = await Promise.all(
      [withNodes(50), withNodes(50)].map((submission) =>
        fetch(`${svc.url}/danube/validate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(submission) }),
      ),
    );
    const refused = answers.find((a) => a.status === 429);
    expect(refused?.headers.get('retry-after')).toBe('1');
  });

  it('does not count a caller with an API key', async () => {
    await refilled();
    const answers = await validateAll([withNodes(50), withNodes(50), withNodes(50)], { authorization: `Bearer ${svc.apiKey}` });
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
  });
});

describe('the same limits for onboarding and the compliance shapes rule', () => {
  let world: ComplianceWorld;
  let member: Party;
  beforeAll(async () => {
    world = await startComplianceWorld();
    member = await createParty(world.server, 'member', world.ca);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('POST /participants refuses an oversized self-description with 400 GRAPH_TOO_LARGE, pointing into the request, and issues nothing', async () => {
    const drafts = withAddresses(1000).map(({ issuer: _issuer, ...draft }) => draft);
    const before = await world.service.service.store.auditSize();
    const response = await postJson(`${world.service.url}/participants`, { credentials: drafts }, world.auth);
    expect(response.status, response.text).toBe(400);
    expect(response.body.code).toBe('GRAPH_TOO_LARGE');
    expect(response.body.pointer).toBe(`/credentials/0/credentialSubject/gx:legalAddress/${SUBMISSION_LIMITS.nodes - 2}`);
    expect(await world.service.service.store.auditSize()).toBe(before);
  });

  it('the shapes rule fails with GRAPH_TOO_LARGE on a presentation over the limits, pointing into it', async () => {
    const addresses = Array.from({ length: 600 }, () => address());
    const vp = await member.present(await memberCredentials(world, member, { legalPerson: legalPerson(member.did, { 'gx:legalAddress': addresses }) }));
    const answer = await submit(world, '/compliance?dryRun=true', vp);
    expect(answer.status, answer.text).toBe(422);
    const shapes = (answer.body.findings as Json[]).filter((f) => f.rule === 'shapes');
    expect(shapes).toEqual([expect.objectContaining({ code: 'GRAPH_TOO_LARGE', pointer: expect.stringMatching(/^\/verifiableCredential\/0\/credentialSubject\/gx:legalAddress\/\d+$/) })]);
  });
});

describe('compliance while the pool sheds validations', () => {
  let world: ComplianceWorld;
  let member: Party;
  beforeAll(async () => {
    // One thread taking two tasks and one more waiting: a burst of decisions overflows it.
    world = await startComplianceWorld({ GX_WORKERS: '1', GX_WORKER_QUEUE_MAX: '1' });
    member = await createParty(world.server, 'member', world.ca);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('answers 503 VERIFIER_BUSY for a decision whose shapes could not be validated, and records no refusal for it', async () => {
    // Within the limits, but long enough to validate that the burst arrives while the thread is busy.
    const addresses = Array.from({ length: 400 }, () => ({ type: 'gx:Address', 'gx:countryCode': 'DE' }));
    const vp = await member.present(await memberCredentials(world, member, { legalPerson: legalPerson(member.did, { 'gx:legalAddress': addresses }) }));
    const before = await world.service.service.store.auditSize();
    const answers = await Promise.all(Array.from({ length: 8 }, () => submit(world, '/compliance', vp)));
    const shed = answers.filter((a) => a.status === 503);
    expect(shed.length).toBeGreaterThan(0);
    for (const answer of shed) expect(answer.body.code).toBe('VERIFIER_BUSY');
    // Every other answer is a decision (refused: 400 addresses break sh:maxCount), each recorded once.
    const decided = answers.filter((a) => a.status !== 503);
    for (const answer of decided) expect(answer.status, answer.text).toBe(422);
    expect(await world.service.service.store.auditSize()).toBe(before + decided.length);
  });
});
