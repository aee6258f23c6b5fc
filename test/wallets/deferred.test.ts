/**
 * OpenID4VCI 1.0 deferred issuance (§9) against the started service over loopback HTTP, on SQLite
 * and (with GX_TEST_DATABASE_URL) PostgreSQL. The wallet is Sphereon's `@sphereon/oid4vci-client`:
 * a member offers what its onboarding will issue once an admin's review approves it; the wallet
 * trades the code for a token, proves its key, and gets a transaction_id; its deferred request
 * reads "pending" (202) until the admin approves, naming the credential onboarding issued, and then
 * gets a copy bound to the key it proved. Also: a refused review (credential_request_denied), an
 * unknown or another wallet's transaction_id (invalid_transaction_id), and the sweep of expired
 * offers, nonces and transactions, with time moved by the service's Clock.
 */
import { createHash } from 'node:crypto';
import { CredentialRequestClientBuilderV1_0_15, OpenID4VCIClientV1_0_15 } from '@sphereon/oid4vci-client';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../helpers/clock.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { legalPerson } from '../compliance/fixtures.js';
import { freshPostgresSchema, type PostgresSchema } from '../replicas/process.js';

const DATABASE = process.env['GX_TEST_DATABASE_URL'];
const BACKENDS = [{ name: 'SQLite' }, ...(DATABASE === undefined || DATABASE === '' ? [] : [{ name: 'PostgreSQL' }])];
const LEGAL_PERSON = 'GaiaXLegalPerson_jwt_vc_json';

interface Wallet {
  kid: string;
  jwk: JWK;
  privateKey: CryptoKey;
}

async function newWallet(): Promise<Wallet> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { kid: `did:jwk:${Buffer.from(JSON.stringify(jwk)).toString('base64url')}#0`, jwk, privateKey };
}

const as = (key: string) => ({ authorization: `Bearer ${key}` });

describe.each(BACKENDS)('deferred issuance on $name', ({ name }) => {
  const clock = manualClock();
  let svc: RunningService;
  let schema: PostgresSchema | undefined;
  let member: { id: string; did: string; slug: string };
  let memberKey: string;
  let otherKey: string;
  let othersCredentialId: string;

  const url = (path: string) => `${svc.url}${path}`;

  /** What onboarding issues once the review let it: the member's LegalPerson, stored as the member's. */
  async function onboardedLegalPerson(): Promise<string> {
    const issued = await postJson(url('/credentials/issue'), { credential: { ...legalPerson(member.did), issuer: member.did, id: undefined }, options: { format: 'vc+jwt', credentialStatus: true } }, as(memberKey));
    expect(issued.status, issued.text).toBe(201);
    return String(decodeJwt(String(issued.body.verifiableCredential.id).split(',')[1]!)['id']);
  }

  async function deferredOffer(body: Record<string, unknown> = {}) {
    const answer = await postJson(url(`/members/${member.slug}/credential-offers`), { deferred: { credentialConfigurationIds: [LEGAL_PERSON] }, ...body }, as(memberKey));
    expect(answer.status, answer.text).toBe(201);
    return answer.body as { id: string; credentialOfferUri: string; txCode?: string; credentialConfigurationIds: string[] };
  }

  async function review(offerId: string, body: Record<string, unknown>, key = svc.apiKey) {
    return postJson(url(`/members/${member.slug}/credential-offers/${offerId}/review`), body, as(key));
  }

  /** The independent wallet up to its credential request: offer -> token (PIN) -> nonce -> proof -> answer. */
  async function walletRequests(offered: { credentialOfferUri: string; txCode?: string }) {
    const wallet = await newWallet();
    const client = await OpenID4VCIClientV1_0_15.fromURI({ uri: offered.credentialOfferUri, kid: wallet.kid, alg: 'ES256', retrieveServerMetadata: true });
    const token = await client.acquireAccessToken({ ...(offered.txCode === undefined ? {} : { pin: offered.txCode }) });
    const response = await client.acquireCredentials({
      credentialConfigurationId: LEGAL_PERSON,
      format: 'jwt_vc_json',
      kid: wallet.kid,
      alg: 'ES256',
      deferredCredentialAwait: false,
      proofCallbacks: {
        signCallback: async (jwt) => new SignJWT(jwt.payload as Record<string, unknown>).setProtectedHeader({ ...(jwt.header as Record<string, unknown>), alg: 'ES256' }).sign(wallet.privateKey),
      },
    });
    // The wallet's deferred requests, one at a time (deferredCredentialAwait false: no polling loop).
    const deferredClient = CredentialRequestClientBuilderV1_0_15.fromCredentialOffer({ credentialOffer: client.credentialOffer!, metadata: client.endpointMetadata })
      .withTokenFromResponse(token)
      // Read from the issuer metadata the client fetched (its endpoint summary leaves this one out).
      .withDeferredCredentialEndpointFromMetadata(client.endpointMetadata.credentialIssuerMetadata as never)
      .build();
    const askDeferred = (transactionId: string) => deferredClient.acquireDeferredCredential({ transaction_id: transactionId } as never, { bearerToken: token.access_token });
    return { wallet, client, token, response: response as unknown as Record<string, unknown>, askDeferred };
  }

  /** A deferred credential request by hand, as any wallet could send it. */
  async function deferredRequest(accessToken: string | undefined, body: Record<string, unknown>) {
    return postJson(url('/openid4vci/deferred-credential'), body, accessToken === undefined ? {} : as(accessToken));
  }

  async function auditActions(subject: string): Promise<string[]> {
    return (await svc.service.store.auditEntriesForSubject(subject)).map((e) => (JSON.parse(e.leaf) as { action: string }).action);
  }

  beforeAll(async () => {
    const env: Record<string, string> = {};
    if (name === 'PostgreSQL') {
      schema = await freshPostgresSchema(DATABASE!);
      env['DATABASE_URL'] = schema.databaseUrl;
    }
    svc = await startService(env, { clock: clock.clock });
    const created = await postJson(url('/members'), { slug: 'acme', name: 'Acme GmbH' }, as(svc.apiKey));
    expect(created.status, created.text).toBe(201);
    member = created.body;
    memberKey = (await postJson(url(`/members/${member.id}/api-keys`), { role: 'member' }, as(svc.apiKey))).body.apiKey;
    const other = await postJson(url('/members'), { slug: 'other', name: 'Other GmbH' }, as(svc.apiKey));
    otherKey = (await postJson(url(`/members/${other.body.id}/api-keys`), { role: 'member' }, as(svc.apiKey))).body.apiKey;
    const foreign = await postJson(url('/credentials/issue'), { credential: { ...legalPerson(other.body.did), issuer: other.body.did, id: undefined } }, as(otherKey));
    expect(foreign.status, foreign.text).toBe(201);
    othersCredentialId = foreign.body.verifiableCredential.id;
  }, 120_000);

  afterAll(async () => {
    await svc?.close();
    await schema?.dispose();
  });

  it('advertises the deferred credential endpoint', async () => {
    const metadata = (await (await fetch(url('/.well-known/openid-credential-issuer'))).json()) as Record<string, unknown>;
    expect(metadata['deferred_credential_endpoint']).toBe(`http://localhost:${svc.port}/openid4vci/deferred-credential`);
  });

  it('runs offer -> token -> proof -> transaction_id -> pending -> approval -> the credential, bound to the key the wallet proved', async () => {
    const offered = await deferredOffer({ txCode: true });
    expect(offered.credentialConfigurationIds).toEqual([LEGAL_PERSON]);
    const { wallet, token, response, askDeferred } = await walletRequests(offered);
    // The token of a pending offer outlives the review's usual wait (the deferred endpoint takes it).
    expect(token.expires_in).toBe(86_400);
    expect(response['credentials']).toBeUndefined();
    expect(response['transaction_id']).toEqual(expect.any(String));
    expect(response['interval']).toBe(60);
    const transactionId = String(response['transaction_id']);
    // Kept as a digest: the store does not hand out what it keeps.
    expect(await svc.service.store.walletTransaction(transactionId)).toBeUndefined();

    const pending = await askDeferred(transactionId);
    expect(pending.origResponse.status).toBe(202);
    expect(pending.successBody).toMatchObject({ transaction_id: transactionId, interval: 60 });

    // A member does not decide its own review.
    const byMember = await review(offered.id, { decision: 'approved', credentials: [othersCredentialId] }, memberKey);
    expect(byMember.status, byMember.text).toBe(403);

    const issuedId = await onboardedLegalPerson();
    const approved = await review(offered.id, { decision: 'approved', credentials: [issuedId] });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toEqual({ id: offered.id, state: 'approved', credentials: [{ configurationId: LEGAL_PERSON, credentialId: issuedId }] });

    const done = await askDeferred(transactionId);
    expect(done.origResponse.status).toBe(200);
    const credentials = (done.successBody as { credentials?: { credential: string }[] }).credentials ?? [];
    expect(credentials).toHaveLength(1);
    const payload = decodeJwt(credentials[0]!.credential);
    expect(payload).toMatchObject({ issuer: member.did, confidenceMethod: wallet.kid, credentialSubject: { id: `${member.did}#lp`, type: 'gx:LegalPerson' } });
    expect(payload['id']).not.toBe(issuedId);
    const verified = await postJson(url('/credentials/verify'), { verifiableCredential: { '@context': ['https://www.w3.org/ns/credentials/v2'], id: `data:application/vc+jwt,${credentials[0]!.credential}`, type: 'EnvelopedVerifiableCredential' } });
    expect(verified.status, verified.text).toBe(200);
    expect(await auditActions(String(payload['id']))).toContain('credential.issued');
    expect(await auditActions(member.did)).toEqual(expect.arrayContaining(['credential-offer.deferred', 'credential-offer.approved', 'credential-offer.issued']));

    // Answered once.
    const again = await deferredRequest(token.access_token, { transaction_id: transactionId });
    expect(again.status, again.text).toBe(400);
    expect(again.body).toMatchObject({ code: 'INVALID_TRANSACTION_ID', error: 'invalid_transaction_id' });
    // And decided once.
    const twice = await review(offered.id, { decision: 'refused', reason: 'changed our mind' });
    expect(twice.status, twice.text).toBe(409);
  }, 90_000);

  it('refuses the wallet with credential_request_denied when the review refuses', async () => {
    const offered = await deferredOffer();
    const { token, response } = await walletRequests(offered);
    const transactionId = String(response['transaction_id']);
    const refused = await review(offered.id, { decision: 'refused', reason: 'the registration number could not be confirmed' });
    expect(refused.status, refused.text).toBe(200);
    expect(refused.body).toMatchObject({ state: 'refused', credentials: [], reason: 'the registration number could not be confirmed' });

    const denied = await deferredRequest(token.access_token, { transaction_id: transactionId });
    expect(denied.status, denied.text).toBe(400);
    expect(denied.body).toMatchObject({ code: 'CREDENTIAL_REQUEST_DENIED', error: 'credential_request_denied', error_description: expect.stringContaining('could not be confirmed') });
    // The transaction is gone with the answer; a new credential request is denied as well.
    expect((await deferredRequest(token.access_token, { transaction_id: transactionId })).body).toMatchObject({ error: 'invalid_transaction_id' });
    const fresh = await postJson(url('/openid4vci/credential'), { credential_configuration_id: LEGAL_PERSON, proofs: { jwt: ['e30.e30.e30'] } }, as(token.access_token));
    expect(fresh.body).toMatchObject({ error: 'credential_request_denied' });
  }, 90_000);

  it('gives no copy of a credential revoked between the approval and the deferred request, and keeps the transaction', async () => {
    const offered = await deferredOffer();
    const { token, response } = await walletRequests(offered);
    const transactionId = String(response['transaction_id']);
    const issuedId = await onboardedLegalPerson();
    expect((await review(offered.id, { decision: 'approved', credentials: [issuedId] })).status).toBe(200);
    const revoked = await postJson(url('/credentials/status'), { credentialId: issuedId, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] }, as(memberKey));
    expect(revoked.status, revoked.text).toBe(200);
    const refused = await deferredRequest(token.access_token, { transaction_id: transactionId });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid_credential_request', error_description: expect.stringContaining('revoked') });
    expect(await svc.service.store.walletTransaction(createHash('sha256').update(transactionId).digest('hex'))).toBeDefined();
  }, 90_000);

  it('answers an unknown or another wallet\'s transaction_id with invalid_transaction_id, and no token with 401', async () => {
    const first = await walletRequests(await deferredOffer());
    const second = await walletRequests(await deferredOffer());
    const foreign = await deferredRequest(second.token.access_token, { transaction_id: String(first.response['transaction_id']) });
    expect(foreign.status, foreign.text).toBe(400);
    expect(foreign.body).toMatchObject({ code: 'INVALID_TRANSACTION_ID', error: 'invalid_transaction_id', pointer: '/transaction_id' });
    const unknown = await deferredRequest(first.token.access_token, { transaction_id: 'never-given' });
    expect(unknown.body).toMatchObject({ error: 'invalid_transaction_id' });
    // Sphereon's wallet reads it as a fatal answer, not as "still pending".
    await expect(second.askDeferred('never-given')).rejects.toThrow(/Invalid transaction id/);
    const missing = await deferredRequest(first.token.access_token, {});
    expect(missing.status, missing.text).toBe(400);
    const anonymous = await deferredRequest(undefined, { transaction_id: String(first.response['transaction_id']) });
    expect(anonymous.status, anonymous.text).toBe(401);
    expect(anonymous.body).toMatchObject({ error: 'invalid_token' });
    // The first wallet's transaction still stands.
    expect((await deferredRequest(first.token.access_token, { transaction_id: String(first.response['transaction_id']) })).status).toBe(202);
  }, 90_000);

  it('checks an approval and an offer: the promised kinds, the member\'s own credentials, one of credentials or deferred', async () => {
    const offered = await deferredOffer();
    const foreign = await review(offered.id, { decision: 'approved', credentials: [othersCredentialId] });
    expect(foreign.status, foreign.text).toBe(404);
    const noReason = await review(offered.id, { decision: 'refused' });
    expect(noReason.status, noReason.text).toBe(400);
    const unknownOffer = await review('00000000-0000-4000-8000-000000000000', { decision: 'refused', reason: 'x' });
    expect(unknownOffer.status, unknownOffer.text).toBe(404);
    const issuedId = await onboardedLegalPerson();
    const notPromised = await postJson(url(`/members/${member.slug}/credential-offers`), { deferred: { credentialConfigurationIds: ['GaiaXLabel_jwt_vc_json'] } }, as(memberKey));
    expect(notPromised.status, notPromised.text).toBe(201);
    const wrongKind = await review(notPromised.body.id, { decision: 'approved', credentials: [issuedId] });
    expect(wrongKind.status, wrongKind.text).toBe(400);
    expect(wrongKind.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/credentials/0' });
    const stored = await postJson(url(`/members/${member.slug}/credential-offers`), { credentials: [issuedId] }, as(memberKey));
    expect((await review(stored.body.id, { decision: 'refused', reason: 'x' })).status).toBe(409);
    const both = await postJson(url(`/members/${member.slug}/credential-offers`), { credentials: [issuedId], deferred: { credentialConfigurationIds: [LEGAL_PERSON] } }, as(memberKey));
    expect(both.status, both.text).toBe(400);
    const unknownConfiguration = await postJson(url(`/members/${member.slug}/credential-offers`), { deferred: { credentialConfigurationIds: ['Nope_jwt_vc_json'] } }, as(memberKey));
    expect(unknownConfiguration.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/deferred/credentialConfigurationIds/0' });
  }, 90_000);

  // Last: it moves the clock past every offer, token and transaction of this service.
  it('sweeps expired offers, nonces and transactions, keeping what a live transaction needs, and counts them', async () => {
    const { store } = svc.service;
    await svc.service.walletSweeper.sweep();
    const waiting = await deferredOffer({ expiresInSeconds: 60 });
    const { token, response } = await walletRequests(waiting);
    const transactionId = String(response['transaction_id']);
    const unredeemed = await deferredOffer({ expiresInSeconds: 60 });
    await postJson(url('/openid4vci/nonce'), '', {});

    clock.advance(3_600_000);
    const first = await svc.service.walletSweeper.sweep();
    expect(first.offers).toBeGreaterThanOrEqual(1);
    expect(first.nonces).toBeGreaterThanOrEqual(1);
    expect(first.transactions).toBe(0);
    expect(await store.getCredentialOffer(unredeemed.id)).toBeUndefined();
    // The code expired, but the wallet's transaction waits on the offer.
    expect(await store.getCredentialOffer(waiting.id)).toBeDefined();
    expect((await deferredRequest(token.access_token, { transaction_id: transactionId })).status).toBe(202);

    clock.advance(86_400_000);
    const second = await svc.service.walletSweeper.sweep();
    expect(second.transactions).toBeGreaterThanOrEqual(1);
    expect(await store.getCredentialOffer(waiting.id)).toBeUndefined();
    expect(await svc.service.walletSweeper.sweep()).toEqual({ offers: 0, nonces: 0, transactions: 0 });

    const metrics = await (await fetch(url('/metrics'), { headers: as(svc.apiKey) })).text();
    const count = (kind: string) => Number(new RegExp(`gx_wallet_swept_total\\{kind="${kind}"\\} (\\d+)`).exec(metrics)?.[1]);
    expect(count('transactions')).toBeGreaterThanOrEqual(1);
    expect(count('offers')).toBeGreaterThanOrEqual(2);
    expect(count('nonces')).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
