/**
 * Members (admin): GET /members; POST /members; per member its verification methods (keys, and the
 * subject, issuer and notAfter of each certificate of their x5c chains), POST /members/{id}/api-keys
 * (the key is shown once, here, and nowhere else), DELETE /members/{id}/api-keys/{keyId} and
 * POST /members/{id}/keys/rotate.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, faultsOf, segment, type Role } from '../api';
import { ErrorBox, Field, Status } from '../ui';

/** A certificate of a method's x5c chain, as GET /members reads it out (leaf first). */
interface Certificate {
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
}

function CertificateChain({ method, certificates }: { method: string; certificates: Certificate[] }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={`Certificates of ${method}`}>
    <table class="chain">
      <caption>X.509 chain of <code class="id">{method}</code>, leaf first</caption>
      <thead><tr><th scope="col">Subject</th><th scope="col">Issuer</th><th scope="col">Not after</th></tr></thead>
      <tbody>
        {certificates.map((c, i) => (
          <tr key={`${i}-${c.subject}`}><td>{c.subject}</td><td>{c.issuer}</td><td><time dateTime={c.notAfter}>{c.notAfter}</time></td></tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}

interface Member {
  id: string;
  slug: string;
  name: string;
  did: string;
  didDocumentUrl: string;
  custody: string;
  verificationMethods: { id: string; type: string; state: string; createdAt: string; expires?: string; certificates?: Certificate[] }[];
  apiKeys: { id: string; role: Role; createdAt: string; revokedAt: string | null }[];
}

function MemberCard({ member, onChanged }: { member: Member; onChanged: () => Promise<void> }) {
  const [role, setRole] = useState<string>('member');
  const [shown, setShown] = useState<{ role: string; apiKey: string } | undefined>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState('');
  const path = `/members/${segment(member.id)}`;

  async function act(action: () => Promise<string>) {
    setError(undefined);
    setDone('');
    try {
      setDone(await action());
      await onChanged();
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <article class="card member" aria-labelledby={`member-${member.slug}`} data-slug={member.slug}>
      <h3 id={`member-${member.slug}`}>{member.name} <small>({member.slug})</small></h3>
      <p><code class="id">{member.did}</code> · keys {member.custody === 'hosted' ? 'held by gx-trust' : 'held by the member'} · <a href={member.didDocumentUrl}>DID document</a></p>
      <details>
        <summary>{member.verificationMethods.length} verification method(s)</summary>
        <ul>
          {member.verificationMethods.map((m) => (
            <li key={m.id}>
              <code class="id">{m.id}</code> {m.type}, {m.state}{m.expires === undefined ? '' : `, until ${m.expires}`}
              {m.certificates === undefined ? null : <CertificateChain method={m.id} certificates={m.certificates} />}
            </li>
          ))}
        </ul>
      </details>
      <details>
        <summary>{member.apiKeys.filter((k) => k.revokedAt === null).length} active API key(s)</summary>
        <ul>
          {member.apiKeys.map((k) => (
            <li key={k.id}>
              <code class="id">{k.id}</code> {k.role}, {k.revokedAt === null ? `since ${k.createdAt}` : `revoked ${k.revokedAt}`}
              {k.revokedAt === null ? <button type="button" class="link" aria-label={`Revoke API key ${k.id}`} onClick={() => act(async () => { await call('DELETE', `${path}/api-keys/${segment(k.id)}`); return `API key ${k.id} revoked.`; })}>Revoke</button> : null}
            </li>
          ))}
        </ul>
      </details>
      <form class="row" onSubmit={(e) => { e.preventDefault(); void act(async () => {
        const answer = await call<{ role: string; apiKey: string }>('POST', `${path}/api-keys`, { body: { role } });
        setShown(answer.body);
        return `New ${answer.body.role} API key created.`;
      }); }}>
        <Field id={`role-${member.slug}`} label="Role of a new API key" value={role} onInput={setRole} options={[['member', 'member'], ['connector', 'connector'], ['auditor', 'auditor']]} />
        <button type="submit">Create an API key</button>
      </form>
      {shown === undefined ? null : (
        <div class="once" role="status">
          <p><strong>Shown once.</strong> Give this {shown.role} key to its holder now; gx-trust keeps only its digest.</p>
          <label for={`new-key-${member.slug}`}>New {shown.role} API key</label>
          <input id={`new-key-${member.slug}`} readOnly value={shown.apiKey} data-testid="new-api-key" data-role={shown.role} />
          <button type="button" class="secondary" onClick={() => setShown(undefined)}>I have stored it</button>
        </div>
      )}
      {member.custody === 'hosted' ? (
        <button type="button" class="secondary" onClick={() => act(async () => { await call('POST', `${path}/keys/rotate`, { body: {} }); return 'Keys rotated: the previous ones are retired.'; })}>Rotate the signing keys</button>
      ) : null}
      {done === '' ? null : <Status>{done}</Status>}
      <ErrorBox error={error} />
    </article>
  );
}

export function MembersPage() {
  const [members, setMembers] = useState<Member[] | undefined>();
  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState('');

  async function load() {
    try {
      setMembers((await call<{ members: Member[] }>('GET', '/members')).body.members);
    } catch (caught) {
      setError(caught);
    }
  }
  useEffect(() => void load(), []);

  async function create(event: Event) {
    event.preventDefault();
    setError(undefined);
    setCreated('');
    try {
      const answer = await call<Member>('POST', '/members', { body: { slug: slug.trim(), name: name.trim() } });
      setCreated(`Member ${answer.body.slug} created with ${answer.body.did}.`);
      setSlug('');
      setName('');
      await load();
    } catch (caught) {
      setError(caught);
    }
  }
  const faults = error instanceof ApiError ? faultsOf(error.problem) : [];

  return (
    <div>
      <form class="card" onSubmit={create} aria-labelledby="new-member" noValidate>
        <h2 id="new-member">New member</h2>
        <Field label="Slug" pointer="/slug" value={slug} onInput={setSlug} faults={faults} hint="Lower-case letters, digits and dashes: its DID ends with :members:<slug>" required />
        <Field label="Name" pointer="/name" value={name} onInput={setName} faults={faults} required />
        <button type="submit">Create the member</button>
      </form>
      <ErrorBox error={error} />
      {created === '' ? null : <Status>{created}</Status>}
      <h2>Members</h2>
      {members === undefined ? <p role="status">Loading…</p> : members.map((m) => <MemberCard key={m.id} member={m} onChanged={load} />)}
    </div>
  );
}
