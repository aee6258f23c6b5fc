/**
 * My credentials (member): GET /members/{id}/credentials, and for each record GET /credentials/{id}
 * for its validity and the labels covering it. Revoking or suspending is POST /credentials/status,
 * after a confirmation that names every label that falls with the credential (docs/records-and-labels.md).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { call, segment, type WhoAmI } from '../api';
import { fromBase64 } from '../merkle';
import { ErrorBox, Field, Status } from '../ui';

interface Summary { id: string; type: string[]; issuedAt: string; status: 'active' | 'revoked' | 'suspended'; format: string }
interface View extends Summary { labels: string[]; verifiableCredential: Record<string, unknown> | string }
interface Row extends Summary { labels: string[]; validFrom?: string; validUntil?: string }

/** validFrom / validUntil as the credential states them (a JWT's payload, or the JSON-LD document). */
function validity(vc: Record<string, unknown> | string): { validFrom?: string; validUntil?: string } {
  let doc: Record<string, unknown> = typeof vc === 'string' ? {} : vc;
  if (typeof vc === 'string') {
    try {
      doc = JSON.parse(new TextDecoder().decode(fromBase64(vc.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')))) as Record<string, unknown>;
    } catch {
      doc = {};
    }
  }
  const from = doc['validFrom'];
  const until = doc['validUntil'];
  return { ...(typeof from === 'string' ? { validFrom: from } : {}), ...(typeof until === 'string' ? { validUntil: until } : {}) };
}

const shortType = (types: string[]): string => types.filter((t) => t !== 'VerifiableCredential').join(', ') || 'VerifiableCredential';

export function CredentialsPage({ who }: { who: WhoAmI }) {
  const [rows, setRows] = useState<Row[] | undefined>();
  const [status, setStatus] = useState('');
  const [error, setError] = useState<unknown>();
  const [pending, setPending] = useState<{ row: Row; change: 'revoked' | 'suspended' | 'active' } | undefined>();
  const [done, setDone] = useState('');
  const dialog = useRef<HTMLDialogElement>(null);

  async function load() {
    setError(undefined);
    try {
      const query = status === '' ? '' : `&status=${status}`;
      const page = await call<{ credentials: Summary[] }>('GET', `/members/${segment(who.memberId ?? '')}/credentials?limit=100${query}`);
      const views = await Promise.all(page.body.credentials.map((c) => call<View>('GET', `/credentials/${segment(c.id)}`)));
      setRows(views.map((v) => ({ ...v.body, ...validity(v.body.verifiableCredential) })));
    } catch (caught) {
      setError(caught);
    }
  }
  useEffect(() => void load(), [status]);
  useEffect(() => {
    if (pending !== undefined) dialog.current?.showModal();
    else dialog.current?.close();
  }, [pending]);

  async function confirm() {
    if (pending === undefined) return;
    const { row, change } = pending;
    setPending(undefined);
    try {
      await call('POST', '/credentials/status', { body: { credentialId: row.id, credentialStatus: [{ type: 'BitstringStatusListCredential', status: change }] } });
      setDone(`${shortType(row.type)} ${row.id} is now ${change}${row.labels.length > 0 && change !== 'active' ? `; ${row.labels.length} label(s) fell with it` : ''}.`);
      await load();
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <div>
      <div class="card filters">
        <Field label="Status" value={status} onInput={setStatus} options={[['', 'Any'], ['active', 'Active'], ['suspended', 'Suspended'], ['revoked', 'Revoked']]} />
      </div>
      <ErrorBox error={error} />
      {done === '' ? null : <Status>{done}</Status>}
      {rows === undefined ? <p role="status">Loading…</p> : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Credentials">
          <table class="records">
            <caption>{rows.length} credential(s), newest first</caption>
            <thead><tr><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Validity</th><th scope="col">Covered by labels</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-id={r.id}>
                  <th scope="row">{shortType(r.type)}<br /><code class="id">{r.id}</code></th>
                  <td><span class={`badge badge-${r.status}`}>{r.status}</span></td>
                  <td>{r.validFrom ?? r.issuedAt} – {r.validUntil ?? 'no end'}</td>
                  <td>{r.labels.length === 0 ? 'none' : r.labels.map((l) => <code class="id" key={l}>{l}</code>)}</td>
                  <td class="actions">
                    {r.status === 'revoked' ? null : <button type="button" class="danger" onClick={() => setPending({ row: r, change: 'revoked' })} aria-label={`Revoke ${shortType(r.type)} ${r.id}`}>Revoke</button>}
                    {r.status === 'active' ? <button type="button" class="secondary" onClick={() => setPending({ row: r, change: 'suspended' })} aria-label={`Suspend ${shortType(r.type)} ${r.id}`}>Suspend</button> : null}
                    {r.status === 'suspended' ? <button type="button" class="secondary" onClick={() => setPending({ row: r, change: 'active' })} aria-label={`Reinstate ${shortType(r.type)} ${r.id}`}>Reinstate</button> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <dialog ref={dialog} aria-labelledby="confirm-title" onClose={() => setPending(undefined)}>
        {pending === undefined ? null : (
          <form method="dialog" onSubmit={(e) => { e.preventDefault(); void confirm(); }}>
            <h2 id="confirm-title">{pending.change === 'revoked' ? 'Revoke' : pending.change === 'suspended' ? 'Suspend' : 'Reinstate'} {shortType(pending.row.type)}?</h2>
            <p><code class="id">{pending.row.id}</code></p>
            {pending.change === 'revoked' ? <p><strong>Revocation is permanent.</strong></p> : null}
            {pending.change !== 'active' && pending.row.labels.length > 0 ? (
              <div data-testid="falling-labels">
                <p>These labels cover it and fall with it:</p>
                <ul>{pending.row.labels.map((l) => <li key={l}><code class="id">{l}</code></li>)}</ul>
              </div>
            ) : <p>No label covers it.</p>}
            <div class="actions">
              <button type="submit" class={pending.change === 'active' ? '' : 'danger'}>Yes, {pending.change === 'revoked' ? 'revoke' : pending.change === 'suspended' ? 'suspend' : 'reinstate'}</button>
              <button type="button" class="secondary" onClick={() => setPending(undefined)}>Cancel</button>
            </div>
          </form>
        )}
      </dialog>
    </div>
  );
}
