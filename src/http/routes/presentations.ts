/** W3C VC-API presentation endpoints: sign (a member as its own DID, an admin as the service) and verify. */
import { Router } from 'express';
import { z } from 'zod';
import { PresentOptions } from '../../issuing/index.js';
import { principalOf, requireRole } from '../auth.js';
import { parseBody } from '../parse.js';
import type { AppDependencies } from '../app.js';
import { sendReport, verificationInput, verifyCallers, VerifyPresentationRequest, withCanonicalizationBudget } from './credentials.js';

export const ProvePresentationRequest = z.strictObject({
  presentation: z.record(z.string(), z.unknown()),
  options: PresentOptions.optional(),
});

export function presentationRoutes(deps: AppDependencies): Router {
  const router = Router();

  router.post('/presentations/prove', requireRole(deps.authenticator, 'member'), async (req, res) => {
    const body = parseBody(ProvePresentationRequest, req.body);
    // The policy reads the holder (a DID or {id}) once, checks who may sign as it, and audits
    // the signature (presentation.signed) before it is returned.
    const signed = await deps.signers.presentations.signPresentation(body.presentation, body.options ?? {}, { caller: principalOf(res) });
    if (signed.format === 'vp+jwt' && req.accepts(['application/json', 'application/vp+jwt']) === 'application/vp+jwt') {
      res.status(201).type('application/vp+jwt').send(signed.jwt);
      return;
    }
    res.status(201).json({ verifiablePresentation: signed.verifiablePresentation });
  });

  router.post('/presentations/verify', ...verifyCallers(deps), async (req, res) => {
    const { input, options } = verificationInput(req, 'verifiablePresentation', VerifyPresentationRequest);
    const caller = { authorization: req.get('authorization'), ip: req.ip, path: req.path };
    sendReport(res, await deps.verifier.verifyPresentation(input, withCanonicalizationBudget(options, deps.canonicalizationBudget, caller)));
  });

  return router;
}
