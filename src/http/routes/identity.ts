/** The service's public identity: its did:web document and the X.509 chains its JWKs name. */
import { Router } from 'express';
import { GxTrustError } from '../../errors.js';
import type { AppDependencies } from '../app.js';

export function identityRoutes(deps: AppDependencies): Router {
  const router = Router();

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/.well-known/did.json', (_req, res) => {
    res.type('application/did+json').send(JSON.stringify(deps.keyring.didDocument()));
  });

  router.get('/.well-known/x509/:kind.pem', (req, res) => {
    const kind = req.params['kind'] === 'rsa' ? 'RSA' : req.params['kind'] === 'p256' ? 'P-256' : undefined;
    const pem = kind === undefined ? undefined : deps.keyring.certificateChainPem(kind);
    if (pem === undefined) throw new GxTrustError('NOT_FOUND', 'no such certificate chain');
    res.type('application/pem-certificate-chain').send(pem);
  });

  return router;
}
