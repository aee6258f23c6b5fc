/**
 * The signing policy as a library, on a running service's own keys and store: every row of the
 * table signs what it allows and refuses a type outside it (derived from SIGNING_POLICY, so a new
 * row is covered without a new test); callers are held to their DIDs (403 with an
 * authorization.denied entry); and a module that signs for a participant states nothing about
 * anyone else, however the JSON-LD is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GX, IPCEI } from '../../src/danube/namespaces.js';
import {
  SIGNING_POLICY,
  TAGUS_GX,
  type SigningCaller,
  type SigningIdentity,
  type SigningModule,
  type SigningRule,
  type TypeMatcher,
} from '../../src/issuing/signing-policy.js';
import { startService, type RunningService } from '../helpers/service.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const CONTEXT = [V2, 'https://w3id.org/gaia-x/development#'];
const PARTICIPANT = 'did:web:participant.example';

let svc: RunningService;
let member: { id: string; did: string };
let other: { id: string; did: string };

beforeAll(async () => {
  svc = await startService();
  member = await svc.service.members.create({ slug: 'signer', name: 'Signer GmbH' }, 'test');
  other = await svc.service.members.create({ slug: 'someone-else', name: 'Else GmbH' }, 'test');
});
afterAll(async () => {
  await svc?.close();
});

const signer = (module: SigningModule) => svc.service.signing.signerFor(module);
const callerFor = (role: SigningCaller['role']): SigningCaller =>
  role === 'member' ? { actor: `member:${member.id}`, role, dids: [member.did] } : { actor: `test:${role}`, role };

function didFor(identity: SigningIdentity): string {
  if (identity === 'service-did-web') return svc.service.keyring.did;
  if (identity === 'service-did-key') return svc.service.keyring.didKey('P-256').did;
  return member.did;
}

const iriOf = (matcher: TypeMatcher) => ('iri' in matcher ? matcher.iri : `${matcher.namespace}AnyType`);

/** A credential of one type, about a node of `owner`. */
function typed(type: string | undefined, issuer: string, owner: string): Record<string, unknown> {
  return {
    '@context': CONTEXT,
    type: type === undefined ? ['VerifiableCredential'] : ['VerifiableCredential', type],
    issuer,
    credentialSubject: { id: `${owner}#node`, [`${GX}name`]: 'x' },
  };
}

/** One type each row signs, and one it refuses. */
function typesFor(rule: SigningRule): { inside: string | undefined; outside: string } {
  if (rule.types === undefined) throw new Error(`${rule.module} signs no credentials`);
  if ('only' in rule.types) {
    const only = rule.types.only;
    const candidates = [`${GX}LabelCredential`, `${GX}VatID`, 'https://www.w3.org/ns/credentials/status#BitstringStatusListCredential', `${IPCEI}AIModelProfile`];
    const outside = candidates.find((iri) => !only.some((m) => ('iri' in m ? m.iri === iri : iri.startsWith(m.namespace))));
    return { inside: iriOf(only[0]!), outside: outside! };
  }
  return { inside: undefined, outside: iriOf(rule.types.except[0]!) };
}

const credentialRules = SIGNING_POLICY.filter((rule) => rule.signs === 'credential');

describe.each(credentialRules.map((rule) => [`${rule.module} (${rule.callers.join(', ')} as ${rule.as.join(', ')})`, rule] as const))('the row %s', (_name, rule) => {
  // The row's last caller and identity (for the VC-API: a member as itself, an admin as did:key).
  const setup = () => {
    const caller = callerFor(rule.callers[rule.callers.length - 1]!);
    const issuer = didFor(rule.as[rule.as.length - 1]!);
    // A member has onboarding sign for itself only.
    const party = caller.role === 'member' ? member.did : PARTICIPANT;
    const owner = rule.subjects === 'on-behalf-of' ? party : issuer;
    return { issuer, owner, request: { caller, ...(rule.subjects === 'on-behalf-of' ? { onBehalfOf: party } : {}) }, ...typesFor(rule) };
  };

  it('signs a type inside it', async () => {
    const { issuer, owner, request, inside } = setup();
    const issued = await signer(rule.module).issueCredential(typed(inside, issuer, owner), { format: 'vc+jwt', alg: 'ES256' }, request);
    expect(issued.format).toBe('vc+jwt');
  });

  it('refuses a type outside it with SIGNING_NOT_ALLOWED, a pointer at the type and a hint', async () => {
    const { issuer, owner, request, outside } = setup();
    const before = await svc.service.store.auditSize();
    await expect(signer(rule.module).issueCredential(typed(outside, issuer, owner), { format: 'vc+jwt', alg: 'ES256' }, request)).rejects.toMatchObject({
      code: 'SIGNING_NOT_ALLOWED',
      status: 422,
      pointer: '/credential/type/1',
      hint: expect.any(String),
    });
    expect(await svc.service.store.auditSize()).toBe(before);
  });
});

describe('who may have a module sign as whom', () => {
  const generic = (issuer?: string) => ({ '@context': [V2], type: ['VerifiableCredential'], ...(issuer === undefined ? {} : { issuer }), credentialSubject: { id: PARTICIPANT } });

  async function deniedEntries(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
    const before = await svc.service.store.auditSize();
    await expect(run()).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    return (await svc.service.store.auditEntries(before, await svc.service.store.auditSize())).map((e) => JSON.parse(e.leaf));
  }

  it('refuses a role no row names, with an authorization.denied entry', async () => {
    const entries = await deniedEntries(() => signer('credentials-api').issueCredential(generic(), {}, { caller: { actor: 'test:connector', role: 'connector' } }));
    expect(entries).toMatchObject([{ action: 'authorization.denied', actor: 'test:connector', details: { role: 'connector', module: 'credentials-api' } }]);
  });

  it.each([
    ['the service\'s did:web', () => svc.service.keyring.did],
    ['the service\'s did:key', () => svc.service.keyring.didKey('Ed25519').did],
    ['another member', () => other.did],
    ['a DID the service holds no key of', () => 'did:web:elsewhere.example'],
  ])('refuses a member signing as %s', async (_name, did) => {
    const entries = await deniedEntries(() => signer('credentials-api').issueCredential(generic(did()), {}, { caller: callerFor('member') }));
    expect(entries).toMatchObject([{ action: 'authorization.denied', subject: did() }]);
  });

  it('signs a member\'s credential as the member when it names the member', async () => {
    const issued = await signer('credentials-api').issueCredential(generic(member.did), { format: 'vc+jwt', alg: 'ES256' }, { caller: callerFor('member') });
    expect(issued.format === 'vc+jwt' && JSON.parse(Buffer.from(issued.jwt.split('.')[1]!, 'base64url').toString()).issuer).toBe(member.did);
  });

  it.each([
    ['a member: its own DID only', () => callerFor('member'), () => `Name the issuer: ${member.did}`],
    [
      'an admin: the service\'s did:web and did:keys (the BLS12-381 one too), or a hosted member',
      () => callerFor('admin'),
      () => `Name the issuer: ${svc.service.keyring.did}, ${svc.service.keyring.didKey('Ed25519').did}, ${svc.service.keyring.didKey('P-256').did}, ${svc.service.keyring.didKey('P-384').did}, ${svc.service.keyring.didKey('P-521').did}, ${svc.service.keyring.bbsKey()!.didKey.did} or the DID of a member this service hosts`,
    ],
  ])('refuses a VC-API credential that names no issuer (400 at /credential/issuer), nothing signed or audited; the hint names what %s', async (_name, caller, hint) => {
    const before = await svc.service.store.auditSize();
    await expect(signer('credentials-api').issueCredential(generic(), { format: 'vc+jwt', alg: 'ES256' }, { caller: caller() })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      status: 400,
      pointer: '/credential/issuer',
      hint: hint(),
    });
    expect(await svc.service.store.auditSize()).toBe(before);
  });

  it('still signs as the service\'s did:web where a row fixes the issuer (onboarding, as notary) and the draft names none', async () => {
    const draft = { ...typed(`${GX}VatID`, svc.service.keyring.did, PARTICIPANT), issuer: undefined };
    const issued = await signer('participants').issueCredential(JSON.parse(JSON.stringify(draft)), { format: 'vc+jwt', alg: 'ES256' }, { caller: callerFor('admin'), onBehalfOf: PARTICIPANT });
    expect(issued.format === 'vc+jwt' && JSON.parse(Buffer.from(issued.jwt.split('.')[1]!, 'base64url').toString()).issuer).toBe(svc.service.keyring.did);
  });

  it('answers an admin naming a DID the service holds no key of with 400, not a signature', async () => {
    await expect(signer('credentials-api').issueCredential(generic('did:web:elsewhere.example'), {}, { caller: callerFor('admin') })).rejects.toMatchObject({ code: 'INVALID_INPUT', status: 400 });
  });

  it('refuses onboarding on behalf of a DID the member does not hold', async () => {
    const entries = await deniedEntries(() => signer('participants').authorizeOnBehalfOf(callerFor('member'), other.did));
    expect(entries).toMatchObject([{ action: 'authorization.denied', subject: other.did, details: { module: 'participants' } }]);
  });

  it('reads a presentation\'s holder as a DID or as {id}, the same way for the check and the signature', async () => {
    const presentation = (holder: unknown) => ({ '@context': [V2], type: ['VerifiablePresentation'], holder });
    await deniedEntries(() => signer('presentations').signPresentation(presentation({ id: svc.service.keyring.did }), { format: 'vp+jwt' }, { caller: callerFor('member') }));
    const signed = await signer('presentations').signPresentation(presentation({ id: member.did }), { format: 'vp+jwt' }, { caller: callerFor('member') });
    expect(signed.format === 'vp+jwt' && JSON.parse(Buffer.from(signed.jwt.split('.')[0]!, 'base64url').toString()).iss).toBe(member.did);
  });

  it('gives the status-list module to the service alone', async () => {
    await deniedEntries(() => signer('status-lists').issueCredential(typed('https://www.w3.org/ns/credentials/status#BitstringStatusListCredential', svc.service.keyring.did, svc.service.keyring.did), {}, { caller: callerFor('admin') }));
  });
});

describe('types are judged as JSON-LD reads them, and as string-matching readers do', () => {
  const asService = { caller: { actor: 'test:admin', role: 'admin' as const } };
  const attempt = (credential: Record<string, unknown>) => signer('credentials-api').issueCredential(credential, { format: 'vc+jwt', alg: 'ES256' }, asService);

  it.each([
    ['gx:LabelCredential', CONTEXT, 'gx:LabelCredential'],
    ['the 25.11 namespace IRI', [V2], 'https://w3id.org/gaia-x/2511#LegalPerson'],
    ['a bare LabelCredential no context defines', [V2], 'LabelCredential'],
    ['gx:VatID without the context that defines gx:', [V2], 'gx:VatID'],
    ['the context term LegalPerson', CONTEXT, 'LegalPerson'],
  ])('refuses %s as the service', async (_name, context, type) => {
    await expect(attempt({ '@context': context, type: ['VerifiableCredential', type], issuer: svc.service.keyring.did, credentialSubject: { id: PARTICIPANT } })).rejects.toMatchObject({ code: 'SIGNING_NOT_ALLOWED' });
  });

  it('refuses a Tagus compliance credential, typed through its subjects', async () => {
    await expect(
      signer('credentials-api').issueCredential(
        // The Tagus context's URL is its vocabulary's namespace.
        { '@context': ['https://www.w3.org/2018/credentials/v1', TAGUS_GX], type: ['VerifiableCredential'], issuer: svc.service.keyring.did, issuanceDate: '2026-01-01T00:00:00Z', credentialSubject: [{ id: 'https://x.example/vc/1', type: 'gx:compliance' }] },
        { format: 'ldp_vc' },
        asService,
      ),
    ).rejects.toMatchObject({ code: 'SIGNING_NOT_ALLOWED', pointer: '/credential/credentialSubject/0/type' });
  });

  it('refuses a context outside the pinned set wherever JSON-LD processing meets it, before any signature', async () => {
    const credential = { '@context': [V2], type: ['VerifiableCredential'], issuer: svc.service.keyring.did, credentialSubject: { '@context': 'https://evil.example/ctx', id: PARTICIPANT } };
    await expect(attempt(credential)).rejects.toMatchObject({ code: 'CONTEXT_NOT_ALLOWED' });
  });
});

describe('a module that signs for a participant states nothing about anyone else', () => {
  const request = { caller: { actor: 'test:admin', role: 'admin' as const }, onBehalfOf: PARTICIPANT };
  const offering = (subject: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    '@context': CONTEXT,
    type: ['VerifiableCredential', 'gx:ServiceOffering'],
    credentialSubject: { id: `${PARTICIPANT}#offering`, type: 'gx:ServiceOffering', ...subject },
    ...extra,
  });
  const review = (credential: Record<string, unknown>) => signer('service-offerings').review(credential, request);

  it('accepts links to other parties\' nodes by id alone', async () => {
    const { refusal } = await review(offering({ 'gx:dependsOn': [{ id: 'did:web:cloud.example#compute' }], 'gx:providedBy': { id: `${PARTICIPANT}#legal-person` } }));
    expect(refusal).toBeUndefined();
  });

  it.each([
    ['a subject of another DID', offering({ id: 'did:web:victim.example#offering' })],
    ['a DID that only starts like the participant\'s', offering({ id: `${PARTICIPANT}.evil#offering` })],
    ['a DID path under the participant\'s', offering({ id: `${PARTICIPANT}:sub#offering` })],
    ['a nested node with claims about another DID', offering({ 'gx:dependsOn': { id: 'did:web:victim.example#so', type: 'gx:ServiceOffering', 'schema:name': 'Victim offering' } })],
    ['an @reverse statement about another DID', offering({ '@reverse': { 'gx:providedBy': { id: 'did:web:victim.example#so' } } })],
    ['an @included node about another DID', offering({ '@included': [{ id: 'did:web:victim.example#lp', type: 'gx:LegalPerson' }] })],
    ['a blank subject', offering({ id: undefined })],
    ['a credential id that is not the service\'s to give', offering({}, { id: 'https://trust.example/status-lists/revocation-0' })],
  ])('refuses %s', async (_name, credential) => {
    const { refusal } = await review(JSON.parse(JSON.stringify(credential)) as Record<string, unknown>);
    expect(refusal).toMatchObject({ reason: 'subject', pointer: expect.stringMatching(/^\//), hint: expect.any(String) });
  });
});
