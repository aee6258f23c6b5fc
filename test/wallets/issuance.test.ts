/**
 * OpenID4VCI 1.0, pre-authorized code flow, against the started service over loopback HTTP. The
 * wallet is Sphereon's `@sphereon/oid4vci-client` (another vendor than the oid4vc-ts the service
 * uses): it reads the offer URI, the issuer and authorization server metadata, trades the code and
 * PIN for a token (DPoP-bound in one case), fetches a nonce and signs the proof with its own key
 * (did:jwk, P-256, made with jose here). The credential it gets verifies at /credentials/verify, is
 * bound to that key, and is recorded and audited. The refusals are sent by hand, each a request a
 * wallet could send: wrong PIN, reused code, expired offer, proof with a wrong nonce or audience, a
 * configuration not offered. Offers by reference (credential_offer_uri): Sphereon's wallet fetches the
 * offer and runs the flow; an unknown, redeemed or expired reference is 404.
 */
import { randomUUID } from 'node:crypto';
import { OpenID4VCIClientV1_0_15 } from '@sphereon/oid4vci-client';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../helpers/clock.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { CONTEXT, legalPerson } from '../compliance/fixtures.js';

const clock = manualClock();
let svc: RunningService;
let member: { id: string; did: string; slug: string };
let memberKey: string;
let otherKey: string;
/** The member's own LegalPerson (self-signed as its hosted did:web, vc+jwt), and one of another member. */
let legalPersonId: string;
let othersCredentialId: string;

interface Wallet {
  kid: string;
  jwk: JWK;
  privateKey: CryptoKey;
  did: string;
}

async function newWallet(): Promise<Wallet> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const did = `did:jwk:${Buffer.from(JSON.stringify(jwk)).toString('base64url')}`;
  return { kid: `${did}#0`, jwk, privateKey, did };
}

const as = (key: string) => ({ authorization: `Bearer ${key}` });

async function offer(body: Record<string, unknown>, key = memberKey) {
  const answer = await postJson(`${svc.url}/members/${member.slug}/credential-offers`, body, as(key));
  return answer;
}

/** What a wallet does with its own hands (for the refusals): the form post of RFC 6749. */
async function token(code: string, txCode?: string, headers: Record<string, string> = {}) {
  const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': code, ...(txCode === undefined ? {} : { tx_code: txCode }) });
  return postJson(`${svc.url}/openid4vci/token`, form.toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
}

async function nonce(): Promise<string> {
  const answer = await postJson(`${svc.url}/openid4vci/nonce`, '', {});
  expect(answer.status).toBe(200);
  return answer.body.c_nonce as string;
}

/** A `jwt` proof naming the wallet key by its DID URL (`kid`), or carrying it as a bare `jwk`. */
async function proof(wallet: Wallet, claims: { nonce?: string; aud?: string }, keyIn: 'kid' | 'jwk' = 'kid'): Promise<string> {
  return new SignJWT({ ...claims, iat: Math.floor(clock.clock().getTime() / 1000) })
    .setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', ...(keyIn === 'kid' ? { kid: wallet.kid } : { jwk: wallet.jwk }) })
    .sign(wallet.privateKey);
}

const codeOf = (answer: { body: { credentialOffer: Record<string, any> } }) =>
  answer.body.credentialOffer['grants']['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code'] as string;

async function credentialRequest(accessToken: string, body: Record<string, unknown>) {
  return postJson(`${svc.url}/openid4vci/credential`, body, as(accessToken));
}

/** Sphereon's client fetches the offered LegalPerson as jwt_vc_json, its proof signed by the wallet key. */
async function acquireLegalPersonJwt(client: OpenID4VCIClientV1_0_15, wallet: Wallet): Promise<string> {
  const response = await client.acquireCredentials({
    credentialConfigurationId: 'GaiaXLegalPerson_jwt_vc_json',
    format: 'jwt_vc_json',
    kid: wallet.kid,
    alg: 'ES256',
    proofCallbacks: {
      signCallback: async (jwt) => new SignJWT(jwt.payload as Record<string, unknown>).setProtectedHeader({ ...(jwt.header as Record<string, unknown>), alg: 'ES256' }).sign(wallet.privateKey),
    },
  });
  const credentials = (response as { credentials?: { credential: string }[] }).credentials ?? [];
  expect(credentials).toHaveLength(1);
  return credentials[0]!.credential;
}

async function auditActions(subject: string): Promise<{ action: string; actor: string; details?: Record<string, unknown> }[]> {
  return (await svc.service.store.auditEntriesForSubject(subject)).map((e) => JSON.parse(e.leaf));
}

beforeAll(async () => {
  svc = await startService({}, { clock: clock.clock });
  const created = await postJson(`${svc.url}/members`, { slug: 'acme', name: 'Acme GmbH' }, as(svc.apiKey));
  expect(created.status, created.text).toBe(201);
  member = created.body;
  const keyAnswer = await postJson(`${svc.url}/members/${member.id}/api-keys`, { role: 'member' }, as(svc.apiKey));
  memberKey = keyAnswer.body.apiKey;
  const issued = await postJson(`${svc.url}/credentials/issue`, { credential: { ...legalPerson(member.did), issuer: member.did, id: undefined }, options: { format: 'vc+jwt' } }, as(memberKey));
  expect(issued.status, issued.text).toBe(201);
  // The answer envelopes the vc+jwt (data:application/vc+jwt,<jwt>); the stored record has the id inside it.
  legalPersonId = String(decodeJwt(String(issued.body.verifiableCredential.id).split(',')[1]!)['id']);

  const other = await postJson(`${svc.url}/members`, { slug: 'other', name: 'Other GmbH' }, as(svc.apiKey));
  otherKey = (await postJson(`${svc.url}/members/${other.body.id}/api-keys`, { role: 'member' }, as(svc.apiKey))).body.apiKey;
  const foreign = await postJson(`${svc.url}/credentials/issue`, { credential: { ...legalPerson(other.body.did), issuer: other.body.did, id: undefined } }, as(otherKey));
  expect(foreign.status, foreign.text).toBe(201);
  othersCredentialId = foreign.body.verifiableCredential.id;
}, 120_000);

afterAll(async () => {
  await svc?.close();
});

describe('metadata', () => {
  it('publishes the issuer metadata with a configuration per kind and format, with display', async () => {
    const metadata = (await (await fetch(`${svc.url}/.well-known/openid-credential-issuer`)).json()) as Record<string, any>;
    expect(metadata.credential_issuer).toBe(`http://localhost:${svc.port}`);
    expect(Object.keys(metadata.credential_configurations_supported).sort()).toEqual(
      ['GaiaXIssuer', 'GaiaXLabel', 'GaiaXLegalPerson', 'GaiaXRegistrationNumber', 'GaiaXServiceOffering'].flatMap((kind) => [`${kind}_jwt_vc_json`, `${kind}_ldp_vc`]).sort(),
    );
    const ldp = metadata.credential_configurations_supported['GaiaXLabel_ldp_vc'];
    expect(ldp).toMatchObject({ format: 'ldp_vc', credential_definition: { '@context': CONTEXT, type: ['VerifiableCredential', 'gx:LabelCredential'] }, proof_types_supported: { jwt: expect.any(Object) } });
    expect(ldp.credential_metadata.display[0]).toMatchObject({ name: 'Gaia-X Label', locale: 'en' });
    const server = (await (await fetch(`${svc.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, any>;
    expect(server).toMatchObject({ issuer: metadata.credential_issuer, token_endpoint: `${metadata.credential_issuer}/openid4vci/token`, 'pre-authorized_grant_anonymous_access_supported': true });
  });
});

describe('offers', () => {
  it('answers the offer URI, a QR code of it and the PIN, and audits the offer', async () => {
    const answer = await offer({ credentials: [legalPersonId], txCode: true });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.credentialOfferUri).toMatch(/^openid-credential-offer:\/\/\?credential_offer=/);
    expect(answer.body.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(answer.body.qrCode.split(',')[1], 'base64').toString()).toContain('<svg');
    expect(answer.body.txCode).toMatch(/^[0-9]{6}$/);
    expect(answer.body.credentialConfigurationIds).toEqual(['GaiaXLegalPerson_jwt_vc_json']);
    expect(answer.body.credentialOffer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code'].tx_code).toMatchObject({ input_mode: 'numeric', length: 6 });
    const entries = await auditActions(member.did);
    expect(entries.find((e) => e.action === 'credential-offer.created' && e.details?.['offer'] === answer.body.id)).toMatchObject({ actor: `member:${member.id}`, details: { credentials: [legalPersonId], txCode: true } });
    // Neither the code nor the PIN is stored as such.
    const stored = await svc.service.store.getCredentialOffer(answer.body.id);
    expect(JSON.stringify(stored)).not.toContain(codeOf(answer));
    expect(stored?.txCodeHash).not.toBe(answer.body.txCode);
  });

  it('answers another member\'s credential as an unknown id, and another member\'s path as an unknown member', async () => {
    const foreign = await offer({ credentials: [othersCredentialId] });
    expect(foreign.status, foreign.text).toBe(404);
    expect(foreign.body).toMatchObject({ code: 'NOT_FOUND', pointer: '/credentials/0' });
    const otherPath = await offer({ credentials: [legalPersonId] }, otherKey);
    expect(otherPath.status, otherPath.text).toBe(404);
  });
});

describe('an independent wallet (Sphereon oid4vci-client)', () => {
  it('runs offer -> token (with PIN) -> nonce -> proof -> credential, and gets a credential bound to its key that verifies', async () => {
    const wallet = await newWallet();
    const offered = await offer({ credentials: [legalPersonId], txCode: true });
    expect(offered.status, offered.text).toBe(201);
    const client = await OpenID4VCIClientV1_0_15.fromURI({ uri: offered.body.credentialOfferUri, kid: wallet.kid, alg: 'ES256', retrieveServerMetadata: true });
    expect(client.getCredentialOfferConfigurationIds()).toEqual(['GaiaXLegalPerson_jwt_vc_json']);
    const tokenResponse = await client.acquireAccessToken({ pin: offered.body.txCode });
    expect(tokenResponse.token_type).toBe('Bearer');
    expect(tokenResponse.expires_in).toBe(300);
    const jwt = await acquireLegalPersonJwt(client, wallet);
    const payload = decodeJwt(jwt);
    expect(payload).toMatchObject({ issuer: member.did, confidenceMethod: wallet.kid, credentialSubject: { id: `${member.did}#lp`, type: 'gx:LegalPerson' } });
    expect(payload['id']).not.toBe(legalPersonId);

    const verified = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: { '@context': ['https://www.w3.org/ns/credentials/v2'], id: `data:application/vc+jwt,${jwt}`, type: 'EnvelopedVerifiableCredential' } });
    expect(verified.status, verified.text).toBe(200);

    // Recorded as the member's, and audited as every issuance is.
    const listed = (await fetch(`${svc.url}/members/${member.slug}/credentials`, { headers: as(memberKey) }).then((r) => r.json())) as { credentials: { id: string }[] };
    expect(listed.credentials.map((item: { id: string }) => item.id)).toContain(payload['id']);
    const actions = (await auditActions(String(payload['id']))).map((e) => e.action);
    expect(actions).toContain('credential.issued');
    expect((await auditActions(member.did)).map((e) => e.action)).toEqual(expect.arrayContaining(['credential-offer.redeemed', 'credential-offer.issued']));
  }, 60_000);

  it('gets a DPoP-bound token when it sends DPoP, and an ldp_vc configuration as Data Integrity', async () => {
    const wallet = await newWallet();
    const dpopKeys = await generateKeyPair('ES256', { extractable: true });
    const dpopJwk = await exportJWK(dpopKeys.publicKey);
    const createDPoPOpts = {
      jwtIssuer: { alg: 'ES256', jwk: dpopJwk },
      jwtPayloadProps: {},
      // Sphereon sends DPoP only when told which algorithms the server takes (as its metadata says).
      dPoPSigningAlgValuesSupported: ['ES256'],
      createJwtCallback: async (_issuer: unknown, jwt: { header: Record<string, unknown>; payload: Record<string, unknown> }) =>
        new SignJWT(jwt.payload).setProtectedHeader({ ...jwt.header, alg: 'ES256' } as { alg: string }).sign(dpopKeys.privateKey),
    };
    const offered = await offer({ credentials: [legalPersonId], format: 'ldp_vc' });
    const client = await OpenID4VCIClientV1_0_15.fromURI({ uri: offered.body.credentialOfferUri, kid: wallet.kid, alg: 'ES256', retrieveServerMetadata: true });
    const tokenResponse = await client.acquireAccessToken({ createDPoPOpts } as Parameters<typeof client.acquireAccessToken>[0]);
    expect(tokenResponse.token_type).toBe('DPoP');
    expect(decodeJwt(tokenResponse.access_token)['cnf']).toEqual({ jkt: await calculateJwkThumbprint(dpopJwk) });

    // The token alone, as a bearer token, is refused: it is bound to the DPoP key.
    const bare = await credentialRequest(tokenResponse.access_token, { credential_configuration_id: 'GaiaXLegalPerson_ldp_vc', proofs: { jwt: [await proof(wallet, { nonce: await nonce(), aud: `http://localhost:${svc.port}` })] } });
    expect(bare.status, bare.text).toBe(401);
    expect(bare.body).toMatchObject({ code: 'INVALID_TOKEN', error: 'invalid_token' });

    const response = await client.acquireCredentials({
      credentialConfigurationId: 'GaiaXLegalPerson_ldp_vc',
      format: 'ldp_vc',
      kid: wallet.kid,
      alg: 'ES256',
      createDPoPOpts,
      proofCallbacks: {
        signCallback: async (jwt) => new SignJWT(jwt.payload as Record<string, unknown>).setProtectedHeader({ ...(jwt.header as Record<string, unknown>), alg: 'ES256' }).sign(wallet.privateKey),
      },
    } as Parameters<typeof client.acquireCredentials>[0]);
    const vc = (response as { credentials?: { credential: Record<string, any> }[] }).credentials?.[0]?.credential;
    expect(vc).toMatchObject({ issuer: member.did, confidenceMethod: wallet.kid, proof: { cryptosuite: 'eddsa-rdfc-2022' } });
    const verified = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: vc });
    expect(verified.status, verified.text).toBe(200);
  }, 60_000);
});

describe('offers by reference (credential_offer_uri)', () => {
  const referenceOf = (uri: string) => {
    const target = new URL(decodeURIComponent(uri.split('credential_offer_uri=')[1]!));
    return target.pathname.split('/').pop()!;
  };
  const fetchOffer = async (reference: string) => {
    const response = await fetch(`${svc.url}/openid4vci/credential-offers/${reference}`);
    return { status: response.status, type: response.headers.get('content-type'), cache: response.headers.get('cache-control'), body: (await response.json()) as Record<string, any> };
  };

  it('answers the by-reference URI, shorter than the by-value one, pointing at the offer JSON (without the PIN)', async () => {
    const offered = await offer({ credentials: [legalPersonId], txCode: true });
    expect(offered.status, offered.text).toBe(201);
    const uri = offered.body.credentialOfferUriByReference as string;
    expect(uri).toMatch(new RegExp(`^openid-credential-offer://\\?credential_offer_uri=${encodeURIComponent(`http://localhost:${svc.port}/openid4vci/credential-offers/`)}[A-Za-z0-9_-]{43}$`));
    expect(uri.length).toBeLessThan(offered.body.credentialOfferUri.length / 2);
    expect(offered.body.qrCodeByReference).toMatch(/^data:image\/svg\+xml;base64,/);
    // The reference is not the offer id (which audit entries name): it is as secret as the code.
    expect(uri).not.toContain(offered.body.id);
    expect(JSON.stringify(await svc.service.store.getCredentialOffer(offered.body.id))).not.toContain(referenceOf(uri));
    const fetched = await fetchOffer(referenceOf(uri));
    expect(fetched.status).toBe(200);
    expect(fetched.type).toMatch(/^application\/json/);
    expect(fetched.cache).toBe('no-store');
    expect(fetched.body).toEqual(offered.body.credentialOffer);
    expect(JSON.stringify(fetched.body)).not.toContain(offered.body.txCode);
  });

  it('Sphereon\'s wallet resolves the by-reference URI and runs offer -> token -> proof -> credential; the redeemed offer is then 404', async () => {
    const wallet = await newWallet();
    const offered = await offer({ credentials: [legalPersonId], txCode: true });
    const client = await OpenID4VCIClientV1_0_15.fromURI({ uri: offered.body.credentialOfferUriByReference, kid: wallet.kid, alg: 'ES256', retrieveServerMetadata: true });
    expect(client.getCredentialOfferConfigurationIds()).toEqual(['GaiaXLegalPerson_jwt_vc_json']);
    const tokenResponse = await client.acquireAccessToken({ pin: offered.body.txCode });
    expect(tokenResponse.token_type).toBe('Bearer');
    const jwt = await acquireLegalPersonJwt(client, wallet);
    expect(decodeJwt(jwt)).toMatchObject({ issuer: member.did, confidenceMethod: wallet.kid });
    const verified = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: { '@context': ['https://www.w3.org/ns/credentials/v2'], id: `data:application/vc+jwt,${jwt}`, type: 'EnvelopedVerifiableCredential' } });
    expect(verified.status, verified.text).toBe(200);

    const redeemed = await fetchOffer(referenceOf(offered.body.credentialOfferUriByReference));
    expect(redeemed.status).toBe(404);
    expect(redeemed.type).toMatch(/^application\/problem\+json/);
    expect(redeemed.body).toMatchObject({ code: 'NOT_FOUND' });
  }, 60_000);

  it('answers an unknown or malformed reference, an offer id, and an expired offer with 404 problem+json', async () => {
    const offered = await offer({ credentials: [legalPersonId], expiresInSeconds: 30 });
    const reference = referenceOf(offered.body.credentialOfferUriByReference);
    expect((await fetchOffer(reference)).status).toBe(200);
    for (const wrong of [`${reference.slice(0, -1)}${reference.endsWith('A') ? 'B' : 'A'}`, 'not-a-reference', offered.body.id, codeOf(offered)]) {
      const answer = await fetchOffer(encodeURIComponent(wrong));
      expect(answer.status, wrong).toBe(404);
      expect(answer.type).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ code: 'NOT_FOUND' });
    }
    clock.advance(31_000);
    const expired = await fetchOffer(reference);
    expect(expired.status).toBe(404);
    expect(expired.body).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('batches and key forms', () => {
  it('issues one copy per proof: a did:jwk kid and a bare jwk header, each bound to its key', async () => {
    const [first, second] = [await newWallet(), await newWallet()];
    const offered = await offer({ credentials: [legalPersonId] });
    const accessToken = (await token(codeOf(offered))).body.access_token as string;
    const aud = `http://localhost:${svc.port}`;
    const answer = await credentialRequest(accessToken, {
      credential_configuration_id: 'GaiaXLegalPerson_jwt_vc_json',
      proofs: { jwt: [await proof(first, { nonce: await nonce(), aud }), await proof(second, { nonce: await nonce(), aud }, 'jwk')] },
    });
    expect(answer.status, answer.text).toBe(200);
    const bound = (answer.body.credentials as { credential: string }[]).map((c) => decodeJwt(c.credential)['confidenceMethod']);
    expect(bound[0]).toBe(first.kid);
    // The bare JWK is named as its did:jwk (#0), whose method-specific id is that public key.
    const named = String(bound[1]);
    expect(named).toMatch(/^did:jwk:[A-Za-z0-9_-]+#0$/);
    expect(JSON.parse(Buffer.from(named.slice('did:jwk:'.length, -2), 'base64url').toString())).toEqual(second.jwk);
  });
});

describe('an admin\'s offer', () => {
  it('issues as the original issuer, records the copy as the member\'s, and audits the admin as the actor', async () => {
    const wallet = await newWallet();
    const offered = await offer({ credentials: [legalPersonId] }, svc.apiKey);
    expect(offered.status, offered.text).toBe(201);
    const accessToken = (await token(codeOf(offered))).body.access_token as string;
    const answer = await credentialRequest(accessToken, { credential_configuration_id: 'GaiaXLegalPerson_jwt_vc_json', proofs: { jwt: [await proof(wallet, { nonce: await nonce(), aud: `http://localhost:${svc.port}` })] } });
    expect(answer.status, answer.text).toBe(200);
    const copy = decodeJwt((answer.body.credentials as { credential: string }[])[0]!.credential);
    expect(copy['issuer']).toBe(member.did);
    expect((await svc.service.store.credentialMetadata(String(copy['id'])))?.ownerMemberId).toBe(member.id);
    const [issued] = (await auditActions(String(copy['id']))).filter((e) => e.action === 'credential.issued');
    expect(issued?.actor).not.toBe(`member:${member.id}`);
  });
});

describe('withdrawn credentials', () => {
  let revocable: string;

  beforeAll(async () => {
    const issued = await postJson(`${svc.url}/credentials/issue`, { credential: { ...legalPerson(member.did), issuer: member.did, id: undefined }, options: { format: 'vc+jwt', credentialStatus: true } }, as(memberKey));
    expect(issued.status, issued.text).toBe(201);
    revocable = String(decodeJwt(String(issued.body.verifiableCredential.id).split(',')[1]!)['id']);
  });

  it('gives a wallet no copy of a credential revoked after the offer, and offers none once revoked', async () => {
    const wallet = await newWallet();
    const offered = await offer({ credentials: [revocable] });
    expect(offered.status, offered.text).toBe(201);
    const accessToken = (await token(codeOf(offered))).body.access_token as string;
    const revoked = await postJson(`${svc.url}/credentials/status`, { credentialId: revocable, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] }, as(memberKey));
    expect(revoked.status, revoked.text).toBe(200);
    const answer = await credentialRequest(accessToken, { credential_configuration_id: 'GaiaXLegalPerson_jwt_vc_json', proofs: { jwt: [await proof(wallet, { nonce: await nonce(), aud: `http://localhost:${svc.port}` })] } });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body).toMatchObject({ code: 'INVALID_CREDENTIAL_REQUEST', error: 'invalid_credential_request', detail: expect.stringMatching(/revoked/) });
    const again = await offer({ credentials: [revocable] });
    expect(again.status, again.text).toBe(422);
    expect(again.body).toMatchObject({ code: 'CREDENTIAL_REVOKED', pointer: '/credentials/0' });
  });
});

describe('refusals', () => {
  const aud = () => `http://localhost:${svc.port}`;

  async function redeemed(body: Record<string, unknown> = { credentials: [legalPersonId] }) {
    const offered = await offer(body);
    expect(offered.status, offered.text).toBe(201);
    const answer = await token(codeOf(offered), offered.body.txCode);
    expect(answer.status, answer.text).toBe(200);
    return answer.body.access_token as string;
  }

  it('refuses a wrong PIN with invalid_grant, and voids the offer after five', async () => {
    const offered = await offer({ credentials: [legalPersonId], txCode: true });
    const wrong = String((Number(offered.body.txCode) + 1) % 1_000_000).padStart(6, '0');
    const answer = await token(codeOf(offered), wrong);
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body).toMatchObject({ code: 'INVALID_GRANT', error: 'invalid_grant', pointer: '/tx_code' });
    expect((await token(codeOf(offered))).body).toMatchObject({ error: 'invalid_grant', pointer: '/tx_code' });
    for (let i = 0; i < 3; i += 1) await token(codeOf(offered), wrong);
    const right = await token(codeOf(offered), offered.body.txCode);
    expect(right.status).toBe(400);
    expect(right.body.detail).toMatch(/too many wrong PINs/);
  });

  it('refuses a form that sends a parameter twice, or a prototype key', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const twice = await postJson(`${svc.url}/openid4vci/token`, 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=a&pre-authorized_code=b', form);
    expect(twice.status, twice.text).toBe(400);
    expect(twice.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/pre-authorized_code' });
    const prototype = await postJson(`${svc.url}/openid4vci/token`, '__proto__=x&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code', form);
    expect(prototype.status, prototype.text).toBe(400);
    expect(prototype.body.code).toBe('FORBIDDEN_KEY');
  });

  it('refuses a pre-authorized code used already', async () => {
    const offered = await offer({ credentials: [legalPersonId] });
    expect((await token(codeOf(offered))).status).toBe(200);
    const again = await token(codeOf(offered));
    expect(again.status, again.text).toBe(400);
    expect(again.body).toMatchObject({ code: 'INVALID_GRANT', error: 'invalid_grant', detail: expect.stringMatching(/used already/) });
  });

  it('refuses an offer past its expiry', async () => {
    const offered = await offer({ credentials: [legalPersonId], expiresInSeconds: 60 });
    clock.advance(61_000);
    const answer = await token(codeOf(offered));
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body).toMatchObject({ code: 'INVALID_GRANT', error: 'invalid_grant', detail: expect.stringMatching(/expired/) });
  });

  it('refuses a proof with a nonce gx-trust did not give, or one used already', async () => {
    const wallet = await newWallet();
    const accessToken = await redeemed();
    const foreign = await credentialRequest(accessToken, { credential_configuration_id: 'GaiaXLegalPerson_jwt_vc_json', proofs: { jwt: [await proof(wallet, { nonce: randomUUID(), aud: aud() })] } });
    expect(foreign.status, foreign.text).toBe(400);
    expect(foreign.body).toMatchObject({ code: 'INVALID_NONCE', error: 'invalid_nonce', pointer: '/proofs/jwt/0' });
    const fresh = await nonce();
    const first = await credentialRequest(accessToken, { credential_configuration_id: 'GaiaXLegalPerson_jwt_vc_json', proofs: { jwt: [await proof(wallet, { nonce: fresh, aud: aud() })] } });
    expect(first.status, first.text).toBe(200);
    const replayed = await credentialRequest(accessToken, { credential_configuration_id: 'GaiaXLegalPerson_jwt_vc_json', proofs: { jwt: [await proof(wallet, { nonce: fresh, aud: aud() })] } });
    expect(replayed.body).toMatchObject({ code: 'INVALID_NONCE', error: 'invalid_nonce' });
  });

  it('refuses a proof for another audience', async () => {
    const wallet = await newWallet();
    const accessToken = await redeemed();
    const answer = await credentialRequest(accessToken, { credential_configuration_id: 'GaiaXLegalPerson_jwt_vc_json', proofs: { jwt: [await proof(wallet, { nonce: await nonce(), aud: 'https://other-issuer.example' })] } });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body).toMatchObject({ code: 'INVALID_PROOF', error: 'invalid_proof', pointer: '/proofs/jwt/0' });
  });

  it('refuses a proof signed by another key than its kid names', async () => {
    const wallet = await newWallet();
    const impostor = { ...(await newWallet()), kid: wallet.kid };
    const accessToken = await redeemed();
    const answer = await credentialRequest(accessToken, { credential_configuration_id: 'GaiaXLegalPerson_jwt_vc_json', proofs: { jwt: [await proof(impostor, { nonce: await nonce(), aud: aud() })] } });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body).toMatchObject({ code: 'INVALID_PROOF', error: 'invalid_proof' });
  });

  it('refuses a configuration the offer does not list, and one gx-trust does not have', async () => {
    const wallet = await newWallet();
    const accessToken = await redeemed();
    for (const id of ['GaiaXLabel_jwt_vc_json', 'GaiaXLegalPerson_ldp_vc', 'NoSuchThing']) {
      const answer = await credentialRequest(accessToken, { credential_configuration_id: id, proofs: { jwt: [await proof(wallet, { nonce: await nonce(), aud: aud() })] } });
      expect(answer.status, `${id}: ${answer.text}`).toBe(400);
      expect(answer.body).toMatchObject({ code: 'UNKNOWN_CREDENTIAL_CONFIGURATION', error: 'unknown_credential_configuration' });
    }
  });

  it('refuses a credential request without an access token, or with a forged one', async () => {
    const body = { credential_configuration_id: 'GaiaXLegalPerson_jwt_vc_json', proofs: { jwt: ['a.b.c'] } };
    const none = await postJson(`${svc.url}/openid4vci/credential`, body);
    expect(none.status, none.text).toBe(401);
    const forgedKey = await newWallet();
    const forged = await new SignJWT({ iss: aud(), aud: aud(), sub: 'x', jti: randomUUID(), client_id: 'wallet' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'access-token-es256' })
      .setIssuedAt(Math.floor(clock.clock().getTime() / 1000))
      .setExpirationTime(Math.floor(clock.clock().getTime() / 1000) + 300)
      .sign(forgedKey.privateKey);
    const answer = await credentialRequest(forged, body);
    expect(answer.status, answer.text).toBe(401);
    expect(answer.body).toMatchObject({ code: 'INVALID_TOKEN', error: 'invalid_token' });
  });
});
