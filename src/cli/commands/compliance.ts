/**
 * `gx-trust compliance <vp-file>`: the compliance decision the HTTP route makes (same engine,
 * same rules), from a shell; --dry-run issues and records nothing.
 * Exit codes: 0 compliant (label issued, or the dry run passed), 1 refused, 2 bad input (not a
 * presentation, not JSON), 3 could not run.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { LABEL_LEVELS, type LabelLevel } from '../../compliance/criteria.js';
import { GxTrustError } from '../../errors.js';
import { CLI_ACTOR, printJson, withService } from '../shared.js';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

function readPresentation(file: string): unknown {
  let text: string;
  try {
    text = (file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8')).trim();
  } catch (cause) {
    throw new GxTrustError('INVALID_INPUT', `cannot read ${file}`, { cause, hint: 'Check the path' });
  }
  // A VP-JWT (or its data: URL) is taken as is, like the Gaia-X paths take application/vp+jwt.
  if (COMPACT_JWS.test(text) || text.startsWith('data:')) return text;
  return JSON.parse(text);
}

export function register(program: Command): void {
  program
    .command('compliance <vpFile>')
    .description('decide Gaia-X compliance for a presentation (JSON-LD VP or VP-JWT; - for stdin): prints the decision with every finding and its pointer')
    .addOption(new Option('--label <level>', 'the level asked for').choices(LABEL_LEVELS).default('SC'))
    .option('--dry-run', 'run every rule but issue and record nothing')
    .option('--vcid <uri>', 'the id of the label credential to issue')
    .action(async (file: string, options: { label: LabelLevel; dryRun?: boolean; vcid?: string }, command: Command) => {
      const input = readPresentation(file);
      const result = await withService(command, (s) =>
        s.compliance.decide(input, {
          level: options.label,
          // The CLI works on the store directly, with the admin's reach.
          caller: { actor: CLI_ACTOR, role: 'admin' },
          dryRun: options.dryRun === true,
          ...(options.vcid === undefined ? {} : { labelId: options.vcid }),
        }),
      );
      printJson(result);
      const compliant = result.findings.length === 0;
      if (!compliant) {
        // stdout stays the JSON decision; people read the findings here.
        process.stderr.write(`gx-trust: compliance ${options.dryRun === true ? 'dry run ' : ''}refused: ${result.findings.length} finding(s)\n`);
        for (const f of result.findings) {
          process.stderr.write(`  ${f.rule} ${f.code} ${f.credential}${f.pointer === '' ? '' : ` at ${f.pointer}`}: ${f.message}\n    hint: ${f.hint}\n`);
        }
      }
      process.exitCode = compliant ? 0 : 1;
    });
}
