/**
 * A/B of one issuance path between two checkouts: the same script is run in each (it imports only
 * what both offer: createService, createIssuer, DEVELOPMENT_FILES, bench/raw-document-loader.ts) and
 * prints CPU per operation, which, unlike ops/s, stays readable on a loaded machine.
 *
 *   npx tsx bench/issue-ab.ts                   eddsa-rdfc-2022: gx-trust issuer against raw @digitalbazaar/vc issue
 *   AB_FORMAT=jwt npx tsx bench/issue-ab.ts     vc+jwt ES256: gx-trust issuer against raw jose SignJWT
 *
 * Rounds alternate gx, raw, raw, gx, ... after a warm-up of both, so the JIT settling or a burst of
 * other work on the machine weighs on both sides alike; each figure is the median over the rounds,
 * the ratio the median of the rounds' own ratios (raw CPU / gx CPU: the direction of `npm run
 * bench`'s "gx-trust / raw" ops/s ratio). Env: AB_WARMUP (operations per side, default 2000; after
 * 100, the first round cost 1.8 times the second), AB_ROUNDS (default 10), AB_PER_ROUND (default 200).
 *
 * Instruction counts (repeatable under load): AB_ONLY=gx|raw runs AB_WARMUP then AB_N operations of
 * that side alone and nothing else; under `valgrind --tool=callgrind`, the difference between
 * AB_N=m and AB_N=n is what m - n operations cost (with AB_KEYS_DIR, a keys folder every run reuses).
 */
import { readFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { SignJWT, importPKCS8, type JWK } from 'jose';
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { parseConfig } from '../src/config.js';
import { createService } from '../src/service.js';
import { createIssuer } from '../src/issuing/index.js';
import { DEVELOPMENT_FILES } from '../src/keyring/index.js';
import { rawDocumentLoader } from './raw-document-loader.js';
import { issuanceCredential } from './issuance.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const format = process.env['AB_FORMAT'] === 'jwt' ? 'jwt' : 'eddsa';
const warmUp = env('AB_WARMUP', 2000);
const only = process.env['AB_ONLY'];

const dir = mkdtempSync(join(tmpdir(), 'gx-trust-issue-ab-'));
// AB_KEYS_DIR: one set of keys for every run. Generating them (RSA's prime search above all) costs a
// different number of instructions each time, more than the issuances under callgrind do.
const keysDir = process.env['AB_KEYS_DIR'] ?? join(dir, 'keys');
const service = await createService(parseConfig({ GX_KEYS_DIR: keysDir, GX_DATA_DIR: join(dir, 'data'), PORT: '8080', GX_WORKERS: '0', GX_RESULT_CACHE_SECONDS: '0' }), { log: () => {} });
const { keyring, documentLoader } = service;

const credential = (i: number) => issuanceCredential(keyring.did, i);

const issuer = createIssuer({ keyring, documentLoader, clock: () => new Date() });
let gx: (i: number) => Promise<unknown>;
let raw: (i: number) => Promise<unknown>;
if (format === 'eddsa') {
  const edJwk = createPrivateKey(await readFile(join(keysDir, DEVELOPMENT_FILES.ed25519), 'utf8')).export({ format: 'jwk' }) as JWK;
  const edKeyPair = await Ed25519Multikey.fromJwk({ jwk: edJwk, secretKey: true, id: keyring.key('Ed25519').multikeyVerificationMethodId!, controller: keyring.did });
  const rawLoader = rawDocumentLoader(documentLoader, keyring.didDocument());
  gx = (i) => issuer.issueCredential(credential(i), { format: 'ldp_vc', cryptosuite: 'eddsa-rdfc-2022' });
  raw = (i) => vc.issue({ credential: credential(i), suite: new DataIntegrityProof({ signer: edKeyPair.signer(), cryptosuite: eddsaRdfc2022 }), documentLoader: rawLoader });
} else {
  const p256 = await importPKCS8(await readFile(join(keysDir, DEVELOPMENT_FILES.p256), 'utf8'), 'ES256');
  const kid = keyring.key('P-256').jwkVerificationMethodId;
  gx = (i) => issuer.issueCredential(credential(i), { format: 'vc+jwt', alg: 'ES256' });
  raw = (i) => new SignJWT(credential(i)).setProtectedHeader({ alg: 'ES256', kid, typ: 'vc+jwt', cty: 'vc' }).setIssuedAt().sign(p256);
}

// Both sides must produce a proof: a benchmark of failures measures nothing.
const [gxOut, rawOut] = [(await gx(0)) as Record<string, unknown>, await raw(0)];
if (format === 'eddsa' ? !(gxOut['verifiableCredential'] as { proof?: unknown })?.proof || !(rawOut as { proof?: unknown }).proof : typeof gxOut['jwt'] !== 'string' || typeof rawOut !== 'string') {
  throw new Error('an issuance produced no proof');
}

let serial = 1;
async function run(op: (i: number) => Promise<unknown>, count: number): Promise<number> {
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) await op(serial++);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / Math.max(1, count);
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

try {
  if (only === 'gx' || only === 'raw') {
    const op = only === 'gx' ? gx : raw;
    await run(op, warmUp);
    await run(op, env('AB_N', 200));
  } else {
    for (let i = 0; i < 2; i++) {
      await run(gx, Math.ceil(warmUp / 2));
      await run(raw, Math.ceil(warmUp / 2));
    }
    const rounds = env('AB_ROUNDS', 10);
    const perRound = env('AB_PER_ROUND', 200);
    const gxRounds: number[] = [];
    const rawRounds: number[] = [];
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        gxRounds.push(await run(gx, perRound));
        rawRounds.push(await run(raw, perRound));
      } else {
        rawRounds.push(await run(raw, perRound));
        gxRounds.push(await run(gx, perRound));
      }
    }
    const ratios = gxRounds.map((g, i) => rawRounds[i]! / g);
    console.log(
      JSON.stringify({
        format,
        gxCpuUsPerOp: Math.round(median(gxRounds)),
        rawCpuUsPerOp: Math.round(median(rawRounds)),
        ratio: Number(median(ratios).toFixed(3)),
        gxRounds: gxRounds.map(Math.round),
        rawRounds: rawRounds.map(Math.round),
      }),
    );
  }
} finally {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
}
