/**
 * The gx-trust console: sign-in with an API key, then the pages the key's role may use. Pages are
 * addressed by the URL fragment (#/verify), so the service serves one page and nothing of the
 * state (never the key) is in a URL it sees.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { apiKey, call, setApiKey, type Role, type WhoAmI } from './api';
import { AuditPage } from './pages/audit';
import { CredentialsPage } from './pages/credentials';
import { MembersPage } from './pages/members';
import { OnboardingPage } from './pages/onboarding';
import { VerifyPage } from './pages/verify';
import { ErrorBox, Field } from './ui';
import './styles.css';

interface Page {
  path: string;
  title: string;
  roles: readonly Role[] | 'anyone';
}

/** The menu: what each role may do, as docs/api.md lists who may call each route. */
const PAGES: readonly Page[] = [
  { path: 'verify', title: 'Verify', roles: 'anyone' },
  { path: 'onboarding', title: 'Onboarding', roles: ['member'] },
  { path: 'credentials', title: 'My credentials', roles: ['member'] },
  { path: 'audit', title: 'Audit', roles: ['auditor', 'admin'] },
  { path: 'members', title: 'Members', roles: ['admin'] },
];

function mayOpen(page: Page, who: WhoAmI | undefined): boolean {
  return page.roles === 'anyone' || (who !== undefined && page.roles.includes(who.role));
}

function currentPath(): string {
  return location.hash.replace(/^#\/?/, '') || 'verify';
}

function SignIn({ onSignedIn }: { onSignedIn: (who: WhoAmI) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>();
  async function submit(event: Event) {
    event.preventDefault();
    setError(undefined);
    try {
      const who = await call<WhoAmI>('GET', '/whoami', { key: key.trim() });
      setApiKey(key.trim());
      setKey('');
      onSignedIn(who.body);
    } catch (caught) {
      setError(caught);
    }
  }
  return (
    <section aria-labelledby="signin-title" class="card">
      <h2 id="signin-title">Sign in</h2>
      <p>Paste the API key the administrator gave you. It stays in this browser tab (session storage) and is sent only in the Authorization header.</p>
      <form onSubmit={submit}>
        <Field id="api-key" label="API key" type="password" value={key} onInput={setKey} required autocomplete="off" hint="Starts with gx_. Verifying needs no key." />
        <button type="submit">Sign in</button>
      </form>
      <ErrorBox error={error} />
    </section>
  );
}

function App() {
  const [path, setPath] = useState(currentPath());
  const [who, setWho] = useState<WhoAmI | undefined>();
  const [checked, setChecked] = useState(apiKey() === undefined);
  const [menuOpen, setMenuOpen] = useState(false);

  useEffect(() => {
    const onHash = () => {
      setPath(currentPath());
      setMenuOpen(false);
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    if (apiKey() === undefined) return;
    call<WhoAmI>('GET', '/whoami').then(
      (answer) => setWho(answer.body),
      () => setApiKey(undefined),
    ).finally(() => setChecked(true));
  }, []);
  useEffect(() => {
    const page = PAGES.find((p) => p.path === path);
    document.title = `${page?.title ?? 'Sign in'} · gx-trust console`;
    document.getElementById('main')?.focus();
  }, [path]);

  function signOut() {
    setApiKey(undefined);
    setWho(undefined);
    location.hash = '#/verify';
  }

  const page = PAGES.find((p) => p.path === path);
  let content;
  if (!checked) content = <p role="status">Checking the API key…</p>;
  else if (path === 'sign-in' || (page !== undefined && !mayOpen(page, who))) {
    content = who === undefined ? <SignIn onSignedIn={(w) => { setWho(w); location.hash = `#/${PAGES.find((p) => p.path !== 'verify' && mayOpen(p, w))?.path ?? 'verify'}`; }} /> : <p role="alert">Your role ({who.role}) may not open this page.</p>;
  } else if (path === 'verify') content = <VerifyPage />;
  else if (path === 'onboarding' && who !== undefined) content = <OnboardingPage who={who} />;
  else if (path === 'credentials' && who !== undefined) content = <CredentialsPage who={who} />;
  else if (path === 'audit') content = <AuditPage />;
  else if (path === 'members') content = <MembersPage />;
  else content = <p role="alert">No such page. <a href="#/verify">Verify a credential</a>.</p>;

  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <p class="brand">gx-trust <span>console</span></p>
        <button type="button" class="menu-toggle" aria-expanded={menuOpen} aria-controls="menu" onClick={() => setMenuOpen(!menuOpen)}>Menu</button>
        <nav id="menu" aria-label="Pages" class={menuOpen ? 'open' : ''}>
          <ul>
            {PAGES.filter((p) => mayOpen(p, who)).map((p) => (
              <li key={p.path}><a href={`#/${p.path}`} aria-current={p.path === path ? 'page' : undefined}>{p.title}</a></li>
            ))}
            <li>
              {who === undefined
                ? <a href="#/sign-in" aria-current={path === 'sign-in' ? 'page' : undefined}>Sign in</a>
                : <button type="button" class="link" onClick={signOut}>Sign out ({who.role}{who.memberId === undefined ? '' : ` · ${who.memberId}`})</button>}
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <h1 class="page-title">{page?.title ?? 'Sign in'}</h1>
        {content}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
