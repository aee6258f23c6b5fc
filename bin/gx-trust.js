#!/usr/bin/env node
// The `gx-trust` command: the compiled CLI in dist/ (`npm run build`; `npm install` builds it
// through `prepare`). From a source checkout without a build, `npm run gx-trust -- ...` runs the
// TypeScript directly.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write('gx-trust: dist/ is missing: run `npm run build` first (or `npm run gx-trust -- <command>` from a source checkout)\n');
  process.exit(3);
}
const { main } = await import(compiled.href);
await main();
