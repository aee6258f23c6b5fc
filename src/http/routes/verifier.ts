/**
 * OpenID4VP 1.0 over HTTP, gx-trust as the verifier: a connector creates a presentation request
 * with a DCQL query and reads its outcome by id; the holder's wallet fetches the signed request
 * object at the `request_uri` and posts its answer (`direct_post`) to the `response_uri`. The
 * protocol is src/wallets/presentation.ts; here: who may ask, who may read, and answers in the
 * shape wallets read (problem+json with the OAuth `error` beside it, as the issuance routes do).
 */
import { z } from 'zod';
import { GxTrustError } from '../../errors.js';
import { REQUEST_LIFETIME_SECONDS, VERIFIER_OAUTH_ERRORS, type PresentationVerifier } from '../../wallets/presentation.js';
import { examples } from '../openapi/examples.js';
import { BAD_INPUT, FORBIDDEN, problem, UNAUTHORIZED } from '../openapi/responses.js';
import { problemOf } from '../problem.js';
import { FORM_MEDIA_TYPE } from '../request-body.js';
import { defineRoute, json, text, type Answer, type RouteContext } from '../route.js';

export interface VerifierRouteDependencies {
  presentations: PresentationVerifier;
}

export const PresentationRequestBody = z.strictObject({
  dcqlQuery: z.record(z.string(), z.unknown()).optional().describe('A DCQL query (OpenID4VP 1.0 §6). Default: a Gaia-X label of level L1 or above and the LegalPerson credential it covers, both jwt_vc_json'),
  expiresInSeconds: z.number().int().min(30).max(REQUEST_LIFETIME_SECONDS.max).optional().describe(`How long the wallet may answer; default ${REQUEST_LIFETIME_SECONDS.default}`),
});

export const PresentationRequestAnswer = z.object({
  id: z.string(),
  authorizationRequestUri: z.string(),
  requestUri: z.string(),
  clientId: z.string(),
  qrCode: z.string(),
  expiresAt: z.string(),
  dcqlQuery: z.record(z.string(), z.unknown()),
});

export const PresentationRequestState = z.object({
  id: z.string(),
  status: z.enum(['pending', 'answered', 'refused', 'expired']),
  clientId: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  answeredAt: z.string().optional(),
  dcqlQuery: z.record(z.string(), z.unknown()),
  result: z.record(z.string(), z.unknown()).optional(),
});

const NO_STORE = { 'Cache-Control': 'no-store' } as const;
const WALLET_ERROR = problem('problem+json with the OAuth `error` (invalid_request) and `error_description`: PRESENTATION_REQUEST_UNKNOWN, STATE_MISMATCH, PRESENTATION_REQUEST_CLOSED (answered already), PRESENTATION_REQUEST_EXPIRED, PRESENTATION_REFUSED (taken and closed, but a presentation did not verify or the DCQL query is not met), INVALID_INPUT');

/** A wallet endpoint's refusal: the problem, with the OAuth error wallets read. */
async function asWalletAnswer(context: RouteContext<unknown>, run: () => Promise<Answer>): Promise<Answer> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof GxTrustError)) throw error;
    const oauth = VERIFIER_OAUTH_ERRORS[error.code] ?? (error.code === 'INVALID_INPUT' ? 'invalid_request' : undefined);
    if (oauth === undefined) throw error;
    return { status: error.status, problem: { ...problemOf(error, context.url), error: oauth, error_description: error.message }, headers: NO_STORE };
  }
}

export const verifierRoutes = [
  defineRoute({
    method: 'post', path: '/verifier/requests', operationId: 'createPresentationRequest', tag: 'Presentations', roles: ['connector', 'member'],
    summary: 'Ask a holder\'s wallet for a presentation (OpenID4VP 1.0): a DCQL query in, the openid4vp:// URI (client_id and request_uri), its QR code and the expiry out; audited as presentation-request.created',
    request: { schema: PresentationRequestBody, example: examples.createPresentationRequest, optional: true },
    responses: { 201: { description: 'The request', schema: PresentationRequestAnswer }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN },
    async handler(context, deps: VerifierRouteDependencies) {
      const principal = context.caller();
      const created = await deps.presentations.createRequest(context.body ?? {}, { actor: principal.actor, role: principal.role });
      return json(201, created, NO_STORE);
    },
  }),
  defineRoute({
    method: 'get', path: '/verifier/requests/:id', operationId: 'getPresentationRequest', tag: 'Presentations', roles: ['connector', 'member'],
    summary: 'A presentation request as its creator reads it: pending, answered, refused or expired; once answered, the verification report of each presentation and which DCQL credential queries were met',
    params: { id: 'The request id POST /verifier/requests answered' },
    responses: { 200: { description: 'The request and its outcome', schema: PresentationRequestState }, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such request, or one another caller created (answered alike, audited)') },
    async handler(context, deps: VerifierRouteDependencies) {
      const principal = context.caller();
      const id = context.params['id'] ?? '';
      const view = await deps.presentations.view(id, { actor: principal.actor, role: principal.role });
      if (view === undefined) {
        const unknown = new GxTrustError('NOT_FOUND', `no presentation request ${id} of this caller`, { hint: 'Use the id POST /verifier/requests answered, with a key of the same member' });
        throw await context.deny({ subject: `urn:uuid:${id}`, reason: 'only the creator of a presentation request reads it', answer: unknown });
      }
      return json(200, view, NO_STORE);
    },
  }),
  defineRoute({
    method: 'get', path: '/openid4vp/requests/:id', operationId: 'getPresentationRequestObject', tag: 'Presentations',
    summary: 'The request_uri of a presentation request: the signed request object (JWT, typ oauth-authz-req+jwt, signed by the service\'s did:web P-256 key) with response_type vp_token, response_mode direct_post, response_uri, nonce, state, client_id and dcql_query',
    params: { id: 'The request id' },
    responses: { 200: { description: 'The request object', mediaType: 'application/oauth-authz-req+jwt' }, 400: WALLET_ERROR },
    handler: (context, deps: VerifierRouteDependencies) => asWalletAnswer(context, async () => text(200, 'application/oauth-authz-req+jwt', await deps.presentations.requestObject(context.params['id'] ?? ''), NO_STORE)),
  }),
  defineRoute({
    method: 'post', path: '/openid4vp/requests/:id/response', operationId: 'postPresentationResponse', tag: 'Presentations',
    summary: 'The response_uri of a presentation request (direct_post): vp_token and state; each presentation verified with the request\'s nonce and client_id, the DCQL query evaluated; the request takes one response',
    params: { id: 'The request id' },
    request: {
      schema: z.string().describe('application/x-www-form-urlencoded: vp_token (the JSON object {<credential query id>: [<presentation>]}) and state'),
      example: examples.presentationResponse, mediaTypes: [FORM_MEDIA_TYPE], parse: 'handler',
    },
    responses: { 200: { description: '{}: the presentations verified and the DCQL query is met' }, 400: WALLET_ERROR },
    handler: (context, deps: VerifierRouteDependencies) => asWalletAnswer(context, async () => {
      const body = typeof context.body === 'object' && context.body !== null && !Array.isArray(context.body) ? (context.body as Record<string, unknown>) : {};
      await deps.presentations.response(context.params['id'] ?? '', body);
      return json(200, {}, NO_STORE);
    }),
  }),
];
