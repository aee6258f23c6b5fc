/**
 * The web console in a real browser: Debian's Chromium driven by playwright-core against the real
 * service on loopback (SQLite in a temporary folder), the console built by Vite from web/. Each
 * role has its own tab, as each person has their own browser: the API key lives in the tab's
 * session storage. The journeys of issue 15: the admin creates a member and its keys; a wrong VAT
 * check digit shows the service's finding at the field; the member onboards a French AI company
 * and gets a label; a connector verifies the label, and sees it fail once the member revoked a
 * credential it covers; an auditor checks an inclusion proof and downloads an evidence bundle.
 * Every page is checked with axe-core (no serious or critical violation) and screenshotted at 375
 * and 1440 px wide into SCREENSHOTS; no page may trip its Content-Security-Policy.
 */
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import QRCode from 'qrcode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../helpers/service.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where the screenshots go (gitignored): one PNG per page and width. */
export const SCREENSHOTS = join(ROOT, 'test-output', 'console-screenshots');
const INSTALL = 'apt-get install -y --no-install-recommends chromium';
// Onboarding, a compliance decision and a label sign and verify a dozen credentials with shapes
// validation: seconds on an idle machine, many more while other suites share its two cores.
const JOURNEY_MS = 240_000;
/** A page's wait for an element: an onboarding step signs and verifies several credentials first. */
const STEP_MS = 60_000;
const run = promisify(execFile);
/**
 * The operator's terms text the wizard shows. Not a Gaia-X text (none is public that produces the
 * Gaia-X hashes), so its hash is accepted with GX_ACCEPTED_TERMS_HASHES, which the whole service
 * then uses: onboarding and the compliance decision behind the label accept it too.
 */
const TERMS_TEXT = 'Lumière test terms.\n\n1. The participant keeps its credentials accurate.\n2. The participant tells the operator when a claim changes.\n'.repeat(8);
const TERMS_HASH = createHash('sha256').update(TERMS_TEXT, 'utf8').digest('hex');
const require = createRequire(import.meta.url);

const browserPresent = existsSync(CHROMIUM);
const browserRequired = process.env['GX_REQUIRE_BROWSER'] === '1';

// Without Chromium: a failure where CI requires the browser (.ci/run), else a skip that says how to get it.
describe.runIf(!browserPresent && browserRequired)('the console in Chromium', () => {
  it(`needs ${CHROMIUM} (GX_REQUIRE_BROWSER=1)`, () => {
    throw new Error(`${CHROMIUM} is missing; install it with: ${INSTALL}`);
  });
});

// Loaded only with a browser: playwright-core's types are a dev dependency like the rest.
type Playwright = typeof import('playwright-core');
type BrowserContext = import('playwright-core').BrowserContext;
type Page = import('playwright-core').Page;

describe.skipIf(!browserPresent)(`the console in Chromium (skipped without ${CHROMIUM}: ${INSTALL})`, () => {
  let svc: RunningService;
  let context: BrowserContext;
  let work: string;
  const cspViolations: string[] = [];
  const keys: Record<'member' | 'connector' | 'auditor', string> = { member: '', connector: '', auditor: '' };
  let admin: Page;
  let member: Page;
  let connector: Page;
  let labelId = '';
  let labelJwt = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'gx-trust-console-'));
    const consoleDir = join(work, 'web');
    // Its own build of the console, so no other test's build of dist/ races it.
    await run(process.execPath, [join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js'), 'build', '-c', join(ROOT, 'web', 'vite.config.mjs'), '--outDir', consoleDir, '--emptyOutDir'], { cwd: ROOT });
    writeFileSync(join(work, 'terms.txt'), TERMS_TEXT);
    svc = await startService({ GX_CONSOLE_DIR: consoleDir, GX_TERMS_AND_CONDITIONS_FILE: join(work, 'terms.txt'), GX_ACCEPTED_TERMS_HASHES: TERMS_HASH });
    const { chromium } = (await import('playwright-core')) as Playwright;
    mkdirSync(SCREENSHOTS, { recursive: true });
    context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1440, height: 900 },
      // Without the background-networking flags Chromium stalls on refused connections here.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  }, JOURNEY_MS);

  // A failed step leaves what each tab showed, which says more than a timeout.
  afterEach(async (test) => {
    if (test.task.result?.state !== 'fail' || context === undefined) return;
    for (const [i, page] of context.pages().entries()) await page.screenshot({ path: join(SCREENSHOTS, `failed-tab${i}.png`), fullPage: true }).catch(() => {});
  });

  afterAll(async () => {
    await context?.close();
    await svc?.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  async function newTab(): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    page.setDefaultTimeout(STEP_MS);
    await page.goto(`${svc.url}/`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    return page;
  }

  async function signIn(page: Page, key: string): Promise<void> {
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: /Sign out/ }).waitFor();
  }

  /** axe-core in the page: no serious or critical violation. Evaluated over DevTools, which the page's CSP does not govern. */
  async function expectAccessible(page: Page, name: string): Promise<void> {
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    // A string, not a function: this file is type-checked for Node, without the DOM's types.
    const violations = (await page.evaluate(
      'axe.run(document).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) })))',
    )) as { id: string; impact: string; nodes: string[] }[];
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), `${name}: ${JSON.stringify(violations)}`).toEqual([]);
  }

  /** The page at 375 and 1440 px, checked at both widths; nothing may overflow the narrow one. */
  async function capture(page: Page, name: string): Promise<void> {
    for (const width of [375, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      await expectAccessible(page, `${name} at ${width} px`);
      await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
      expect(overflow, `${name} at ${width} px is wider than the window`).toBeLessThanOrEqual(0);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  }

  async function verifyLabel(page: Page): Promise<string> {
    await page.goto(`${svc.url}/console/#/verify`);
    await page.getByLabel('Credential, presentation or JWT').fill(labelJwt);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    const verdict = page.getByTestId('verdict').first();
    await verdict.waitFor();
    return (await verdict.textContent()) ?? '';
  }

  it('serves / as a redirect to the console, under a CSP without inline scripts or styles', async () => {
    const root = await fetch(`${svc.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    const page = await fetch(`${svc.url}/console/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style=/);
    const asset = html.match(/\/console\/assets\/[^"]+\.js/)?.[0];
    const script = await fetch(`${svc.url}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`${svc.url}/console/assets/..%2Fpackage.json`)).status).toBe(404);
  });

  it('signs the admin in, shows the admin menu, and the admin creates a member and its API keys, each shown once', { timeout: JOURNEY_MS }, async () => {
    admin = await newTab();
    await capture(admin, 'verify-signed-out');
    await admin.getByRole('link', { name: 'Sign in' }).click();
    await capture(admin, 'sign-in');
    await admin.getByLabel('API key').fill('gx_not-a-key-of-this-service-at-all');
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => admin.getByRole('alert').textContent(), { timeout: STEP_MS }).toContain('401');
    await signIn(admin, svc.apiKey);
    expect(admin.url()).not.toContain('gx_');
    const menu = await admin.getByRole('navigation', { name: 'Pages' }).getByRole('link').allTextContents();
    expect(menu).toEqual(['Verify', 'Audit', 'Members']);

    await admin.getByRole('link', { name: 'Members' }).click();
    await admin.getByLabel('Slug').fill('lumiere-ia');
    await admin.getByLabel('Name', { exact: true }).fill('Lumière IA SAS');
    await admin.getByRole('button', { name: 'Create the member' }).click();
    const card = admin.locator('article[data-slug="lumiere-ia"]');
    await card.waitFor();
    // Each certified key shows its chain as the member's DID document publishes it (x5c, leaf first).
    await card.getByText(/verification method\(s\)/).click();
    const published = (await (await fetch(`${svc.url}/members/lumiere-ia/did.json`)).json()) as { verificationMethod: { id: string; publicKeyJwk?: { x5c?: string[] } }[] };
    const certified = published.verificationMethod.filter((vm) => vm.publicKeyJwk?.x5c !== undefined && !vm.id.endsWith('-jsonwebkey'));
    expect(certified.length).toBeGreaterThan(0);
    for (const vm of certified) {
      const table = card.getByRole('table', { name: `X.509 chain of ${vm.id}, leaf first` });
      const rows = await Promise.all((await table.locator('tbody tr').all()).map((row) => row.locator('td').allTextContents()));
      const chain = (vm.publicKeyJwk?.x5c ?? []).map((der) => new X509Certificate(Buffer.from(der, 'base64')));
      expect(rows).toHaveLength(chain.length);
      rows.forEach(([subject, issuer, notAfter], i) => {
        expect(notAfter).toBe(new Date(chain[i]!.validTo).toISOString());
        expect(subject).toContain(chain[i]!.subject.split('\n').find((rdn) => rdn.startsWith('CN='))!);
        expect(issuer).toContain(chain[i]!.issuer.split('\n').find((rdn) => rdn.startsWith('CN='))!);
      });
      expect(rows[0]![0]).toContain('did:web:');
      expect(rows[0]![1]).toBe(rows[1]![0]);
    }
    for (const role of ['member', 'connector', 'auditor'] as const) {
      await card.getByLabel('Role of a new API key').selectOption(role);
      await card.getByRole('button', { name: 'Create an API key' }).click();
      const shown = card.locator(`[data-testid="new-api-key"][data-role="${role}"]`);
      await shown.waitFor();
      keys[role] = await shown.inputValue();
      expect(keys[role]).toMatch(/^gx_/);
      if (role === 'auditor') await capture(admin, 'members');
      await card.getByRole('button', { name: 'I have stored it' }).click();
    }
    // The key is in the answer only: the member list never shows it.
    const listed = await fetch(`${svc.url}/members`, { headers: { authorization: `Bearer ${svc.apiKey}` } });
    expect(listed.status).toBe(200);
    expect(await listed.text()).not.toContain(keys.member.slice(3));
  });

  it('shows the service\'s finding at the field when the VAT id has a wrong check digit, after the same hint as typed', { timeout: JOURNEY_MS }, async () => {
    member = await newTab();
    await signIn(member, keys.member);
    const menu = await member.getByRole('navigation', { name: 'Pages' }).getByRole('link').allTextContents();
    expect(menu).toEqual(['Verify', 'Onboarding', 'My credentials']);
    await member.getByRole('link', { name: 'Onboarding' }).click();
    await member.getByLabel('Legal name').fill('Lumière IA SAS');
    const legal = member.getByRole('group', { name: 'Legal address' });
    await legal.getByLabel('Country').selectOption('FR');
    await legal.getByLabel('Region (NUTS-2)').fill('FR10');
    await legal.getByLabel('Locality').fill('Paris');
    await legal.getByLabel('Postal code').fill('75002');
    await legal.getByLabel('Street address').fill('12 rue de la Paix');
    await member.getByLabel('Number 1: value').fill('DE136695976');
    await expect.poll(() => member.locator('.advice').first().textContent(), { timeout: STEP_MS }).toContain('is from DE and the legal address is in FR');
    await member.getByLabel('Number 1: value').fill('FR41303265045');
    await expect.poll(() => member.locator('.advice').first().textContent(), { timeout: STEP_MS }).toMatch(/check digit/i);
    // The terms step shows the service's text in a scrollable region a keyboard can reach, and the hash of that very text.
    const terms = member.getByRole('region', { name: /terms and conditions this service accepts/ });
    await terms.waitFor();
    expect(await terms.textContent()).toBe(TERMS_TEXT);
    expect(await terms.getAttribute('tabindex')).toBe('0');
    expect(await member.getByTestId('terms-hash').textContent()).toBe(TERMS_HASH);
    await member.getByLabel('I accept these terms and conditions for my organisation').check();
    await member.getByRole('button', { name: 'Onboard the legal person' }).click();

    const field = member.locator('[data-pointer="/participant/registrationNumbers/0/value"]');
    await expect.poll(() => field.getAttribute('aria-invalid'), { timeout: STEP_MS }).toBe('true');
    const fault = member.locator(`#${await field.getAttribute('id')}-fault`);
    expect(await fault.textContent()).toMatch(/check digit/i);
    expect(await fault.textContent()).toContain('Hint:');
    expect(await member.getByRole('alert').first().textContent()).toContain('/participant/registrationNumbers/0/value');
    await capture(member, 'onboarding-finding');
  });

  it('onboards the French AI company with its IPCEI-AI model offering and gets a label, with downloads', { timeout: JOURNEY_MS }, async () => {
    await member.getByLabel('Number 1: value').fill('FR40303265045');
    await expect.poll(() => member.locator('.advice').first().textContent(), { timeout: STEP_MS }).toBe('Check digits are right.');
    await member.getByRole('button', { name: 'Onboard the legal person' }).click();
    await member.getByRole('heading', { name: 'Service offering' }).waitFor();

    await member.getByLabel('Offering name').fill('Lumière inference API');
    await member.getByLabel('Offering terms URL').fill('https://lumiere.example/terms');
    await member.getByLabel('Offering terms SHA-256').fill('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    await member.getByLabel('Model name').fill('Lumière 7B');
    await member.getByLabel('AI Act risk class').selectOption('general-purpose');
    await member.getByLabel('Intended purpose').fill('Drafting and summarising French administrative texts');
    await member.getByLabel('Model card URL').fill('https://lumiere.example/model-card');
    await member.getByLabel('Model card SHA-256').fill('ab'.repeat(32));
    await member.getByLabel('Training compute').fill('3.1e23');
    await member.getByLabel('Training energy').fill('420');
    await member.getByLabel('Hosting member states').fill('FR');
    await capture(member, 'onboarding-offering');
    await member.getByRole('button', { name: 'Issue the service offering' }).click();
    await member.getByRole('heading', { name: 'Label', exact: true }).waitFor();

    await member.getByLabel('Who may fetch the label').selectOption('public');
    await member.getByRole('button', { name: 'Get the label' }).click();
    const id = member.getByTestId('label-id');
    await id.waitFor();
    labelId = (await id.textContent()) ?? '';
    labelJwt = await member.getByLabel('The label (vc+jwt)').inputValue();
    expect(labelId).toMatch(/^urn:uuid:/);
    expect(labelJwt.split('.')).toHaveLength(3);
    // Public, as chosen: anyone fetches it by its id (a private label is a 404 without a key).
    expect((await fetch(`${svc.url}/credentials/${encodeURIComponent(labelId)}`)).status).toBe(200);
    await capture(member, 'onboarding-label');

    const [label] = await Promise.all([member.waitForEvent('download'), member.getByRole('button', { name: 'Download the label' }).click()]);
    expect(label.suggestedFilename()).toBe('label.jwt');
    expect(readFileSync((await label.path())!, 'utf8')).toBe(labelJwt);
    const [presentation] = await Promise.all([member.waitForEvent('download'), member.getByRole('button', { name: 'Download a presentation (vp+jwt)' }).click()]);
    expect(readFileSync((await presentation.path())!, 'utf8').split('.')).toHaveLength(3);
  });

  it('offers the LegalPerson and the label to a wallet as a QR code, with the URI and PIN the API answered', { timeout: JOURNEY_MS }, async () => {
    await member.getByRole('link', { name: 'My credentials' }).click();
    const legalPerson = member.locator('tr', { has: member.locator('th', { hasText: 'gx:LegalPerson' }) });
    const label = member.locator('tr', { has: member.locator('th', { hasText: 'LabelCredential' }) });
    await legalPerson.waitFor();
    await legalPerson.getByRole('checkbox', { name: /^Offer .* to a wallet$/ }).check();
    await label.getByRole('checkbox', { name: /^Offer .* to a wallet$/ }).check();
    expect(await member.getByLabel('Require a PIN (recommended)').isChecked()).toBe(true);
    const [answer] = await Promise.all([
      member.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/credential-offers')),
      member.getByRole('button', { name: 'Offer 2 credential(s) to a wallet' }).click(),
    ]);
    expect(answer.status()).toBe(201);
    const offer = (await answer.json()) as { credentialOfferUri: string; credentialOfferUriByReference: string; qrCodeByReference: string; txCode: string };
    const qr = member.getByTestId('offer-qr');
    await qr.waitFor();
    // Drawn under the page's CSP (an <img> of the server's SVG data URL), not just present in the DOM.
    const drawnWidth = 'document.querySelector("[data-testid=offer-qr]").complete ? document.querySelector("[data-testid=offer-qr]").naturalWidth : 0';
    await expect.poll(async () => (await member.evaluate(drawnWidth)) as number, { timeout: STEP_MS }).toBeGreaterThan(0);
    // The console shows the offer by reference (the smaller QR code); the wallet fetches the offer.
    expect(await qr.getAttribute('src')).toBe(offer.qrCodeByReference);
    expect(await member.getByTestId('offer-uri').inputValue()).toBe(offer.credentialOfferUriByReference);
    expect(offer.credentialOfferUriByReference).toMatch(/^openid-credential-offer:\/\/\?credential_offer_uri=/);
    // The image is that URI's QR code (the encoder is deterministic), of fewer modules than the by-value one's.
    const svgOf = (uri: string) => QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M' });
    expect(Buffer.from(offer.qrCodeByReference.split(',')[1]!, 'base64').toString()).toBe(await svgOf(offer.credentialOfferUriByReference));
    const version = (uri: string) => QRCode.create(uri, { errorCorrectionLevel: 'M' }).version;
    expect(version(offer.credentialOfferUriByReference)).toBeLessThan(version(offer.credentialOfferUri));
    expect(await member.getByTestId('offer-pin').textContent()).toBe(offer.txCode);
    expect(offer.txCode).toMatch(/^[0-9]{6}$/);
    await member.getByRole('button', { name: 'Copy the URI' }).click();
    await expect.poll(() => member.getByText(/The offer URI is copied|the URI is selected/).count(), { timeout: STEP_MS }).toBe(1);
    await capture(member, 'credentials-offer');
  });

  it('lets a connector verify the label, and shows it failing after the member revokes a credential it covers, named in the confirmation', { timeout: JOURNEY_MS }, async () => {
    connector = await newTab();
    await signIn(connector, keys.connector);
    expect(await verifyLabel(connector)).toBe('Verified');
    expect(await connector.locator('tr.row-fail').count()).toBe(0);
    await capture(connector, 'verify-passed');
    const [report] = await Promise.all([connector.waitForEvent('download'), connector.getByRole('button', { name: 'Download the report (JSON)' }).click()]);
    expect(JSON.parse(readFileSync((await report.path())!, 'utf8'))).toMatchObject({ verified: true });

    await member.getByRole('link', { name: 'My credentials' }).click();
    const legalPerson = member.locator('tr', { has: member.locator('th', { hasText: 'gx:LegalPerson' }) });
    await legalPerson.waitFor();
    expect(await legalPerson.textContent()).toContain(labelId);
    await capture(member, 'credentials');
    await legalPerson.getByRole('button', { name: /^Revoke/ }).click();
    const dialog = member.getByRole('dialog');
    expect(await dialog.getByTestId('falling-labels').textContent()).toContain(labelId);
    await capture(member, 'credentials-confirm');
    await dialog.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect.poll(() => member.getByRole('status').first().textContent(), { timeout: STEP_MS }).toContain('label(s) fell with it');

    expect(await verifyLabel(connector)).toBe('Not verified');
    expect(await connector.locator('tr.row-fail[data-check="status"]').textContent()).toMatch(/revoked/i);
    await capture(connector, 'verify-failed');
  });

  it('lets an auditor check the label\'s inclusion proof against the signed checkpoint and download its evidence bundle', { timeout: JOURNEY_MS }, async () => {
    const auditor = await newTab();
    await signIn(auditor, keys.auditor);
    await auditor.getByRole('link', { name: 'Audit' }).click();
    await auditor.getByTestId('tree-size').waitFor();
    await auditor.getByLabel('Credential id').fill(labelId);
    await auditor.getByRole('button', { name: 'Check the inclusion proof' }).click();
    const inclusion = auditor.getByTestId('inclusion');
    await inclusion.waitFor();
    expect(await inclusion.textContent()).toContain('equals the signed checkpoint\'s root');
    expect(await auditor.locator('.chart rect').count()).toBeGreaterThan(0);
    await capture(auditor, 'audit');
    // Filtered by the service: only the revocation's entries (the LegalPerson and the label that fell with it).
    await auditor.getByLabel('Action').fill('credential.status-changed');
    await auditor.getByRole('button', { name: 'Apply the filters' }).click();
    await expect.poll(() => auditor.getByTestId('entries-caption').textContent(), { timeout: STEP_MS }).toContain('action=credential.status-changed');
    const actions = await auditor.getByRole('region', { name: 'Audit entries' }).locator('tbody tr td:nth-child(4)').allTextContents();
    expect(actions.length).toBeGreaterThanOrEqual(2);
    expect(new Set(actions)).toEqual(new Set(['credential.status-changed']));
    const subjects = await auditor.getByRole('region', { name: 'Audit entries' }).locator('tbody tr td:nth-child(5)').allTextContents();
    expect(subjects).toContain(labelId);
    await capture(auditor, 'audit-filtered');
    const [bundle] = await Promise.all([auditor.waitForEvent('download'), auditor.getByRole('button', { name: 'Download the evidence bundle' }).click()]);
    expect(bundle.suggestedFilename()).toMatch(/^evidence-/);
    expect(readFileSync((await bundle.path())!, 'utf8')).toContain(labelId);
  });

  it('met no Content-Security-Policy violation on any page', () => {
    expect(cspViolations).toEqual([]);
  });
});
