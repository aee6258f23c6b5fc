/**
 * A compliance world on loopback: a test CA (written to a PEM file the service trusts through
 * GX_TRUST_ANCHORS), a did:web server for members and an assessor, and the real service whose
 * GX_TRUSTED_ISSUERS names the assessor. Members sign their own Danube credentials (PS256, keys
 * bound to X.509 through x5c); the service notarises registration numbers.
 */
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK } from 'jose';
import { createDocumentLoader } from '../../src/document-loader/index.js';
import { signCredentialJwt, signPresentationJwt, type JoseSigner } from '../../src/formats/jose/sign.js';
import { signJsonWebSignature2020 } from '../../src/formats/json-web-signature-2020/sign.js';
import { parsePemCertificates } from '../../src/x509/index.js';
import { issueCertificate } from '../../src/keyring/certificates.js';
import { signingKeyOf } from '../../src/keyring/signer.js';
import { startDidWebServer, type DidWebServer } from '../helpers/did-web-server.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { unscopedRecordingIssuer } from '../helpers/unscoped-signing.js';

export const CURRENT_TC = '067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515';
export const CONTEXT = ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'];
export const GXT_CONTEXT = [...CONTEXT, { gxt: 'https://w3id.org/gx-trust/compliance/v1#' }];

type Json = Record<string, unknown>;

const DAY = 86_400_000;
export const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
export const daysFromNow = (days: number) => iso(new Date(Date.now() + days * DAY));

export interface TestCa {
  privateKey: KeyObject;
  certificatePem: string;
}

export async function createCa(name: string): Promise<TestCa> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certificatePem = await issueCertificate({
    subject: { commonName: name },
    subjectPublicKey: publicKey,
    issuerPrivateKey: privateKey,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 730 * DAY),
    ca: true,
  });
  return { privateKey, certificatePem };
}

export interface Party {
  did: string;
  signer: JoseSigner;
  /** The party's own key, for tests that sign past the formats (jose directly). */
  privateKey: KeyObject;
  /** Signs a Danube credential as this party (issuer set to its DID). */
  sign(credential: Json): Promise<string>;
  /** Signs a VP-JWT holding the given credential JWTs. */
  present(jwts: readonly string[]): Promise<string>;
}

/**
 * A party with an RSA key on the did:web server; its JWK carries x5c [leaf, root] from `ca`.
 * `leafForAnotherKey`: the leaf certifies a different key than the JWK (a broken binding).
 */
export async function createParty(server: DidWebServer, name: string, ca: TestCa, options: { leafForAnotherKey?: boolean } = {}): Promise<Party> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certifiedKey = options.leafForAnotherKey ? generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey : publicKey;
  const leafPem = await issueCertificate({
    subject: { commonName: name },
    subjectPublicKey: certifiedKey,
    issuerCertificatePem: ca.certificatePem,
    issuerPrivateKey: ca.privateKey,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 365 * DAY),
  });
  const did = server.didFor([name]);
  const kid = `${did}#key-1`;
  const jwk = { ...(await exportJWK(publicKey)), alg: 'PS256', x5c: [...parsePemCertificates(leafPem), ...parsePemCertificates(ca.certificatePem)] };
  server.setDocument(did, {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
    id: did,
    verificationMethod: [{ id: kid, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk }],
    assertionMethod: [kid],
    authentication: [kid],
  });
  const signer: JoseSigner = signingKeyOf(privateKey).signer(kid);
  return {
    did,
    signer,
    privateKey,
    sign: (credential) => signCredentialJwt({ credential: { ...credential, issuer: did }, signer, profile: 'gaia-x-danube' }),
    present: (jwts) =>
      signPresentationJwt({
        presentation: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], holder: did, verifiableCredential: [...jwts] },
        signer,
        profile: 'gaia-x-danube',
      }),
  };
}

function credential(did: string, _name: string, type: string, subject: Json, overrides: Json = {}): Json {
  return {
    '@context': CONTEXT,
    id: `urn:uuid:${randomUUID()}`,
    type: ['VerifiableCredential', type],
    issuer: did,
    validFrom: daysFromNow(-1),
    validUntil: daysFromNow(180),
    credentialSubject: subject,
    ...overrides,
  };
}

export function address(country = 'DE'): Json {
  return { type: 'gx:Address', 'gx:countryCode': country, 'vcard:locality': 'Berlin', 'vcard:street-address': 'Sample Street 1', 'vcard:postal-code': '10115' };
}

export function legalPerson(did: string, subject: Json = {}, overrides: Json = {}): Json {
  return credential(did, 'legal-person', 'gx:LegalPerson', {
    id: `${did}#lp`,
    type: 'gx:LegalPerson',
    'schema:name': 'Member GmbH',
    'gx:legalAddress': address(),
    'gx:headquartersAddress': address(),
    'gx:registrationNumber': { id: `${did}#vat` },
    ...subject,
  }, overrides);
}

/** Issued by the notary: `issuer` is filled in by whoever signs. */
export function vatId(did: string, vat = 'DE136695976'): Json {
  const vc = credential(did, 'vat', 'gx:VatID', { id: `${did}#vat`, type: 'gx:VatID', 'gx:vatID': vat, 'gx:countryCode': vat.slice(0, 2) });
  delete vc['issuer'];
  return vc;
}

/**
 * A registration number as a notary writes it after a registry look-up: with the evidence (where
 * it asked, and when) the registration-number-notary rule requires of a checked number.
 */
export function withLookUpEvidence(vc: Json): Json {
  return { ...vc, evidence: [{ type: 'gx:Evidence', 'gx:evidenceURL': 'https://ec.europa.eu/taxation_customs/vies/', 'gx:executionDate': daysFromNow(-1) }] };
}

export function issuerDeclaration(did: string, hash = CURRENT_TC): Json {
  return credential(did, 'issuer', 'gx:Issuer', { id: `${did}#issuer`, type: 'gx:Issuer', 'gx:gaiaxTermsAndConditions': hash });
}

export function serviceOffering(did: string, subject: Json = {}): Json {
  return credential(did, 'service-offering', 'gx:ServiceOffering', {
    id: `${did}#service`,
    type: 'gx:ServiceOffering',
    'schema:name': 'Model inference API',
    'gx:providedBy': { id: `${did}#lp` },
    'gx:serviceOfferingTermsAndConditions': {
      type: 'gx:TermsAndConditions',
      'gx:url': { '@value': 'https://member.example/terms', '@type': 'xsd:anyURI' },
      'gx:hash': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    },
    'gx:dataProtectionRegime': 'GDPR2016',
    ...subject,
  });
}

export function attestation(assessorDid: string, participantDid: string, level: string): Json {
  return {
    '@context': GXT_CONTEXT,
    id: `urn:uuid:attestation-${level}-${Math.random().toString(36).slice(2)}`,
    type: ['VerifiableCredential', 'gxt:ConformityAttestation'],
    issuer: assessorDid,
    validFrom: daysFromNow(-1),
    validUntil: daysFromNow(180),
    credentialSubject: { id: participantDid, 'gxt:labelLevel': level },
  };
}

export interface ComplianceWorld {
  service: RunningService;
  server: DidWebServer;
  ca: TestCa;
  assessor: Party;
  auth: Record<string, string>;
  /** The service notarises a registration number (stored, revocable). Returns the JWT. */
  notarise(vc: Json): Promise<{ jwt: string; id: string }>;
  close(): Promise<void>;
}

export async function startComplianceWorld(env: Record<string, string> = {}): Promise<ComplianceWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'gx-compliance-'));
  const server = await startDidWebServer();
  const ca = await createCa('gx-trust test Gaia-X anchor');
  const assessor = await createParty(server, 'assessor', ca);
  writeFileSync(join(dir, 'anchors.pem'), ca.certificatePem);
  writeFileSync(join(dir, 'trusted.json'), JSON.stringify({ assessors: [assessor.did] }));
  const service = await startService({ GX_TRUST_ANCHORS: join(dir, 'anchors.pem'), GX_TRUSTED_ISSUERS: join(dir, 'trusted.json'), ...env });
  const auth = { authorization: `Bearer ${service.apiKey}` };
  return {
    service,
    server,
    ca,
    assessor,
    auth,
    async notarise(vc) {
      const issued = await unscopedRecordingIssuer(service.service).issueCredential(vc, { format: 'vc+jwt', profile: 'gaia-x-danube' }, { actor: 'test-notary' });
      if (issued.format !== 'vc+jwt') throw new Error('expected a JWT');
      return { jwt: issued.jwt, id: String(vc['id']) };
    },
    async close() {
      await service.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The member's 4 credentials (LegalPerson, VAT id by the notary, Issuer, ServiceOffering), each replaceable. */
export async function memberCredentials(
  world: ComplianceWorld,
  member: Party,
  replace: { legalPerson?: Json; vat?: Json; vatSigner?: Party; issuer?: Json | null; offering?: Json; extra?: string[] } = {},
): Promise<string[]> {
  const vat = replace.vat ?? vatId(member.did);
  const jwts = [
    await member.sign(replace.legalPerson ?? legalPerson(member.did)),
    replace.vatSigner === undefined ? (await world.notarise(vat)).jwt : await replace.vatSigner.sign(vat),
    ...(replace.issuer === null ? [] : [await member.sign(replace.issuer ?? issuerDeclaration(member.did))]),
    await member.sign(replace.offering ?? serviceOffering(member.did)),
  ];
  return [...jwts, ...(replace.extra ?? [])];
}

export async function submit(world: ComplianceWorld, path: string, vpJwt: string, headers: Record<string, string> = {}) {
  return postJson(`${world.service.url}${path}`, vpJwt, { 'content-type': 'application/vp+jwt', ...world.auth, ...headers });
}

const TAGUS_SAMPLES = new URL('../fixtures/gaiax-samples/tagus-22.10/', import.meta.url);
const tagusDocumentLoader = createDocumentLoader();

export function readTagusSample(name: string): Json {
  return JSON.parse(readFileSync(new URL(name, TAGUS_SAMPLES), 'utf8')) as Json;
}

/**
 * A Tagus credential re-signed by `signer` (JsonWebSignature2020, PS256, the Gaia-X signing input),
 * issued by it and valid from yesterday for 180 days: the sample issuers cannot resolve offline.
 */
export async function resignTagus(vc: Json, signer: Pick<Party, 'did' | 'signer'>, overrides: Json = {}): Promise<Json> {
  const { proof: _proof, ...document } = structuredClone(vc);
  return signJsonWebSignature2020({
    document: { ...document, issuer: signer.did, issuanceDate: daysFromNow(-1), expirationDate: daysFromNow(180), ...overrides },
    signer: signer.signer,
    variant: 'gaia-x',
    documentLoader: tagusDocumentLoader,
    now: new Date(),
  });
}

/**
 * The Tagus 22.10 sample service-offering presentation (legalRegistrationNumber, LegalParticipant,
 * GaiaXTermsAndConditions, ServiceOffering; unsigned, as Tagus clients sent it), the registration
 * number re-signed by `notary` and the rest by `participant`.
 */
export async function tagusPresentation(participant: Pick<Party, 'did' | 'signer'>, notary: Pick<Party, 'did' | 'signer'>): Promise<Json> {
  const sample = readTagusSample('service-offering-vp-and-compliance-credential.json')['selfDescriptionCredential'] as Json;
  const [lrn, ...own] = sample['verifiableCredential'] as Json[];
  return { ...sample, verifiableCredential: [await resignTagus(lrn!, notary), ...(await Promise.all(own.map((vc) => resignTagus(vc, participant))))] };
}

/** The service's own RSA key as a signer: a trusted notary and issuer by default. */
export function serviceSigner(service: RunningService): Pick<Party, 'did' | 'signer'> {
  const did = service.service.keyring.did;
  return { did, signer: service.service.keyring.key('RSA').signer(`${did}#jwk-rsa`) };
}
