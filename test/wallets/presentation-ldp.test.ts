/**
 * OpenID4VP 1.0 with Data Integrity: the `ldp_vc` format of the DCQL query, answered by an `ldp_vp`
 * that the holder signs with Digital Bazaar's @digitalbazaar/vc (no gx-trust code signs it), as
 * its own did:key, holding a credential gx-trust issued with eddsa-rdfc-2022. OpenID4VP binds a
 * Data Integrity presentation to the request by its proof's `challenge` (the request's nonce) and
 * `domain` (its client_id): the connector reads verified and the query met, and a presentation
 * bound to another nonce or domain, or answering a query of another format, is refused.
 * @see https://openid.net/specs/openid-4-verifiable-presentations-1_0.html#appendix-B.1.3.2
 */
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { peerDocumentLoader, VCDM2, type PeerDocumentLoader } from '../interop/peers.js';

const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';
const MEMBER_TYPE = 'https://www.w3.org/ns/credentials/examples#ExampleMembershipCredential';

let svc: RunningService;
let documentLoader: PeerDocumentLoader;
let holder: { did: string; suite: unknown };
let credential: unknown;
let connectorKey: string;

const as = (key: string) => ({ authorization: `Bearer ${key}` });

beforeAll(async () => {
  svc = await startService();
  documentLoader = await peerDocumentLoader(`${svc.url}/.well-known/did.json`);
  const key = await Ed25519Multikey.generate();
  const did = `did:key:${key.publicKeyMultibase}`;
  key.controller = did;
  key.id = `${did}#${key.publicKeyMultibase}`;
  documentLoader.addDidKey(did, await key.export({ publicKey: true, includeContext: false }), ['https://www.w3.org/ns/did/v1', MULTIKEY_V1]);
  holder = { did, suite: new DataIntegrityProof({ signer: key.signer(), cryptosuite: eddsaRdfc2022 }) };

  const issued = await postJson(`${svc.url}/credentials/issue`, {
    credential: {
      '@context': [VCDM2, 'https://www.w3.org/ns/credentials/examples/v2'],
      type: ['VerifiableCredential', 'ExampleMembershipCredential'],
      issuer: svc.service.keyring.did,
      credentialSubject: { id: did, memberOf: 'IPCEI-AI consortium' },
    },
    options: { cryptosuite: 'eddsa-rdfc-2022' },
  }, as(svc.apiKey));
  expect(issued.status, issued.text).toBe(201);
  credential = issued.body.verifiableCredential;

  const member = await postJson(`${svc.url}/members`, { slug: 'connector-ldp', name: 'Connector LDP GmbH' }, as(svc.apiKey));
  expect(member.status, member.text).toBe(201);
  const apiKey = await postJson(`${svc.url}/members/${member.body.id}/api-keys`, { role: 'connector' }, as(svc.apiKey));
  expect(apiKey.status, apiKey.text).toBe(201);
  connectorKey = apiKey.body.apiKey;
}, 120_000);

afterAll(async () => {
  await svc?.close();
});

const ldpQuery = (format = 'ldp_vc') => ({ credentials: [{ id: 'membership', format, meta: { type_values: [[MEMBER_TYPE]] }, claims: [{ path: ['credentialSubject', 'memberOf'] }] }] });

/** A request of the connector and its request object as a wallet reads it (loopback). */
async function opened(dcqlQuery: unknown = ldpQuery()) {
  const created = await postJson(`${svc.url}/verifier/requests`, { dcqlQuery }, as(connectorKey));
  expect(created.status, created.text).toBe(201);
  const response = await fetch(created.body.requestUri.replace('//localhost:', '//127.0.0.1:'));
  const jwt = await response.text();
  expect(response.status, jwt).toBe(200);
  return { id: created.body.id as string, request: decodeJwt(jwt) as Record<string, any> };
}

/** The holder's ldp_vp, signed by @digitalbazaar/vc with the request's nonce as challenge and client_id as domain unless told otherwise. */
async function presentation(binding: { challenge: string; domain: string }): Promise<unknown> {
  const unsigned = vc.createPresentation({ verifiableCredential: [credential], holder: holder.did, version: 2.0 });
  unsigned['@context'] = [VCDM2];
  return vc.signPresentation({ presentation: unsigned, suite: holder.suite, ...binding, documentLoader });
}

/** What a wallet posts to the response_uri (direct_post, form-encoded; vp_token the JSON object of §8.1). */
async function respond(request: Record<string, any>, vpToken: unknown) {
  const form = new URLSearchParams({ vp_token: JSON.stringify(vpToken), state: request['state'] });
  return postJson(request['response_uri'].replace('//localhost:', '//127.0.0.1:'), form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
}

const outcomeOf = async (id: string) => (await postJson(`${svc.url}/verifier/requests/${id}`, undefined, as(connectorKey), 'GET')).body;

describe('OpenID4VP with an ldp_vp from @digitalbazaar/vc', () => {
  it('the request object offers ldp_vc; a presentation bound by challenge and domain is verified and meets the ldp_vc query', async () => {
    const { id, request } = await opened();
    expect(request['client_metadata'].vp_formats_supported).toHaveProperty('ldp_vc');
    const vp = await presentation({ challenge: request['nonce'], domain: request['client_id'] });
    const answer = await respond(request, { membership: [vp] });
    expect(answer.status, answer.text).toBe(200);
    const outcome = await outcomeOf(id);
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ status: 'answered', result: { verified: true, dcql: { satisfied: true, matched: ['membership'] } } });
    expect(outcome.result.presentations[0].report).toMatchObject({ verified: true, format: 'eddsa-rdfc-2022', credentials: [{ verified: true, format: 'eddsa-rdfc-2022' }] });
  });

  it('bound to another nonce: refused, CHALLENGE_MISMATCH', async () => {
    const { id, request } = await opened();
    const answer = await respond(request, { membership: [await presentation({ challenge: 'another-nonce', domain: request['client_id'] })] });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body).toMatchObject({ code: 'PRESENTATION_REFUSED' });
    expect((await outcomeOf(id)).result.presentations[0].report.checks).toContainEqual(expect.objectContaining({ check: 'challenge', verified: false, code: 'CHALLENGE_MISMATCH' }));
  });

  it('bound to another verifier\'s client_id: refused, DOMAIN_MISMATCH', async () => {
    const { id, request } = await opened();
    const answer = await respond(request, { membership: [await presentation({ challenge: request['nonce'], domain: 'decentralized_identifier:did:web:other-verifier.example' })] });
    expect(answer.body).toMatchObject({ code: 'PRESENTATION_REFUSED' });
    expect((await outcomeOf(id)).result.presentations[0].report.checks).toContainEqual(expect.objectContaining({ check: 'domain', verified: false, code: 'DOMAIN_MISMATCH' }));
  });

  it('a verified ldp_vp does not meet a query for jwt_vc_json: refused, the query named as failed', async () => {
    const { id, request } = await opened(ldpQuery('jwt_vc_json'));
    const answer = await respond(request, { membership: [await presentation({ challenge: request['nonce'], domain: request['client_id'] })] });
    expect(answer.body).toMatchObject({ code: 'PRESENTATION_REFUSED' });
    expect(await outcomeOf(id)).toMatchObject({ status: 'refused', result: { verified: true, dcql: { satisfied: false, failed: [{ id: 'membership' }] } } });
  });
});
