/**
 * GX_TERMS_AND_CONDITIONS_FILE and GET /terms-and-conditions: the service shows a terms text only
 * when the text's SHA-256 is a hash its own rules accept, refuses to start otherwise, and every
 * check of gx:gaiaxTermsAndConditions (the Danube validator, the compliance rule) uses the same
 * list as the start-up check.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { legalPersonSubmission } from '../../src/danube/example-submissions.js';
import { DANUBE_TERMS_AND_CONDITIONS } from '../../src/danube/terms-and-conditions.js';
import { GxTrustError } from '../../src/errors.js';
import { createService } from '../../src/service.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';

// Not a Gaia-X text: no public text produces the Gaia-X hashes, so the test brings its own.
const TEXT = 'The PARTICIPANT signing these credentials agrees to keep them accurate.\nVersion 1 — test only.\n';
const sha256 = (text: string) => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
const HASH = sha256(TEXT);

let dir: string;
let withText: RunningService;
let withoutText: RunningService;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gx-trust-terms-'));
  writeFileSync(join(dir, 'terms.txt'), TEXT);
  withText = await startService({ GX_TERMS_AND_CONDITIONS_FILE: join(dir, 'terms.txt'), GX_ACCEPTED_TERMS_HASHES: HASH, GX_WORKERS: '1' });
  withoutText = await startService({ GX_WORKERS: '0' });
});
afterAll(async () => {
  await withText?.close();
  await withoutText?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The service's start-up on its own temporary folders, without a listener. */
async function start(env: Record<string, string>): Promise<unknown> {
  const home = mkdtempSync(join(dir, 'start-'));
  const config = parseConfig({ PORT: '0', GX_KEYS_DIR: join(home, 'keys'), GX_DATA_DIR: join(home, 'data'), GX_LOG_LEVEL: 'silent', GX_WORKERS: '0', ...env });
  try {
    const service = await createService(config, { log: () => {} });
    await service.close();
    return undefined;
  } catch (error) {
    return error;
  }
}

function withTerms(hash: string): object[] {
  const submission = legalPersonSubmission() as { credentialSubject: Record<string, unknown> }[];
  submission[2]!.credentialSubject['gx:gaiaxTermsAndConditions'] = hash;
  return submission;
}

describe('GET /terms-and-conditions', () => {
  it('serves the configured text with the SHA-256 of its bytes, to anyone', async () => {
    const answer = await fetch(`${withText.url}/terms-and-conditions`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('application/json');
    const body = await answer.json();
    expect(body).toEqual({ text: TEXT, hash: HASH, algorithm: 'sha-256', acceptedBy: 'operator' });
  });

  it('is 404 problem+json with the accepted hashes in the hint when no text is configured', async () => {
    const answer = await fetch(`${withoutText.url}/terms-and-conditions`);
    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    const body = (await answer.json()) as { code: string; hint: string };
    expect(body.code).toBe('NOT_FOUND');
    expect(body.hint).toContain('GX_TERMS_AND_CONDITIONS_FILE');
    expect(body.hint).toContain(DANUBE_TERMS_AND_CONDITIONS[0]!.hash);
  });
});

describe('the start-up check of GX_TERMS_AND_CONDITIONS_FILE', () => {
  it('refuses to start when the text\'s hash is not accepted, naming the hash and what is', async () => {
    const file = join(dir, 'other.txt');
    writeFileSync(file, 'Some other terms.\n');
    const error = await start({ GX_TERMS_AND_CONDITIONS_FILE: file });
    expect(error).toBeInstanceOf(GxTrustError);
    expect((error as GxTrustError).code).toBe('CONFIG_INVALID');
    expect((error as GxTrustError).message).toContain(sha256('Some other terms.\n'));
    expect((error as GxTrustError).pointer).toBe('/GX_TERMS_AND_CONDITIONS_FILE');
    expect((error as GxTrustError).hint).toContain(DANUBE_TERMS_AND_CONDITIONS[0]!.hash);
  });

  it('hashes the bytes as they are: the accepted text without its last newline is another text', async () => {
    const file = join(dir, 'trimmed.txt');
    writeFileSync(file, TEXT.trimEnd());
    const error = await start({ GX_TERMS_AND_CONDITIONS_FILE: file, GX_ACCEPTED_TERMS_HASHES: HASH });
    expect((error as GxTrustError).code).toBe('CONFIG_INVALID');
  });

  it('refuses a file that is not UTF-8, and a file that is not there', async () => {
    const file = join(dir, 'latin1.txt');
    writeFileSync(file, Buffer.from([0x54, 0xe9, 0x0a]));
    const latin1 = await start({ GX_TERMS_AND_CONDITIONS_FILE: file, GX_ACCEPTED_TERMS_HASHES: createHash('sha256').update(Buffer.from([0x54, 0xe9, 0x0a])).digest('hex') });
    expect((latin1 as GxTrustError).message).toContain('not UTF-8');
    const missing = await start({ GX_TERMS_AND_CONDITIONS_FILE: join(dir, 'absent.txt') });
    expect((missing as GxTrustError).message).toContain('cannot read');
  });

  it('refuses GX_ACCEPTED_TERMS_HASHES in production, and anything but SHA-256 hex', () => {
    expect(() => parseConfig({ GX_ENV: 'production', GX_BASE_URL: 'https://gx.example', GX_ACCEPTED_TERMS_HASHES: HASH })).toThrow(/refused in production/);
    expect(() => parseConfig({ GX_ACCEPTED_TERMS_HASHES: 'abc' })).toThrow(/SHA-256/);
    expect(parseConfig({ GX_ACCEPTED_TERMS_HASHES: `${HASH.toUpperCase()}, ${HASH}` }).acceptedTermsHashes).toEqual([HASH, HASH]);
  });
});

describe('one accepted list for every check', () => {
  it('the Danube validator accepts the operator\'s hash where it is configured, and only there', async () => {
    const accepted = await postJson(`${withText.url}/danube/validate`, withTerms(HASH));
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body).toMatchObject({ conforms: true, findings: [] });
    const refused = await postJson(`${withoutText.url}/danube/validate`, withTerms(HASH));
    expect(refused.body.conforms).toBe(false);
    expect(refused.body.findings.map((f: { rule: string }) => f.rule)).toContain('gx:Issuer/terms-and-conditions-unknown');
  });

  it('the Gaia-X hashes stay accepted beside the operator\'s', async () => {
    const gaiaX = await postJson(`${withText.url}/danube/validate`, withTerms(DANUBE_TERMS_AND_CONDITIONS[0]!.hash));
    expect(gaiaX.body).toMatchObject({ conforms: true, findings: [] });
  });
});
