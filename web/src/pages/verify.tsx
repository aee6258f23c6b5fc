/**
 * Verify (anyone, a connector first): a VC, a VP or a compact JWT, pasted or dropped as a file, sent
 * to POST /credentials/verify or POST /presentations/verify as it is (with the API key when signed
 * in: GX_ANONYMOUS_VERIFY=false closes them to callers without one). Every check of the report is
 * one row, passed or failed in words (never colour alone), with the reason and what to do.
 */
import { useState } from 'preact/hooks';
import { call } from '../api';
import { download, ErrorBox, Field, pretty, Status } from '../ui';

interface Check {
  check: string;
  verified: boolean;
  code?: string;
  message?: string;
  pointer?: string;
}

export interface Report {
  verified: boolean;
  format: string;
  checks: Check[];
  warnings?: string[];
  errors?: string[];
  issuer?: string;
  credentials?: Report[];
}

/** What a verifier can do about a failed check (the report says what failed; this says what next). */
const HINTS: Readonly<Record<string, string>> = {
  format: 'Send a W3C VC or VP (JSON-LD), or a compact vc+jwt / vp+jwt.',
  proof: 'The signature does not match: the document was changed after signing, or signed by another key.',
  'key-binding': 'The key that signed is not one the issuer\'s DID document lists for assertions: ask the issuer which key it uses.',
  validity: 'Outside validFrom / validUntil: ask the holder for a current credential.',
  challenge: 'The presentation was made for another challenge: ask the holder to present again with yours.',
  domain: 'The presentation was made for another domain (audience).',
  x509: 'The key\'s certificate chain does not reach a trust anchor of this service, or is expired.',
  credential: 'A credential inside the presentation failed: see its own checks below.',
  status: 'The issuer revoked or suspended it, or its status list could not be read: ask the holder for a current credential.',
  shapes: 'The self-description does not conform to the Gaia-X Danube shapes.',
  compliance: 'A compliance rule refused it (for a label: a covered credential is no longer valid).',
};

type Kind = { route: '/credentials/verify' | '/presentations/verify'; jwtType?: string; wrap?: 'verifiableCredential' | 'verifiablePresentation' };

/** Which route and body a pasted text calls for. */
export function classify(text: string): { kind: Kind; token?: string; document?: unknown } {
  const trimmed = text.trim();
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(trimmed)) {
    let typ = '';
    try {
      const header = JSON.parse(atob(trimmed.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/'))) as { typ?: string };
      typ = header.typ ?? '';
    } catch {
      // Not a JOSE header: the service says what is wrong with it.
    }
    return typ.startsWith('vp')
      ? { kind: { route: '/presentations/verify', jwtType: 'application/vp+jwt' }, token: trimmed }
      : { kind: { route: '/credentials/verify', jwtType: 'application/vc+jwt' }, token: trimmed };
  }
  const parsed = JSON.parse(trimmed) as Record<string, unknown>;
  if ('verifiableCredential' in parsed && !('type' in parsed)) return { kind: { route: '/credentials/verify' }, document: parsed };
  if ('verifiablePresentation' in parsed) return { kind: { route: '/presentations/verify' }, document: parsed };
  const types = ([] as unknown[]).concat(parsed['type'] ?? []);
  return types.includes('VerifiablePresentation')
    ? { kind: { route: '/presentations/verify', wrap: 'verifiablePresentation' }, document: parsed }
    : { kind: { route: '/credentials/verify', wrap: 'verifiableCredential' }, document: parsed };
}

function Checks({ report, caption }: { report: Report; caption: string }) {
  return (
    <>
      <div class="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table class="checks">
        <caption>{caption}: <strong class={report.verified ? 'pass' : 'fail'} data-testid="verdict">{report.verified ? 'Verified' : 'Not verified'}</strong> ({report.format})</caption>
        <thead>
          <tr><th scope="col">Check</th><th scope="col">Result</th><th scope="col">Reason</th><th scope="col">Hint</th></tr>
        </thead>
        <tbody>
          {report.checks.map((c, i) => (
            <tr key={i} class={c.verified ? 'row-pass' : 'row-fail'} data-check={c.check}>
              <th scope="row">{c.check}</th>
              <td><span class={c.verified ? 'pass' : 'fail'}>{c.verified ? '✔ passed' : '✘ failed'}</span></td>
              <td>{c.verified ? '' : <>{c.code === undefined ? null : <code>{c.code}</code>} {c.message}</>}</td>
              <td>{c.verified ? '' : HINTS[c.check] ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
      {(report.credentials ?? []).map((inner, i) => <Checks key={i} report={inner} caption={`Credential ${i + 1} of the presentation`} />)}
    </>
  );
}

export function VerifyPage() {
  const [text, setText] = useState('');
  const [report, setReport] = useState<Report | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function verify(event: Event) {
    event.preventDefault();
    setError(undefined);
    setReport(undefined);
    setBusy(true);
    try {
      const input = classify(text);
      const answer = input.token !== undefined
        ? await call<Report>('POST', input.kind.route, { jwt: { token: input.token, type: input.kind.jwtType! }, accept: [422] })
        : await call<Report>('POST', input.kind.route, { body: input.kind.wrap === undefined ? input.document : { [input.kind.wrap]: input.document }, accept: [422] });
      setReport(answer.body);
    } catch (caught) {
      setError(caught instanceof SyntaxError ? new Error(`Neither JSON nor a compact JWT: ${caught.message}`) : caught);
    } finally {
      setBusy(false);
    }
  }

  async function readFile(file: File | undefined) {
    if (file !== undefined) setText(await file.text());
  }

  return (
    <div class="verify">
      <form onSubmit={verify} class="card">
        <p>Paste a verifiable credential, a presentation or a compact JWT (a label, a vc+jwt, a vp+jwt), or drop a file. Nothing is stored.</p>
        <div
          class="drop"
          onDragOver={(e) => e.preventDefault()}
          onDrop={(e) => {
            e.preventDefault();
            void readFile(e.dataTransfer?.files[0]);
          }}
        >
          <Field id="verify-input" label="Credential, presentation or JWT" multiline value={text} onInput={setText} required />
          <label class="file" for="verify-file">Or choose a file</label>
          <input id="verify-file" type="file" accept=".json,.jwt,.txt,application/json" onChange={(e) => void readFile((e.currentTarget as HTMLInputElement).files?.[0])} />
        </div>
        <button type="submit" disabled={busy}>{busy ? 'Verifying…' : 'Verify'}</button>
      </form>
      <ErrorBox error={error} />
      {report === undefined ? null : (
        <section class="report card" aria-labelledby="report-title">
          <h2 id="report-title">Report</h2>
          <Status>{report.verified ? 'Every check passed.' : `${report.checks.filter((c) => !c.verified).length} check(s) failed.`}</Status>
          <Checks report={report} caption="Checks" />
          {(report.warnings ?? []).length === 0 ? null : <ul class="warnings">{report.warnings!.map((w, i) => <li key={i}>Warning: {w}</li>)}</ul>}
          <div class="actions no-print">
            <button type="button" onClick={() => download('verification-report.json', pretty(report))}>Download the report (JSON)</button>
            <button type="button" onClick={() => print()}>Print the report</button>
          </div>
        </section>
      )}
    </div>
  );
}
