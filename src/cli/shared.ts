/** What every gx-trust command shares: the configuration from flags + environment, the service, output. */
import type { Command } from 'commander';
import { configFromProcess, type Config, type ConfigFlags } from '../config.js';
import type { Keyring } from '../keyring/index.js';
import { createService, type Service } from '../service.js';
import { sayWhoActs } from './identity.js';

/** The CLI acts as this actor in the audit log. */
export const CLI_ACTOR = 'cli';

/** The global flags (`--keys-dir`, `--data-dir`, `--base-url`, `--env`, and `--port` where a command has it). */
export function configFlagsOf(command: Command): ConfigFlags {
  const o = command.optsWithGlobals<{ keysDir?: string; dataDir?: string; baseUrl?: string; env?: string; port?: string }>();
  const flags: ConfigFlags = {};
  if (o.keysDir !== undefined) flags.keysDir = o.keysDir;
  if (o.dataDir !== undefined) flags.dataDir = o.dataDir;
  if (o.baseUrl !== undefined) flags.baseUrl = o.baseUrl;
  if (o.env !== undefined) flags.env = o.env;
  if (o.port !== undefined) flags.port = o.port;
  return flags;
}

/** The same configuration the server would read, with this command's flags on top. */
export function configOf(command: Command): Config {
  return configFromProcess(configFlagsOf(command));
}

/** `--quiet`: only a difference between the CLI's identity and the running service's is told. */
export function quietOf(command: Command): boolean {
  return command.optsWithGlobals<{ quiet?: boolean }>().quiet === true;
}

/** Says who acts (cli/identity.ts), for a command that signs or changes the service's records. */
export async function sayWhoActsFor(command: Command, config: Config, keyring: Keyring): Promise<void> {
  await sayWhoActs(config, { did: keyring.did, didDocument: keyring.didDocument() }, { quiet: quietOf(command) });
}

/** Runs a job on the service's store, with its keys, as the server would; says who acts first. */
export async function withService<T>(command: Command, job: (service: Service) => Promise<T>): Promise<T> {
  const config = configOf(command);
  const service = await createService(config, { log: () => {} });
  try {
    await sayWhoActsFor(command, config, service.keyring);
    return await job(service);
  } finally {
    await service.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
