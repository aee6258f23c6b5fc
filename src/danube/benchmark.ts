/**
 * Measures self-description validation of a 3-credential LegalPerson submission (LegalPerson,
 * VAT id, Issuer) for each SHACL engine and shapes graph, with validators built once. Kept in the
 * library (no bench dependency) so `npm run bench` can call it:
 *   import { benchmarkSelfDescriptionValidation } from '../src/danube/benchmark.js'
 */
import { performance } from 'node:perf_hooks';
import type { DocumentLoader } from '../document-loader/index.js';
import type { ShaclEngineName } from './shacl.js';
import { measureSubmission, SUBMISSION_LIMITS } from './submission-limits.js';
import { createSelfDescriptionValidator } from './validate.js';

export interface BenchmarkRow {
  name: string;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  buildMs: number;
}

export function legalPersonSubmission(): object[] {
  const context = ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'];
  const member = 'did:web:member.example';
  const address = { type: 'gx:Address', 'gx:countryCode': 'DE', 'vcard:region': 'DE30', 'vcard:locality': 'Berlin', 'vcard:postal-code': '10115' };
  const vc = (id: string, type: string, subject: object) => ({
    '@context': context,
    id: `${member}/credentials/${id}`,
    type: ['VerifiableCredential', type],
    issuer: member,
    validFrom: '2026-01-15T00:00:00Z',
    credentialSubject: subject,
  });
  return [
    vc('lp', 'gx:LegalPerson', {
      id: `${member}#lp`,
      type: 'gx:LegalPerson',
      'schema:name': 'Member GmbH',
      'gx:legalAddress': address,
      'gx:headquartersAddress': address,
      'gx:registrationNumber': { id: `${member}#vat` },
    }),
    vc('vat', 'gx:VatID', { id: `${member}#vat`, type: 'gx:VatID', 'gx:vatID': 'DE136695976', 'gx:countryCode': 'DE' }),
    vc('issuer', 'gx:Issuer', {
      id: `${member}#issuer`,
      type: 'gx:Issuer',
      'gx:gaiaxTermsAndConditions': '067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515',
    }),
  ];
}

/**
 * The costliest submission SUBMISSION_LIMITS admit, as far as we found: the LegalPerson submission
 * whose gx:legalAddress holds as many minimal gx:Address nodes as the node limit leaves room for.
 * Many values on one property is what SHACL pays most for (0.25 s of a core, against 0.18 s for the
 * most full addresses the triple limit admits, and 2 ms for the plain submission).
 */
export function largestAcceptedSubmission(): object[] {
  const submission = legalPersonSubmission() as { credentialSubject: Record<string, unknown> }[];
  const room = SUBMISSION_LIMITS.nodes - measureSubmission(submission).nodes + 1; // the address it replaces
  submission[0]!.credentialSubject['gx:legalAddress'] = Array.from({ length: room }, () => ({ type: 'gx:Address', 'gx:countryCode': 'DE' }));
  return submission;
}

/** Sequential ops/s and p50/p99 after a warm-up (shared by the benchmarks in bench/). */
export async function measure(run: () => Promise<unknown>, iterations: number, warmMs = 3000): Promise<{ opsPerSecond: number; p50Ms: number; p99Ms: number }> {
  // A fresh process needs 3-5 s to reach full speed (JIT tiers, caches): warm up first.
  const warmUntil = performance.now() + warmMs;
  while (performance.now() < warmUntil) await run();
  const samples: number[] = [];
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  const total = performance.now() - start;
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { opsPerSecond: (iterations / total) * 1000, p50Ms: at(0.5), p99Ms: at(0.99) };
}

export async function benchmarkSelfDescriptionValidation(options: {
  documentLoader: DocumentLoader;
  officialShapesPath?: string;
  iterations?: number;
}): Promise<BenchmarkRow[]> {
  const rows: BenchmarkRow[] = [];
  const submission = legalPersonSubmission();
  const shapeSets: ('bundled' | 'official')[] = options.officialShapesPath === undefined ? ['bundled'] : ['bundled', 'official'];
  for (const engine of ['shacl-engine', 'rdf-validate-shacl'] as ShaclEngineName[]) {
    for (const shapes of shapeSets) {
      const t0 = performance.now();
      const validator = createSelfDescriptionValidator({
        documentLoader: options.documentLoader,
        shapes,
        engine,
        ...(options.officialShapesPath === undefined ? {} : { officialShapesPath: options.officialShapesPath }),
      });
      const buildMs = performance.now() - t0;
      const check = await validator.validate(submission);
      if (!check.conforms) throw new Error(`benchmark submission does not conform (${engine}, ${shapes})`);
      const result = await measure(() => validator.validate(submission), options.iterations ?? 2000);
      rows.push({ name: `validate LegalPerson submission (3 VCs), ${shapes} shapes, ${engine}`, buildMs, ...result });
    }
  }
  return rows;
}
