/**
 * Wallets over HTTP: OpenID4VCI 1.0 issuer and authorization server metadata, credential offers
 * (pre-authorized code flow) and their review when deferred, and the token, nonce, credential and
 * deferred credential endpoints wallets call. The
 * protocol is src/wallets/issuance.ts; here: who may offer, and answers in the shape wallets read.
 * A refusal is problem+json as everywhere, with the OAuth `error` and `error_description` members
 * beside it (RFC 9457 extension members), since wallets switch on those.
 */
import { z } from 'zod';
import { GxTrustError } from '../../errors.js';
import type { MemberPresentations } from '../../members/presentations.js';
import type { MemberRegistry } from '../../members/registry.js';
import { noSuchMember } from '../../members/registry.js';
import { WALLET_FORMATS } from '../../wallets/configurations.js';
import { OAUTH_ERRORS, OFFER_LIFETIME_SECONDS, WALLET_PATHS, type WalletHttpRequest, type WalletIssuance } from '../../wallets/issuance.js';
import { examples } from '../openapi/examples.js';
import { BAD_INPUT, FORBIDDEN, problem, UNAUTHORIZED } from '../openapi/responses.js';
import { problemOf } from '../problem.js';
import { FORM_MEDIA_TYPE } from '../request-body.js';
import { defineRoute, json, type Answer, type RouteContext } from '../route.js';

export interface WalletRouteDependencies {
  wallets: WalletIssuance;
  members: MemberRegistry;
  memberPresentations: MemberPresentations;
}

export const CredentialOfferRequest = z.strictObject({
  credentials: z.array(z.string().min(1).max(2048)).min(1).max(20).optional().describe('Ids of stored credentials the member owns (GET /members/{id}/credentials); or `deferred`'),
  deferred: z
    .strictObject({
      credentialConfigurationIds: z.array(z.string().min(1).max(200)).min(1).max(10).describe('The configurations onboarding will issue once an admin approves it (POST /members/{id}/credential-offers/{offerId}/review)'),
    })
    .optional()
    .describe('Instead of `credentials`: an offer for onboarding that waits for an admin\'s review; the wallet gets a transaction_id (OpenID4VCI deferred issuance)'),
  format: z.enum(WALLET_FORMATS).optional().describe('jwt_vc_json (VC-JOSE, default) or ldp_vc (Data Integrity)'),
  txCode: z.boolean().optional().describe('true: the wallet must send a 6-digit PIN, answered once here, to be passed to the holder out of band'),
  expiresInSeconds: z.number().int().min(30).max(OFFER_LIFETIME_SECONDS.max).optional().describe(`Default ${OFFER_LIFETIME_SECONDS.default}`),
});

export const OfferReviewRequest = z.strictObject({
  decision: z.enum(['approved', 'refused']),
  credentials: z.array(z.string().min(1).max(2048)).min(1).max(20).optional().describe('approved: the member\'s credentials onboarding issued, one at least of each promised configuration\'s kind'),
  reason: z.string().min(1).max(500).optional().describe('refused: why, told to the wallet in error_description'),
});

export const OfferReviewAnswer = z.object({
  id: z.string(),
  state: z.enum(['approved', 'refused']),
  credentials: z.array(z.object({ configurationId: z.string(), credentialId: z.string() })),
  reason: z.string().optional(),
});

export const CredentialOfferAnswer = z.object({
  id: z.string(),
  credentialOfferUri: z.string(),
  credentialOffer: z.record(z.string(), z.unknown()),
  qrCode: z.string(),
  credentialOfferUriByReference: z.string().describe('openid-credential-offer://?credential_offer_uri=… : the wallet fetches the offer (GET /openid4vci/credential-offers/{reference}); the smaller QR code'),
  qrCodeByReference: z.string(),
  txCode: z.string().optional(),
  expiresAt: z.string(),
  credentialConfigurationIds: z.array(z.string()),
});

const NO_STORE = { 'Cache-Control': 'no-store' } as const;
const WALLET_ERROR = problem('problem+json with the OAuth `error` (invalid_grant, invalid_proof, invalid_nonce, unknown_credential_configuration, ...) and `error_description`');

function walletRequest(context: RouteContext<unknown>, baseUrl: string): WalletHttpRequest {
  const headers = new Headers();
  for (const name of ['authorization', 'dpop', 'content-type']) {
    const value = context.header(name);
    if (value !== undefined) headers.set(name, value);
  }
  return { method: context.method === 'GET' ? 'GET' : 'POST', url: `${baseUrl.replace(/\/$/, '')}${context.path}`, headers };
}

/** A wallet endpoint's refusal: the problem, with the OAuth error wallets read. */
async function asWalletAnswer(context: RouteContext<unknown>, run: () => Promise<Answer>): Promise<Answer> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof GxTrustError)) throw error;
    const oauth = OAUTH_ERRORS[error.code] ?? (error.code === 'INVALID_INPUT' ? 'invalid_request' : undefined);
    if (oauth === undefined) throw error;
    const headers: Record<string, string> = { ...NO_STORE };
    if (error.status === 401) headers['WWW-Authenticate'] = `Bearer error="${oauth}", DPoP error="${oauth}"`;
    return { status: error.status, problem: { ...problemOf(error, context.url), error: oauth, error_description: error.message }, headers };
  }
}

function baseUrlOf(deps: { wallets: WalletIssuance }): string {
  return String(deps.wallets.issuerMetadata()['credential_issuer']);
}

export const walletRoutes = [
  defineRoute({
    method: 'get', path: '/.well-known/openid-credential-issuer', operationId: 'getCredentialIssuerMetadata', tag: 'Identity',
    summary: 'OpenID4VCI 1.0 credential issuer metadata: the credential configurations (Gaia-X LegalPerson, registration number, Issuer, ServiceOffering, label; jwt_vc_json and ldp_vc) with display metadata',
    responses: { 200: { description: 'The metadata' } },
    handler: (_context, deps: WalletRouteDependencies) => json(200, deps.wallets.issuerMetadata(), { 'Cache-Control': 'public, max-age=300' }),
  }),
  defineRoute({
    method: 'get', path: '/.well-known/oauth-authorization-server', operationId: 'getAuthorizationServerMetadata', tag: 'Identity',
    summary: 'RFC 8414 authorization server metadata for the pre-authorized code flow (token endpoint, jwks_uri, DPoP algorithms)',
    responses: { 200: { description: 'The metadata' } },
    handler: (_context, deps: WalletRouteDependencies) => json(200, deps.wallets.authorizationServerMetadata(), { 'Cache-Control': 'public, max-age=300' }),
  }),
  defineRoute({
    method: 'get', path: WALLET_PATHS.jwks, operationId: 'getAccessTokenKeys', tag: 'Identity',
    summary: 'The JWK set access tokens are signed with (the authorization server\'s jwks_uri)',
    responses: { 200: { description: '{keys: [JWK]}' } },
    handler: (_context, deps: WalletRouteDependencies) => json(200, deps.wallets.jwks(), { 'Cache-Control': 'public, max-age=300' }),
  }),
  defineRoute({
    method: 'post', path: '/members/:id/credential-offers', operationId: 'createCredentialOffer', tag: 'Credentials', roles: ['member'],
    summary: 'Offer credentials the member owns to a wallet (OpenID4VCI pre-authorized code flow): the openid-credential-offer:// URI by value and by reference, a QR code of each, and the PIN when asked; audited as credential-offer.created',
    params: { id: 'The member id, or its slug' },
    request: { schema: CredentialOfferRequest, example: examples.createCredentialOffer },
    responses: {
      201: { description: 'The offer', schema: CredentialOfferAnswer }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN,
      404: problem('No such member, or no credential of the member with an id given (another member\'s is answered the same way, audited)'),
      422: problem('CREDENTIAL_REVOKED or CREDENTIAL_SUSPENDED: a wallet gets no copy of a withdrawn credential'),
    },
    async handler(context, deps: WalletRouteDependencies) {
      const principal = context.caller();
      const id = context.params['id'] ?? '';
      const member = await deps.members.find(id);
      if (principal.role === 'member' && principal.memberId !== member.id) {
        throw await context.deny({ subject: member.did, reason: 'a member may offer only its own credentials', answer: noSuchMember(id) });
      }
      const { credentials, deferred } = context.body;
      if ((credentials === undefined) === (deferred === undefined)) {
        throw new GxTrustError('INVALID_INPUT', 'an offer names either stored credentials or, deferred, the configurations a review will release', { pointer: '/credentials', hint: 'Send `credentials` (ids) or `deferred: {credentialConfigurationIds}`, not both' });
      }
      const owned = credentials === undefined ? [] : await deps.memberPresentations.owned(member, credentials, principal, '/credentials');
      const offer = await deps.wallets.createOffer(member, context.body, { actor: principal.actor, role: principal.role, ...(principal.dids === undefined ? {} : { dids: principal.dids }), ownedRecords: owned });
      return json(201, offer, NO_STORE);
    },
  }),
  defineRoute({
    method: 'get', path: `${WALLET_PATHS.credentialOffers}/:reference`, operationId: 'getCredentialOffer', tag: 'Credentials',
    summary: 'A credential offer passed by reference (OpenID4VCI credential_offer_uri): the offer JSON the wallet would have read from the by-value URI (never the PIN), while its pre-authorized code can be traded',
    params: { reference: 'The reference in credentialOfferUriByReference (32 random bytes; not the offer id): whoever holds it holds the pre-authorized code' },
    responses: {
      200: { description: '{credential_issuer, credential_configuration_ids, grants}' },
      404: problem('NOT_FOUND: no offer at this reference, or it was redeemed, expired or voided by wrong PINs'),
    },
    handler: async (context, deps: WalletRouteDependencies) => json(200, await deps.wallets.offerByReference(context.params['reference'] ?? ''), NO_STORE),
  }),
  defineRoute({
    method: 'post', path: '/members/:id/credential-offers/:offerId/review', operationId: 'reviewCredentialOffer', tag: 'Credentials', roles: [],
    summary: 'An admin\'s review of onboarding with a deferred offer: approved, naming the credentials onboarding issued (the wallet\'s deferred request then gets them), or refused (credential_request_denied); once per offer, audited as credential-offer.approved / .refused',
    params: { id: 'The member id, or its slug', offerId: 'The offer id POST /members/{id}/credential-offers answered' },
    request: { schema: OfferReviewRequest, example: examples.reviewCredentialOffer },
    responses: {
      200: { description: 'The decision', schema: OfferReviewAnswer }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN,
      404: problem('No such member, offer of the member, or credential of the member'),
      409: problem('CONFLICT: the offer is decided already, or offers stored credentials'),
      422: problem('CREDENTIAL_REVOKED or CREDENTIAL_SUSPENDED: a wallet gets no copy of a withdrawn credential'),
    },
    async handler(context, deps: WalletRouteDependencies) {
      const principal = context.caller();
      const member = await deps.members.find(context.params['id'] ?? '');
      const { decision, credentials, reason } = context.body;
      const caller = { actor: principal.actor, role: principal.role, ...(principal.dids === undefined ? {} : { dids: principal.dids }) };
      if (decision === 'approved') {
        if (credentials === undefined || reason !== undefined) throw new GxTrustError('INVALID_INPUT', 'an approval names the credentials onboarding issued, and no reason', { pointer: '/credentials', hint: 'Send {decision: "approved", credentials: [ids]}' });
        const owned = await deps.memberPresentations.owned(member, credentials, principal, '/credentials');
        return json(200, await deps.wallets.decideOffer(member, context.params['offerId'] ?? '', { decision, credentials }, { ...caller, ownedRecords: owned }), NO_STORE);
      }
      if (reason === undefined || credentials !== undefined) throw new GxTrustError('INVALID_INPUT', 'a refusal gives its reason, and names no credentials', { pointer: '/reason', hint: 'Send {decision: "refused", reason: "..."}' });
      return json(200, await deps.wallets.decideOffer(member, context.params['offerId'] ?? '', { decision, reason }, { ...caller, ownedRecords: [] }), NO_STORE);
    },
  }),
  defineRoute({
    method: 'post', path: WALLET_PATHS.token, operationId: 'walletToken', tag: 'Credentials',
    summary: 'OAuth 2.0 token endpoint for wallets: a pre-authorized code (and its PIN) for a 5-minute access token, DPoP-bound when the wallet sends a DPoP proof; each code once',
    request: {
      schema: z.string().describe('application/x-www-form-urlencoded: grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code, pre-authorized_code, tx_code'),
      example: examples.walletToken, mediaTypes: [FORM_MEDIA_TYPE], parse: 'handler',
    },
    responses: { 200: { description: '{access_token, token_type (Bearer or DPoP), expires_in, c_nonce}' }, 400: WALLET_ERROR },
    handler: (context, deps: WalletRouteDependencies) => asWalletAnswer(context, async () => {
      const body = typeof context.body === 'object' && context.body !== null ? (context.body as Record<string, unknown>) : {};
      return json(200, await deps.wallets.token(walletRequest(context, baseUrlOf(deps)), body), { ...NO_STORE, Pragma: 'no-cache' });
    }),
  }),
  defineRoute({
    method: 'post', path: WALLET_PATHS.nonce, operationId: 'walletNonce', tag: 'Credentials',
    summary: 'OpenID4VCI nonce endpoint: a fresh c_nonce for a proof of possession (5 minutes, used once)',
    // No body, or an empty JSON object: anything else (a form, members) is refused rather than ignored.
    request: { schema: z.strictObject({}), example: examples.walletNonce, optional: true },
    responses: { 200: { description: '{c_nonce, c_nonce_expires_in}' }, 400: BAD_INPUT },
    handler: async (_context, deps: WalletRouteDependencies) => json(200, await deps.wallets.nonce(), NO_STORE),
  }),
  defineRoute({
    method: 'post', path: WALLET_PATHS.credential, operationId: 'walletCredential', tag: 'Credentials', signing: 'wallets',
    summary: 'OpenID4VCI credential endpoint: with the access token, a configuration the offer lists and jwt proofs of possession (one per key, batch up to 10), a copy of each offered credential bound to each key, signed by its original issuer, recorded and audited',
    request: {
      schema: z.looseObject({ credential_configuration_id: z.string().optional(), proofs: z.looseObject({ jwt: z.array(z.string()).optional() }).optional() }),
      example: examples.walletCredential, parse: 'handler',
    },
    responses: { 200: { description: '{credentials: [{credential}]}' }, 202: { description: '{transaction_id, interval}: the offer waits for its review; ask the deferred credential endpoint' }, 400: WALLET_ERROR, 401: problem('INVALID_TOKEN: no access token, or not a valid one (WWW-Authenticate says so)') },
    handler: (context, deps: WalletRouteDependencies) => asWalletAnswer(context, async () => {
      const body = typeof context.body === 'object' && context.body !== null && !Array.isArray(context.body) ? (context.body as Record<string, unknown>) : {};
      const answer = await deps.wallets.credential(walletRequest(context, baseUrlOf(deps)), body);
      return json(answer.status, answer.body, NO_STORE);
    }),
  }),
  defineRoute({
    method: 'post', path: WALLET_PATHS.deferredCredential, operationId: 'walletDeferredCredential', tag: 'Credentials', signing: 'wallets',
    summary: 'OpenID4VCI deferred credential endpoint (§9): with the access token and the transaction_id of a 202 credential response, the credentials once the review approved (bound to the keys the proofs proved), 202 again while it is pending; each transaction answered once',
    request: {
      schema: z.looseObject({ transaction_id: z.string().optional() }),
      example: examples.walletDeferredCredential, parse: 'handler',
    },
    responses: {
      200: { description: '{credentials: [{credential}]}' },
      202: { description: '{transaction_id, interval}: the review is pending; ask again after interval seconds' },
      400: problem('invalid_transaction_id (unknown, another token\'s, answered already, expired) or credential_request_denied (the review refused)'),
      401: problem('INVALID_TOKEN: no access token, or not a valid one (WWW-Authenticate says so)'),
    },
    handler: (context, deps: WalletRouteDependencies) => asWalletAnswer(context, async () => {
      const body = typeof context.body === 'object' && context.body !== null && !Array.isArray(context.body) ? (context.body as Record<string, unknown>) : {};
      const answer = await deps.wallets.deferredCredential(walletRequest(context, baseUrlOf(deps)), body);
      return json(answer.status, answer.body, NO_STORE);
    }),
  }),
];
