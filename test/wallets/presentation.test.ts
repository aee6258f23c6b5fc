/**
 * OpenID4VP 1.0, gx-trust as the verifier, against a started service over loopback HTTP. The
 * holder's wallet is Sphereon's `@sphereon/did-auth-siop` (its OP side; another vendor than the
 * oid4vc-ts the service uses): it fetches the request object by `request_uri`, checks its signature
 * (against the service's did:web document, fetched here), checks its own presentation against the
 * DCQL query (with its own DCQL library), and posts the response by `direct_post`. The presentation
 * itself is a vp+jwt the holder signs with jose (no gx-trust code): a Gaia-X label of level 1 that
 * gx-trust issued, with the credentials it covers (the VAT id notarised by gx-trust among them).
 * The connector then reads the outcome: verified, DCQL query met. The refusals are sent by hand,
 * each a response a wallet (or an attacker) could send.
 */
import type { KeyObject } from 'node:crypto';
import { OPBuilder, ResponseIss, ResponseMode, SupportedVersion, type VerifyJwtCallback } from '@sphereon/did-auth-siop';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../helpers/clock.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { createParty, memberCredentials, startComplianceWorld, submit, type ComplianceWorld, type Party } from '../compliance/fixtures.js';

let world: ComplianceWorld;
let holder: Party;
/** The holder's credentials: the label (L1) first, then the four it covers. */
let credentials: string[];
let connectorKey: string;
let otherConnectorKey: string;

const as = (key: string) => ({ authorization: `Bearer ${key}` });

/** The default DCQL query's credential queries, in the order of `credentials`. */
const QUERY_IDS = ['label', 'legal_person', 'registration_number', 'terms_and_conditions', 'service_offering'];
/** One presentation holding every credential, answering each credential query of the default query. */
const everyQuery = (vp: string) => Object.fromEntries(QUERY_IDS.map((id) => [id, [vp]]));

async function apiKey(slug: string, role: string): Promise<string> {
  const member = await postJson(`${world.service.url}/members`, { slug, name: `${slug} GmbH` }, world.auth);
  expect(member.status, member.text).toBe(201);
  const key = await postJson(`${world.service.url}/members/${member.body.id}/api-keys`, { role }, world.auth);
  expect(key.status, key.text).toBe(201);
  return key.body.apiKey;
}

async function createRequest(body: Record<string, unknown> = {}, key = connectorKey) {
  const answer = await postJson(`${world.service.url}/verifier/requests`, body, as(key));
  expect(answer.status, answer.text).toBe(201);
  return answer.body as { id: string; authorizationRequestUri: string; requestUri: string; clientId: string; qrCode: string; expiresAt: string };
}

async function status(id: string, key = connectorKey) {
  return postJson(`${world.service.url}/verifier/requests/${id}`, undefined, as(key), 'GET');
}

/** The request object as a wallet reads it (loopback: the base URL names localhost, the server listens on 127.0.0.1). */
async function requestObject(requestUri: string): Promise<{ jwt: string; payload: Record<string, any> }> {
  const response = await fetch(requestUri.replace('//localhost:', '//127.0.0.1:'));
  const jwt = await response.text();
  expect(response.status, jwt).toBe(200);
  return { jwt, payload: decodeJwt(jwt) as Record<string, any> };
}

/** The holder's vp+jwt (VC-JOSE-COSE), signed with jose by the member's own key: nonce and aud as the request says. */
async function presentation(claims: { nonce?: string; aud?: string }, held = credentials, party = holder): Promise<string> {
  const payload = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiablePresentation'],
    holder: party.did,
    verifiableCredential: held.map((jwt) => ({ '@context': ['https://www.w3.org/ns/credentials/v2'], id: `data:application/vc+jwt,${jwt}`, type: 'EnvelopedVerifiableCredential' })),
    iss: party.did,
    ...claims,
  };
  return new SignJWT(payload).setProtectedHeader({ alg: 'PS256', typ: 'vp+jwt', kid: `${party.did}#key-1` }).setIssuedAt().sign(party.privateKey as KeyObject);
}

/**
 * The same presentation as a VCDM 1.1 JWT (the `vp` claim), the encoding OpenID4VP's jwt_vc_json
 * format names and the one Sphereon's wallet reads; the credentials in it are gx-trust's VCDM 2.0
 * vc+jwt, as issued.
 */
async function legacyPresentation(claims: { nonce: string; aud: string }, held = credentials, party = holder): Promise<string> {
  const payload = {
    iss: party.did,
    ...claims,
    vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], holder: party.did, verifiableCredential: held },
  };
  return new SignJWT(payload).setProtectedHeader({ alg: 'PS256', typ: 'JWT', kid: `${party.did}#key-1` }).setIssuedAt().sign(party.privateKey as KeyObject);
}

/** What a wallet posts to the response_uri (direct_post, form-encoded). */
async function respond(responseUri: string, fields: { vp_token: unknown; state?: string }) {
  const form = new URLSearchParams({ vp_token: typeof fields.vp_token === 'string' ? fields.vp_token : JSON.stringify(fields.vp_token), ...(fields.state === undefined ? {} : { state: fields.state }) });
  return postJson(responseUri.replace('//localhost:', '//127.0.0.1:'), form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
}

/** The holder checks the request object's signature itself: the key of the service's did:web document the kid names. */
const verifyJwtCallback: VerifyJwtCallback = async (verifier, jwt) => {
  if (verifier.method !== 'did') return false;
  const document = (await (await fetch(`${world.service.url}/.well-known/did.json`)).json()) as { id: string; verificationMethod: { id: string; publicKeyJwk?: JWK }[] };
  if (!verifier.didUrl.startsWith(`${document.id}#`)) return false;
  const method = document.verificationMethod.find((m) => m.id === verifier.didUrl);
  if (method?.publicKeyJwk === undefined) return false;
  await jwtVerify(jwt.raw, await importJWK(method.publicKeyJwk, verifier.alg), { typ: 'oauth-authz-req+jwt' });
  return true;
};

function sphereonWallet() {
  return new OPBuilder()
    .withIssuer(ResponseIss.SELF_ISSUED_V2)
    .withResponseMode(ResponseMode.DIRECT_POST)
    .withSupportedVersions([SupportedVersion.OID4VP_v1])
    .withVerifyJwtCallback(verifyJwtCallback)
    // The OP signs nothing here (no id_token is asked for): the presentation is signed by the holder.
    .withCreateJwtCallback(async () => {
      throw new Error('no id_token in this flow');
    })
    .build();
}

beforeAll(async () => {
  world = await startComplianceWorld();
  holder = await createParty(world.server, 'holder-gmbh', world.ca);
  const covered = await memberCredentials(world, holder);
  const label = await submit(world, '/api/credential-offers/label-level-1', await holder.present(covered));
  expect(label.status, label.text).toBe(201);
  expect(decodeJwt(label.text)['credentialSubject']).toMatchObject({ id: holder.did, 'gx:labelLevel': 'L1' });
  credentials = [label.text, ...covered];
  connectorKey = await apiKey('connector-ag', 'connector');
  otherConnectorKey = await apiKey('other-connector-ag', 'connector');
}, 180_000);

afterAll(async () => {
  await world?.close();
});

describe('POST /verifier/requests', () => {
  it('answers an openid4vp:// URI with client_id and request_uri, a QR code and the expiry; the request object is signed by the service\'s did:web key', async () => {
    const created = await createRequest();
    const uri = new URL(created.authorizationRequestUri);
    expect(uri.protocol).toBe('openid4vp:');
    expect(uri.searchParams.get('client_id')).toBe(`decentralized_identifier:${world.service.service.keyring.did}`);
    expect(uri.searchParams.get('request_uri')).toBe(created.requestUri);
    expect(Buffer.from(created.qrCode.split(',')[1]!, 'base64').toString()).toContain('<svg');
    const { jwt, payload } = await requestObject(created.requestUri);
    const header = decodeProtectedHeader(jwt);
    expect(header).toMatchObject({ typ: 'oauth-authz-req+jwt', alg: 'ES256' });
    expect(String(header.kid)).toMatch(new RegExp(`^${world.service.service.keyring.did}#`));
    expect(payload).toMatchObject({
      client_id: created.clientId,
      response_type: 'vp_token',
      response_mode: 'direct_post',
      response_uri: expect.stringMatching(new RegExp(`/openid4vp/requests/${created.id}/response$`)),
      nonce: expect.any(String),
      state: expect.any(String),
      dcql_query: { credentials: QUERY_IDS.map((id) => ({ id })) },
    });
    expect((await status(created.id)).body).toMatchObject({ id: created.id, status: 'pending' });
  });

  it('needs a key: anonymous callers get 401, a DCQL query that does not parse 400', async () => {
    const anonymous = await postJson(`${world.service.url}/verifier/requests`, {});
    expect(anonymous.status).toBe(401);
    const bad = await postJson(`${world.service.url}/verifier/requests`, { dcqlQuery: { credentials: [] } }, as(connectorKey));
    expect(bad.status, bad.text).toBe(400);
    expect(bad.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/dcqlQuery' });
  });

  it('shows a request to its creator only', async () => {
    const created = await createRequest();
    const foreign = await status(created.id, otherConnectorKey);
    expect(foreign.status, foreign.text).toBe(404);
  });
});

describe('an independent wallet (Sphereon did-auth-siop)', () => {
  it('fetches the request, checks it, presents a label and the LegalPerson it covers; the connector reads: verified, DCQL query met', async () => {
    const created = await createRequest();
    const wallet = sphereonWallet();
    const verified = await wallet.verifyAuthorizationRequest(created.authorizationRequestUri.replace('//localhost:', '//127.0.0.1:'));
    // The signed request object's claims: Sphereon decodes the client_id of the openid4vp:// URI
    // once more than it was encoded (did:web:localhost%3A… reads as did:web:localhost:…).
    const request = (await verified.requestObject!.getPayload()) as Record<string, any>;
    expect(request['client_id']).toBe(created.clientId);
    expect(verified.dcqlQuery.credentials.map((c) => c.id)).toEqual(QUERY_IDS);
    // DCQL asks for each credential in a presentation of its own (Sphereon holds each presentation
    // to its credential query): five VCDM 1.1 JWT presentations, each bound to the nonce and audience.
    const dcqlPresentation: Record<string, string[]> = {};
    for (const [index, id] of QUERY_IDS.entries()) dcqlPresentation[id] = [await legacyPresentation({ nonce: request['nonce'], aud: request['client_id'] }, [credentials[index]!])];
    const response = await wallet.createAuthorizationResponse(verified, { issuer: holder.did, dcqlResponse: { dcqlPresentation } } as never);
    const sent = await wallet.submitAuthorizationResponse(response);
    expect(sent.status, await sent.clone().text()).toBe(200);

    const outcome = await status(created.id);
    expect(outcome.status, outcome.text).toBe(200);
    expect(outcome.body).toMatchObject({ status: 'answered', result: { verified: true, dcql: { satisfied: true, matched: QUERY_IDS, failed: [] } } });
    const presentations = outcome.body.result.presentations as { queryIds: string[]; report: any }[];
    expect(presentations.map((p) => p.queryIds)).toEqual(QUERY_IDS.map((id) => [id]));
    for (const { report } of presentations) {
      expect(report).toMatchObject({ verified: true, format: 'jwt_vp_json', issuer: holder.did });
      expect(report.checks).toEqual(expect.arrayContaining([{ check: 'challenge', verified: true }, { check: 'domain', verified: true }]));
      expect(report.credentials).toHaveLength(1);
    }
    // The label is checked against the credentials of all five presentations: its digests match.
    expect(presentations[0]!.report.checks).toContainEqual(expect.objectContaining({ check: 'compliance', verified: true, message: expect.stringContaining('matching digests') }));

    // The request took its answer: the same response again is a replay.
    const again = await wallet.submitAuthorizationResponse(response).catch((error: unknown) => error);
    expect(again).toBeInstanceOf(Error);
    const replay = await respond(request['response_uri'], { vp_token: dcqlPresentation, state: request['state'] });
    expect(replay.status, replay.text).toBe(400);
    expect(replay.body).toMatchObject({ code: 'PRESENTATION_REQUEST_CLOSED', error: 'invalid_request' });
    expect((await status(created.id)).body.status).toBe('answered');
  }, 60_000);
});

describe('one presentation for every credential query', () => {
  it('takes a single vp+jwt holding the label and what it covers, listed under each credential query, and verifies it once', async () => {
    const created = await createRequest();
    const { payload: request } = await requestObject(created.requestUri);
    const vp = await presentation({ nonce: request['nonce'], aud: request['client_id'] });
    const answer = await respond(request['response_uri'], { vp_token: everyQuery(vp), state: request['state'] });
    expect(answer.status, answer.text).toBe(200);
    const outcome = (await status(created.id)).body;
    expect(outcome).toMatchObject({ status: 'answered', result: { verified: true, dcql: { satisfied: true, matched: QUERY_IDS } } });
    expect(outcome.result.presentations).toHaveLength(1);
    expect(outcome.result.presentations[0]).toMatchObject({ queryIds: QUERY_IDS, report: { verified: true, format: 'vp+jwt' } });
  });

  it('refuses a response carrying more presentations than it may, without closing the request', async () => {
    const created = await createRequest();
    const { payload: request } = await requestObject(created.requestUri);
    const many = await Promise.all(Array.from({ length: 17 }, () => presentation({ nonce: request['nonce'], aud: request['client_id'] }, [credentials[1]!])));
    const answer = await respond(request['response_uri'], { vp_token: { legal_person: many }, state: request['state'] });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/vp_token' });
    expect((await status(created.id)).body.status).toBe('pending');
  });
});

describe('refusals', () => {
  /** A fresh request, its request object, and a vp+jwt bound to it unless told otherwise. */
  async function opened(body: Record<string, unknown> = {}) {
    const created = await createRequest(body);
    const { payload } = await requestObject(created.requestUri);
    return { created, request: payload };
  }

  it('a presentation with another nonce: refused, CHALLENGE_MISMATCH in the report', async () => {
    const { created, request } = await opened();
    const vp = await presentation({ nonce: 'not-the-nonce', aud: request['client_id'] });
    const answer = await respond(request['response_uri'], { vp_token: everyQuery(vp), state: request['state'] });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body).toMatchObject({ code: 'PRESENTATION_REFUSED', error: 'invalid_request' });
    const outcome = (await status(created.id)).body;
    expect(outcome.status).toBe('refused');
    expect(outcome.result.presentations[0].report.checks).toContainEqual(expect.objectContaining({ check: 'challenge', verified: false, code: 'CHALLENGE_MISMATCH' }));
  });

  it('a presentation for another audience: refused, DOMAIN_MISMATCH', async () => {
    const { created, request } = await opened();
    const vp = await presentation({ nonce: request['nonce'], aud: 'decentralized_identifier:did:web:other-verifier.example' });
    const answer = await respond(request['response_uri'], { vp_token: everyQuery(vp), state: request['state'] });
    expect(answer.body).toMatchObject({ code: 'PRESENTATION_REFUSED' });
    expect((await status(created.id)).body.result.presentations[0].report.checks).toContainEqual(expect.objectContaining({ check: 'domain', verified: false, code: 'DOMAIN_MISMATCH' }));
  });

  it('a vp_token for another request: its state is refused at this response_uri, and its nonce would be too', async () => {
    const first = await opened();
    const second = await opened();
    const vp = await presentation({ nonce: second.request['nonce'], aud: second.request['client_id'] });
    const answer = await respond(first.request['response_uri'], { vp_token: everyQuery(vp), state: second.request['state'] });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body).toMatchObject({ code: 'STATE_MISMATCH', error: 'invalid_request', pointer: '/state' });
    // The foreign response did not close the request it was sent to.
    expect((await status(first.created.id)).body.status).toBe('pending');
    const foreignNonce = await respond(first.request['response_uri'], { vp_token: everyQuery(vp), state: first.request['state'] });
    expect(foreignNonce.body).toMatchObject({ code: 'PRESENTATION_REFUSED' });
    expect((await status(first.created.id)).body.result.presentations[0].report.checks).toContainEqual(expect.objectContaining({ check: 'challenge', code: 'CHALLENGE_MISMATCH' }));
  });

  it('a DCQL query the presentation does not meet: refused, and the report names the credential query that failed', async () => {
    const { created, request } = await opened({
      dcqlQuery: {
        credentials: [
          { id: 'label', format: 'jwt_vc_json', meta: { type_values: [['https://w3id.org/gaia-x/development#LabelCredential']] }, claims: [{ path: ['credentialSubject', 'gx:labelLevel'], values: ['L3'] }] },
          { id: 'legal_person', format: 'jwt_vc_json', meta: { type_values: [['https://w3id.org/gaia-x/development#LegalPerson']] } },
        ],
      },
    });
    const vp = await presentation({ nonce: request['nonce'], aud: request['client_id'] });
    const answer = await respond(request['response_uri'], { vp_token: { label: [vp], legal_person: [vp] }, state: request['state'] });
    expect(answer.body).toMatchObject({ code: 'PRESENTATION_REFUSED' });
    const outcome = (await status(created.id)).body;
    expect(outcome).toMatchObject({ status: 'refused', result: { verified: true, dcql: { satisfied: false, matched: ['legal_person'], failed: [{ id: 'label' }] } } });
  });

  it('a tampered presentation: refused, the signature check fails', async () => {
    const { created, request } = await opened();
    const vp = await presentation({ nonce: request['nonce'], aud: request['client_id'] });
    const [head, body, signature] = vp.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const tampered = [head, Buffer.from(JSON.stringify({ ...claims, holder: 'did:web:mallory.example' })).toString('base64url'), signature].join('.');
    const answer = await respond(request['response_uri'], { vp_token: everyQuery(tampered), state: request['state'] });
    expect(answer.body).toMatchObject({ code: 'PRESENTATION_REFUSED' });
    const report = (await status(created.id)).body.result.presentations[0].report;
    expect(report.verified).toBe(false);
    expect(report.checks).toContainEqual(expect.objectContaining({ check: 'proof', verified: false }));
  });

  it('a label presented by someone it is not about: refused (LABEL_SUBJECT_MISMATCH)', async () => {
    const { created, request } = await opened();
    const mallory = await createParty(world.server, 'mallory', world.ca);
    const vp = await presentation({ nonce: request['nonce'], aud: request['client_id'] }, credentials, mallory);
    const answer = await respond(request['response_uri'], { vp_token: everyQuery(vp), state: request['state'] });
    expect(answer.body).toMatchObject({ code: 'PRESENTATION_REFUSED' });
    expect((await status(created.id)).body.result.presentations[0].report.checks).toContainEqual(expect.objectContaining({ check: 'compliance', code: 'LABEL_SUBJECT_MISMATCH' }));
  });
});

describe('expiry', () => {
  let svc: RunningService;
  const clock = manualClock();

  beforeAll(async () => {
    svc = await startService({}, { clock: clock.clock });
  });

  afterAll(async () => {
    await svc?.close();
  });

  it('an expired request serves no request object, takes no response, and reads as expired', async () => {
    const created = await postJson(`${svc.url}/verifier/requests`, { expiresInSeconds: 60 }, as(svc.apiKey));
    expect(created.status, created.text).toBe(201);
    const requestUri = String(created.body.requestUri).replace('//localhost:', '//127.0.0.1:');
    const fresh = await fetch(requestUri);
    expect(fresh.status).toBe(200);
    const { state, response_uri: responseUri } = decodeJwt(await fresh.text()) as Record<string, string>;
    clock.advance(61_000);
    const stale = await postJson(requestUri, undefined, {}, 'GET');
    expect(stale.status, stale.text).toBe(400);
    expect(stale.body).toMatchObject({ code: 'PRESENTATION_REQUEST_EXPIRED', error: 'invalid_request' });
    const late = await postJson(responseUri!.replace('//localhost:', '//127.0.0.1:'), new URLSearchParams({ vp_token: '{"label":["a.b.c"]}', state: state! }).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(late.body).toMatchObject({ code: 'PRESENTATION_REQUEST_EXPIRED' });
    const read = await postJson(`${svc.url}/verifier/requests/${created.body.id}`, undefined, as(svc.apiKey), 'GET');
    expect(read.body).toMatchObject({ status: 'expired' });
  });
});

