/** The service's public identity: liveness, its did:web document and the X.509 chains its JWKs name. */
import { GxTrustError } from '../../errors.js';
import type { Keyring } from '../../keyring/index.js';
import { problem } from '../openapi/responses.js';
import { Health } from '../openapi/schemas.js';
import { defineRoute, json, text, type Route } from '../route.js';

/** What the identity routes are given: the service's keys (its DID document and certificate chains). */
export interface IdentityRouteDependencies {
  keyring: Keyring;
}

export const identityRoutes: readonly Route<IdentityRouteDependencies>[] = [
  defineRoute({
    method: 'get', path: '/health', operationId: 'getHealth', tag: 'Operations',
    summary: 'Liveness: the process answers', responses: { 200: { description: 'Up', schema: Health } },
    handler: () => json(200, { status: 'ok' }),
  }),
  defineRoute({
    method: 'get', path: '/.well-known/did.json', operationId: 'getDidDocument', tag: 'Identity',
    summary: 'The service\'s did:web document',
    responses: { 200: { description: 'DID document', mediaType: 'application/did+json' } },
    handler: (_context, deps: { keyring: Keyring }) => text(200, 'application/did+json', JSON.stringify(deps.keyring.didDocument())),
  }),
  defineRoute({
    method: 'get', path: '/.well-known/x509/:kind.pem', operationId: 'getCertificateChain', tag: 'Identity',
    summary: 'The X.509 chain named by a JWK\'s x5u', params: { kind: 'rsa or p256' },
    responses: { 200: { description: 'PEM chain, leaf first', mediaType: 'application/pem-certificate-chain' }, 404: problem('No chain of that kind') },
    handler(context, deps: { keyring: Keyring }) {
      const kind = context.params['kind'] === 'rsa' ? 'RSA' : context.params['kind'] === 'p256' ? 'P-256' : undefined;
      const pem = kind === undefined ? undefined : deps.keyring.certificateChainPem(kind);
      if (pem === undefined) throw new GxTrustError('NOT_FOUND', 'no such certificate chain');
      return text(200, 'application/pem-certificate-chain', pem);
    },
  }),
];
