/**
 * One rule set, run early: every broken variant of a participant goes through onboarding
 * (POST /participants, POST /service-offerings) and, as the credentials onboarding would have
 * issued for it, through the compliance engine (POST /compliance, dry run). Both must refuse it,
 * for the same reason (the same error code). So nothing onboarding issues is refused later for a
 * reason that was knowable when it issued.
 *
 * The compliance side is built without onboarding's checks: the drafts onboarding writes
 * (participantCredentials) or receives, signed as the service signs them (vc+jwt, Danube profile,
 * a notary's 90 days for registration numbers), with the member's own signed credentials, in a
 * presentation the member signs.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { participantCredentials, type ParticipantInput } from '../../src/danube/onboarding/index.js';
import { postJson } from '../helpers/service.js';
import { CONTEXT, createParty, CURRENT_TC, daysFromNow, serviceOffering, startComplianceWorld, type ComplianceWorld, type Party } from '../compliance/fixtures.js';

type Json = Record<string, any>;

let world: ComplianceWorld;
let member: Party;
let other: Party;

beforeAll(async () => {
  world = await startComplianceWorld();
  member = await createParty(world.server, 'agreeing', world.ca);
  other = await createParty(world.server, 'someone-else', world.ca);
});
afterAll(async () => {
  await world?.close();
});

const address = { countryCode: 'DE', region: 'DE30', locality: 'Berlin', streetAddress: 'Sample Street 1', postalCode: '10115' };
const VAT = { type: 'gx:VatID', value: 'DE136695976', countryCode: 'DE' } as const;
const LEI = { type: 'gx:LeiCode', value: '9695007586GCAKPYJ703', countryCode: 'DE' } as const;

function participant(overrides: Partial<ParticipantInput> = {}): ParticipantInput {
  return {
    id: member.did,
    name: 'Agreeing GmbH',
    legalAddress: address,
    headquartersAddress: address,
    registrationNumbers: [VAT, LEI],
    termsAndConditions: CURRENT_TC,
    ...overrides,
  };
}

/** The member's own credentials (unsigned; a variant signs the ones it sends signed). */
const lpId = () => `${member.did}#legal-person`;
const vatNode = () => `${member.did}#vat`;
function legalPerson(subject: Json = {}, type = 'gx:LegalPerson'): Json {
  const place = { type: 'gx:Address', 'gx:countryCode': 'DE', 'vcard:region': 'DE30' };
  return {
    '@context': CONTEXT,
    type: ['VerifiableCredential', type],
    credentialSubject: { id: lpId(), type, 'schema:name': 'Agreeing GmbH', 'gx:legalAddress': place, 'gx:headquartersAddress': place, 'gx:registrationNumber': { id: vatNode() }, ...subject },
  };
}
function vatId(): Json {
  return { '@context': CONTEXT, type: ['VerifiableCredential', 'gx:VatID'], credentialSubject: { id: vatNode(), type: 'gx:VatID', 'gx:vatID': 'DE136695976', 'gx:countryCode': 'DE' } };
}
function terms(context: unknown[] = CONTEXT): Json {
  return { '@context': context, type: ['VerifiableCredential', 'gx:Issuer'], credentialSubject: { id: `${member.did}#issuer`, type: 'gx:Issuer', 'gx:gaiaxTermsAndConditions': CURRENT_TC } };
}

/** Signed by `by` (the member unless said otherwise), as a member signs its own credentials. */
const signed = (credential: Json, by: Party = member) => by.sign({ ...credential, id: `urn:uuid:${randomUUID()}`, validFrom: daysFromNow(-1), validUntil: daysFromNow(180) });

interface Variant {
  name: string;
  /** Whether onboarding issued this before it ran the compliance rules (the disagreement this test ends). */
  issuedBefore: boolean;
  path: '/participants' | '/service-offerings';
  /** The onboarding request; credentials are drafts (objects) or signed (JWT strings). */
  body: () => Promise<Json>;
  /** The code both must refuse it with. */
  code: string;
}

const DRAFTS_OF = (input: ParticipantInput) => participantCredentials(input).map((generated) => generated.document);

const VARIANTS: Variant[] = [
  {
    name: 'a LEI marked FR for a company whose legal address is in DE (the README example before this change)',
    issuedBefore: true,
    path: '/participants',
    body: async () => ({ participant: participant({ registrationNumbers: [VAT, { ...LEI, countryCode: 'FR' }] }) }),
    code: 'COUNTRY_MISMATCH',
  },
  {
    name: 'a VAT id written with spaces and the prefix of another member state',
    issuedBefore: true,
    path: '/participants',
    body: async () => ({ participant: participant({ registrationNumbers: [{ type: 'gx:VatID', value: 'FR 40 303 265 045', countryCode: 'DE' }] }) }),
    code: 'COUNTRY_MISMATCH',
  },
  {
    name: 'a LEI whose legal address subdivision is in another country',
    issuedBefore: true,
    path: '/participants',
    body: async () => ({ participant: participant({ registrationNumbers: [VAT, { ...LEI, subdivisionCountryCode: 'FR-IDF' }] }) }),
    code: 'COUNTRY_MISMATCH',
  },
  {
    name: 'no terms and conditions',
    issuedBefore: false,
    path: '/participants',
    body: async () => ({ participant: participant({ termsAndConditions: undefined }) }),
    code: 'SHAPE_VIOLATION',
  },
  {
    name: 'no registration number',
    issuedBefore: false,
    path: '/participants',
    body: async () => ({ participant: participant({ registrationNumbers: [] }) }),
    code: 'REGISTRATION_NUMBER_MISSING',
  },
  {
    name: 'a LegalPerson the member signed, with the terms in a gx:Issuer gx-trust would issue instead of the member',
    issuedBefore: true,
    path: '/participants',
    body: async () => ({ credentials: [await signed(legalPerson()), vatId(), terms()] }),
    code: 'TERMS_NOT_ACCEPTED',
  },
  {
    name: 'a registration number the member signed itself instead of a notary',
    issuedBefore: true,
    path: '/participants',
    body: async () => ({ credentials: [await signed(legalPerson()), await signed(vatId()), await signed(terms())] }),
    code: 'UNTRUSTED_NOTARY',
  },
  {
    name: 'a LegalPerson about the member signed by another party',
    issuedBefore: true,
    path: '/participants',
    body: async () => ({ credentials: [await signed(legalPerson(), other), vatId(), await signed(terms())] }),
    code: 'UNTRUSTED_ISSUER',
  },
  {
    name: 'a gx:Issuer credential whose contexts do not define gx: (JSON-LD reads its terms as IRIs of the scheme gx)',
    issuedBefore: true,
    path: '/participants',
    body: async () => ({ credentials: [await signed(legalPerson()), vatId(), await signed(terms(['https://www.w3.org/ns/credentials/v2']))] }),
    code: 'PREFIX_NOT_DEFINED',
  },
  {
    name: 'the Tagus term gx:legalName on the LegalPerson',
    issuedBefore: false,
    path: '/participants',
    body: async () => ({ credentials: [await signed(legalPerson({ 'gx:legalName': 'Agreeing GmbH' })), vatId(), await signed(terms())] }),
    code: 'TAGUS_TERM',
  },
  {
    name: 'a Tagus gx:LegalParticipant instead of a gx:LegalPerson',
    issuedBefore: false,
    path: '/participants',
    body: async () => ({ credentials: [legalPerson({}, 'gx:LegalParticipant'), vatId(), terms()] }),
    code: 'TAGUS_TERM',
  },
  {
    name: 'a service offering that aggregates a resource nobody presents (a dangling reference)',
    issuedBefore: false,
    path: '/service-offerings',
    body: async () => ({ legalPerson: await onboardedLegalPersonId(), credentials: [offering({ 'gx:aggregationOfResources': { id: `${member.did}#model` } })] }),
    code: 'DANGLING_REFERENCE',
  },
];

/** The fixtures' offering as an unsigned draft for the onboarded LegalPerson (gx-trust fills issuer, id and dates). */
function offering(subject: Json = {}): Json {
  const { issuer: _issuer, id: _id, validFrom: _from, validUntil: _until, ...draft } = serviceOffering(member.did, { 'gx:providedBy': { id: lpId() }, ...subject });
  return draft;
}

let onboardedParticipant: { legalPersonId: string; jwts: string[] } | undefined;
async function onboarded(): Promise<{ legalPersonId: string; jwts: string[] }> {
  if (onboardedParticipant === undefined) {
    const response = await postJson(`${world.service.url}/participants`, { participant: participant() }, world.auth);
    expect(response.status, response.text).toBe(201);
    onboardedParticipant = { legalPersonId: response.body.credentials[0].id, jwts: response.body.credentials.map((c: { jwt: string }) => c.jwt) };
  }
  return onboardedParticipant;
}
const onboardedLegalPersonId = async () => (await onboarded()).legalPersonId;

/**
 * What onboarding would issue for this body without its checks: each draft signed as the service
 * signs it (a registration number for the notary's 90 days), each signed credential as sent. A
 * service offering is presented with the participant's onboarded credentials.
 */
async function issuedWithoutChecks(path: Variant['path'], body: Json): Promise<string[]> {
  const items: unknown[] = 'participant' in body ? DRAFTS_OF(body['participant'] as ParticipantInput) : body['credentials'];
  const jwts: string[] = [];
  for (const item of items) {
    if (typeof item === 'string') {
      jwts.push(item);
      continue;
    }
    const draft = item as Json;
    const isNumber = ['gx:VatID', 'gx:LeiCode', 'gx:EORI', 'gx:EUID', 'gx:TaxID', 'gx:LocalRegistrationNumber'].some((t) => draft['type'].includes(t));
    jwts.push((await world.notarise({ ...draft, id: `urn:uuid:${randomUUID()}`, ...(isNumber ? { validUntil: daysFromNow(90) } : {}) })).jwt);
  }
  return path === '/service-offerings' ? [...(await onboarded()).jwts, ...jwts] : jwts;
}

/** A Danube validator finding without a code of its own is SHAPE_VIOLATION to the compliance shapes rule. */
const codeOf = (finding: { code?: string; rule: string }) => finding.code ?? (finding.rule.startsWith('onboarding/') ? finding.rule : 'SHAPE_VIOLATION');

describe('onboarding and compliance agree on every broken variant of a participant', () => {
  it('accepts the participant itself at both (the control)', async () => {
    const body = { participant: participant() };
    const onboarding = await postJson(`${world.service.url}/participants`, body, world.auth);
    expect(onboarding.status, onboarding.text).toBe(201);
    const decision = await postJson(`${world.service.url}/compliance`, { presentation: await member.present(await issuedWithoutChecks('/participants', body)), options: { labelLevel: 'SC', dryRun: true } }, world.auth);
    expect(decision.status, decision.text).toBe(200);
    expect(decision.body.outcome).toBe('dry-run-passed');
  });

  it.each(VARIANTS)('$name: both refuse it with $code, for the same reasons', async ({ path, body: build, code }) => {
    const body = await build();
    const before = await world.service.service.store.auditSize();
    const onboarding = await postJson(`${world.service.url}${path}`, body, world.auth);
    expect(onboarding.status, onboarding.text).toBe(422);
    expect(await world.service.service.store.auditSize(), 'onboarding issued nothing').toBe(before);
    const violations = onboarding.body.findings.filter((f: { severity: string }) => f.severity === 'violation');
    expect(violations.map(codeOf), onboarding.text).toContain(code);
    // Pointed into the request body as sent.
    const finding = violations.find((f: { code?: string; rule: string }) => codeOf(f) === code);
    expect(finding.pointer.startsWith(path === '/participants' ? ('participant' in body ? '/participant' : '/credentials') : '/credentials')).toBe(true);

    const vp = await member.present(await issuedWithoutChecks(path, body));
    const decision = await postJson(`${world.service.url}/compliance`, { presentation: vp, options: { labelLevel: 'SC', dryRun: true } }, world.auth);
    expect(decision.status, decision.text).toBe(422);
    // The same reasons on both sides, not only the one the variant is about.
    const unique = (codes: string[]) => [...new Set(codes)].sort();
    expect(unique(decision.body.findings.map((f: { code: string }) => f.code)), decision.text).toEqual(unique(violations.map(codeOf)));
  });
});

describe('VAT ids onboarding normalizes before it checks and writes them', () => {
  it('writes "de 136.695.976" and "136 695 976" (with countryCode DE) as DE136695976, says so, and compliance accepts the result', async () => {
    for (const value of ['de 136.695.976', '136 695 976']) {
      const response = await postJson(`${world.service.url}/participants`, { participant: participant({ registrationNumbers: [{ type: 'gx:VatID', value, countryCode: 'DE' }] }) }, world.auth);
      expect(response.status, response.text).toBe(201);
      const vat = decodeJwt(response.body.credentials[1].jwt) as Json;
      expect(vat['credentialSubject']['gx:vatID']).toBe('DE136695976');
      expect(response.body.registryLookups).toEqual([expect.objectContaining({ pointer: '/participant/registrationNumbers/0/value', value: 'DE136695976' })]);
      expect(response.body.findings).toContainEqual(expect.objectContaining({
        rule: 'gx:VatID/normalized',
        severity: 'info',
        pointer: '/participant/registrationNumbers/0/value',
        message: expect.stringContaining('DE136695976'),
      }));
      const decision = await postJson(`${world.service.url}/compliance`, { presentation: await member.present(response.body.credentials.map((c: { jwt: string }) => c.jwt)), options: { labelLevel: 'SC', dryRun: true } }, world.auth);
      expect(decision.status, decision.text).toBe(200);
    }
  });

  it('tells, at onboarding, that compliance will count a number no registry checked as unchecked', async () => {
    const response = await postJson(`${world.service.url}/participants`, { participant: participant({ registrationNumbers: [VAT] }) }, world.auth);
    expect(response.status, response.text).toBe(201);
    expect(response.body.findings).toContainEqual(expect.objectContaining({
      rule: 'registration-number-notary',
      code: 'REGISTRATION_NUMBER_UNCHECKED',
      severity: 'warning',
      pointer: '/participant/registrationNumbers/0/value',
    }));
  });
});
