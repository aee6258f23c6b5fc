// Recomputes contexts/manifest.json hashes after a context file was added or deliberately changed.
// The service refuses to start when a file no longer matches its pinned hash.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const manifestUrl = new URL('../contexts/manifest.json', import.meta.url);
const manifest = JSON.parse(readFileSync(manifestUrl, 'utf8'));
for (const entry of manifest.contexts) {
  const bytes = readFileSync(new URL(`../contexts/${entry.file}`, import.meta.url));
  JSON.parse(bytes.toString('utf8'));
  entry.sha256 = createHash('sha256').update(bytes).digest('hex');
}
writeFileSync(manifestUrl, JSON.stringify(manifest, null, 2) + '\n');
console.log(`pinned ${manifest.contexts.length} contexts`);
