/**
 * The CLI as a child process, from source: `node --import tsx src/cli/main.ts ...`. Tests run the
 * code being edited, with no build in between; the compiled `bin/gx-trust.js` (dist/) has its own
 * test (test/build/dist.test.ts), the only one that builds.
 */
import { fileURLToPath } from 'node:url';

/** Node arguments before the command's own (the child must run with the repository as its cwd, where tsx resolves). */
export const CLI_FROM_SOURCE: readonly string[] = ['--import', 'tsx', fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))];
