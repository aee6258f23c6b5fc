/**
 * `gx-trust revoke` and the bulk form of `gx-trust verify <folder>`: the credential jobs beyond
 * single issue / verify (which live in main.ts).
 * Exit codes: 0 done / every file verified, 1 a file not verified, 2 bad usage or input (unknown
 * credential, a status it cannot take, an empty folder), 3 could not run.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { GxTrustError } from '../../errors.js';
import { changeCredentialStatus, changeStatusValue, type CredentialStatusValue } from '../../status-lists/change-status.js';
import type { Verifier } from '../../verifying/index.js';
import type { VerificationReport } from '../../verifying/report.js';
import { createProgress, type ProgressStream } from '../progress.js';
import { CLI_ACTOR, printJson, withService } from '../shared.js';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/**
 * A file in the folder is read whole; anything larger than this is no credential a person meant to
 * check and is reported as failed instead of exhausting memory (a folder may be a download area).
 */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** Files at or above this many at once would only queue behind the worker pool and the event loop. */
export const DEFAULT_CONCURRENCY = 8;

export interface FileResult {
  file: string;
  verified: boolean;
  format?: string;
  /** The checks that failed (or could not run), with their codes: what to look at. */
  failedChecks: { check: string; code?: string; message?: string; pointer?: string }[];
}

export interface FolderSummary {
  folder: string;
  total: number;
  verified: number;
  failed: number;
  files: FileResult[];
}

function isPresentation(input: unknown): boolean {
  if (typeof input === 'string') {
    // A VP-JWT carries `vp` (VC-JWT 1.1) or a VerifiablePresentation type in its payload.
    try {
      const payload = JSON.parse(Buffer.from(input.replace(/^data:[^,]*,/, '').split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
      return payload['vp'] !== undefined || JSON.stringify(payload['type'] ?? '').includes('VerifiablePresentation');
    } catch {
      return false;
    }
  }
  return typeof input === 'object' && input !== null && JSON.stringify((input as Record<string, unknown>)['type'] ?? '').includes('VerifiablePresentation');
}

async function verifyFile(verifier: Verifier, folder: string, file: string): Promise<FileResult> {
  let input: unknown;
  const path = join(folder, file);
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  if (size > MAX_FILE_BYTES) {
    return { file, verified: false, failedChecks: [{ check: 'format', code: 'PAYLOAD_TOO_LARGE', message: `${size} bytes, over the ${MAX_FILE_BYTES}-byte limit of one file` }] };
  }
  try {
    const text = readFileSync(path, 'utf8').trim();
    input = COMPACT_JWS.test(text) || text.startsWith('data:') ? text : JSON.parse(text);
  } catch (error) {
    // A file that cannot be read or parsed is a failed file, not the end of the run.
    return { file, verified: false, failedChecks: [{ check: 'format', code: 'INVALID_INPUT', message: error instanceof Error ? error.message : String(error) }] };
  }
  let report: VerificationReport;
  try {
    report = isPresentation(input) ? await verifier.verifyPresentation(input) : await verifier.verifyCredential(input);
  } catch (error) {
    return {
      file,
      verified: false,
      failedChecks: [{ check: 'format', code: error instanceof GxTrustError ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) }],
    };
  }
  const failedChecks = report.checks
    .filter((c) => !c.verified)
    .map((c) => ({ check: c.check, ...(c.code === undefined ? {} : { code: c.code }), ...(c.message === undefined ? {} : { message: c.message }), ...(c.pointer === undefined ? {} : { pointer: c.pointer }) }));
  return { file, verified: report.verified, format: report.format, failedChecks };
}

/**
 * Verifies every .json and .jwt file directly in `folder`, at most `concurrency` at a time, and
 * returns the results in file-name order. `onResult` sees each result as it finishes.
 */
export async function verifyFolder(
  verifier: Verifier,
  folder: string,
  options: { concurrency?: number; progress?: boolean; progressStream?: ProgressStream; onResult?: (result: FileResult) => void } = {},
): Promise<FolderSummary> {
  let files: string[];
  try {
    files = readdirSync(folder, { withFileTypes: true })
      .filter((e) => e.isFile() && /\.(json|jwt)$/i.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (cause) {
    throw new GxTrustError('INVALID_INPUT', `cannot read the folder ${folder}`, { cause, hint: 'Check the path' });
  }
  if (files.length === 0) throw new GxTrustError('INVALID_INPUT', `${folder} holds no .json or .jwt file`, { hint: 'Put one credential or presentation per file' });
  const concurrency = Math.max(1, Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, files.length));
  const progress = createProgress({
    total: files.length,
    verb: 'verified',
    enabled: options.progress === true,
    ...(options.progressStream === undefined ? {} : { stream: options.progressStream }),
  });
  const results: FileResult[] = new Array<FileResult>(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const index = next++;
      const result = await verifyFile(verifier, folder, files[index]!);
      results[index] = result;
      progress.tick(result.verified);
      options.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  progress.done();
  const verified = results.filter((r) => r.verified).length;
  return { folder, total: files.length, verified, failed: files.length - verified, files: results };
}

function statusOf(options: { suspend?: boolean; reinstate?: boolean }): CredentialStatusValue {
  if (options.suspend === true) return 'suspended';
  if (options.reinstate === true) return 'active';
  return 'revoked';
}

export function register(program: Command): void {
  program
    .command('revoke <credentialId>')
    .description('revoke a credential this service issued with a status entry (permanent), or suspend / reinstate it; audited as actor "cli"')
    .addOption(new Option('--suspend', 'suspend instead (reversible; needs a suspension status entry)').conflicts('reinstate'))
    .addOption(new Option('--reinstate', 'lift a suspension (a revocation cannot be lifted)'))
    .addOption(new Option('--message <value>', 'set the value of its message entry instead, as its statusMessage writes it ("0x2")').conflicts(['suspend', 'reinstate', 'refresh']))
    .addOption(new Option('--refresh <value>', 'set the value of its refresh entry instead ("0x1"; not reversible)').conflicts(['suspend', 'reinstate']))
    .action(async (credentialId: string, options: { suspend?: boolean; reinstate?: boolean; message?: string; refresh?: string }, command: Command) => {
      // The CLI runs on the service's own store with its keys: it has the admin's reach.
      const value = options.message !== undefined ? { statusPurpose: 'message', status: options.message } : options.refresh !== undefined ? { statusPurpose: 'refresh', status: options.refresh } : undefined;
      if (value !== undefined) {
        const set = await withService(command, (s) => changeStatusValue(s.store, { credentialId, ...value }, { actor: CLI_ACTOR, admin: true }));
        printJson({ credentialId: set.credentialId, credentialStatus: [{ type: 'BitstringStatusListCredential', statusPurpose: set.statusPurpose, status: set.status, message: set.message }] });
        return;
      }
      const changed = await withService(command, (s) => changeCredentialStatus(s.store, { credentialId, status: statusOf(options) }, { actor: CLI_ACTOR, admin: true }));
      printJson({ credentialId: changed.credentialId, credentialStatus: [{ type: 'BitstringStatusListCredential', status: changed.status }] });
    });
}
