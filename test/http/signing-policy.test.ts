/**
 * The signing policy over HTTP, as an attacker with a member key (or an admin) would try it: no
 * route gets the service's signature on a type outside its module's rows, on a statement about
 * another party, or on a presentation as another DID. Each refusal leaves no credential and no
 * audit entry behind (a 403 leaves exactly its `authorization.denied` entry). The last block walks
 * the app's router stack and holds every route that has something signed to the same proof.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route } from '../../src/http/route.js';
import { ROUTES } from '../../src/http/route-table.js';
import { exampleBody, examples, exampleMember } from '../../src/http/openapi/examples.js';
import { SIGNING_POLICY, type SigningModule } from '../../src/issuing/signing-policy.js';
import { encodeStatusList } from '../../src/status-lists/credential.js';
import { appRoutes } from '../helpers/express-routes.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';

const CURRENT_TC = '067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515';
const V2 = 'https://www.w3.org/ns/credentials/v2';
const CONTEXT = [V2, 'https://w3id.org/gaia-x/development#'];
const GX = 'https://w3id.org/gaia-x/development#';
const OUTSIDER = 'did:web:not-a-member.example';

interface Member {
  id: string;
  did: string;
  key: string;
}

let svc: RunningService;
let alpha: Member;
let beta: Member;
const admin = () => ({ authorization: `Bearer ${svc.apiKey}` });
const as = (member: Member) => ({ authorization: `Bearer ${member.key}` });

async function createMember(slug: string): Promise<Member> {
  const created = await postJson(`${svc.url}/members`, { slug, name: `${slug} GmbH` }, admin());
  expect(created.status, created.text).toBe(201);
  const key = await postJson(`${svc.url}/members/${created.body.id}/api-keys`, { role: 'member' }, admin());
  expect(key.status, key.text).toBe(201);
  return { id: created.body.id, did: created.body.did, key: key.body.apiKey };
}

beforeAll(async () => {
  svc = await startService();
  alpha = await createMember('alpha');
  beta = await createMember('beta');
});
afterAll(async () => {
  await svc?.close();
});

function payloadOf(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}

function headerOf(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8'));
}

async function auditActions(from: number): Promise<string[]> {
  const size = await svc.service.store.auditSize();
  return (await svc.service.store.auditEntries(from, size)).map((e) => JSON.parse(e.leaf).action as string);
}

/** A refusal: nothing stored, no audit entry (or, for a 403, only its authorization.denied entry). */
async function refused(run: () => Promise<{ status: number; body: any; text: string }>, entries: string[] = []) {
  const before = await svc.service.store.auditSize();
  const response = await run();
  expect(await auditActions(before), response.text).toEqual(entries);
  return response;
}

/** A conforming participant submission of unsigned drafts for `did` (each part replaceable). */
function participantDrafts(did: string, numberId = `${did}#vat`) {
  const legalPerson = {
    '@context': CONTEXT,
    type: ['VerifiableCredential', 'gx:LegalPerson'],
    credentialSubject: {
      id: `${did}#legal-person`,
      type: 'gx:LegalPerson',
      'gx:legalAddress': { type: 'gx:Address', 'gx:countryCode': 'DE' },
      'gx:headquartersAddress': { type: 'gx:Address', 'gx:countryCode': 'DE' },
      'gx:registrationNumber': { id: numberId },
    },
  };
  const vat = {
    '@context': CONTEXT,
    type: ['VerifiableCredential', 'gx:VatID'],
    credentialSubject: { id: numberId, type: 'gx:VatID', 'gx:vatID': 'DE136695976', 'gx:countryCode': 'DE' },
  };
  const terms = {
    '@context': CONTEXT,
    type: ['VerifiableCredential', 'gx:Issuer'],
    credentialSubject: { id: `${did}#issuer`, type: 'gx:Issuer', 'gx:gaiaxTermsAndConditions': CURRENT_TC },
  };
  return { legalPerson, vat, terms };
}

const labelDraft = (type: string = 'gx:LabelCredential') => ({
  '@context': CONTEXT,
  type: ['VerifiableCredential', type],
  credentialSubject: { id: OUTSIDER, 'gx:labelLevel': 'L3', 'gx:validatedCriteria': ['eu-headquarters'] },
});

function statusListDraft() {
  const url = `${svc.service.config.baseUrl}/status-lists/revocation-0`;
  return {
    '@context': [V2],
    id: url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: encodeStatusList(new Uint8Array(16 * 1024)) },
  };
}

const findingsOf = (body: any) => (body.findings as any[]).filter((f) => f.severity === 'violation').map((f) => [f.rule, f.pointer]);

describe('POST /participants signs only the participant types, about the participant', () => {
  it('accepts the participant\'s own drafts (the control for the refusals below)', async () => {
    const { legalPerson, vat, terms } = participantDrafts(alpha.did);
    const response = await postJson(`${svc.url}/participants`, { credentials: [legalPerson, vat, terms] }, as(alpha));
    expect(response.status, response.text).toBe(201);
    expect(response.body.credentials.map((c: any) => c.origin)).toEqual(['issued', 'issued', 'issued']);
  });

  it.each([
    ['gx:LabelCredential'],
    [`${GX}LabelCredential`],
    ['https://w3id.org/gaia-x/2511#LabelCredential'],
  ])('refuses a %s of level L3 about a company that is not a member', async (type) => {
    const { legalPerson, vat, terms } = participantDrafts(alpha.did);
    const response = await refused(() => postJson(`${svc.url}/participants`, { credentials: [legalPerson, vat, terms, labelDraft(type)] }, as(alpha)));
    expect(response.status, response.text).toBe(422);
    expect(response.body.code).toBe('SELF_DESCRIPTION_INVALID');
    expect(findingsOf(response.body)).toContainEqual(['onboarding/type', '/credentials/3/type/1']);
    expect(response.body.findings.find((f: any) => f.rule === 'onboarding/type').message).toContain('gx:LabelCredential');
  });

  it('refuses a BitstringStatusListCredential whose id is the service\'s own status list URL', async () => {
    const { legalPerson, vat, terms } = participantDrafts(alpha.did);
    const response = await refused(() => postJson(`${svc.url}/participants`, { credentials: [legalPerson, vat, terms, statusListDraft()] }, as(alpha)));
    expect(response.status, response.text).toBe(422);
    expect(findingsOf(response.body)).toContainEqual(['onboarding/type', '/credentials/3/type/1']);
    expect(response.body.findings.find((f: any) => f.rule === 'onboarding/type').message).toContain('BitstringStatusListCredential');
  });

  it('refuses a VatID for another member\'s node, even when the LegalPerson names it', async () => {
    const { legalPerson, vat, terms } = participantDrafts(alpha.did, `${beta.did}#vat`);
    const response = await refused(() => postJson(`${svc.url}/participants`, { credentials: [legalPerson, vat, terms] }, as(alpha)));
    expect(response.status, response.text).toBe(422);
    expect(findingsOf(response.body)).toContainEqual(['onboarding/subject', '/credentials/1/credentialSubject/id']);
  });

  it('refuses a registration number of the participant that its LegalPerson does not name', async () => {
    const { legalPerson, vat, terms } = participantDrafts(alpha.did);
    const spare = { ...vat, credentialSubject: { ...vat.credentialSubject, id: `${alpha.did}#spare-vat` } };
    const response = await refused(() => postJson(`${svc.url}/participants`, { credentials: [legalPerson, vat, terms, spare] }, as(alpha)));
    expect(response.status, response.text).toBe(422);
    expect(findingsOf(response.body)).toContainEqual(['onboarding/registration-number-link', '/credentials/3/credentialSubject/id']);
  });

  it('refuses a generic credential about any DID', async () => {
    const { legalPerson, vat, terms } = participantDrafts(alpha.did);
    const generic = { '@context': [V2], type: ['VerifiableCredential'], credentialSubject: { id: OUTSIDER, name: 'ACME is trustworthy' } };
    const response = await refused(() => postJson(`${svc.url}/participants`, { credentials: [legalPerson, vat, terms, generic] }, as(alpha)));
    expect(response.status, response.text).toBe(422);
    expect(findingsOf(response.body)).toContainEqual(['onboarding/type', '/credentials/3/type']);
  });

  it('refuses a statement about another party inside the participant\'s own LegalPerson', async () => {
    const { legalPerson, vat, terms } = participantDrafts(alpha.did);
    const smuggled = { ...legalPerson, credentialSubject: { ...legalPerson.credentialSubject, 'gx:parentOrganizationOf': { id: `${beta.did}#legal-person`, type: 'gx:LegalPerson', 'schema:name': 'Beta, owned by Alpha' } } };
    const response = await refused(() => postJson(`${svc.url}/participants`, { credentials: [smuggled, vat, terms] }, as(alpha)));
    expect(response.status, response.text).toBe(422);
    expect(findingsOf(response.body)).toContainEqual(['onboarding/subject', '/credentials/0/credentialSubject']);
  });

  it('refuses notary evidence the member wrote itself (no look-up happened)', async () => {
    const { legalPerson, vat, terms } = participantDrafts(alpha.did);
    const evidence = { 'gx:evidenceOf': 'gx:VatID', 'gx:evidenceURL': 'https://ec.europa.eu/taxation_customs/vies/', 'gx:executionDate': '2026-01-01T00:00:00Z' };
    const response = await refused(() => postJson(`${svc.url}/participants`, { credentials: [legalPerson, { ...vat, evidence }, terms] }, as(alpha)));
    expect(response.status, response.text).toBe(422);
    expect(findingsOf(response.body)).toContainEqual(['onboarding/credential-property', '/credentials/1/evidence']);
  });

  it('issues a registration number valid no longer than the notary\'s validity, whatever the draft asks', async () => {
    const { legalPerson, vat, terms } = participantDrafts(alpha.did);
    const response = await postJson(`${svc.url}/participants`, { credentials: [legalPerson, { ...vat, validUntil: '2099-01-01T00:00:00Z' }, terms] }, as(alpha));
    expect(response.status, response.text).toBe(201);
    const issued = payloadOf(response.body.credentials[1].jwt);
    expect(Date.parse(issued.validUntil) - Date.parse(issued.validFrom)).toBeLessThanOrEqual(90 * 86_400_000);
  });

  it('lets a member onboard only its own DID: 403 and an authorization.denied entry', async () => {
    const { legalPerson, vat, terms } = participantDrafts(beta.did);
    const response = await refused(() => postJson(`${svc.url}/participants`, { credentials: [legalPerson, vat, terms] }, as(alpha)), ['authorization.denied']);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('FORBIDDEN');
  });
});

describe('POST /service-offerings signs only the offering types, about the participant', () => {
  let legalPersonId: string;
  const offering = (did: string, subject: Record<string, unknown> = {}) => ({
    '@context': CONTEXT,
    type: ['VerifiableCredential', 'gx:ServiceOffering'],
    credentialSubject: {
      id: `${did}#service-offering`,
      type: 'gx:ServiceOffering',
      'schema:name': 'Inference API',
      'gx:providedBy': { id: `${alpha.did}#legal-person` },
      'gx:serviceOfferingTermsAndConditions': {
        type: 'gx:TermsAndConditions',
        'gx:url': { '@value': 'https://alpha.example/terms', '@type': 'xsd:anyURI' },
        'gx:hash': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      },
      'gx:dataProtectionRegime': 'GDPR2016',
      ...subject,
    },
  });

  beforeAll(async () => {
    const { legalPerson, vat, terms } = participantDrafts(alpha.did);
    const response = await postJson(`${svc.url}/participants`, { credentials: [legalPerson, vat, terms] }, as(alpha));
    expect(response.status, response.text).toBe(201);
    legalPersonId = response.body.credentials[0].id;
  });

  it('issues the participant\'s own offering (the control)', async () => {
    const response = await postJson(`${svc.url}/service-offerings`, { legalPerson: legalPersonId, credentials: [offering(alpha.did)] }, as(alpha));
    expect(response.status, response.text).toBe(201);
  });

  it('refuses a LegalPerson draft', async () => {
    const { legalPerson } = participantDrafts(alpha.did);
    const response = await refused(() => postJson(`${svc.url}/service-offerings`, { legalPerson: legalPersonId, credentials: [offering(alpha.did), legalPerson] }, as(alpha)));
    expect(response.status, response.text).toBe(422);
    expect(findingsOf(response.body)).toContainEqual(['onboarding/type', '/credentials/1/type/1']);
    expect(response.body.findings.find((f: any) => f.rule === 'onboarding/type').message).toContain('gx:LegalPerson');
  });

  it('refuses a label draft', async () => {
    const response = await refused(() => postJson(`${svc.url}/service-offerings`, { legalPerson: legalPersonId, credentials: [offering(alpha.did), labelDraft()] }, as(alpha)));
    expect(response.status, response.text).toBe(422);
    expect(findingsOf(response.body)).toContainEqual(['onboarding/type', '/credentials/1/type/1']);
  });

  it('refuses an offering about another member\'s node', async () => {
    const response = await refused(() => postJson(`${svc.url}/service-offerings`, { legalPerson: legalPersonId, credentials: [offering(beta.did)] }, as(alpha)));
    expect(response.status, response.text).toBe(422);
    expect(findingsOf(response.body)).toContainEqual(['onboarding/subject', '/credentials/0/credentialSubject/id']);
  });
});

describe('POST /credentials/issue never signs a reserved type', () => {
  const issue = (credential: Record<string, unknown>, headers: Record<string, string>) =>
    // vc+jwt: no JSON-LD processing of its own, so only the policy stands between a term and a signature.
    postJson(`${svc.url}/credentials/issue`, { credential, options: { format: credential['@context'] === undefined || (credential['@context'] as string[])[0] === V2 ? 'vc+jwt' : 'ldp_vc' } }, headers);

  it.each([
    ['gx:LabelCredential', () => labelDraft()],
    ['LabelCredential (a bare name a string-matching reader takes for a label)', () => ({ ...labelDraft(), '@context': [V2], type: ['VerifiableCredential', 'LabelCredential'] })],
    ['BitstringStatusListCredential', () => statusListDraft()],
    ['a Tagus compliance credential', () => ({ '@context': ['https://www.w3.org/2018/credentials/v1', 'https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#'], type: ['VerifiableCredential'], issuanceDate: '2026-01-01T00:00:00Z', credentialSubject: [{ id: 'https://alpha.example/vc/1', type: 'gx:compliance', 'gx:integrity': 'sha256-00' }] })],
  ])('from a member as its own DID: %s', async (_name, credential) => {
    const response = await refused(() => issue({ ...credential(), issuer: alpha.did }, as(alpha)));
    expect(response.status, response.text).toBe(422);
    expect(response.body).toMatchObject({ code: 'SIGNING_NOT_ALLOWED' });
    expect(response.body.pointer).toMatch(/^\/credential\/(credentialSubject\/0\/)?type/);
    expect(response.body.hint).toBeTruthy();
  });

  it.each([
    ['gx:LabelCredential', () => labelDraft()],
    ['gx:VatID (notarised only through POST /participants)', () => participantDrafts(OUTSIDER).vat],
    ['gx:LegalPerson', () => participantDrafts(OUTSIDER).legalPerson],
    ['BitstringStatusListCredential', () => statusListDraft()],
  ])('from an admin as the service: %s', async (_name, credential) => {
    const response = await refused(() => issue({ ...credential(), issuer: svc.service.keyring.did }, admin()));
    expect(response.status, response.text).toBe(422);
    expect(response.body.code).toBe('SIGNING_NOT_ALLOWED');
  });

  it('still issues generic credentials to an admin naming the service, and a member\'s own LegalPerson to the member naming itself', async () => {
    const generic = await issue({ '@context': [V2], type: ['VerifiableCredential'], issuer: svc.service.keyring.did, credentialSubject: { id: OUTSIDER } }, admin());
    expect(generic.status, generic.text).toBe(201);
    expect(payloadOf(generic.body.verifiableCredential.id.split(',')[1]).issuer).toBe(svc.service.keyring.did);
    const own = await issue({ ...participantDrafts(alpha.did).legalPerson, issuer: alpha.did }, as(alpha));
    expect(own.status, own.text).toBe(201);
    expect(payloadOf(own.body.verifiableCredential.id.split(',')[1]).issuer).toBe(alpha.did);
  });

  it('refuses a member asking to issue as the service: 403 and an authorization.denied entry', async () => {
    const response = await refused(() => issue({ '@context': [V2], type: ['VerifiableCredential'], issuer: svc.service.keyring.did, credentialSubject: { id: OUTSIDER } }, as(alpha)), ['authorization.denied']);
    expect(response.status).toBe(403);
  });
});

describe('POST /presentations/prove signs a member\'s presentation as the member only', () => {
  const presentation = (holder?: unknown) => ({ '@context': [V2], type: ['VerifiablePresentation'], ...(holder === undefined ? {} : { holder }) });
  const prove = (body: unknown, headers: Record<string, string>) => postJson(`${svc.url}/presentations/prove`, body, { ...headers, accept: 'application/vp+jwt' });

  it.each([
    ['a DID', () => alpha.did],
    ['an object with an id', () => ({ id: alpha.did })],
  ])('signs with holder given as %s as that member, never as the service, and audits it', async (_name, holder) => {
    const before = await svc.service.store.auditSize();
    const response = await prove({ presentation: presentation(holder()), options: { format: 'vp+jwt', challenge: 'n-1', domain: 'verifier.example' } }, as(alpha));
    expect(response.status, response.text).toBe(201);
    const jwt = response.text;
    expect(headerOf(jwt).kid.startsWith(`${alpha.did}#`)).toBe(true);
    expect(headerOf(jwt).iss).toBe(alpha.did);
    expect(payloadOf(jwt).holder).toEqual(holder());
    const verified = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: jwt, options: { challenge: 'n-1', domain: 'verifier.example' } });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.issuer).toBe(alpha.did);
    const entries = await svc.service.store.auditEntries(before, await svc.service.store.auditSize());
    expect(entries).toHaveLength(1);
    const entry = JSON.parse(entries[0]!.leaf);
    expect(entry).toMatchObject({ action: 'presentation.signed', actor: `member:${alpha.id}`, subject: alpha.did, details: { format: 'vp+jwt', holder: alpha.did } });
    expect(entry.digests.presentation).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each(['vp+sd-jwt', 'vp+cose'])('signs a %s as the member with its hosted key, as a vp+jwt, and audits it', async (format) => {
    const before = await svc.service.store.auditSize();
    const response = await postJson(`${svc.url}/presentations/prove`, { presentation: presentation(alpha.did), options: { format } }, as(alpha));
    expect(response.status, response.text).toBe(201);
    const envelope = response.body.verifiablePresentation;
    expect(envelope.type).toBe('EnvelopedVerifiablePresentation');
    expect(envelope.id.startsWith(`data:application/${format}`)).toBe(true);
    if (format === 'vp+sd-jwt') expect(headerOf(envelope.id.slice(envelope.id.indexOf(',') + 1).split('~')[0]).kid.startsWith(`${alpha.did}#`)).toBe(true);
    const verified = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: envelope });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body).toMatchObject({ verified: true, format, issuer: alpha.did });
    const entries = await svc.service.store.auditEntries(before, await svc.service.store.auditSize());
    expect(entries).toHaveLength(1);
    expect(JSON.parse(entries[0]!.leaf)).toMatchObject({ action: 'presentation.signed', actor: `member:${alpha.id}`, subject: alpha.did, details: { format, holder: alpha.did } });
  });

  it.each([
    ['the service\'s DID', () => svc.service.keyring.did],
    ['the service\'s DID as {id}', () => ({ id: svc.service.keyring.did })],
    ['another member\'s DID as {id}', () => ({ id: beta.did })],
  ])('refuses a member presenting as %s: 403 and an authorization.denied entry', async (_name, holder) => {
    const response = await refused(() => prove({ presentation: presentation(holder()), options: { format: 'vp+jwt' } }, as(alpha)), ['authorization.denied']);
    expect(response.status, response.text).toBe(403);
    expect(response.body.code).toBe('FORBIDDEN');
  });

  it('refuses a holder that is neither a DID nor an object with an id', async () => {
    const response = await refused(() => prove({ presentation: presentation({ name: 'no id' }), options: { format: 'vp+jwt' } }, as(alpha)));
    expect(response.status).toBe(400);
    expect(response.body.pointer).toBe('/presentation/holder');
  });

  it('signs an admin\'s presentation as the service, audited', async () => {
    const before = await svc.service.store.auditSize();
    const response = await prove({ presentation: presentation(), options: { format: 'vp+jwt' } }, admin());
    expect(response.status, response.text).toBe(201);
    expect(payloadOf(response.text).holder).toBe(svc.service.keyring.did);
    expect(await auditActions(before)).toEqual(['presentation.signed']);
  });
});

/**
 * Every route that has something signed, from the app's router stack, each held to a request its
 * module's policy refuses. A route whose caller does not choose what is signed (the engine builds
 * the label, the status-list module the list) is held to its module's signer refusing a type
 * outside its rows.
 */
describe('every route that has something signed', () => {
  type OutOfPolicy =
    | { request: () => { body: unknown; headers: Record<string, string> }; status: number; code: string; finding?: string }
    | { callerChoosesContent: false };

  let legalPersonId: string;
  beforeAll(async () => {
    const response = await postJson(`${svc.url}/participants`, { credentials: Object.values(participantDrafts(alpha.did)) }, as(alpha));
    expect(response.status, response.text).toBe(201);
    legalPersonId = response.body.credentials[0].id;
  });

  const OUT_OF_POLICY: Record<string, OutOfPolicy> = {
    'post /credentials/issue': { request: () => ({ body: { credential: { ...labelDraft(), issuer: alpha.did } }, headers: as(alpha) }), status: 422, code: 'SIGNING_NOT_ALLOWED' },
    'post /presentations/prove': { request: () => ({ body: { presentation: { '@context': [V2], type: ['VerifiablePresentation'], holder: { id: svc.service.keyring.did } }, options: { format: 'vp+jwt' } }, headers: as(alpha) }), status: 403, code: 'FORBIDDEN' },
    'post /participants': { request: () => ({ body: { credentials: [...Object.values(participantDrafts(alpha.did)), labelDraft()] }, headers: as(alpha) }), status: 422, code: 'SELF_DESCRIPTION_INVALID', finding: 'onboarding/type' },
    'post /service-offerings': { request: () => ({ body: { legalPerson: legalPersonId, credentials: [participantDrafts(alpha.did).legalPerson] }, headers: as(alpha) }), status: 422, code: 'SELF_DESCRIPTION_INVALID', finding: 'onboarding/type' },
    'post /compliance': { callerChoosesContent: false },
    'post /api/credential-offers': { callerChoosesContent: false },
    'post /api/credential-offers/standard-compliance': { callerChoosesContent: false },
    'post /api/credential-offers/label-level-1': { callerChoosesContent: false },
    'post /api/credential-offers/label-level-2': { callerChoosesContent: false },
    'post /api/credential-offers/label-level-3': { callerChoosesContent: false },
    'get /status-lists/:id': { callerChoosesContent: false },
    // The member's own journey: the path names whose credentials are presented and as whom; a
    // member naming another (here no member at all) is answered 404 with nothing signed.
    'post /members/:id/presentations': { request: () => ({ body: { credentials: [legalPersonId] }, headers: as(alpha) }), status: 404, code: 'NOT_FOUND' },
    'post /members/:id/labels': { callerChoosesContent: false },
    // The wallet names a configuration and a key; the content is a stored credential's (test/wallets/).
    'post /openid4vci/credential': { callerChoosesContent: false },
    'post /openid4vci/deferred-credential': { callerChoosesContent: false },
  };

  /** A credential outside a module's rows: a type none of its rows signs. */
  function outsideOf(module: SigningModule): Record<string, unknown> {
    // Wallet copies are of participant, offering and label credentials: a generic credential is none of them.
    if (module === 'wallets') return { '@context': CONTEXT, type: ['VerifiableCredential'], issuer: svc.service.keyring.did, credentialSubject: { id: 'did:web:not-a-member.example' } };
    return module === 'status-lists' || module === 'compliance' || module === 'credentials-api'
      ? participantDrafts(svc.service.keyring.did).vat
      : labelDraft();
  }

  async function signatures(): Promise<Record<string, number>> {
    const metric = svc.service.metrics!.registry.getSingleMetric('gx_signatures_total');
    const values = (await metric!.get()).values;
    const counts: Record<string, number> = {};
    for (const v of values) if (v.labels['outcome'] === 'signed') counts[String(v.labels['module'])] = v.value;
    return counts;
  }

  const delta = (before: Record<string, number>, after: Record<string, number>) =>
    Object.fromEntries(Object.entries(after).filter(([module, n]) => n !== (before[module] ?? 0)).map(([module, n]) => [module, n - (before[module] ?? 0)]));

  const operationOf = (route: string): Route<never> => {
    const op = ROUTES.find((o) => `${o.method} ${o.path}` === route);
    if (op === undefined) throw new Error(`${route} has no route-table entry`);
    return op;
  };

  it('names, for each, its signing-policy module, and every module of the policy is some route\'s', () => {
    const routes = appRoutes(svc.service.app);
    const signing = routes.filter((route) => operationOf(route).signing !== undefined);
    expect(signing.filter((route) => OUT_OF_POLICY[route] === undefined), 'signing routes without an out-of-policy case here').toEqual([]);
    expect(Object.keys(OUT_OF_POLICY).filter((route) => !signing.includes(route)), 'cases for routes that do not sign').toEqual([]);
    const modules = new Set(signing.map((route) => operationOf(route).signing));
    expect([...modules].sort()).toEqual([...new Set(SIGNING_POLICY.map((rule) => rule.module))].sort());
  });

  it('has nothing signed on a route that names no module, and only by its own module on one that does', async () => {
    // Any route that verifies may have the service re-sign its own status list (the status check
    // reads it locally): that module's signature is no route's choice.
    const indirect = new Set<string>(['status-lists']);
    // The state the examples presume: the member their paths name, a list for GET /status-lists/:id.
    expect((await postJson(`${svc.url}/members`, exampleMember, admin())).status).toBe(201);
    const pathValues: Record<string, string> = { id: exampleMember.slug, slug: exampleMember.slug, keyId: 'key-0', index: '0', credentialId: 'urn:uuid:0', kind: 'rsa' };
    const routes = appRoutes(svc.service.app).sort((a, b) => Number(a.startsWith('get ')) - Number(b.startsWith('get ')));
    const signedBy: Record<string, Record<string, number>> = {};
    for (const route of routes) {
      const op = operationOf(route);
      const example = op.request?.example;
      const params: Record<string, string> = { ...pathValues, ...(op.path === '/status-lists/:id' ? { id: 'suspension-0' } : {}), ...example?.params };
      if (op.path === '/status-lists/:id') {
        const issued = await postJson(`${svc.url}/credentials/issue`, { credential: { '@context': [V2], type: ['VerifiableCredential'], issuer: svc.service.keyring.did, credentialSubject: { id: OUTSIDER } }, options: { credentialStatus: ['suspension'] } }, admin());
        expect(issued.status, issued.text).toBe(201);
      }
      const path = op.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => encodeURIComponent(params[name] ?? 'x'));
      const mediaType = op.request?.mediaTypes?.[0] ?? 'application/json';
      const before = await signatures();
      const response = await fetch(`${svc.url}${path}${op.path === '/status-lists/:id' ? '?format=vc+jwt' : ''}`, {
        method: op.method.toUpperCase(),
        headers: { ...admin(), ...(example === undefined ? {} : { 'content-type': mediaType }) },
        ...(example === undefined ? {} : { body: typeof example.body === 'string' ? example.body : JSON.stringify(exampleBody(example.body, svc.service.keyring.did)) }),
      });
      await response.arrayBuffer();
      const changed = delta(before, await signatures());
      if (Object.keys(changed).length > 0) signedBy[route] = changed;
      for (const module of Object.keys(changed)) {
        if (module !== op.signing) expect(indirect.has(module), `${route} had ${module} sign`).toBe(true);
      }
    }
    // The sweep reached the modules whose examples succeed (the others are refusals by design).
    expect(signedBy['post /credentials/issue']).toMatchObject({ 'credentials-api': 1 });
    expect(signedBy['post /presentations/prove']).toMatchObject({ presentations: 1 });
    expect(signedBy['post /participants']).toMatchObject({ participants: examples.onboardParticipant.body.participant.registrationNumbers.length + 2 });
    expect(signedBy['get /status-lists/:id']).toMatchObject({ 'status-lists': 1 });
  });

  it.each(Object.entries(OUT_OF_POLICY))('%s refuses what its policy does not allow, with nothing signed', async (route, outOfPolicy) => {
    const op = operationOf(route);
    const module = op.signing!;
    const before = await signatures();
    if ('request' in outOfPolicy) {
      const { body, headers } = outOfPolicy.request();
      const response = await postJson(`${svc.url}${op.path}`, body, headers);
      expect(response.status, response.text).toBe(outOfPolicy.status);
      expect(response.body.code).toBe(outOfPolicy.code);
      if (outOfPolicy.finding !== undefined) expect(response.body.findings.map((f: any) => f.rule)).toContain(outOfPolicy.finding);
    } else {
      await expect(
        svc.service.signing.signerFor(module).issueCredential(outsideOf(module), {}, { caller: { actor: 'test', role: module === 'status-lists' ? 'service' : 'admin' } }),
      ).rejects.toMatchObject({ code: 'SIGNING_NOT_ALLOWED' });
    }
    // A route that verifies what it was given (the LegalPerson a service offering names) may have
    // the service re-sign a status list that changed since it was last read (onboarding alpha
    // again above superseded its previous set): as in the sweep, no route's choice of content.
    const signed = delta(before, await signatures());
    if (module !== 'status-lists') delete signed['status-lists'];
    expect(signed).toEqual({});
  });
});
