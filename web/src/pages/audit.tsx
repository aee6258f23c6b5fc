/**
 * Audit (auditor): the log's entries (GET /audit/entries, filtered by the service), the latest signed
 * checkpoint (GET /audit/checkpoints/latest), an inclusion proof of one credential's entry checked
 * in the browser (GET /audit/proofs/inclusion/{index}), its evidence bundle
 * (GET /audit/evidence/{credentialId}), and a chart of issuance, revocation and compliance
 * decisions over time.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, segment } from '../api';
import { fromBase64, leafHash, rootFromInclusionProof, toBase64 } from '../merkle';
import { download, ErrorBox, Field, pretty, Status } from '../ui';

interface RawEntry { index: number; leaf: string; leafHash: string }
interface Entry { index: number; timestamp: string; actor: string; action: string; subject: string; leaf: string }
interface Checkpoint { treeSize: number; rootHash: string; timestamp: string; keyId: string; signature: string }
interface Proof { index: number; treeSize: number; leafHash: string; rootHash: string; hashes: string[] }

/** At most this many pages of 1,000 matches are read for one filter; past them the page says to narrow it. */
const MAX_PAGES = 5;
/** The actions the service writes; the field takes any other too. */
const ACTIONS = ['credential.issued', 'credential.status-changed', 'credential.visibility-changed', 'compliance.decided', 'presentation.signed', 'key.changed', 'key.certification-requested', 'key.certificate-installed', 'member.changed', 'authorization.denied'];
type Filters = { actor: string; action: string; subject: string; from: string; to: string };
interface Page { treeSize: number; entries: RawEntry[]; next?: string }

/** The query of GET /audit/entries for the filters: dates are whole UTC days, `to` included. */
function auditQuery(filters: Filters): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of ['actor', 'action', 'subject'] as const) if (filters[key].trim() !== '') query.set(key, filters[key].trim());
  if (filters.from !== '') query.set('since', `${filters.from}T00:00:00Z`);
  if (filters.to !== '') query.set('until', new Date(Date.parse(`${filters.to}T00:00:00Z`) + 86_400_000).toISOString());
  return query;
}

const parse = (rows: readonly RawEntry[]): Entry[] => rows.map((r) => ({ ...(JSON.parse(r.leaf) as Omit<Entry, 'leaf'>), leaf: r.leaf }));
const SERIES = [
  { name: 'Issued', test: (a: string) => a === 'credential.issued', css: 'series-issued' },
  { name: 'Status changes (revocation, suspension)', test: (a: string) => a === 'credential.status-changed', css: 'series-revoked' },
  { name: 'Compliance decisions', test: (a: string) => a.startsWith('compliance.'), css: 'series-decided' },
] as const;

function Chart({ entries }: { entries: Entry[] }) {
  if (entries.length === 0) return <p>No entries to chart.</p>;
  const times = entries.map((e) => Date.parse(e.timestamp));
  const start = Math.min(...times);
  const span = Math.max(...times) - start;
  // Buckets of a minute, an hour or a day: whichever gives at most 48 of them.
  const bucket = [60_000, 3_600_000, 86_400_000, 7 * 86_400_000].find((b) => span / b < 48) ?? 30 * 86_400_000;
  const count = Math.floor(span / bucket) + 1;
  const counts = SERIES.map((s) => {
    const c = new Array<number>(count).fill(0);
    entries.forEach((e, i) => { if (s.test(e.action)) c[Math.floor((times[i]! - start) / bucket)]! += 1; });
    return c;
  });
  const max = Math.max(1, ...counts.flat());
  const width = 600;
  const height = 180;
  const pad = 28;
  const slot = (width - pad) / count;
  const barWidth = Math.max(1, slot / (SERIES.length + 1));
  const unit = bucket === 60_000 ? 'minute' : bucket === 3_600_000 ? 'hour' : bucket === 86_400_000 ? 'day' : 'week';
  const summary = SERIES.map((s, i) => `${s.name}: ${counts[i]!.reduce((a, b) => a + b, 0)}`).join('; ');
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-labelledby="chart-title chart-desc">
        <title id="chart-title">Audit events per {unit}</title>
        <desc id="chart-desc">{summary}, from {new Date(start).toISOString()}</desc>
        <line x1={pad} y1={height} x2={width} y2={height} class="axis" />
        <line x1={pad} y1={0} x2={pad} y2={height} class="axis" />
        <text x={pad - 4} y={10} class="tick" text-anchor="end">{max}</text>
        <text x={pad - 4} y={height} class="tick" text-anchor="end">0</text>
        {counts.map((c, s) => c.map((n, b) => (n === 0 ? null : (
          <rect key={`${s}-${b}`} class={SERIES[s]!.css} x={pad + b * slot + s * barWidth + barWidth / 2} y={height - (n / max) * height} width={barWidth} height={(n / max) * height} />
        ))))}
        <text x={pad} y={height + 16} class="tick">{new Date(start).toISOString().slice(0, 16).replace('T', ' ')}</text>
        <text x={width} y={height + 16} class="tick" text-anchor="end">per {unit}</text>
      </svg>
      <figcaption>
        <ul class="legend">{SERIES.map((s, i) => <li key={s.name}><span class={`swatch ${s.css}`} aria-hidden="true" />{s.name}: {counts[i]!.reduce((a, b) => a + b, 0)}</li>)}</ul>
      </figcaption>
    </figure>
  );
}

export function AuditPage() {
  const [entries, setEntries] = useState<Entry[]>([]);
  const [checkpoint, setCheckpoint] = useState<Checkpoint | undefined>();
  const [error, setError] = useState<unknown>();
  const [filters, setFilters] = useState<Filters>({ actor: '', action: '', subject: '', from: '', to: '' });
  const [applied, setApplied] = useState<{ query: string; more: boolean; treeSize: number }>({ query: '', more: false, treeSize: 0 });
  const [loading, setLoading] = useState(false);
  const [credentialId, setCredentialId] = useState('');
  const [inclusion, setInclusion] = useState<string | undefined>();
  const [proofError, setProofError] = useState<unknown>();

  /** The service filters (GET /audit/entries?actor=…); without filters, the latest page of the log. */
  async function load(current: Filters) {
    setError(undefined);
    setLoading(true);
    try {
      const query = auditQuery(current);
      const rows: RawEntry[] = [];
      let treeSize = 0;
      let next: string | undefined;
      if (query.size === 0) {
        const first = (await call<Page>('GET', '/audit/entries')).body;
        treeSize = first.treeSize;
        rows.push(...(treeSize > first.entries.length ? (await call<Page>('GET', `/audit/entries?from=${treeSize - 1000 > 0 ? treeSize - 1000 : 0}&to=${treeSize}`)).body.entries : first.entries));
      } else {
        next = `/audit/entries?${query.toString()}`;
        for (let page = 0; next !== undefined && page < MAX_PAGES; page += 1) {
          const answer: Page = (await call<Page>('GET', next)).body;
          treeSize = answer.treeSize;
          rows.push(...answer.entries);
          next = answer.next;
        }
      }
      setEntries(parse(rows));
      setApplied({ query: query.toString(), more: next !== undefined, treeSize });
      const latest = await call<Checkpoint>('GET', '/audit/checkpoints/latest', { accept: [404] });
      setCheckpoint(latest.status === 200 ? latest.body : undefined);
    } catch (caught) {
      setError(caught);
    } finally {
      setLoading(false);
    }
  }
  useEffect(() => void load(filters), []);

  const f = (key: keyof Filters) => (v: string) => setFilters({ ...filters, [key]: v });
  const applyFilters = (event: Event) => {
    event.preventDefault();
    void load(filters);
  };
  const clearFilters = () => {
    const none = { actor: '', action: '', subject: '', from: '', to: '' };
    setFilters(none);
    void load(none);
  };

  async function checkInclusion(event: Event) {
    event.preventDefault();
    setInclusion(undefined);
    setProofError(undefined);
    try {
      const id = credentialId.trim();
      // The credential's own entries, found by the service: its issuance first, else its first entry.
      const about = parse((await call<Page>('GET', `/audit/entries?${new URLSearchParams({ subject: id }).toString()}`)).body.entries);
      const entry = about.find((e) => e.action === 'credential.issued') ?? about[0];
      if (entry === undefined) throw new Error(`no entry of the log names ${id}`);
      const size = checkpoint?.treeSize;
      const proof = (await call<Proof>('GET', `/audit/proofs/inclusion/${entry.index}${size === undefined ? '' : `?treeSize=${size}`}`)).body;
      const leaf = await leafHash(entry.leaf);
      const root = await rootFromInclusionProof(leaf, proof.index, proof.treeSize, proof.hashes.map(fromBase64));
      const leafMatches = toBase64(leaf) === proof.leafHash;
      const rootMatches = root !== undefined && toBase64(root) === proof.rootHash;
      const signedRoot = checkpoint !== undefined && checkpoint.treeSize === proof.treeSize && checkpoint.rootHash === proof.rootHash;
      if (!leafMatches || !rootMatches) throw new Error(`the proof does not hold: leaf hash ${leafMatches ? 'matches' : 'differs'}, root ${rootMatches ? 'matches' : 'differs'}`);
      setInclusion(`Included: entry ${entry.index} (${entry.action}) is in the log of ${proof.treeSize} entries; the root recomputed here ${signedRoot ? 'equals the signed checkpoint\'s root' : 'matches the proof (no checkpoint of this size to compare)'}.`);
    } catch (caught) {
      setProofError(caught);
    }
  }

  async function evidence() {
    setProofError(undefined);
    try {
      const bundle = await call('GET', `/audit/evidence/${segment(credentialId.trim())}`);
      download(`evidence-${credentialId.trim().replace(/[^A-Za-z0-9-]/g, '_')}.json`, pretty(bundle.body));
    } catch (caught) {
      setProofError(caught);
    }
  }

  return (
    <div class="audit">
      <ErrorBox error={error} />
      <section class="card" aria-labelledby="checkpoint-title">
        <h2 id="checkpoint-title">Latest signed checkpoint</h2>
        {checkpoint === undefined ? <p>No checkpoint yet.</p> : (
          <dl class="facts">
            <dt>Tree size</dt><dd data-testid="tree-size">{checkpoint.treeSize}</dd>
            <dt>Root hash</dt><dd><code class="hash">{checkpoint.rootHash}</code></dd>
            <dt>Signed at</dt><dd>{checkpoint.timestamp}</dd>
            <dt>Key</dt><dd><code class="id">{checkpoint.keyId}</code></dd>
          </dl>
        )}
      </section>
      <section class="card" aria-labelledby="proof-title">
        <h2 id="proof-title">One credential: inclusion proof and evidence</h2>
        <form onSubmit={checkInclusion}>
          <Field id="proof-credential" label="Credential id" value={credentialId} onInput={setCredentialId} hint="urn:uuid:… as issued" required />
          <div class="actions">
            <button type="submit">Check the inclusion proof</button>
            <button type="button" class="secondary" onClick={evidence}>Download the evidence bundle</button>
          </div>
        </form>
        {inclusion === undefined ? null : <Status><span data-testid="inclusion">{inclusion}</span></Status>}
        <ErrorBox error={proofError instanceof ApiError || proofError instanceof Error ? proofError : undefined} />
      </section>
      <section class="card" aria-labelledby="chart-heading">
        <h2 id="chart-heading">Issuance, status changes and compliance decisions over time</h2>
        <Chart entries={entries} />
      </section>
      <section class="card" aria-labelledby="entries-title">
        <h2 id="entries-title">Entries</h2>
        <form class="filters" onSubmit={applyFilters} aria-label="Filter the entries">
          <Field label="Actor" value={filters.actor} onInput={f('actor')} hint="A member or API key id, exactly" />
          <Field label="Action" value={filters.action} onInput={f('action')} list="audit-actions" hint="e.g. credential.issued" />
          <datalist id="audit-actions">{ACTIONS.map((a) => <option key={a} value={a} />)}</datalist>
          <Field label="Subject" value={filters.subject} onInput={f('subject')} hint="e.g. a credential id, exactly" />
          <Field label="From (date, UTC)" type="date" value={filters.from} onInput={f('from')} />
          <Field label="To (date, UTC, included)" type="date" value={filters.to} onInput={f('to')} />
          <div class="actions">
            <button type="submit" disabled={loading}>{loading ? 'Reading…' : 'Apply the filters'}</button>
            <button type="button" class="secondary" onClick={clearFilters} disabled={loading}>Clear</button>
          </div>
        </form>
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Audit entries">
          <table>
            <caption data-testid="entries-caption">
              {applied.query === ''
                ? `The latest ${entries.length} of ${applied.treeSize} entries`
                : `${entries.length}${applied.more ? '+' : ''} entries match (${applied.query.replace(/&/g, ', ')})${applied.more ? '; narrow the filters to see the rest' : ''}`}
              {entries.length > 200 ? ' (the latest 200 shown)' : ''}
            </caption>
            <thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Subject</th></tr></thead>
            <tbody>
              {entries.slice(-200).reverse().map((e) => (
                <tr key={e.index}><td>{e.index}</td><td>{e.timestamp}</td><td>{e.actor}</td><td>{e.action}</td><td><code class="id">{e.subject}</code></td></tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
