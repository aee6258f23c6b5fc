/**
 * Who the CLI acts as, said before it acts. The CLI reads the server's configuration (config.ts:
 * the same variables, flags on top) and works on the same store with the same keys; the DID it
 * signs as is derived from GX_BASE_URL (or PORT) and its keys are those of GX_KEYS_DIR. A CLI run
 * with another PORT, base URL or keys folder than the running server signs as a DID the server does
 * not serve, or with keys its DID document does not hold: what it issues then verifies nowhere.
 * So every command that signs or changes the service's records prints (on stderr, stdout stays
 * the command's output) the base URL and the DID, and compares them with what the service at
 * that base URL serves: a difference is a warning that says which values differ and how to fix
 * it. The exit code is the command's own: the warning is advice, the work is done as asked.
 */
import type { Config } from '../config.js';
import type { DidDocument } from '../dids/types.js';

/** How long the running service is given to answer: on loopback it answers in milliseconds. */
const PROBE_TIMEOUT_MS = 2000;
/** A DID document is small; a larger answer is not gx-trust's. */
const MAX_DOCUMENT_BYTES = 256 * 1024;

export interface CliIdentity {
  did: string;
  didDocument: DidDocument;
}

export type Write = (line: string) => void;

const toStderr: Write = (line) => process.stderr.write(`${line}\n`);

/** `gx-trust: acting as did:web:... (base URL ..., keys ..., data ...)`. */
export function announce(config: Config, identity: CliIdentity, write: Write = toStderr): void {
  const data = config.databaseUrl === undefined ? config.dataDir : 'DATABASE_URL';
  write(`gx-trust: acting as ${identity.did} (base URL ${config.baseUrl}; keys ${config.keysDir}; data ${data})`);
}

/** The key material of each verification method: what must match for a signature to verify. */
function keysOf(document: DidDocument): Set<string> {
  const methods = (document as { verificationMethod?: unknown }).verificationMethod;
  if (!Array.isArray(methods)) return new Set();
  return new Set(
    methods.flatMap((method: Record<string, unknown>) => {
      const jwk = method['publicKeyJwk'] as Record<string, unknown> | undefined;
      if (jwk !== undefined) return [JSON.stringify([jwk['kty'], jwk['crv'], jwk['x'], jwk['y'], jwk['n']])];
      return typeof method['publicKeyMultibase'] === 'string' ? [method['publicKeyMultibase']] : [];
    }),
  );
}

/** What the service at the base URL serves as its DID document, or why there is none. */
async function servedDocument(baseUrl: string): Promise<{ document: DidDocument } | { unreachable: string }> {
  const url = `${baseUrl}/.well-known/did.json`;
  try {
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), headers: { accept: 'application/did+json, application/json' } });
    if (response.status !== 200) return { unreachable: `${url} answered ${response.status}` };
    const text = await response.text();
    if (text.length > MAX_DOCUMENT_BYTES) return { unreachable: `${url} answered a document over ${MAX_DOCUMENT_BYTES} bytes` };
    const document = JSON.parse(text) as DidDocument;
    if (typeof document?.id !== 'string') return { unreachable: `${url} answered no DID document` };
    return { document };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { unreachable: `nothing answers at ${url}${cause === undefined ? '' : ` (${cause})`}` };
  }
}

/**
 * Compares this CLI's identity with what the service at its base URL serves: a warning for each
 * difference. When nothing answers there (the server is stopped, or runs elsewhere) a note says
 * so, unless `quiet`: working on the store with the server stopped is a normal use of the CLI.
 * Returns the warnings (empty when they agree or nothing answered).
 */
export async function checkAgainstRunningService(config: Config, identity: CliIdentity, options: { quiet?: boolean; write?: Write } = {}): Promise<string[]> {
  const write = options.write ?? toStderr;
  const served = await servedDocument(config.baseUrl);
  const warnings: string[] = [];
  if ('unreachable' in served) {
    if (options.quiet !== true) {
      write(
        `gx-trust: note: ${served.unreachable}: no running gx-trust serves ${identity.did} there. ` +
          `If your server runs with another PORT or GX_BASE_URL, give the CLI the same (the same environment, or --base-url <the server's GX_BASE_URL>)`,
      );
    }
  } else if (served.document.id !== identity.did) {
    warnings.push(
      `gx-trust: warning: ${config.baseUrl} serves ${served.document.id}, but this CLI acts as ${identity.did} (its base URL is ${config.baseUrl}). ` +
        `The server runs with another GX_BASE_URL: run the CLI with the server's (--base-url, or GX_BASE_URL as the server has it), or what it signs will not resolve to the server's DID`,
    );
  } else {
    const servedKeys = keysOf(served.document);
    const missing = [...keysOf(identity.didDocument)].filter((key) => !servedKeys.has(key));
    if (missing.length > 0) {
      warnings.push(
        `gx-trust: warning: ${config.baseUrl} serves ${identity.did} with other keys than this CLI's (${missing.length} of its keys are not in the served DID document; keys folder ${config.keysDir}). ` +
          `The server runs with another GX_KEYS_DIR (or key files): run the CLI with the server's (--keys-dir, or the same GX_KEYS_DIR / GX_KEY_*_FILE), or what it signs will not verify`,
      );
    }
  }
  for (const warning of warnings) write(warning);
  return warnings;
}

/** Both: the announcement, then the comparison (`quiet`: only a difference is written). */
export async function sayWhoActs(config: Config, identity: CliIdentity, options: { quiet?: boolean; write?: Write } = {}): Promise<void> {
  if (options.quiet !== true) announce(config, identity, options.write);
  await checkAgainstRunningService(config, identity, options);
}
