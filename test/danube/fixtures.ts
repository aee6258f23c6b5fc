/**
 * Fresh, named fixtures for Danube submissions: each call returns a new object. The member's
 * credentials are VC Data Model 2.0 with the 25.11 context, as the Loire/Danube wire format has it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Real Gaia-X data files, with their origin, commit and licence in the folder's README. */
export const SAMPLES_DIR = fileURLToPath(new URL('../fixtures/gaiax-samples/', import.meta.url));

export function readSample(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${SAMPLES_DIR}${path}`, 'utf8')) as Record<string, unknown>;
}

export const CURRENT_TC = '067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515';
export const DEPRECATED_TC = '4bd7554097444c960292b4726c2efa1373485e8a5565d94d41195214c5e0ceb3';
export const MEMBER = 'did:web:member.example';
export const LEGAL_PERSON_ID = `${MEMBER}#legal-person`;
export const CONTEXT = ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'];
export const IPCEI_PREFIX = { ipcei: 'https://w3id.org/gx-trust/ipcei-ai/v1#' };

type Json = Record<string, unknown>;

function credential(id: string, type: string, subject: Json, context: unknown[] = CONTEXT): Json {
  return {
    '@context': context,
    id: `${MEMBER}/credentials/${id}`,
    type: ['VerifiableCredential', type],
    issuer: MEMBER,
    validFrom: '2026-01-15T00:00:00Z',
    credentialSubject: subject,
  };
}

export function makeAddress(overrides: Json = {}): Json {
  return {
    type: 'gx:Address',
    'gx:countryCode': 'DE',
    'vcard:region': 'DE30',
    'vcard:locality': 'Berlin',
    'vcard:street-address': 'Sample Street 1',
    'vcard:postal-code': '10115',
    ...overrides,
  };
}

export function makeLegalPerson(subject: Json = {}): Json {
  return credential('legal-person', 'gx:LegalPerson', {
    id: LEGAL_PERSON_ID,
    type: 'gx:LegalPerson',
    'schema:name': 'Member GmbH',
    'gx:legalAddress': makeAddress(),
    'gx:headquartersAddress': makeAddress(),
    'gx:registrationNumber': { id: `${MEMBER}#registration-number` },
    ...subject,
  });
}

/** A registration-number credential as a notary issues it. */
export function makeRegistrationNumber(type: string, subject: Json): Json {
  return credential('registration-number', type, { id: `${MEMBER}#registration-number`, type, ...subject });
}

export const makeVatId = (vatID = 'DE136695976'): Json =>
  makeRegistrationNumber('gx:VatID', { 'gx:vatID': vatID, 'gx:countryCode': vatID.slice(0, 2).replace('EL', 'GR') });

export const makeLeiCode = (leiCode = '9695007586GCAKPYJ703'): Json =>
  makeRegistrationNumber('gx:LeiCode', { 'schema:leiCode': leiCode, 'gx:countryCode': 'FR' });

export function makeIssuer(hash = CURRENT_TC): Json {
  return credential('issuer', 'gx:Issuer', { id: `${MEMBER}#issuer`, type: 'gx:Issuer', 'gx:gaiaxTermsAndConditions': hash });
}

/** The 3-credential LegalPerson submission: LegalPerson, its VAT id, the T&C acceptance. */
export function makeLegalPersonSubmission(): Json[] {
  return [makeLegalPerson(), makeVatId(), makeIssuer()];
}

export function makeServiceOffering(subject: Json = {}): Json {
  return credential('service-offering', 'gx:ServiceOffering', {
    id: `${MEMBER}#service-offering`,
    type: 'gx:ServiceOffering',
    'schema:name': 'Model inference API',
    'gx:providedBy': { id: LEGAL_PERSON_ID },
    'gx:serviceOfferingTermsAndConditions': {
      type: 'gx:TermsAndConditions',
      'gx:url': { '@value': 'https://member.example/terms', '@type': 'xsd:anyURI' },
      'gx:hash': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    },
    'gx:dataProtectionRegime': 'GDPR2016',
    'gx:aggregationOfResources': { id: `${MEMBER}#model` },
    ...subject,
  });
}

export function makeSoftwareResource(subject: Json = {}): Json {
  return credential('model', 'gx:SoftwareResource', {
    id: `${MEMBER}#model`,
    type: 'gx:SoftwareResource',
    'schema:name': 'Member LLM 7B',
    'gx:copyrightOwnedBy': { id: LEGAL_PERSON_ID },
    'gx:license': 'Apache-2.0',
    'gx:resourcePolicy': 'default: allow',
    'gx:version': '1.0.0',
    ...subject,
  });
}

export function makeAIModelProfile(subject: Json = {}): Json {
  return credential(
    'model-profile',
    'ipcei:AIModelProfile',
    {
      id: `${MEMBER}#model-profile`,
      type: 'ipcei:AIModelProfile',
      'ipcei:profileOf': { id: `${MEMBER}#model` },
      'ipcei:riskClass': 'general-purpose',
      'ipcei:intendedPurpose': 'Drafting and summarising German administrative texts',
      'ipcei:modelCard': {
        type: 'ipcei:ModelCard',
        'gx:url': { '@value': 'https://member.example/model-card', '@type': 'xsd:anyURI' },
        'gx:hash': '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      },
      'ipcei:trainingData': [{ id: 'did:web:data.example#corpus' }],
      'ipcei:trainingCompute': { 'ipcei:value': 3.1e23, 'ipcei:unit': 'FLOP' },
      'ipcei:trainingEnergy': { 'ipcei:value': 410, 'ipcei:unit': 'MWh' },
      'ipcei:hostingMemberState': ['DE', 'FR'],
      ...subject,
    },
    [...CONTEXT, IPCEI_PREFIX],
  );
}

/** A member offering an AI model: LegalPerson set + ServiceOffering + SoftwareResource + its IPCEI-AI profile. */
export function makeAIServiceSubmission(): Json[] {
  return [...makeLegalPersonSubmission(), makeServiceOffering(), makeSoftwareResource(), makeAIModelProfile()];
}

export function subjectOf(credential: Json): Json {
  return credential['credentialSubject'] as Json;
}
