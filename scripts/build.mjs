// `npm run build` (also `prepare` and `prestart`): compiles src/ to dist/ with tsconfig.build.json,
// then copies the files the service reads at run time beside the code that reads them (tsc copies
// only what it compiles), so every `new URL('./x', import.meta.url)` resolves in dist/ as in src/.
// contexts/ and package.json stay at the package root, which is `..` from src/ and from dist/ alike.
//
// The compile is incremental (dist/.tsbuildinfo): with nothing changed it takes seconds, so
// `npm start` can rebuild every time and never runs stale code.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // An installation without devDependencies (`npm ci --omit=dev` on a host that received a built
  // dist/) has no compiler; what it has already built is what it runs.
  if (existsSync(join(dist, 'main.js'))) {
    process.stderr.write('gx-trust build: TypeScript is not installed (devDependencies omitted); using the existing dist/\n');
    process.exit(0);
  }
  process.stderr.write('gx-trust build: TypeScript is not installed and dist/ is missing: run `npm install` (with devDependencies) and `npm run build`\n');
  process.exit(1);
}

const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

// Run-time data (the SHACL shapes and their provenance). Not src/workers/entry.mjs: it exists to
// run the TypeScript worker through tsx from source; the compiled pool loads worker.js directly.
const SOURCE_ONLY = new Set([join('workers', 'entry.mjs')]);
let copied = 0;
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || /\.(ts|mts)$/.test(entry.name)) continue;
  const from = join(entry.parentPath, entry.name);
  const path = relative(src, from);
  if (SOURCE_ONLY.has(path)) continue;
  mkdirSync(dirname(join(dist, path)), { recursive: true });
  copyFileSync(from, join(dist, path));
  copied += 1;
}
if (copied === 0) {
  process.stderr.write('gx-trust build: found no run-time data files under src/ (the shapes); is the source tree complete?\n');
  process.exit(1);
}
