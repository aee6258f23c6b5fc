/**
 * The CPU cost of one bbs-2023 base proof (POST /credentials/issue's signing step, without HTTP or
 * storage) and of one derivation from it (POST /credentials/derive's step), with
 * process.cpuUsage over N of each after a warm-up. process.cpuUsage counts every thread of the
 * process; the event loop's own share of a signature is read from performance.eventLoopUtilization
 * (its active time), so the part the BBS signing thread takes off the event loop shows as the gap.
 *
 *   npx tsx bench/bbs-2023.ts [N=50]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDocumentLoader } from '../src/document-loader/index.js';
import { deriveCredential } from '../src/formats/data-integrity/sign.js';
import { createIssuer } from '../src/issuing/index.js';
import { loadOrCreateKeyring } from '../src/keyring/index.js';

const N = Number(process.argv[2] ?? 50);
const dir = await mkdtemp(join(tmpdir(), 'gx-trust-bench-bbs-'));
const keyring = await loadOrCreateKeyring({ keysDir: dir, baseUrl: 'https://trust.example.org', env: 'development' });
const documentLoader = createDocumentLoader();
const issuer = createIssuer({ keyring, documentLoader, clock: () => new Date() });
const credential = {
  '@context': ['https://www.w3.org/ns/credentials/v2', { '@vocab': 'https://gx-trust.example/vocab#' }],
  type: ['VerifiableCredential'],
  issuer: keyring.did,
  credentialSubject: { id: 'did:web:member.example', legalName: 'Example GmbH', country: 'DE', employees: 42 },
};
const sign = async () => {
  const issued = await issuer.issueCredential(credential, { cryptosuite: 'bbs-2023', mandatoryPointers: ['/credentialSubject/country'] });
  return (issued as { verifiableCredential: Record<string, unknown> }).verifiableCredential;
};
const derive = (verifiableCredential: Record<string, unknown>) => deriveCredential({ verifiableCredential, selectivePointers: ['/credentialSubject/legalName'], documentLoader });

async function measure(name: string, run: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 3; i++) await run();
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const start = performance.now();
  for (let i = 0; i < N; i++) await run();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const loop = performance.eventLoopUtilization(elu);
  const perOp = (ms: number) => (ms / N).toFixed(1);
  console.log(`${name}: CPU ${perOp((used.user + used.system) / 1000)} ms (all threads), event loop active ${perOp(loop.active)} ms, wall ${perOp(wall)} ms, per operation over ${N}`);
}

// The comparison base: the same credential with ecdsa-sd-2023 (the P-256 key), signed and derived the same way.
const signEcdsaSd = async () => {
  const issued = await issuer.issueCredential(credential, { cryptosuite: 'ecdsa-sd-2023', mandatoryPointers: ['/credentialSubject/country'] });
  return (issued as { verifiableCredential: Record<string, unknown> }).verifiableCredential;
};

const base = await sign();
const ecdsaSdBase = await signEcdsaSd();
await measure('bbs-2023 sign (base proof)', sign);
await measure('bbs-2023 derive', () => derive(base));
await measure('ecdsa-sd-2023 sign (base proof)', signEcdsaSd);
await measure('ecdsa-sd-2023 derive', () => derive(ecdsaSdBase));
await rm(dir, { recursive: true, force: true });
process.exit(0);
