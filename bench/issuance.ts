/**
 * Issuance next to the raw libraries, same run, same keys, one at a time: gx-trust's issuer (strict
 * validation, defaults, the signing identity, the format) against jose's SignJWT with the key
 * imported once (vc+jwt ES256) and @digitalbazaar/vc `issue` with the Ed25519 Multikey signer
 * (eddsa-rdfc-2022). Signing only: no records (bench/records.ts measures those).
 *
 * The raw baselines read the development key files themselves: the service never hands a private
 * key out of src/keyring, so the bench loads the same PEM files the keyring loaded.
 *
 * gx-trust and raw rounds alternate (gx, raw, raw, gx, ...) after a warm-up of both sides counted
 * in operations, and the ratio is the median of the rounds' own ratios, as in bench/records.ts.
 * Each side used to be measured once, one after the other, after a 3 s wall-clock warm-up: on a
 * loaded machine that warm-up covered a few hundred signatures, the side measured later met
 * different load, and the eddsa ratio of the same commit ranged 1.6-9.4 over six runs (the rounds'
 * ratio 2.2-2.5 in the same conditions).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createPrivateKey } from 'node:crypto';
import { SignJWT, importPKCS8, type JWK } from 'jose';
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { createIssuer } from '../src/issuing/index.js';
import { DEVELOPMENT_FILES, type Keyring } from '../src/keyring/index.js';
import type { DocumentLoader } from '../src/document-loader/index.js';
import { rawDocumentLoader } from './raw-document-loader.js';

export interface IssuanceRow {
  name: string;
  /** The median of the rounds' throughputs. */
  opsPerSecond: number;
  /** Over every round's latencies. */
  p50Ms: number;
  p99Ms: number;
  /** Process CPU (user + system, every thread) per issuance, median of the rounds. */
  cpuUsPerOp: number;
}

export interface IssuanceComparison {
  format: string;
  gxTrust: IssuanceRow;
  raw: IssuanceRow;
  /** gx-trust ops/s over raw ops/s: the median of the rounds' own ratios. */
  ratio: number;
  /** Raw CPU per issuance over gx-trust's (above 1: gx-trust spends less), median of the rounds' ratios. */
  cpuRatio: number;
  /** Each round's ops/s ratio, in order. */
  roundRatios: number[];
  /** Each round's CPU ratio, in order. */
  roundCpuRatios: number[];
}

/** The issuance benches' credential: a fresh id per credential, the service's did:web as issuer. */
export const issuanceCredential = (issuer: string, i: number) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
  type: ['VerifiableCredential'],
  id: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  issuer,
  validFrom: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  credentialSubject: { id: 'did:web:member.example', 'gx:countryCode': 'DE', 'gx:legalName': 'Example Member GmbH' },
});

interface Round {
  opsPerSecond: number;
  cpuUsPerOp: number;
  latencies: number[];
}

async function round(op: () => Promise<unknown>, count: number): Promise<Round> {
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await op();
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { opsPerSecond: count / seconds, cpuUsPerOp: (used.user + used.system) / count, latencies };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function summarize(name: string, rounds: readonly Round[]): IssuanceRow {
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { name, opsPerSecond: median(rounds.map((r) => r.opsPerSecond)), cpuUsPerOp: median(rounds.map((r) => r.cpuUsPerOp)), p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** `iterations` issuances of each side, split over `rounds` alternating rounds, after the warm-up. */
async function compare(format: string, names: [string, string], gxTrust: () => Promise<unknown>, raw: () => Promise<unknown>, iterations: number, rounds: number): Promise<IssuanceComparison> {
  // Counted, not timed: a timed warm-up on a loaded machine ran too few issuances for the JIT to settle.
  const warmUp = Math.max(250, Math.ceil(iterations / 2));
  for (let i = 0; i < 2; i++) {
    await round(gxTrust, warmUp);
    await round(raw, warmUp);
  }
  const perRound = Math.max(1, Math.ceil(iterations / rounds));
  const gxRounds: Round[] = [];
  const rawRounds: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      gxRounds.push(await round(gxTrust, perRound));
      rawRounds.push(await round(raw, perRound));
    } else {
      rawRounds.push(await round(raw, perRound));
      gxRounds.push(await round(gxTrust, perRound));
    }
  }
  const roundRatios = gxRounds.map((g, i) => g.opsPerSecond / rawRounds[i]!.opsPerSecond);
  const roundCpuRatios = gxRounds.map((g, i) => rawRounds[i]!.cpuUsPerOp / g.cpuUsPerOp);
  return {
    format,
    gxTrust: summarize(names[0], gxRounds),
    raw: summarize(names[1], rawRounds),
    ratio: median(roundRatios),
    cpuRatio: median(roundCpuRatios),
    roundRatios,
    roundCpuRatios,
  };
}

/**
 * `iterations` eddsa-rdfc-2022 issuances of each side (five times as many vc+jwt), in `rounds`
 * alternating rounds per format. Read `cpuRatio` on a loaded machine: a round's throughput also
 * counts the time the process waited for a core, which one round meets and the next does not.
 */
export async function benchmarkIssuance(options: { keyring: Keyring; documentLoader: DocumentLoader; keysDir: string; iterations: number; rounds?: number }): Promise<IssuanceComparison[]> {
  const { keyring, documentLoader, keysDir, iterations } = options;
  const rounds = Math.max(1, options.rounds ?? 20);
  const issuer = createIssuer({ keyring, documentLoader, clock: () => new Date() });
  const p256Pem = await readFile(join(keysDir, DEVELOPMENT_FILES.p256), 'utf8');
  const p256 = await importPKCS8(p256Pem, 'ES256');
  const p256Kid = keyring.key('P-256').jwkVerificationMethodId;
  const edJwk = createPrivateKey(await readFile(join(keysDir, DEVELOPMENT_FILES.ed25519), 'utf8')).export({ format: 'jwk' }) as JWK;
  const edId = keyring.key('Ed25519').multikeyVerificationMethodId!;
  const edKeyPair = await Ed25519Multikey.fromJwk({ jwk: edJwk, secretKey: true, id: edId, controller: keyring.did });
  const rawLoader = rawDocumentLoader(documentLoader, keyring.didDocument());

  let n = 0;
  return [
    await compare(
      'vc+jwt ES256',
      ['issue vc+jwt ES256: gx-trust issuer', 'issue vc+jwt ES256: raw jose SignJWT (key imported once)'],
      () => issuer.issueCredential(issuanceCredential(keyring.did, n++), { format: 'vc+jwt', alg: 'ES256' }),
      () => new SignJWT(issuanceCredential(keyring.did, n++)).setProtectedHeader({ alg: 'ES256', kid: p256Kid, typ: 'vc+jwt', cty: 'vc' }).setIssuedAt().sign(p256),
      // A vc+jwt costs about a tenth of an eddsa issuance: five times as many keep its rounds from
      // lasting a few milliseconds, shorter than the slices a loaded machine deschedules us for.
      iterations * 5,
      rounds,
    ),
    await compare(
      'eddsa-rdfc-2022',
      ['issue eddsa-rdfc-2022: gx-trust issuer', 'issue eddsa-rdfc-2022: raw @digitalbazaar/vc issue'],
      () => issuer.issueCredential(issuanceCredential(keyring.did, n++), { format: 'ldp_vc', cryptosuite: 'eddsa-rdfc-2022' }),
      () =>
        vc.issue({
          credential: issuanceCredential(keyring.did, n++),
          suite: new DataIntegrityProof({ signer: edKeyPair.signer(), cryptosuite: eddsaRdfc2022 }),
          documentLoader: rawLoader,
        }),
      iterations,
      rounds,
    ),
  ];
}
