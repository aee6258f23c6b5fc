/**
 * Tagus-era input at POST /api/credential-offers: the real 22.10 sample presentation, each VC
 * re-signed (JsonWebSignature2020, PS256) by loopback did:web parties whose keys are X.509-bound
 * to the test anchor (the sample issuers cannot resolve offline). A passing decision answers with
 * the Danube label and the Tagus-form compliance credential, which a connector verifies with the
 * credentials it covers.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jcs, securedDocument, sha256 } from '../../src/compliance/digest.js';
import { createDocumentLoader } from '../../src/document-loader/index.js';
import { signJsonWebSignature2020 } from '../../src/formats/json-web-signature-2020/sign.js';
import { postJson } from '../helpers/service.js';
import {
  createParty, resignTagus, serviceSigner, startComplianceWorld, tagusPresentation as signedTagusPresentation, type ComplianceWorld, type Party,
} from '../compliance/fixtures.js';

type Json = Record<string, any>;
const documentLoader = createDocumentLoader();

let world: ComplianceWorld;
let participant: Party;
let notary: Party;

beforeAll(async () => {
  world = await startComplianceWorld();
  participant = await createParty(world.server, 'tagus-participant', world.ca);
  notary = await createParty(world.server, 'tagus-notary', world.ca);
});
afterAll(async () => {
  await world?.close();
});

/** The sample service-offering VP (LRN, LegalParticipant, T&C, ServiceOffering), re-signed. */
const tagusPresentation = (notarySigner: Pick<Party, 'did' | 'signer'> = notary): Promise<Json> => signedTagusPresentation(participant, notarySigner);

const checkOf = (report: { checks: { check: string }[] }, name: string) => report.checks.find((c) => c.check === name) as { verified: boolean; code?: string; message?: string } | undefined;

describe('POST /api/credential-offers with a Tagus JSON-LD presentation', () => {
  it('refuses a registration number from an untrusted notary with the tagus-participant finding', async () => {
    const answer = await postJson(`${world.service.url}/api/credential-offers`, await tagusPresentation(), world.auth);
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.findings.map((f: Json) => [f.rule, f.code])).toEqual([['tagus-participant', 'UNTRUSTED_NOTARY']]);
    expect(answer.body.checks.map((c: Json) => c.rule)).toEqual(['tagus-proofs', 'x509-binding', 'tagus-shapes', 'tagus-participant', 'tagus-subdivision-codes', 'tagus-issuer-binding', 'tagus-label-level-1', 'validity', 'revocation', 'tagus-criteria']);
  });

  it('issues the Tagus-form compliance credential, which a connector verifies with the covered credentials', async () => {
    // The service itself is a trusted notary: it signs the registration number here.
    const service = world.service.service;
    const vp = await tagusPresentation(serviceSigner(world.service));
    const answer = await postJson(`${world.service.url}/api/credential-offers`, vp, world.auth);
    expect(answer.status, answer.text).toBe(201);
    const tagus = answer.body.complianceCredential as Json;
    // The label names what the Tagus rules established: never an empty gx:validatedCriteria.
    expect((decodeJwt(answer.body.jwt) as Json)['credentialSubject']['gx:validatedCriteria']).toEqual([
      'https://w3id.org/gx-trust/compliance/v1#declaration',
      'https://w3id.org/gx-trust/compliance/v1#automated-validation',
      'https://w3id.org/gx-trust/compliance/v1#eidas-signature',
    ]);
    expect(tagus['@context']).toEqual([
      'https://www.w3.org/2018/credentials/v1',
      'https://w3id.org/security/suites/jws-2020/v1',
      'https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#',
    ]);
    expect(tagus['type']).toEqual(['VerifiableCredential']);
    expect(tagus['issuer']).toBe(service.keyring.did);
    expect(tagus['proof']).toMatchObject({ type: 'JsonWebSignature2020', verificationMethod: `${service.keyring.did}#jwk-rsa` });
    expect(tagus['credentialSubject']).toHaveLength(4);
    vp['verifiableCredential'].forEach((vc: Json, i: number) => {
      expect(tagus['credentialSubject'][i]).toEqual({
        type: 'gx:compliance',
        id: vc['id'],
        // As the Gaia-X compliance service computes it: JCS of the credential as presented, proof included.
        'gx:integrity': `sha256-${sha256(jcs(vc)).toString('hex')}`,
        'gx:integrityNormalization': 'RFC8785:JCS',
        'gx:version': '22.10',
        'gx:type': vc['credentialSubject']['type'],
      });
    });
    // Stored and audited like any issued credential.
    expect(await service.store.getCredential(tagus['id'])).toMatchObject({ format: 'JsonWebSignature2020', issuer: service.keyring.did });
    const decision = await service.store.getDecision(answer.body.decisionId);
    expect(decision?.decision).toMatchObject({ era: 'tagus', outcome: 'issued', tagusComplianceCredentialId: tagus['id'] });

    // The connector: the Tagus credential alone, then with what it covers, then with one edited.
    const alone = await postJson(`${world.service.url}/credentials/verify`, { verifiableCredential: tagus });
    expect(alone.status, alone.text).toBe(200);
    expect(checkOf(alone.body, 'compliance')?.verified).toBe(true);
    const shown = await signJsonWebSignature2020({
      document: { '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/security/suites/jws-2020/v1'], type: ['VerifiablePresentation'], holder: participant.did, verifiableCredential: [tagus, ...vp['verifiableCredential']] },
      signer: participant.signer,
      variant: 'standard',
      purpose: 'authentication',
      documentLoader,
      now: new Date(),
    });
    const verified = await postJson(`${world.service.url}/presentations/verify`, { verifiablePresentation: shown });
    expect(checkOf(verified.body, 'compliance'), verified.text).toMatchObject({ verified: true });
    expect(checkOf(verified.body, 'compliance')?.message).toContain('matching digests (jcs-with-proof)');
    // Without the proof, the digest differs: the without-proof form would not have matched.
    expect(tagus['credentialSubject'][0]['gx:integrity']).not.toBe(`sha256-${sha256(jcs(securedDocument(vp['verifiableCredential'][0]))).toString('hex')}`);

    // A covered credential edited and validly re-signed no longer matches its gx:integrity.
    const edited = await resignTagus({ ...vp['verifiableCredential'][3], credentialSubject: { ...vp['verifiableCredential'][3]['credentialSubject'], 'gx:policy': 'changed' } }, participant);
    const swapped = await signJsonWebSignature2020({
      document: { ...securedDocument(shown), verifiableCredential: [tagus, ...vp['verifiableCredential'].slice(0, 3), edited] },
      signer: participant.signer,
      variant: 'standard',
      purpose: 'authentication',
      documentLoader,
      now: new Date(),
    });
    const refused = await postJson(`${world.service.url}/presentations/verify`, { verifiablePresentation: swapped });
    expect(checkOf(refused.body, 'compliance')).toMatchObject({ verified: false, code: 'DIGEST_MISMATCH' });
  });
});
