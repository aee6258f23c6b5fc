/**
 * My credentials (member): GET /members/{id}/credentials, and for each record GET /credentials/{id}
 * for its validity and the labels covering it. Revoking or suspending is POST /credentials/status,
 * after a confirmation that names every label that falls with the credential (docs/records-and-labels.md).
 * Offering the selected credentials to a wallet is POST /members/{id}/credential-offers
 * (docs/wallets.md): the QR code and openid-credential-offer:// URI of the offer by reference (the
 * wallet fetches the offer: a small QR code, scanned at a glance), and the PIN, shown once.
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

interface Offer { id: string; credentialOfferUriByReference: string; qrCodeByReference: string; txCode?: string; expiresAt: string; credentialConfigurationIds: string[] }

/**
 * The server's QR code is an SVG as a data: URL. It is shown only through <img>, where a browser
 * renders SVG as an image (no script, no fetch of anything it names), and only when it is what the
 * API documents: the CSP's existing `img-src data:` is then all it needs, nothing is inlined.
 */
const SVG_DATA_URL = /^data:image\/svg\+xml;base64,[A-Za-z0-9+/]+=*$/;

const shortType = (types: string[]): string => types.filter((t) => t !== 'VerifiableCredential').join(', ') || 'VerifiableCredential';

export function CredentialsPage({ who }: { who: WhoAmI }) {
  const [rows, setRows] = useState<Row[] | undefined>();
  const [status, setStatus] = useState('');
  const [error, setError] = useState<unknown>();
  const [pending, setPending] = useState<{ row: Row; change: 'revoked' | 'suspended' | 'active' } | undefined>();
  const [done, setDone] = useState('');
  const dialog = useRef<HTMLDialogElement>(null);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [offerOptions, setOfferOptions] = useState({ pin: true, format: 'jwt_vc_json' });
  const [offer, setOffer] = useState<Offer | undefined>();
  const [offerError, setOfferError] = useState<unknown>();
  const [copied, setCopied] = useState('');
  const uri = useRef<HTMLInputElement>(null);

  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id); else next.delete(id);
    setSelected(next);
  };

  async function makeOffer(event: Event) {
    event.preventDefault();
    setOfferError(undefined);
    setOffer(undefined);
    setCopied('');
    try {
      const answer = await call<Offer>('POST', `/members/${segment(who.memberId ?? '')}/credential-offers`, {
        body: { credentials: [...selected], format: offerOptions.format, ...(offerOptions.pin ? { txCode: true } : {}) },
      });
      if (!SVG_DATA_URL.test(answer.body.qrCodeByReference)) throw new Error('the service answered a QR code that is not an SVG data URL; use the URI below');
      setOffer(answer.body);
    } catch (caught) {
      setOfferError(caught);
    }
  }

  async function copyUri() {
    // The Clipboard API needs a secure context (https or loopback); otherwise the URI is selected for Ctrl+C.
    try {
      await navigator.clipboard.writeText(offer?.credentialOfferUriByReference ?? '');
      setCopied('The offer URI is copied.');
    } catch {
      uri.current?.select();
      setCopied('Copying is not allowed here: the URI is selected, press Ctrl+C.');
    }
  }

  async function load() {
    setError(undefined);
    try {
      const query = status === '' ? '' : `&status=${status}`;
      const page = await call<{ credentials: Summary[] }>('GET', `/members/${segment(who.memberId ?? '')}/credentials?limit=100${query}`);
      const views = await Promise.all(page.body.credentials.map((c) => call<View>('GET', `/credentials/${segment(c.id)}`)));
      setRows(views.map((v) => ({ ...v.body, ...validity(v.body.verifiableCredential) })));
      // A selection survives a reload only for credentials still active: a wallet gets no withdrawn one.
      setSelected((old) => new Set(views.filter((v) => v.body.status === 'active' && old.has(v.body.id)).map((v) => v.body.id)));
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
            <thead><tr><th scope="col">Offer</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Validity</th><th scope="col">Covered by labels</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-id={r.id}>
                  <td>
                    {r.status === 'active' ? (
                      <input type="checkbox" class="select" checked={selected.has(r.id)} onChange={(e) => toggle(r.id, (e.currentTarget as HTMLInputElement).checked)}
                        aria-label={`Offer ${shortType(r.type)} ${r.id} to a wallet`} />
                    ) : null}
                  </td>
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
      <section class="card" aria-labelledby="offer-title">
        <h2 id="offer-title">Offer to a wallet</h2>
        <p>Select active credentials in the table, then make an OpenID4VCI offer: the holder scans the QR code (or opens the URI) in a wallet, and types the PIN you tell them by another channel.</p>
        <form onSubmit={makeOffer}>
          <Field label="Format" value={offerOptions.format} onInput={(v) => setOfferOptions({ ...offerOptions, format: v })} options={[['jwt_vc_json', 'JWT (VC-JOSE, jwt_vc_json)'], ['ldp_vc', 'Data Integrity (ldp_vc)']]} />
          <div class="check">
            <input id="offer-pin" type="checkbox" checked={offerOptions.pin} onChange={(e) => setOfferOptions({ ...offerOptions, pin: (e.currentTarget as HTMLInputElement).checked })} />
            <label for="offer-pin">Require a PIN (recommended)</label>
          </div>
          <button type="submit" disabled={selected.size === 0}>Offer {selected.size} credential(s) to a wallet</button>
        </form>
        <ErrorBox error={offerError} />
        {offer === undefined ? null : (
          <div class="offer" data-testid="offer">
            <Status>Offer made; it expires at {offer.expiresAt}. The PIN is shown only now.</Status>
            <img class="qr" src={offer.qrCodeByReference} alt="QR code of the credential offer (the same as the URI below)" width={256} height={256} data-testid="offer-qr" />
            <label for="offer-uri">Offer URI</label>
            <div class="copy-row">
              <input id="offer-uri" ref={uri} readOnly value={offer.credentialOfferUriByReference} data-testid="offer-uri" />
              <button type="button" class="secondary" onClick={copyUri}>Copy the URI</button>
            </div>
            {copied === '' ? null : <p role="status">{copied}</p>}
            {offer.txCode === undefined ? <p>No PIN: whoever has the QR code or the URI can fetch the credentials until it expires.</p> : (
              <p>PIN: <strong class="pin" data-testid="offer-pin">{offer.txCode}</strong></p>
            )}
            <p>Credential configurations: {offer.credentialConfigurationIds.join(', ')}</p>
          </div>
        )}
      </section>
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
