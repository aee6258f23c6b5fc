/**
 * `gx-trust audit ...`: what an auditor runs. `verify` trusts nothing in the store: it recomputes
 * every leaf and the whole tree, checks the indexed columns against the leaves, every stored
 * checkpoint and the one the auditor kept, and says how many entries no signed checkpoint covers
 * (with `--checkpoint`, any such entry fails the verification).
 * `verify-evidence` needs no database. `checkpoint` prints a signed checkpoint worth keeping: only a
 * checkpoint held outside the database can reveal a truncated tail.
 * Exit codes: 0 verified, 1 tampered / not verified, 2 bad input, 3 could not run.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createCheckpointer, checkpointVerifier, ed25519CheckpointSigner } from '../../audit/checkpoints.js';
import { verifyEvidenceBundle, type EvidenceBundle } from '../../audit/evidence.js';
import { verifyAuditLog, type SignedCheckpoint, type StoredAuditEntry } from '../../audit/log.js';
import type { DidDocument } from '../../dids/types.js';
import { GxTrustError } from '../../errors.js';
import { loadOrCreateKeyring } from '../../keyring/index.js';
import { configOf, sayWhoActsFor } from '../shared.js';
import { openStore } from '../../storage/open-store.js';
import { recordCodecs } from '../../record-codecs.js';

/** Rows read per query; also the step of the progress line. */
const PAGE = 10_000;

function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new GxTrustError('INVALID_INPUT', `cannot read the ${what} ${file}`, { cause, hint: 'Check the path' });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new GxTrustError('INVALID_INPUT', `the ${what} ${file} is not JSON`, { cause });
  }
}

function parseCheckpoint(value: unknown, file: string): SignedCheckpoint {
  const c = value as Partial<SignedCheckpoint> | null;
  if (
    typeof c !== 'object' || c === null || !Number.isSafeInteger(c.treeSize) || typeof c.rootHash !== 'string' ||
    typeof c.timestamp !== 'string' || typeof c.keyId !== 'string' || typeof c.signature !== 'string'
  ) {
    throw new GxTrustError('INVALID_INPUT', `${file} is not a signed checkpoint (treeSize, rootHash, timestamp, keyId, signature)`, {
      hint: 'Keep the output of `gx-trust audit checkpoint` or GET /audit/checkpoints/latest',
    });
  }
  return c as SignedCheckpoint;
}

function out(text: string): void {
  process.stdout.write(text + '\n');
}

export function register(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit log');

  audit
    .command('verify')
    .description('recompute the audit tree from the store and check every checkpoint (and a kept one)')
    .option('--checkpoint <file>', 'a signed checkpoint kept earlier: the log must still extend it, and be signed to its end')
    .option('--json', 'print the result as JSON')
    .action(async (options: { checkpoint?: string; json?: boolean }, command: Command) => {
      const kept = options.checkpoint === undefined ? undefined : parseCheckpoint(readJsonFile(options.checkpoint, 'checkpoint'), options.checkpoint);
      const config = configOf(command);
      const keyring = await loadOrCreateKeyring({ keysDir: config.keysDir, baseUrl: config.baseUrl, env: config.env, keyFiles: config.keyFiles });
      const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, codecs: recordCodecs });
      let entries: StoredAuditEntry[] = [];
      let checkpoints: SignedCheckpoint[];
      try {
        const size = await store.auditSize();
        const showProgress = size > PAGE;
        for (let from = 0; from < size; from += PAGE) {
          entries = entries.concat(await store.auditEntries(from, Math.min(size, from + PAGE)));
          if (showProgress) process.stderr.write(`read ${Math.min(size, from + PAGE)} / ${size} audit entries\n`);
        }
        checkpoints = await store.checkpoints();
      } finally {
        await store.close();
      }
      // Old verification methods stay in the DID document after a rotation, so checkpoints they
      // signed still verify; a checkpoint naming an unknown key fails.
      const result = await verifyAuditLog({
        entries,
        checkpoints,
        ...(kept === undefined ? {} : { keptCheckpoint: kept }),
        verifySignature: checkpointVerifier(keyring.didDocument()),
        // An auditor who brings a checkpoint asks for a log vouched for to its end.
        requireSignedTail: kept !== undefined,
      });
      if (options.json) {
        out(JSON.stringify({ ...result, checkpoints: checkpoints.length, keptCheckpoint: kept?.treeSize ?? null }, null, 2));
      } else if (result.ok) {
        out(
          `audit log verified: ${result.treeSize} entries, ${checkpoints.length} signed checkpoints` +
            (kept === undefined ? '' : `, consistent with the kept checkpoint of size ${kept.treeSize}`),
        );
        if (result.unsignedEntries > 0) {
          out(`  ${result.unsignedEntries} entries (from index ${result.signedTreeSize}) are covered by no signed checkpoint yet`);
        }
      } else {
        out(`audit log NOT verified: first bad index ${result.firstBadIndex} (of ${result.treeSize} entries read)`);
        for (const problem of result.problems) {
          out(`  ${problem.index === undefined ? '' : `index ${problem.index}: `}${problem.message}`);
        }
      }
      process.exitCode = result.ok ? 0 : 1;
    });

  audit
    .command('verify-evidence <bundle>')
    .description('check an evidence bundle (GET /audit/evidence/{credentialId}) offline, with no database')
    .option('--did-document <file>', "the service's DID document you trust; without it the bundle's own copy is used")
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: { didDocument?: string; json?: boolean }) => {
      const bundle = readJsonFile(file, 'evidence bundle') as EvidenceBundle;
      const didDocument = options.didDocument === undefined ? undefined : (readJsonFile(options.didDocument, 'DID document') as DidDocument);
      const result = await verifyEvidenceBundle(bundle, didDocument === undefined ? {} : { didDocument });
      if (options.json) {
        out(JSON.stringify(result, null, 2));
      } else if (result.ok) {
        out(
          `evidence verified: ${bundle.entries.length} audit entries for ${bundle.credential.id} in the tree of size ${bundle.checkpoint.treeSize}, signed by ${bundle.checkpoint.keyId}` +
            (didDocument === undefined ? ' (key taken from the bundle: compare it with the DID you trust, or pass --did-document)' : ''),
        );
      } else {
        out('evidence NOT verified:');
        for (const problem of result.problems) out(`  ${problem.index === undefined ? '' : `index ${problem.index}: `}${problem.message}`);
      }
      process.exitCode = result.ok ? 0 : 1;
    });

  audit
    .command('checkpoint')
    .description('print a signed checkpoint of the current log (a fresh one if the log grew): keep it outside the database')
    .action(async (_options, command: Command) => {
      const config = configOf(command);
      const keyring = await loadOrCreateKeyring({ keysDir: config.keysDir, baseUrl: config.baseUrl, env: config.env, keyFiles: config.keyFiles });
      // A checkpoint is signed: its key must be one the served DID document holds.
      await sayWhoActsFor(command, config, keyring);
      const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, codecs: recordCodecs });
      try {
        const checkpointer = createCheckpointer({
          store,
          signer: ed25519CheckpointSigner(keyring),
          policy: { everyEntries: config.checkpointEveryEntries, everySeconds: config.checkpointEverySeconds },
        });
        out(JSON.stringify(await checkpointer.latest(), null, 2));
      } finally {
        await store.close();
      }
    });
}
