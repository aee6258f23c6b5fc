/** Danube self-description checks. */
import { Router } from 'express';
import { submittedCredentials } from '../../danube/submission.js';
import { requireBody } from '../parse.js';
import type { AppDependencies } from '../app.js';

export function danubeRoutes(deps: AppDependencies): Router {
  const router = Router();

  /**
   * Shapes and Trust Framework rules, findings with JSON pointers into what was sent. Never issues
   * anything, so it needs no API key.
   */
  router.post('/danube/validate', async (req, res) => {
    const body = requireBody(req);
    const submitted = submittedCredentials(typeof body === 'string' ? body.trim() : body);
    const result = await deps.selfDescriptionValidator.validate(submitted.map((c) => c.document));
    const findings = result.findings.map((finding) => {
      // The validator points into the list it was given; point into the body as sent instead.
      const match = /^\/(\d+)(.*)$/.exec(finding.pointer);
      const origin = match ? submitted[Number(match[1])]?.origin : undefined;
      return origin === undefined ? finding : { ...finding, pointer: origin + (match?.[2] ?? '') };
    });
    const warnings = submitted.some((c) => c.decoded)
      ? ['credentials decoded from JWTs were validated for content only; verify their proofs with /credentials/verify']
      : [];
    res.json({ conforms: result.conforms, findings, warnings });
  });

  return router;
}
