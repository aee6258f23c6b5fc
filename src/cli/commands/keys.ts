/**
 * `gx-trust keys rotate --member <slug>`: new keys sign from now on; the previous ones stay in the
 * member's DID document until what they signed has expired (or go at once with
 * --remove-previous, after a compromise). The service's own keys are not rotated by this command:
 * they are files named in the configuration (replace the files and restart; see keys/README.md).
 * Exit codes: 0 rotated, 2 bad usage or unknown member, 3 could not run.
 */
import type { Command } from 'commander';
import { GxTrustError } from '../../errors.js';
import { CLI_ACTOR, printJson, withService } from '../shared.js';

export function register(program: Command): void {
  const keys = program.commands.find((c) => c.name() === 'keys') ?? program.command('keys').description('the service keys');
  keys
    .command('rotate')
    .description('rotate a member\'s keys: the new keys sign from now on, the old ones keep verifying what they signed')
    .option('--member <member>', 'the member (slug or id) whose keys to rotate')
    .option('--remove-previous', 'take the previous keys out of the DID document at once (compromise): what they signed stops verifying')
    .action(async (options: { member?: string; removePrevious?: boolean }, command: Command) => {
      if (options.member === undefined) {
        throw new GxTrustError('INVALID_INPUT', 'only member keys rotate here: give --member <slug>', {
          hint: 'The service\'s own keys are the PEM files of the configuration: replace them and restart',
        });
      }
      const member = options.member;
      const rotated = await withService(command, async (s) =>
        s.members.rotateKeys(await s.members.find(member), { previous: options.removePrevious === true ? 'remove' : 'retire' }, CLI_ACTOR),
      );
      printJson({ member: rotated.member.slug, did: rotated.member.did, previous: rotated.previous, current: rotated.current });
    });
}
