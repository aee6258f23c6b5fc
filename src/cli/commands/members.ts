/**
 * `gx-trust members ...`: an admin's jobs from a shell, against the same store as the server.
 * Exit codes: 0 done, 2 bad usage or input (unknown member, taken slug), 3 could not run.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { GxTrustError } from '../../errors.js';
import type { RegisteredPublicKey } from '../../members/registry.js';
import { CLI_ACTOR, printJson, withService } from '../shared.js';

function readPublicKey(file: string): RegisteredPublicKey {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new GxTrustError('INVALID_INPUT', `${file} is not a readable JSON file`, { cause, hint: 'Give a public JWK (with x5c / x5u if any) as JSON' });
  }
  const jwk = (value as { publicKeyJwk?: unknown }).publicKeyJwk ?? value;
  return { publicKeyJwk: jwk as RegisteredPublicKey['publicKeyJwk'] };
}

export function register(program: Command): void {
  const members = program.command('members').description('consortium members, their did:web identities and API keys');

  members
    .command('create <slug>')
    .description('create a member with did:web:<host>:members:<slug>; keys are generated unless --public-key is given')
    .requiredOption('--name <name>', 'the member\'s name')
    .option('--public-key <file...>', 'a public JWK (JSON, with x5c/x5u if any) the member signs with elsewhere; repeatable')
    .action(async (slug: string, options: { name: string; publicKey?: string[] }, command: Command) => {
      const keys = options.publicKey === undefined ? 'generate' : { publicKeys: options.publicKey.map(readPublicKey) };
      printJson(await withService(command, (s) => s.members.create({ slug, name: options.name, keys }, CLI_ACTOR)));
    });

  members
    .command('list')
    .description('list the members (never their keys)')
    .action(async (_options, command: Command) => {
      printJson(await withService(command, (s) => s.members.list()));
    });

  members
    .command('api-key <member>')
    .description('create an API key for a member (slug or id); the key is printed once and stored only as a hash')
    .addOption(new Option('--role <role>', 'what the key may do').choices(['member', 'connector', 'auditor', 'admin']).makeOptionMandatory())
    .action(async (member: string, options: { role: 'member' | 'connector' | 'auditor' | 'admin' }, command: Command) => {
      printJson(await withService(command, async (s) => s.members.createApiKey(await s.members.find(member), options.role, CLI_ACTOR)));
    });

  members
    .command('revoke-key <member> <keyId>')
    .description('revoke one of a member\'s API keys; it fails from the next request on')
    .action(async (member: string, keyId: string, _options, command: Command) => {
      await withService(command, async (s) => s.members.revokeApiKey(await s.members.find(member), keyId, CLI_ACTOR));
      printJson({ revoked: keyId });
    });
}
