/**
 * The Data Integrity proof format run on the worker pool: the same module (dataIntegrityFormat),
 * the same report. The main thread resolves the issuer's DID first (cached, single flight across
 * every thread) and sends the document with the credential; the thread expands, canonicalizes and
 * checks the signature. When that resolution fails, the credential is verified here in the main
 * thread instead, with that failure: the key binding then fails before any canonicalization, with
 * the very same report as without a pool.
 */
import type { Clock } from '../clock.js';
import { parseDidUrl } from '../dids/index.js';
import type { DidDocument, DidResolver } from '../dids/types.js';
import { canonicalizationUnits, dataIntegrityFormat } from '../formats/data-integrity/verify.js';
import type { FormatResult, ProofFormat, VerifyContext } from '../verifying/types.js';
import type { WorkerPool } from './pool.js';
import type { PooledFormatResult } from './tasks.js';
import { isObject } from '../json-input.js';

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value['id'] === 'string') return value['id'];
  return undefined;
}

/**
 * The DIDs whose documents the proofs need: a proof's method DID, when it is the issuer's (a
 * method of another DID fails the key binding before any resolution, so nothing is fetched for it).
 */
function didsToResolve(input: Record<string, unknown>): string[] {
  const issuer = idOf(input['issuer']);
  if (issuer === undefined) return [];
  const proofs = Array.isArray(input['proof']) ? input['proof'] : [input['proof']];
  const dids = new Set<string>();
  for (const proof of proofs) {
    const method = isObject(proof) ? idOf(proof['verificationMethod']) : undefined;
    if (method === undefined) continue;
    try {
      const { did } = parseDidUrl(method);
      if (did === issuer) dids.add(did);
    } catch {
      // A malformed method id fails the key binding in the thread, as it does in-thread.
    }
  }
  return [...dids];
}

/**
 * `resolver`, except that where it would resolve `did` it fails with the error that resolution
 * already gave. A method reference it would refuse before resolving (no fragment, a path, another
 * controller) still goes to it, so the report is the one it gives.
 */
function failingFor(did: string, error: unknown, resolver: DidResolver): DidResolver {
  const resolves = (didUrl: string, fragmentNeeded: boolean): boolean => {
    try {
      const parsed = parseDidUrl(didUrl);
      if (!fragmentNeeded) return parsed.did === did;
      return parsed.did === did && parsed.path === undefined && parsed.query === undefined && (parsed.fragment ?? '') !== '';
    } catch {
      return false;
    }
  };
  return {
    resolve: (didUrl) => (resolves(didUrl, false) ? Promise.reject(error) : resolver.resolve(didUrl)),
    resolveVerificationMethod: (didUrl, options) =>
      resolves(didUrl, true) && options.expectedController === did ? Promise.reject(error) : resolver.resolveVerificationMethod(didUrl, options),
  };
}

export interface PooledDataIntegrityOptions {
  pool: WorkerPool;
  resolver: DidResolver;
  clock: Clock;
}

export function createPooledDataIntegrityFormat({ pool, resolver, clock }: PooledDataIntegrityOptions): ProofFormat {
  return {
    ...dataIntegrityFormat,

    async verifyCredential(input: unknown, context: VerifyContext): Promise<FormatResult> {
      if (!isObject(input)) return dataIntegrityFormat.verifyCredential(input, context);
      // The caller's share first, then the pool's room: both before any DID is resolved for it.
      const { admitCanonicalization, ...admitted } = context;
      await admitCanonicalization?.(canonicalizationUnits(input));
      pool.admit();
      const documents: [string, DidDocument][] = [];
      for (const did of didsToResolve(input)) {
        try {
          documents.push([did, await resolver.resolve(did)]);
        } catch (error) {
          // Resolved once per verification: the in-thread key binding fails with this very error
          // instead of fetching again (a slow or refusing host would otherwise be asked twice).
          return dataIntegrityFormat.verifyCredential(input, { ...admitted, resolver: failingFor(did, error, context.resolver) });
        }
      }
      const { hasDocument, ...result } = await pool.run<PooledFormatResult>({
        task: 'verify-data-integrity',
        input,
        documents,
        now: context.now.getTime(),
        clock: clock().getTime(),
        clockSkewSeconds: context.clockSkewSeconds,
        ...(context.expectedProofPurpose === undefined ? {} : { expectedProofPurpose: context.expectedProofPurpose }),
      });
      // In the main thread the result's document is the input itself; so it is here.
      return hasDocument ? { ...result, document: input } : result;
    },
  };
}
