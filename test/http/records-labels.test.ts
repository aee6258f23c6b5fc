/**
 * Issue 13, sections 2 and 4, over HTTP with the real app and real signatures, on SQLite and (when
 * GX_TEST_DATABASE_URL is set) PostgreSQL: a member with its own X.509-bound key onboards through
 * POST /participants, signs the presentation, gets a label from POST /compliance; then it lists and
 * reads its records, makes them public for connectors, onboards again (the previous set is
 * superseded), and revokes or suspends what a label covers (the label follows; a VP with a revoked
 * covered credential fails at the top level with COVERED_CREDENTIAL_REVOKED).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decodeJwt, exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPresentationJwt, type JoseSigner } from '../../src/formats/jose/sign.js';
import { parsePemCertificates } from '../../src/x509/index.js';
import { issueCertificate } from '../../src/keyring/certificates.js';
import { signingKeyOf } from '../../src/keyring/signer.js';
import { CURRENT_TC, issuerDeclaration, legalPerson, serviceOffering, startComplianceWorld, vatId, type ComplianceWorld } from '../compliance/fixtures.js';
import { freshPostgresSchema, type PostgresSchema } from '../replicas/process.js';
import { postJson } from '../helpers/service.js';
import { unscopedRecordingIssuer } from '../helpers/unscoped-signing.js';
import { signCredentialJwt } from '../../src/formats/jose/sign.js';

const DAY = 86_400_000;
const DATABASE = process.env['GX_TEST_DATABASE_URL'];
const BACKENDS = [{ name: 'SQLite' }, ...(DATABASE === undefined ? [] : [{ name: 'PostgreSQL' }])];

interface Member {
  id: string;
  did: string;
  apiKey: string;
  signer: JoseSigner;
  present(jwts: readonly string[]): Promise<string>;
  sign(credential: Record<string, unknown>): Promise<string>;
}

const address = { countryCode: 'DE', region: 'DE30', locality: 'Berlin', streetAddress: 'Sample Street 1', postalCode: '10115' };
const checkOf = (report: { checks: { check: string; code?: string }[] }, name: string, code?: string) =>
  report.checks.find((c) => c.check === name && (code === undefined || c.code === code)) as { verified: boolean; code?: string; message?: string } | undefined;

describe.each(BACKENDS)('records and labels on $name', ({ name }) => {
  let world: ComplianceWorld;
  let schema: PostgresSchema | undefined;
  let acme: Member;
  let otherKey: string;
  let connectorKey: string;

  const url = (path: string) => `${world.service.url}${path}`;
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const get = async (path: string, key?: string) => {
    const response = await fetch(url(path), { headers: key === undefined ? {} : as(key) });
    const text = await response.text();
    return { status: response.status, body: text.length > 0 && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text, text };
  };
  const credentialPath = (id: string) => `/credentials/${encodeURIComponent(id)}`;
  const setStatus = (key: string, credentialId: string, status: 'revoked' | 'suspended' | 'active') =>
    postJson(url('/credentials/status'), { credentialId, credentialStatus: [{ type: 'BitstringStatusListCredential', status }] }, as(key));
  const auditDetails = async (subject: string) =>
    (await world.service.service.store.auditEntriesForSubject(subject)).map((e) => JSON.parse(e.leaf) as { action: string; actor: string; details?: Record<string, unknown> });

  /** A member whose own RSA key (PS256, leaf certificate by the trusted test CA) gx-trust publishes in its did:web document. */
  async function externalMember(slug: string): Promise<Member> {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const leafPem = await issueCertificate({
      subject: { commonName: slug },
      subjectPublicKey: publicKey,
      issuerCertificatePem: world.ca.certificatePem,
      issuerPrivateKey: world.ca.privateKey,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + 365 * DAY),
    });
    const publicKeyJwk = { ...(await exportJWK(publicKey)), alg: 'PS256', x5c: [...parsePemCertificates(leafPem), ...parsePemCertificates(world.ca.certificatePem)] };
    const created = await postJson(url('/members'), { slug, name: `${slug} GmbH`, keys: { publicKeys: [{ publicKeyJwk }] } }, world.auth);
    expect(created.status, created.text).toBe(201);
    const key = await postJson(url(`/members/${created.body.id}/api-keys`), { role: 'member' }, world.auth);
    expect(key.status, key.text).toBe(201);
    const did: string = created.body.did;
    const signer: JoseSigner = signingKeyOf(privateKey as KeyObject).signer(created.body.verificationMethods[0].id);
    return {
      id: created.body.id,
      did,
      apiKey: key.body.apiKey,
      signer,
      present: (jwts) =>
        signPresentationJwt({ presentation: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], holder: did, verifiableCredential: [...jwts] }, signer, profile: 'gaia-x-danube' }),
      sign: (credential) => signCredentialJwt({ credential: { ...credential, issuer: did }, signer, profile: 'gaia-x-danube' }),
    };
  }

  const participant = (member: Member, name = 'Acme GmbH') => ({
    participant: {
      id: member.did,
      name,
      legalAddress: address,
      headquartersAddress: address,
      registrationNumbers: [{ type: 'gx:VatID', value: 'DE136695976', countryCode: 'DE' }],
      termsAndConditions: CURRENT_TC,
    },
  });

  async function onboard(member: Member, body: unknown = participant(member), headers: Record<string, string> = {}) {
    const answer = await postJson(url('/participants'), body, { ...as(member.apiKey), ...headers });
    expect(answer.status, answer.text).toBe(201);
    return answer.body as { credentials: { id: string; jwt: string; type: string[] }[]; superseded: string[] };
  }

  async function label(member: Member, jwts: readonly string[]): Promise<{ id: string; jwt: string }> {
    const answer = await postJson(url('/compliance'), { presentation: await member.present(jwts), options: { labelLevel: 'SC' } }, as(member.apiKey));
    expect(answer.status, answer.text).toBe(201);
    return { id: answer.body.issued.id, jwt: answer.body.issued.jwt };
  }

  beforeAll(async () => {
    const env: Record<string, string> = {};
    if (name === 'PostgreSQL') {
      schema = await freshPostgresSchema(DATABASE!);
      env['DATABASE_URL'] = schema.databaseUrl;
    }
    world = await startComplianceWorld(env);
    acme = await externalMember('acme');
    const other = await externalMember('other');
    otherKey = other.apiKey;
    const connector = await postJson(url(`/members/${other.id}/api-keys`), { role: 'connector' }, world.auth);
    connectorKey = connector.body.apiKey;
  });
  afterAll(async () => {
    await world?.close();
    await schema?.dispose();
  });

  describe('GET /members/{id}/credentials', () => {
    let ids: Record<string, string>;
    let firstIssuedAt: string;

    beforeAll(async () => {
      const onboarded = await onboard(acme);
      ids = Object.fromEntries(onboarded.credentials.map((c) => [c.type.find((t) => t !== 'VerifiableCredential')!, c.id]));
      firstIssuedAt = (await world.service.service.store.getCredential(onboarded.credentials[0]!.id))!.createdAt;
      await setStatus(acme.apiKey, ids['gx:Issuer']!, 'revoked');
    });

    it('lists the member\'s own credentials, newest first, with their status now', async () => {
      const page = await get(`/members/${acme.id}/credentials`, acme.apiKey);
      expect(page.status, page.text).toBe(200);
      const listed = page.body.credentials as { id: string; status: string; owner: string; visibility: string }[];
      expect(listed.map((c) => c.id).sort()).toEqual(Object.values(ids).sort());
      expect(listed.every((c) => c.owner === acme.id && c.visibility === 'private')).toBe(true);
      expect(listed.find((c) => c.id === ids['gx:Issuer'])?.status).toBe('revoked');
      expect(page.body.next).toBeNull();
      // Admins and auditors read it too; another member is told the member does not exist.
      expect((await get(`/members/acme/credentials`, world.service.apiKey)).status).toBe(200);
      const hidden = await get(`/members/${acme.id}/credentials`, otherKey);
      expect(hidden.status).toBe(404);
      expect(hidden.body.code).toBe('NOT_FOUND');
    });

    it('filters by type, status and issue time', async () => {
      const byType = await get(`/members/${acme.id}/credentials?type=${encodeURIComponent('gx:VatID')}`, acme.apiKey);
      expect(byType.body.credentials.map((c: { id: string }) => c.id)).toEqual([ids['gx:VatID']]);
      const revoked = await get(`/members/${acme.id}/credentials?status=revoked`, acme.apiKey);
      expect(revoked.body.credentials.map((c: { id: string }) => c.id)).toEqual([ids['gx:Issuer']]);
      const active = await get(`/members/${acme.id}/credentials?status=active`, acme.apiKey);
      expect(active.body.credentials.map((c: { id: string }) => c.id)).not.toContain(ids['gx:Issuer']);
      expect(active.body.credentials).toHaveLength(Object.keys(ids).length - 1);
      const before = new Date(Date.parse(firstIssuedAt) - 1000).toISOString();
      const after = await get(`/members/${acme.id}/credentials?issuedAfter=${before}`, acme.apiKey);
      expect(after.body.credentials).toHaveLength(Object.keys(ids).length);
      const none = await get(`/members/${acme.id}/credentials?issuedBefore=${before}`, acme.apiKey);
      expect(none.body).toEqual({ credentials: [], next: null });
    });

    it('pages with an opaque cursor that neither skips nor repeats', async () => {
      const seen: string[] = [];
      let next: string | null = null;
      let pages = 0;
      do {
        const page = await get(`/members/${acme.id}/credentials?limit=1${next === null ? '' : `&cursor=${encodeURIComponent(next)}`}`, acme.apiKey);
        expect(page.status, page.text).toBe(200);
        expect(page.body.credentials.length).toBeLessThanOrEqual(1);
        seen.push(...page.body.credentials.map((c: { id: string }) => c.id));
        next = page.body.next;
        pages++;
      } while (next !== null && pages < 10);
      expect(next).toBeNull();
      expect(seen.sort()).toEqual(Object.values(ids).sort());
    });

    it.each([
      ['limit=101', '/limit'],
      ['limit=0', '/limit'],
      ['status=gone', '/status'],
      ['issuedAfter=yesterday', '/issuedAfter'],
      ['cursor=bm90LWEtY3Vyc29y', ''],
      ['colour=red', ''],
    ])('refuses %s with 400 naming it', async (query, pointer) => {
      const refused = await get(`/members/${acme.id}/credentials?${query}`, acme.apiKey);
      expect(refused.status, refused.text).toBe(400);
      expect(refused.body.code).toBe('INVALID_INPUT');
      if (pointer !== '') expect(JSON.stringify(refused.body)).toContain(pointer);
    });
  });

  describe('GET /credentials/{id} and visibility', () => {
    it('hides a private credential from anyone but its owner, admins and auditors, as it hides an unknown id', async () => {
      const { credentials } = await onboard(await externalMember('private-co'), undefined);
      const id = credentials[0]!.id;
      const unknown = await get(credentialPath('urn:uuid:00000000-0000-4000-8000-000000000000'));
      const anonymous = await get(credentialPath(id));
      expect(anonymous.status).toBe(404);
      expect(anonymous.body.code).toBe(unknown.body.code);
      expect(anonymous.body.detail.replace(id, '<id>')).toBe(unknown.body.detail.replace('urn:uuid:00000000-0000-4000-8000-000000000000', '<id>'));
      expect((await get(credentialPath(id), connectorKey)).status).toBe(404);
      const admin = await get(credentialPath(id), world.service.apiKey);
      expect(admin.status, admin.text).toBe(200);
      expect(admin.body).toMatchObject({ id, status: 'active', visibility: 'private', supersededBy: null });
    });

    it('lets the owner make a credential public, audited, so a connector fetches it and matches the label\'s digest', async () => {
      const member = await externalMember('public-co');
      const { credentials } = await onboard(member);
      const issued = await label(member, credentials.map((c) => c.jwt));
      const covered = decodeJwt(issued.jwt)['credentialSubject'] as { 'gx:compliantCredentials': { id: string; digestSRI: string }[] };
      const target = covered['gx:compliantCredentials'][0]!;

      expect((await get(credentialPath(target.id))).status).toBe(404);
      const refused = await fetch(url(credentialPath(target.id)), { method: 'PATCH', headers: { ...as(otherKey), 'content-type': 'application/json' }, body: JSON.stringify({ visibility: 'public' }) });
      expect(refused.status).toBe(404);
      const made = await fetch(url(credentialPath(target.id)), { method: 'PATCH', headers: { ...as(member.apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ visibility: 'public' }) });
      expect(made.status, await made.clone().text()).toBe(200);
      expect(((await made.json()) as { visibility: string }).visibility).toBe('public');
      const entries = await auditDetails(target.id);
      expect(entries.at(-1)).toMatchObject({ action: 'credential.visibility-changed', actor: `member:${member.id}`, details: { visibility: 'public', previous: 'private' } });

      const fetched = await get(credentialPath(target.id));
      expect(fetched.status, fetched.text).toBe(200);
      expect(fetched.body).toMatchObject({ id: target.id, status: 'active', visibility: 'public', digestSRI: target.digestSRI, labels: [issued.id] });
      // What was fetched is what the label covers: it verifies, and its digest is the label's.
      const verified = await postJson(url('/credentials/verify'), { verifiableCredential: fetched.body.verifiableCredential });
      expect(verified.status, verified.text).toBe(200);
      // The label lists what it covers for whoever may read it.
      const labelView = await get(credentialPath(issued.id), member.apiKey);
      expect(labelView.body.covers.map((c: { id: string }) => c.id).sort()).toEqual(covered['gx:compliantCredentials'].map((c) => c.id).sort());
    });

    it('takes visibility at issuance (options.visibility)', async () => {
      const member = await externalMember('open-co');
      const { credentials } = await onboard(member, { ...participant(member), options: { visibility: 'public' } });
      for (const c of credentials) expect((await get(credentialPath(c.id))).body.visibility).toBe('public');
    });
  });

  describe('onboarding the same participant again', () => {
    it('supersedes the previous set: revoked with reason superseded, named in the answer, the label over it revoked; a replay answers the first result', async () => {
      const member = await externalMember('again-co');
      const first = await onboard(member);
      const firstLabel = await label(member, first.credentials.map((c) => c.jwt));
      const second = await onboard(member, participant(member, 'Again GmbH'), { 'idempotency-key': 'again-1' });
      expect([...second.superseded].sort()).toEqual(first.credentials.map((c) => c.id).sort());
      for (const c of first.credentials) {
        const view = await get(credentialPath(c.id), member.apiKey);
        expect(view.body.status).toBe('revoked');
        expect(second.credentials.map((n) => n.id)).toContain(view.body.supersededBy);
        const entry = (await auditDetails(c.id)).find((e) => e.action === 'credential.status-changed');
        expect(entry?.details).toMatchObject({ status: 'revoked', reason: 'superseded', statusPurpose: 'revocation', value: true });
      }
      for (const c of second.credentials) expect((await get(credentialPath(c.id), member.apiKey)).body).toMatchObject({ status: 'active', supersededBy: null });
      expect((await get(credentialPath(firstLabel.id), member.apiKey)).body.status).toBe('revoked');
      const labelEntry = (await auditDetails(firstLabel.id)).find((e) => e.action === 'credential.status-changed');
      expect(labelEntry?.details?.['reason']).toContain('superseded');
      expect(first.credentials.map((c) => c.id)).toContain(labelEntry?.details?.['coveredCredential']);

      const replay = await onboard(member, participant(member, 'Again GmbH'), { 'idempotency-key': 'again-1' });
      expect(replay.credentials.map((c) => c.id)).toEqual(second.credentials.map((c) => c.id));
      expect(replay.superseded).toEqual(second.superseded);
      const listed = await get(`/members/${member.id}/credentials?status=active`, member.apiKey);
      expect(listed.body.credentials.map((c: { id: string }) => c.id).sort()).toEqual(second.credentials.map((c) => c.id).sort());
    });

    it('supersedes a service offering registered again under the same offering id', async () => {
      const member = await externalMember('offering-co');
      const { credentials } = await onboard(member);
      const legalPersonId = credentials.find((c) => c.type.includes('gx:LegalPerson'))!.id;
      const offering = () => {
        const draft = serviceOffering(member.did, { 'gx:providedBy': { id: `${member.did}#legal-person` } });
        delete draft['issuer'];
        delete draft['id'];
        return draft;
      };
      const register = async () => {
        const answer = await postJson(url('/service-offerings'), { legalPerson: legalPersonId, credentials: [offering()] }, as(member.apiKey));
        expect(answer.status, answer.text).toBe(201);
        return answer.body as { credentials: { id: string; origin: string }[]; superseded: string[] };
      };
      const first = await register();
      expect(first.superseded).toEqual([]);
      const second = await register();
      const firstOffering = first.credentials.filter((c) => c.origin === 'issued').map((c) => c.id);
      expect(second.superseded).toEqual(firstOffering);
      expect((await get(credentialPath(firstOffering[0]!), member.apiKey)).body.status).toBe('revoked');
      // The participant's own set is another series: untouched.
      expect((await get(credentialPath(legalPersonId), member.apiKey)).body.status).toBe('active');
    });
  });

  describe('labels follow what they cover', () => {
    it('revokes the label when a covered credential is revoked, and a VP holding both fails with COVERED_CREDENTIAL_REVOKED at the top level', async () => {
      const member = await externalMember('revoke-co');
      const { credentials } = await onboard(member);
      const jwts = credentials.map((c) => c.jwt);
      const issued = await label(member, jwts);
      const vat = credentials.find((c) => c.type.includes('gx:VatID'))!;

      const shownBefore = await postJson(url('/presentations/verify'), await member.present([issued.jwt, ...jwts]), { 'content-type': 'application/vp+jwt' });
      expect(shownBefore.status, shownBefore.text).toBe(200);

      expect((await setStatus(member.apiKey, vat.id, 'revoked')).status).toBe(200);
      expect((await get(credentialPath(issued.id), member.apiKey)).body.status).toBe('revoked');
      const entry = (await auditDetails(issued.id)).find((e) => e.action === 'credential.status-changed');
      expect(entry).toMatchObject({ actor: `member:${member.id}`, details: { status: 'revoked', coveredCredential: vat.id } });
      expect(String(entry?.details?.['reason'])).toContain(vat.id);

      // The label alone: its own status says it.
      const alone = await postJson(url('/credentials/verify'), { verifiableCredential: issued.jwt });
      expect(alone.status).toBe(422);
      expect(checkOf(alone.body, 'status')).toMatchObject({ verified: false, code: 'CREDENTIAL_REVOKED' });

      const shown = await postJson(url('/presentations/verify'), await member.present([issued.jwt, ...jwts]), { 'content-type': 'application/vp+jwt' });
      expect(shown.status).toBe(422);
      expect(shown.body.verified).toBe(false);
      expect(checkOf(shown.body, 'compliance', 'COVERED_CREDENTIAL_REVOKED')).toMatchObject({ verified: false });
      expect(shown.body.errors.some((e: string) => e.includes('COVERED_CREDENTIAL_REVOKED') && e.includes(vat.id))).toBe(true);
    });

    it('suspends the label with a covered credential, and reinstates it when that suspension is lifted', async () => {
      const member = await externalMember('suspend-co');
      // A registration number notarised for the member with a suspension entry too (the member owns it).
      const notarised = await unscopedRecordingIssuer(world.service.service).issueCredential(
        vatId(member.did),
        { format: 'vc+jwt', profile: 'gaia-x-danube', credentialStatus: ['revocation', 'suspension'] },
        { actor: `member:${member.id}` },
      );
      if (notarised.format !== 'vc+jwt') throw new Error('expected a JWT');
      const vatCredentialId = String(decodeJwt(notarised.jwt)['id']);
      const jwts = [
        await member.sign(legalPerson(member.did)),
        notarised.jwt,
        await member.sign(issuerDeclaration(member.did)),
        await member.sign(serviceOffering(member.did)),
      ];
      const issued = await label(member, jwts);

      expect((await setStatus(member.apiKey, vatCredentialId, 'suspended')).status).toBe(200);
      expect((await get(credentialPath(issued.id), member.apiKey)).body.status).toBe('suspended');
      const suspended = await postJson(url('/presentations/verify'), await member.present([issued.jwt, ...jwts]), { 'content-type': 'application/vp+jwt' });
      expect(suspended.status).toBe(422);
      expect(checkOf(suspended.body, 'compliance', 'COVERED_CREDENTIAL_REVOKED')?.message).toContain('suspended');

      expect((await setStatus(member.apiKey, vatCredentialId, 'active')).status).toBe(200);
      expect((await get(credentialPath(issued.id), member.apiKey)).body.status).toBe('active');
      const actions = (await auditDetails(issued.id)).filter((e) => e.action === 'credential.status-changed').map((e) => [e.details?.['status'], e.details?.['value'], e.details?.['coveredCredential']]);
      expect(actions).toEqual([['suspended', true, vatCredentialId], ['active', false, vatCredentialId]]);
      const reinstated = await postJson(url('/presentations/verify'), await member.present([issued.jwt, ...jwts]), { 'content-type': 'application/vp+jwt' });
      expect(reinstated.status, reinstated.text).toBe(200);
    });
  });
});
