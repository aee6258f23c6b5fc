/**
 * Danube self-description validation on the worker pool: the same validator (src/danube/validate.ts),
 * the same findings, run on a pool thread. JSON-LD to RDF and SHACL are all CPU: in the main thread,
 * a LegalPerson with 1000 address nodes held the event loop about 2 s, and four such requests kept
 * /health waiting 7 s. Here the event loop only sizes the submission, takes the caller's share and
 * hands the credentials over (a structured clone).
 *
 * The order matters: the size limits first (a refusal costs a walk over the JSON and nothing
 * else), then the caller's share, then the pool's room (503 VERIFIER_BUSY when its queue is full),
 * as for Data Integrity verification (pooled-data-integrity.ts).
 */
import { accessSync, constants } from 'node:fs';
import type { Clock } from '../clock.js';
import { measureSubmission, weightOf } from '../danube/submission-limits.js';
import type { SelfDescriptionValidation, SelfDescriptionValidator } from '../danube/validate.js';
import { GxTrustError } from '../errors.js';
import { OFFICIAL_SHAPES_FILE } from '../danube/shapes/index.js';
import type { WorkerPool } from './pool.js';
import type { SelfDescriptionValidatorSettings } from './tasks.js';

export interface PooledSelfDescriptionOptions {
  pool: WorkerPool;
  /** How each thread builds its validator (built there once, on its first validation). */
  settings: SelfDescriptionValidatorSettings;
  clock: Clock;
}

export function createPooledSelfDescriptionValidator({ pool, settings, clock }: PooledSelfDescriptionOptions): SelfDescriptionValidator {
  // The threads load the official shapes file on their first validation; a file that cannot be
  // read still stops the start, as it did when the main thread loaded it.
  if (settings.shapes !== undefined && settings.shapes !== 'bundled') {
    const path = settings.officialShapesPath ?? OFFICIAL_SHAPES_FILE;
    try {
      accessSync(path, constants.R_OK);
    } catch (cause) {
      throw new GxTrustError('CONFIG_INVALID', `GX_DANUBE_OFFICIAL_SHAPES_FILE: ${path} cannot be read`, { pointer: '/GX_DANUBE_OFFICIAL_SHAPES_FILE', cause });
    }
  }
  return {
    async validate(credentials, options = {}): Promise<SelfDescriptionValidation> {
      const size = measureSubmission(credentials);
      await options.admit?.(weightOf(size));
      pool.admit();
      return pool.run<SelfDescriptionValidation>({
        task: 'validate-self-description',
        credentials,
        settings,
        now: (options.now ?? clock()).getTime(),
      });
    },
  };
}
