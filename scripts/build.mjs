// `npm run build` (also `prepare` and `prestart`): compiles src/ to dist/ with tsconfig.build.json,
// builds the web console (web/, Vite) into dist/web, then copies the files the service reads at run time beside the code that reads them (tsc copies
// only what it compiles), so every `new URL('./x', import.meta.url)` resolves in dist/ as in src/.
// contexts/ and package.json stay at the package root, which is `..` from src/ and from dist/ alike.
//
// The compile is incremental (dist/.tsbuildinfo): with nothing changed it takes seconds; with
// `--if-stale` (prestart) it is skipped when nothing under src/ changed since the last build, so
// `npm start` never runs stale code and rarely waits for the compiler.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');

// `--if-stale` (what `npm start` runs first): nothing to do when dist/ was built after the last
// change under src/ and to the compiler settings, so a start does not wait for the compiler.
if (process.argv.includes('--if-stale') && builtAfterSources()) process.exit(0);

function builtAfterSources() {
  const builtAt = statIfExists(join(dist, '.tsbuildinfo'))?.mtimeMs;
  if (builtAt === undefined) return false;
  const inputs = [join(root, 'tsconfig.json'), join(root, 'tsconfig.build.json'), join(root, 'package.json'), fileURLToPath(import.meta.url)];
  for (const folder of [src, join(root, 'web')]) {
    for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) inputs.push(join(entry.parentPath, entry.name));
    }
  }
  if (!existsSync(join(dist, 'web', 'index.html'))) return false;
  return inputs.every((file) => (statIfExists(file)?.mtimeMs ?? Infinity) <= builtAt);
}

function statIfExists(file) {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

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

// Run-time data (the SHACL shapes and their provenance). Not a thread's source entry (`entry.mjs`,
// `*-entry.mjs`: the worker pool's, the SQLite writer's, the BBS signer's): each exists to run a
// TypeScript thread through tsx from source; the compiled service loads the thread's .js directly.
// test/package-manifest.test.ts holds the same rule: what these load (tsx) is a devDependency.
const isSourceOnly = (path) => /(^|[-/])entry\.mjs$/.test(path.split(sep).join('/'));
let copied = 0;
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || /\.(ts|mts)$/.test(entry.name)) continue;
  const from = join(entry.parentPath, entry.name);
  const path = relative(src, from);
  if (isSourceOnly(path)) continue;
  mkdirSync(dirname(join(dist, path)), { recursive: true });
  copyFileSync(from, join(dist, path));
  copied += 1;
}
if (copied === 0) {
  process.stderr.write('gx-trust build: found no run-time data files under src/ (the shapes); is the source tree complete?\n');
  process.exit(1);
}
// The web console: Vite bundles web/ (and the registration-number checks it shares with src/)
// into dist/web, which the service serves at /console/. Without devDependencies there is no Vite;
// the console already built is what is served.
let vite;
try {
  vite = await import('vite');
} catch {
  vite = undefined;
}
if (vite === undefined) {
  process.stderr.write(existsSync(join(dist, 'web', 'index.html'))
    ? 'gx-trust build: Vite is not installed (devDependencies omitted); using the existing dist/web\n'
    : 'gx-trust build: Vite is not installed: the web console is not built (run `npm install` with devDependencies)\n');
} else {
  await vite.build({ configFile: join(root, 'web', 'vite.config.mjs') });
}

// tsc leaves its build info untouched when no output changed; the stale check compares against it.
const now = new Date();
utimesSync(join(dist, '.tsbuildinfo'), now, now);
