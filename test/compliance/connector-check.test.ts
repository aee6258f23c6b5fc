/**
 * The connector's 'compliance' check on its own, and the real Tagus sample: its compliance
 * credential's `integrity` values recomputed from the credentials it lists.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLabelCheck, coveredCredentials, matchedDigestForm } from '../../src/compliance/connector-check.js';
import { digestSRI, jcs, parseSha256Digest, securedDocument } from '../../src/compliance/digest.js';
import { tagusIntegrity } from '../../src/compliance/tagus.js';
import { createTrustedIssuers } from '../../src/compliance/trusted-issuers.js';
import { readSample } from '../danube/fixtures.js';

const SERVICE = 'did:web:trust.example';
/** The participant the labels below are about, and who presents them. */
const SUBJECT = 'did:web:m.example';
const now = new Date('2026-02-01T00:00:00Z');
const covered = { '@context': ['https://www.w3.org/ns/credentials/v2'], id: 'urn:uuid:lp', type: ['VerifiableCredential', 'gx:LegalPerson'], issuer: 'did:web:m.example', credentialSubject: { id: 'did:web:m.example#lp' } };

function label(entry: Record<string, unknown>, issuer = SERVICE): Record<string, unknown> {
  return { type: ['VerifiableCredential', 'gx:LabelCredential'], issuer, credentialSubject: { id: 'did:web:m.example', 'gx:compliantCredentials': [entry] } };
}

const hex = createHash('sha256').update(jcs(covered)).digest('hex');
const check = createLabelCheck({ trusted: createTrustedIssuers(SERVICE) });

describe('createLabelCheck()', () => {
  it('ignores credentials that are not labels', async () => {
    expect(await check(covered, { now })).toBeUndefined();
  });

  it.each([
    ['current spelling, base64', { id: 'urn:uuid:lp', 'gx:credentialType': 'gx:LegalPerson', digestSRI: digestSRI(covered) }],
    ['older spelling, base64', { id: 'urn:uuid:lp', type: 'gx:LegalPerson', 'gx:digestSRI': digestSRI(covered) }],
    ['current spelling, hex', { id: 'urn:uuid:lp', 'gx:credentialType': 'gx:LegalPerson', digestSRI: `sha256-${hex}` }],
    ['older spelling, bare hex', { id: 'urn:uuid:lp', type: 'gx:LegalPerson', 'gx:digestSRI': hex }],
  ])('accepts the %s', async (_name, entry) => {
    expect(await check(label(entry), { now, companions: [covered], holder: SUBJECT })).toMatchObject({ check: 'compliance', verified: true });
  });

  it.each([
    ['Loire: a comma-separated type string and a hex gx:digestSRI', { id: 'urn:uuid:lp', type: 'gx:LegalPerson,gx:LegalPerson', 'gx:digestSRI': `sha256-${hex}` }],
    ['a type list', { id: 'urn:uuid:lp', type: ['gx:LegalPerson'], 'gx:digestSRI': `sha256-${hex}` }],
    ['25.11: the node typed gx:CompliantCredential, the Gaia-X type in gx:credentialType', { id: 'urn:uuid:lp', type: 'gx:CompliantCredential', 'gx:credentialType': 'gx:LegalPerson', digestSRI: digestSRI(covered) }],
    ['Loire: an entry without id, named by type and digest', { type: 'gx:LegalPerson', 'gx:digestSRI': `sha256-${hex}` }],
  ])('accepts %s', async (_name, entry) => {
    expect(await check(label(entry), { now, companions: [covered], holder: SUBJECT })).toMatchObject({ check: 'compliance', verified: true });
  });

  it('refuses a type list naming a type the presented credential lacks, and an id-less entry no credential answers', async () => {
    expect(await check(label({ id: 'urn:uuid:lp', type: 'gx:LegalPerson,gx:VatID', 'gx:digestSRI': `sha256-${hex}` }), { now, companions: [covered], holder: SUBJECT })).toMatchObject({ verified: false, code: 'DIGEST_MISMATCH' });
    expect(await check(label({ type: 'gx:Issuer', 'gx:digestSRI': `sha256-${hex}` }), { now, companions: [covered], holder: SUBJECT })).toMatchObject({ verified: false, code: 'DIGEST_MISMATCH' });
    const other = { ...covered, id: 'urn:uuid:other', credentialSubject: { id: 'did:web:m.example#other' } };
    expect(await check(label({ type: 'gx:LegalPerson', 'gx:digestSRI': `sha256-${hex}` }), { now, companions: [other], holder: SUBJECT })).toMatchObject({ verified: false, code: 'DIGEST_MISMATCH' });
  });

  it('matches an entry recorded by its subject\'s type (an IPCEI-AI profile typed only on its subject), and refuses that type on another credential', async () => {
    const profile = { '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gx-trust/ipcei-ai/v1'], id: 'urn:uuid:profile', type: ['VerifiableCredential'], issuer: SUBJECT, credentialSubject: { id: 'did:web:m.example#model-profile', type: 'AIModelProfile' } };
    const entry = { id: 'urn:uuid:profile', type: 'gx:CompliantCredential', 'gx:credentialType': 'AIModelProfile', digestSRI: digestSRI(profile) };
    expect(await check(label(entry), { now, companions: [profile], holder: SUBJECT })).toMatchObject({ verified: true });
    const legalPerson = { ...covered, id: 'urn:uuid:profile' };
    expect(await check(label({ ...entry, digestSRI: digestSRI(legalPerson) }), { now, companions: [legalPerson], holder: SUBJECT })).toMatchObject({ verified: false, code: 'DIGEST_MISMATCH' });
  });

  it('refuses a digest of another credential', async () => {
    const other = { ...covered, credentialSubject: { id: 'did:web:m.example#other' } };
    const result = await check(label({ id: 'urn:uuid:lp', digestSRI: digestSRI(covered) }), { now, companions: [other], holder: SUBJECT });
    expect(result).toMatchObject({ verified: false, code: 'DIGEST_MISMATCH' });
  });

  it('refuses a covered credential that is missing from the presentation, or of another type', async () => {
    expect(await check(label({ id: 'urn:uuid:lp', digestSRI: digestSRI(covered) }), { now, companions: [], holder: SUBJECT })).toMatchObject({ verified: false, code: 'DIGEST_MISMATCH' });
    expect(await check(label({ id: 'urn:uuid:lp', 'gx:credentialType': 'gx:VatID', digestSRI: digestSRI(covered) }), { now, companions: [covered], holder: SUBJECT })).toMatchObject({ verified: false, code: 'DIGEST_MISMATCH' });
  });

  it('binds a label held in a presentation to its subject: another holder, or none, is LABEL_SUBJECT_MISMATCH', async () => {
    const entry = { id: 'urn:uuid:lp', digestSRI: digestSRI(covered) };
    expect(await check(label(entry), { now, companions: [covered], holder: 'did:web:other.example' })).toMatchObject({ verified: false, code: 'LABEL_SUBJECT_MISMATCH', message: expect.stringContaining('did:web:other.example') });
    expect(await check(label(entry), { now, companions: [covered], holder: undefined })).toMatchObject({ verified: false, code: 'LABEL_SUBJECT_MISMATCH' });
    // A prefix of the subject's DID is another DID.
    expect(await check(label(entry), { now, companions: [covered], holder: 'did:web:m.example:x' })).toMatchObject({ verified: false, code: 'LABEL_SUBJECT_MISMATCH' });
    expect(await check(label(entry), { now, companions: [covered], holder: `${SUBJECT}#key-1` })).toMatchObject({ verified: true });
    // Verified on its own (no presentation), a label names no holder to compare.
    expect(await check(label(entry), { now })).toMatchObject({ verified: true });
  });

  it('refuses a label from a compliance service that is not trusted', async () => {
    const result = await check(label({ id: 'urn:uuid:lp', digestSRI: digestSRI(covered) }, 'did:web:rogue.example'), { now, companions: [covered], holder: SUBJECT });
    expect(result).toMatchObject({ verified: false, code: 'UNTRUSTED_ISSUER' });
  });

  it('a malformed digest never matches', () => {
    expect(parseSha256Digest('sha256-abc')).toBeUndefined();
    expect(parseSha256Digest('md5-' + hex)).toBeUndefined();
  });
});

describe('the real Tagus sample (tagus-22.10/service-offering-vp-and-compliance-credential.json)', () => {
  const sample = readSample('tagus-22.10/service-offering-vp-and-compliance-credential.json') as Record<string, any>;
  const credentials = sample['selfDescriptionCredential']['verifiableCredential'] as Record<string, any>[];
  const compliance = sample['complianceCredential'] as Record<string, any>;
  const listed = coveredCredentials(compliance)!;
  const credentialFor = (id: string) => credentials.find((c) => c['id'] === id || c['credentialSubject']['id'] === id)!;
  const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

  it('lists the four credentials of the presentation', () => {
    expect(listed).toHaveLength(4);
    for (const entry of listed) expect(credentialFor(entry.id!)).toBeDefined();
  });

  it('its integrity values are NOT the SHA-256 of the RFC 8785 (JCS) form of the credentials', () => {
    for (const entry of listed) expect(`sha256-${sha256Hex(jcs(credentialFor(entry.id!)))}`).not.toBe(entry.digest);
  });

  it('they are the SHA-256 (hex) of each credential\'s JSON as sent, proof included (JSON.stringify, key order as in the file)', () => {
    for (const entry of listed) expect(`sha256-${sha256Hex(JSON.stringify(credentialFor(entry.id!)))}`).toBe(entry.digest);
  });

  it('each covered credential matches in the as-sent form, which the check reports', async () => {
    for (const entry of listed) expect(matchedDigestForm(entry, credentialFor(entry.id!))).toBe('as-sent-with-proof');
    const tagusCheck = createLabelCheck({ trusted: createTrustedIssuers(SERVICE, { complianceServices: ['did:web:compliance.lab.gaia-x.eu:development'] }) });
    expect(await tagusCheck(compliance, { now, companions: credentials })).toMatchObject({ verified: true, message: expect.stringContaining('(as-sent-with-proof)') });
  });

  it('so a connector accepts the Tagus label with its credentials only through the as-sent rule kept for Tagus', async () => {
    const tagusCheck = createLabelCheck({ trusted: createTrustedIssuers(SERVICE, { complianceServices: ['did:web:compliance.lab.gaia-x.eu:development'] }) });
    expect(await tagusCheck(compliance, { now, companions: credentials })).toMatchObject({ verified: true });
    const reordered = credentials.map((c) => JSON.parse(jcs(c)) as Record<string, unknown>);
    expect(await tagusCheck(compliance, { now, companions: reordered })).toMatchObject({ verified: false, code: 'DIGEST_MISMATCH' });
  });
});

describe('Tagus gx:integrity: the Gaia-X compliance service\'s algorithm, over the real sample credentials', () => {
  const sample = readSample('tagus-22.10/service-offering-vp-and-compliance-credential.json') as Record<string, any>;
  const credentials = sample['selfDescriptionCredential']['verifiableCredential'] as Record<string, any>[];
  const trusted = createTrustedIssuers(SERVICE);
  const tagusCheck = createLabelCheck({ trusted });
  /** A compliance credential over the sample's credentials, each digest computed by `integrity`. */
  const complianceOver = (integrity: (vc: Record<string, any>) => string) => ({
    type: ['VerifiableCredential'],
    issuer: SERVICE,
    credentialSubject: credentials.map((vc) => ({ type: 'gx:compliance', id: vc['id'], 'gx:integrity': integrity(vc), 'gx:integrityNormalization': 'RFC8785:JCS', 'gx:version': '22.10' })),
  });

  it('tagusIntegrity() is sha256- + hex SHA-256 of the JCS form, proof included, and differs from the form without the proof', () => {
    for (const vc of credentials) {
      expect(tagusIntegrity(vc)).toBe(`sha256-${createHash('sha256').update(jcs(vc)).digest('hex')}`);
      expect(tagusIntegrity(vc)).not.toBe(tagusIntegrity(securedDocument(vc)));
    }
  });

  it('accepts the real algorithm first, and reports it', async () => {
    const result = await check(complianceOver((vc) => tagusIntegrity(vc)), { now, companions: credentials });
    expect(result).toMatchObject({ check: 'compliance', verified: true, message: expect.stringContaining('(jcs-with-proof)') });
    expect(await tagusCheck(complianceOver((vc) => tagusIntegrity(vc)), { now, companions: credentials })).toMatchObject({ verified: true });
  });

  it('still accepts the form gx-trust wrote before (JCS without the proof), and says so', async () => {
    const result = await tagusCheck(complianceOver((vc) => tagusIntegrity(securedDocument(vc))), { now, companions: credentials });
    expect(result).toMatchObject({ verified: true, message: expect.stringContaining('(jcs-without-proof)') });
  });

  it('refuses a covered credential whose proof was swapped, under every form that covers the proof', async () => {
    const label = complianceOver((vc) => tagusIntegrity(vc));
    const swapped = credentials.map((vc, i) => (i === 0 ? { ...vc, proof: { ...vc['proof'], created: '2020-01-01T00:00:00Z' } } : vc));
    expect(await tagusCheck(label, { now, companions: swapped })).toMatchObject({ verified: false, code: 'DIGEST_MISMATCH' });
  });

  it('a Danube label digest is never matched in a Tagus-only form', () => {
    const vc = credentials[0]!;
    expect(matchedDigestForm({ digest: tagusIntegrity(vc), tagus: false }, vc)).toBeUndefined();
    expect(matchedDigestForm({ digest: tagusIntegrity(securedDocument(vc)), tagus: false }, vc)).toBe('jcs-without-proof');
  });
});
