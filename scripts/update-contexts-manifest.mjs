// Recomputes contexts/manifest.json hashes after a context file was added or deliberately changed.
// The service refuses to start when a file no longer matches its pinned hash.
//
// With --check (what `npm run lint` runs) it writes nothing and fails instead, naming each context
// file whose bytes no longer match its pin, each manifest entry whose file is missing, and each file
// in contexts/ the manifest does not list (the loader would never serve it): the same faults the
// service would find at start, found before it.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';

const check = process.argv.includes('--check');
const dir = new URL('../contexts/', import.meta.url);
const manifestUrl = new URL('manifest.json', dir);
const manifest = JSON.parse(readFileSync(manifestUrl, 'utf8'));
const faults = [];
for (const entry of manifest.contexts) {
  const file = new URL(entry.file, dir);
  if (!existsSync(file)) {
    faults.push(`${entry.file} (${entry.url}) is listed but missing`);
    continue;
  }
  const bytes = readFileSync(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (check && sha256 !== entry.sha256) faults.push(`${entry.file} does not match its pinned sha256`);
  try {
    JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    faults.push(`${entry.file} is not JSON (${error.message})`);
  }
  entry.sha256 = sha256;
}
const listed = new Set(manifest.contexts.map((entry) => entry.file));
for (const name of readdirSync(dir)) {
  if (name !== 'manifest.json' && !listed.has(name)) faults.push(`${name} is not listed in contexts/manifest.json`);
}
if (faults.length > 0) {
  console.error(`contexts/: ${faults.join('; ')}`);
  console.error('Restore a changed file, or run `node scripts/update-contexts-manifest.mjs` after a deliberate change; list a new file in contexts/manifest.json ({url, file}) first');
  process.exit(1);
}
if (check) {
  console.log(`${manifest.contexts.length} contexts match their pins`);
} else {
  writeFileSync(manifestUrl, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`pinned ${manifest.contexts.length} contexts`);
}
