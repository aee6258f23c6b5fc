/**
 * RSA (PS256) JWS signing on the worker pool: ≈250 µs of CPU per signature, which in the main
 * thread would stall every request behind it during an issuance burst. The thread runs the same
 * jose CompactSign as the main thread; PS256 signatures are randomized (PSS salt), so the bytes
 * differ from call to call either way.
 */
import type { CompactSigning } from '../issuing/jose.js';
import type { WorkerPool } from './pool.js';

export function createPooledCompactSigning(pool: WorkerPool): CompactSigning {
  return (protectedHeader, payload, privateKey) => pool.run<string>({ task: 'sign-jws', protectedHeader, payload, privateKey });
}
