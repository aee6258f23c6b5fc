/**
 * `gx-trust`: the jobs a person does from a shell, over the same library core as the HTTP API.
 * Exit codes scripts can rely on: 0 success (verified), 1 verification failed, 2 bad usage or input,
 * 3 the service could not do it (configuration, keys, network).
 */
import { readFileSync, statSync } from 'node:fs';
import { Command, Option } from 'commander';
import { configOf, sayWhoActsFor } from './shared.js';
import { GxTrustError, isGxTrustError } from '../errors.js';
import { describeJsonSyntaxError, findJsonSyntaxError } from '../json-syntax.js';
import { createService } from '../service.js';
import { isObject } from '../credentials/index.js';
import { loadOrCreateKeyring } from '../keyring/index.js';
import { KEY_KINDS, SIGNING_ALGORITHMS } from '../algorithms/index.js';
import { ISSUED_CRYPTOSUITES } from '../formats/data-integrity/suites.js';
import { IssueOptions } from '../issuing/index.js';
import { register as registerAudit } from './commands/audit.js';
import { register as registerMembers } from './commands/members.js';
import { register as registerKeys } from './commands/keys.js';
import { register as registerCredentials, verifyFolder, DEFAULT_CONCURRENCY } from './commands/credentials.js';
import { register as registerCompliance } from './commands/compliance.js';
import { register as registerPresent } from './commands/present.js';
import { isProgram } from '../is-program.js';
import { shareActiveContextDefinitions } from '../document-loader/active-context.js';

export const EXIT = { ok: 0, notVerified: 1, usage: 2, failure: 3 } as const;

function readInput(file: string): unknown {
  const text = (file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8')).trim();
  // A compact JWT, an SD-JWT (a JWT, then ~-separated disclosures) or a data: URL is taken as is;
  // anything else must be JSON.
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(~[A-Za-z0-9_.-]*)*$/.test(text) || text.startsWith('data:')) return text;
  try {
    return JSON.parse(text);
  } catch {
    const syntax = findJsonSyntaxError(text);
    throw new GxTrustError('INVALID_INPUT', `${file === '-' ? 'the input' : file} is not JSON${syntax === undefined ? '' : `: ${describeJsonSyntaxError(syntax)}`}`, {
      hint: 'Give a credential as JSON, a compact JWT, an SD-JWT or a data: URL',
    });
  }
}

function print(value: unknown): void {
  process.stdout.write(typeof value === 'string' ? value + '\n' : JSON.stringify(value, null, 2) + '\n');
}

export function buildProgram(): Command {
  const program = new Command('gx-trust')
    .description('Issue and verify Gaia-X (Danube) and W3C verifiable credentials')
    .option('--keys-dir <dir>', 'keys folder (GX_KEYS_DIR)')
    .option('--data-dir <dir>', 'data folder (GX_DATA_DIR)')
    .option('--base-url <url>', 'public base URL; the did:web is derived from it (GX_BASE_URL)')
    .option('--env <env>', 'development | production (GX_ENV)')
    .option('--quiet', 'do not print the DID the CLI acts as (a difference from the running service is still told)')
    .showHelpAfterError()
    .exitOverride();

  const keys = program.command('keys').description('the service keys');
  keys
    .command('init')
    .description('generate the development keys and X.509 chain (no-op when they exist)')
    .action(async (_options, command: Command) => {
      const config = configOf(command);
      const keyring = await loadOrCreateKeyring({ keysDir: config.keysDir, baseUrl: config.baseUrl, env: config.env, keyFiles: config.keyFiles });
      await sayWhoActsFor(command, config, keyring);
      print({ did: keyring.did, keysDir: config.keysDir, didKeys: keyring.didKeys().map((identity) => identity.did) });
    });

  program
    .command('did')
    .description('the service DID document')
    .command('show')
    .description('print the did:web document the service serves at /.well-known/did.json')
    .action(async (_options, command: Command) => {
      const config = configOf(command);
      const keyring = await loadOrCreateKeyring({ keysDir: config.keysDir, baseUrl: config.baseUrl, env: config.env, keyFiles: config.keyFiles });
      print(keyring.didDocument());
    });

  program
    .command('issue <file>')
    .description('sign a credential (a JSON file, or - for stdin; a VC-API {credential, options} body works too)')
    .addOption(new Option('--format <format>', 'proof format').choices(IssueOptions.shape.format.unwrap().options))
    .addOption(new Option('--cryptosuite <suite>', 'Data Integrity suite (ecdsa-sd-2023, bbs-2023: a base proof, for the holder to derive from)').choices(ISSUED_CRYPTOSUITES))
    .addOption(new Option('--alg <alg>', 'JOSE algorithm').choices(SIGNING_ALGORITHMS))
    .addOption(new Option('--key-type <type>', 'the service key that signs, where the format leaves a choice (ecdsa-rdfc-2019: P-256 or P-384; vc+jwt: the key of --alg, P-521 for ES512)').choices(KEY_KINDS))
    .addOption(new Option('--profile <profile>', 'issuing profile').choices(['gaia-x-danube']))
    .option('--jwt', 'print the bare compact JWT for vc+jwt (the SD-JWT with every disclosure for vc+sd-jwt)')
    .action(async (file: string, options: Record<string, string | boolean | undefined>, command: Command) => {
      const config = configOf(command);
      const input = readInput(file) as Record<string, unknown>;
      const service = await createService(config);
      await sayWhoActsFor(command, config, service.keyring);
      const given = input['credential'] ?? input;
      // The operator at the shell acts as the service (the "acting as" line names it): a file
      // without issuer is signed as the service's did:web, named here before the signing policy,
      // which, as for VC-API callers, signs only as an issuer the request names.
      const credential = isObject(given) && given['issuer'] === undefined ? { ...given, issuer: service.keyring.did } : given;
      const issueOptions: Record<string, string> = { ...((input['options'] as Record<string, string> | undefined) ?? {}) };
      for (const key of ['format', 'cryptosuite', 'alg', 'keyType', 'profile'] as const) {
        if (typeof options[key] === 'string') issueOptions[key] = options[key];
      }
      // As POST /credentials/issue with an admin key: the same signing policy, the same records.
      const issued = await service.signing.signerFor('credentials-api').issueCredential(credential, issueOptions, { caller: { actor: 'cli', role: 'admin' } });
      await service.close();
      print((issued.format === 'vc+jwt' || issued.format === 'vc+sd-jwt') && options['jwt'] ? issued.jwt : issued.verifiableCredential);
    });

  program
    .command('verify <file>')
    .description('verify a credential or presentation (JSON, compact JWT, or data: URL; - for stdin), or every .json / .jwt file in a folder')
    .option('--presentation', 'the input is a presentation')
    .option('--challenge <challenge>', 'expected presentation challenge (nonce)')
    .option('--domain <domain>', 'expected presentation domain (audience)')
    .option('--concurrency <n>', `folder: files verified at once (default ${DEFAULT_CONCURRENCY})`)
    .option('--progress', 'folder: show the progress line on stderr even when it is not a terminal')
    .option('--jsonl', 'folder: one JSON line per file as it finishes instead of the summary')
    .action(async (file: string, options: { presentation?: boolean; challenge?: string; domain?: string; concurrency?: string; progress?: boolean; jsonl?: boolean }, command: Command) => {
      if (file !== '-' && statSync(file, { throwIfNoEntry: false })?.isDirectory() === true) {
        const concurrency = options.concurrency === undefined ? DEFAULT_CONCURRENCY : Number(options.concurrency);
        if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new GxTrustError('INVALID_INPUT', '--concurrency must be a positive integer');
        const service = await createService(configOf(command), { log: () => {} });
        try {
          const summary = await verifyFolder(service.verifier, file, {
            concurrency,
            progress: options.progress === true || process.stderr.isTTY === true,
            ...(options.jsonl === true ? { onResult: (result) => process.stdout.write(JSON.stringify(result) + '\n') } : {}),
          });
          if (options.jsonl !== true) print(summary);
          process.exitCode = summary.failed === 0 ? EXIT.ok : EXIT.notVerified;
        } finally {
          await service.close();
        }
        return;
      }
      const service = await createService(configOf(command));
      const input = readInput(file);
      const isPresentation =
        options.presentation === true ||
        (typeof input === 'object' && input !== null && JSON.stringify((input as Record<string, unknown>)['type'] ?? '').includes('VerifiablePresentation'));
      const verifyOptions = {
        ...(options.challenge === undefined ? {} : { challenge: options.challenge }),
        ...(options.domain === undefined ? {} : { domain: options.domain }),
      };
      const report = isPresentation
        ? await service.verifier.verifyPresentation(input, verifyOptions)
        : await service.verifier.verifyCredential(input, verifyOptions);
      print(report);
      process.exitCode = report.verified ? EXIT.ok : EXIT.notVerified;
    });

  program
    .command('serve')
    .description('run the HTTP service (same as npm start)')
    .option('--port <port>', 'listening port (PORT)')
    .action(async (_options, command: Command) => {
      // Loaded only here: the other jobs do not pay for the HTTP layer.
      const { serveInForeground } = await import('../main.js');
      await serveInForeground(configOf(command));
    });

  registerAudit(program);
  registerMembers(program);
  registerKeys(program);
  registerCredentials(program);
  registerCompliance(program);
  registerPresent(program);

  return program;
}

export async function runCli(argv: readonly string[]): Promise<number> {
  // Offline commands read JSON-LD without a service: they get the same processed-context reuse,
  // and with it the refusals jsonld's own cache can skip (active-context.ts).
  shareActiveContextDefinitions();
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    const commanderCode = (error as { code?: string }).code;
    if (commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version' || commanderCode === 'commander.help') return EXIT.ok;
    if (typeof commanderCode === 'string' && commanderCode.startsWith('commander.')) return EXIT.usage;
    if (error instanceof SyntaxError) {
      process.stderr.write(`gx-trust: the input is not JSON: ${error.message}\n`);
      return EXIT.usage;
    }
    if (isGxTrustError(error)) {
      process.stderr.write(`gx-trust: ${error.code}: ${error.message}${error.pointer ? ` (at ${error.pointer})` : ''}${error.hint ? `\n  hint: ${error.hint}` : ''}\n`);
      return error.status < 500 ? EXIT.usage : EXIT.failure;
    }
    process.stderr.write(`gx-trust: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failure;
  }
}

/** Runs the command line and exits with its code (bin/gx-trust.js, `npm run gx-trust`). */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const code = await runCli(argv);
  // `serve` keeps the process alive through its server; everything else ends here.
  if (!argv.includes('serve') || code !== EXIT.ok) process.exit(code);
}

if (isProgram(import.meta.url)) await main();
