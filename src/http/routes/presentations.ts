/** W3C VC-API presentation endpoints: sign (as the service) and verify. */
import { Router } from 'express';
import { z } from 'zod';
import { PresentOptions } from '../../issuing/index.js';
import { principalOf, requireRole } from '../auth.js';
import { authorizeHolder } from '../../members/authorization.js';
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
    const presentation = await authorizeHolder(deps.authenticator, principalOf(res), req, body.presentation);
    const signed = await deps.issuer.signPresentation(presentation, body.options ?? {});
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
