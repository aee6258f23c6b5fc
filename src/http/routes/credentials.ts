/** W3C VC-API credential endpoints: issue (recorded) and verify. */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { IssueOptions } from '../../issuing/index.js';
import type { VerificationReport, VerifyOptions as VerifierOptions } from '../../verifying/index.js';
import type { CanonicalizationBudget, RateLimitedRequest } from '../rate-limit.js';
import { principalOf, requireRole } from '../auth.js';
import { parseBody, requireBody } from '../parse.js';
import type { AppDependencies } from '../app.js';

export const IssueCredentialRequest = z.strictObject({
  credential: z.record(z.string(), z.unknown()),
  options: IssueOptions.extend({
    credentialStatus: z.union([z.boolean(), z.array(z.enum(['revocation', 'suspension'])).min(1).max(2)]).optional(),
  }).optional(),
});

export const VerifyOptions = z.looseObject({
  challenge: z.string().max(512).optional(),
  domain: z.string().max(512).optional(),
});

export const VerifyCredentialRequest = z.strictObject({
  verifiableCredential: z.union([z.record(z.string(), z.unknown()), z.string().max(256 * 1024)]),
  options: VerifyOptions.optional(),
});

export const VerifyPresentationRequest = z.strictObject({
  verifiablePresentation: z.union([z.record(z.string(), z.unknown()), z.string().max(256 * 1024)]),
  options: VerifyOptions.optional(),
});

export interface VerificationInput {
  input: unknown;
  options: { challenge?: string; domain?: string };
}

/** Who may verify: anyone (the default), or, with GX_ANONYMOUS_VERIFY=false, any caller with an API key. */
export function verifyCallers(deps: AppDependencies): RequestHandler[] {
  return deps.anonymousVerify === false ? [requireRole(deps.authenticator, 'member', 'connector', 'auditor')] : [];
}

/** The options with the caller's share of canonicalization work, when the service limits it. */
export function withCanonicalizationBudget(
  options: VerificationInput['options'],
  budget: CanonicalizationBudget | undefined,
  request: RateLimitedRequest,
): VerifierOptions {
  return budget === undefined ? options : { ...options, admitCanonicalization: budget(request) };
}

/** A VC-API JSON body, or a bare compact JWT sent as application/vc+jwt or application/vp+jwt. */
export function verificationInput(
  req: Request,
  field: 'verifiableCredential' | 'verifiablePresentation',
  schema: typeof VerifyCredentialRequest | typeof VerifyPresentationRequest,
): VerificationInput {
  return verificationInputOf(requireBody(req), req.query, field, schema);
}

/**
 * The same from a parsed body (a string for a JWT media type) and the parsed query: a bare JWT
 * takes its challenge and domain from the query, a JSON body from its `options`.
 */
export function verificationInputOf(
  body: unknown,
  query: Readonly<Record<string, unknown>>,
  field: 'verifiableCredential' | 'verifiablePresentation',
  schema: typeof VerifyCredentialRequest | typeof VerifyPresentationRequest,
): VerificationInput {
  if (typeof body === 'string') {
    const challenge = typeof query['challenge'] === 'string' ? query['challenge'] : undefined;
    const domain = typeof query['domain'] === 'string' ? query['domain'] : undefined;
    return {
      input: body.trim(),
      options: { ...(challenge === undefined ? {} : { challenge }), ...(domain === undefined ? {} : { domain }) },
    };
  }
  const parsed = parseBody(schema as z.ZodType<Record<string, unknown>>, body);
  const options = (parsed['options'] ?? {}) as { challenge?: string; domain?: string };
  const picked: { challenge?: string; domain?: string } = {};
  if (options.challenge !== undefined) picked.challenge = options.challenge;
  if (options.domain !== undefined) picked.domain = options.domain;
  return { input: parsed[field], options: picked };
}

/** 200 when every check passed; 422 with the same report when any failed or could not run. */
export function sendReport(res: Response, report: VerificationReport): void {
  res.status(report.verified ? 200 : 422).json(report);
}

export function credentialRoutes(deps: AppDependencies): Router {
  const router = Router();

  router.post('/credentials/issue', requireRole(deps.authenticator, 'member'), async (req, res) => {
    const body = parseBody(IssueCredentialRequest, req.body);
    // The signing policy decides as whom and what: a member only as its own DID (and as it by
    // default; 403 and audited otherwise), never a label, a status list or, as the service, a
    // type another module issues after its checks (422 SIGNING_NOT_ALLOWED).
    const idempotencyKey = req.get('idempotency-key');
    const issued = await deps.signers.credentialsApi.issueCredential(body.credential, body.options ?? {}, {
      caller: principalOf(res),
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
    if (issued.format === 'vc+jwt' && req.accepts(['application/json', 'application/vc+jwt']) === 'application/vc+jwt') {
      res.status(201).type('application/vc+jwt').send(issued.jwt);
      return;
    }
    res.status(201).json({ verifiableCredential: issued.verifiableCredential });
  });

  router.post('/credentials/verify', ...verifyCallers(deps), async (req, res) => {
    const { input, options } = verificationInput(req, 'verifiableCredential', VerifyCredentialRequest);
    const caller = { authorization: req.get('authorization'), ip: req.ip, path: req.path };
    sendReport(res, await deps.verifier.verifyCredential(input, withCanonicalizationBudget(options, deps.canonicalizationBudget, caller)));
  });

  return router;
}
