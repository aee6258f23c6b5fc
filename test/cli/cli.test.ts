/** The gx-trust command, run as a user runs it: a child process with files in and a report out. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_FROM_SOURCE } from '../helpers/cli.js';

const run = promisify(execFile);
let dir: string;

async function gxTrust(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI_FROM_SOURCE, ...args], {
      env: { ...process.env, GX_KEYS_DIR: join(dir, 'keys'), GX_DATA_DIR: join(dir, 'data'), PORT: '18443' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gx-trust-cli-'));
  writeFileSync(
    join(dir, 'credential.json'),
    JSON.stringify({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential'],
      credentialSubject: { id: 'did:web:member.example' },
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gx-trust', () => {
  it('keys init creates the development identity, and did show prints its document', async () => {
    const init = await gxTrust('keys', 'init');
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(init.stdout).did).toBe('did:web:localhost%3A18443');
    const show = await gxTrust('did', 'show');
    expect(JSON.parse(show.stdout).id).toBe('did:web:localhost%3A18443');
  });

  it.each([
    ['--format', 'ldp_vc'],
    ['--format', 'vc+jwt', '--alg', 'PS256', '--jwt'],
    ['--format', 'vc+jwt', '--alg', 'ES384', '--jwt'],
    ['--format', 'vc+jwt', '--alg', 'ES512', '--jwt'],
    ['--cryptosuite', 'ecdsa-rdfc-2019', '--key-type', 'P-384'],
    ['--format', 'vc+sd-jwt', '--alg', 'ES256', '--jwt'],
    ['--format', 'vc+cose', '--alg', 'EdDSA'],
    ['--format', 'vc+cose', '--alg', 'ES512'],
  ])('issues (%s %s) and verifies what it issued with exit code 0', async (...flags) => {
    const issued = await gxTrust('issue', join(dir, 'credential.json'), ...flags);
    expect(issued.code, issued.stderr).toBe(0);
    // --jwt prints the bare compact JWS (an SD-JWT's issuer JWT first): its header names the algorithm asked for.
    if (flags.includes('--jwt')) expect(JSON.parse(Buffer.from(issued.stdout.trim().split('.')[0]!, 'base64url').toString()).alg).toBe(flags[flags.indexOf('--alg') + 1]);
    const out = join(dir, 'issued.out');
    writeFileSync(out, issued.stdout);
    const verified = await gxTrust('verify', out);
    expect(verified.code, verified.stdout).toBe(0);
    expect(JSON.parse(verified.stdout).verified).toBe(true);
  });

  it('issues an ecdsa-sd-2023 base proof, which is for the holder: verifying it as a verifier would exits 1 with BASE_PROOF_PRESENTED', async () => {
    const issued = await gxTrust('issue', join(dir, 'credential.json'), '--cryptosuite', 'ecdsa-sd-2023');
    expect(issued.code, issued.stderr).toBe(0);
    expect(JSON.parse(issued.stdout).proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'ecdsa-sd-2023', proofValue: expect.stringMatching(/^u/) });
    writeFileSync(join(dir, 'base.json'), issued.stdout);
    const verified = await gxTrust('verify', join(dir, 'base.json'));
    expect(verified.code, verified.stdout).toBe(1);
    expect(JSON.parse(verified.stdout).checks).toContainEqual(expect.objectContaining({ check: 'proof', code: 'BASE_PROOF_PRESENTED' }));
  });

  it('issues a bbs-2023 base proof with the BLS12-381 key (its signing thread ends with the run), refused as a base proof on verify', async () => {
    const issued = await gxTrust('issue', join(dir, 'credential.json'), '--cryptosuite', 'bbs-2023');
    expect(issued.code, issued.stderr).toBe(0);
    expect(JSON.parse(issued.stdout).proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'bbs-2023', verificationMethod: expect.stringMatching(/#multikey-bls12381$/), proofValue: expect.stringMatching(/^u2V0C/) });
    writeFileSync(join(dir, 'bbs-base.json'), issued.stdout);
    const verified = await gxTrust('verify', join(dir, 'bbs-base.json'));
    expect(verified.code, verified.stdout).toBe(1);
    expect(JSON.parse(verified.stdout).checks).toContainEqual(expect.objectContaining({ check: 'proof', code: 'BASE_PROOF_PRESENTED' }));
  });

  it('exits 1 with the report when verification fails', async () => {
    const issued = await gxTrust('issue', join(dir, 'credential.json'));
    const vc = JSON.parse(issued.stdout);
    vc.credentialSubject.id = 'did:web:someone-else.example';
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify(vc));
    const verified = await gxTrust('verify', join(dir, 'tampered.json'));
    expect(verified.code).toBe(1);
    expect(JSON.parse(verified.stdout).verified).toBe(false);
  });

  it('exits 2 on bad usage and on input that is not JSON, naming the problem', async () => {
    expect((await gxTrust('issue')).code).toBe(2);
    writeFileSync(join(dir, 'junk.txt'), '{nope');
    const junk = await gxTrust('verify', join(dir, 'junk.txt'));
    expect(junk.code).toBe(2);
    expect(junk.stderr).toContain('not JSON');
  });

  it('exits 2 with the code and pointer when the credential cannot be issued', async () => {
    writeFileSync(join(dir, 'bad-date.json'), JSON.stringify({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential'],
      credentialSubject: { id: 'did:web:member.example' },
      validUntil: 'tomorrow',
    }));
    const result = await gxTrust('issue', join(dir, 'bad-date.json'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('INVALID_DATE');
    expect(result.stderr).toContain('/credential/validUntil');
  });
});
