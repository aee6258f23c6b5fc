/** W3C VC-API presentation endpoints: sign (a member as its own DID, an admin as the service) and verify. */
import { z } from 'zod';
import { PresentOptions } from '../../issuing/index.js';
import type { ScopedSigner } from '../../issuing/signing-policy.js';
import { examples } from '../openapi/examples.js';
import { BAD_INPUT, FORBIDDEN, UNAUTHORIZED } from '../openapi/responses.js';
import { SignedPresentation } from '../openapi/schemas.js';
import { defineRoute, json, text, type Route } from '../route.js';
import { VERIFY_QUERY, VERIFY_RESPONSES, verifyHandler, VerifyPresentationRequest, type VerifyRouteDependencies } from './credentials.js';

export const ProvePresentationRequest = z.strictObject({
  presentation: z.record(z.string(), z.unknown()),
  options: PresentOptions.optional(),
});

/** What the presentation routes are given: the presentations signer (scoped by the signing policy) and the verifier. */
export interface PresentationRouteDependencies extends VerifyRouteDependencies {
  signer: ScopedSigner;
}

export const presentationRoutes: readonly Route<PresentationRouteDependencies>[] = [
  defineRoute({
    method: 'post', path: '/presentations/prove', operationId: 'provePresentation', tag: 'Presentations', roles: ['member'], signing: 'presentations',
    summary: 'Sign a presentation: a member as its own DID, an admin as the service (Data Integrity, vp+jwt, vp+sd-jwt or vp+cose); audited',
    request: { schema: ProvePresentationRequest, example: examples.provePresentation },
    responses: { 201: { description: 'The signed presentation', schema: SignedPresentation }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN },
    async handler(context, deps: PresentationRouteDependencies) {
      const body = context.body;
      // The policy reads the holder (a DID or {id}) once, checks who may sign as it, and audits
      // the signature (presentation.signed) before it is returned.
      const signed = await deps.signer.signPresentation(body.presentation, body.options ?? {}, { caller: context.caller() });
      if (signed.format === 'vp+jwt' && context.accepts(['application/json', 'application/vp+jwt']) === 'application/vp+jwt') {
        return text(201, 'application/vp+jwt', signed.jwt);
      }
      if (signed.format === 'vp+sd-jwt' && context.accepts(['application/json', 'application/vp+sd-jwt']) === 'application/vp+sd-jwt') {
        return text(201, 'application/vp+sd-jwt', signed.jwt);
      }
      return json(201, { verifiablePresentation: signed.verifiablePresentation });
    },
  }),
  defineRoute({
    method: 'post', path: '/presentations/verify', operationId: 'verifyPresentation', tag: 'Presentations', anonymousVerify: true,
    summary: 'Verify a presentation and every credential it holds; a compact JWT may be sent as application/vp+jwt, an SD-JWT as application/vp+sd-jwt',
    request: { schema: VerifyPresentationRequest, example: examples.verifyPresentation, mediaTypes: ['application/json', 'application/vp+jwt', 'application/vp+ld+json+jwt', 'application/vp+ld+jwt', 'application/jwt', 'application/vp+sd-jwt'], parse: 'handler' },
    query: VERIFY_QUERY,
    responses: VERIFY_RESPONSES,
    handler: verifyHandler('verifiablePresentation', VerifyPresentationRequest, (verifier, input, options) => verifier.verifyPresentation(input, options)),
  }),
];
