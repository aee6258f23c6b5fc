/** Danube self-description checks and onboarding (participants, service offerings). */
import { Router, type Request, type Response } from 'express';
import { systemClock } from '../../clock.js';
import { createOnboarding, type OnboardingOutcome } from '../../danube/onboarding/index.js';
import {
  ParticipantCredentialsRequest,
  ParticipantDataRequest,
  ServiceOfferingRequest,
} from '../../danube/onboarding/request.js';
import { submittedCredentials } from '../../danube/submission.js';
import { pointedIntoRequest } from '../../danube/submission-limits.js';
import { GxTrustError } from '../../errors.js';
import { principalOf, requireRole } from '../auth.js';
import { parseBody, requireBody } from '../parse.js';
import { problemOf, sendProblem } from '../problem.js';
import type { AppDependencies } from '../app.js';

/** 201 with the credentials and the presentation; 422 problem+json listing every fault otherwise. */
function sendOutcome(req: Request, res: Response, outcome: OnboardingOutcome): void {
  if (outcome.status === 'issued') {
    const { status: _status, ...body } = outcome;
    res.status(201).json(body);
    return;
  }
  if (outcome.status === 'unverified') {
    const error = new GxTrustError('CREDENTIAL_UNVERIFIED', `${outcome.failures.length} submitted credential(s) failed verification; nothing was issued`, {
      pointer: outcome.failures[0]?.pointer ?? '',
      hint: 'Sign each credential with a key of your DID document (assertionMethod); see reports[] for the failed checks',
      errors: outcome.failures.flatMap(({ pointer, report }) =>
        report.checks
          .filter((check) => !check.verified)
          .map((check) => ({ code: check.code ?? 'CHECK_NOT_RUN', pointer, detail: `${check.check}: ${check.message ?? 'failed'}` })),
      ),
    });
    const problem = { ...problemOf(error, req.originalUrl), reports: outcome.failures };
    sendProblem(res, problem);
    return;
  }
  const violations = outcome.findings.filter((finding) => finding.severity === 'violation');
  const error = new GxTrustError('SELF_DESCRIPTION_INVALID', `the self-description has ${violations.length} finding(s); nothing was issued`, {
    pointer: violations[0]?.pointer ?? '',
    hint: 'Fix each finding (pointer into your request, hint per finding) and send it again',
    errors: violations.map((finding) => ({ code: 'SELF_DESCRIPTION_INVALID', pointer: finding.pointer, detail: finding.message, hint: finding.hint })),
  });
  const problem = { ...problemOf(error, req.originalUrl), findings: outcome.findings };
  sendProblem(res, problem);
}

export function danubeRoutes(deps: AppDependencies): Router {
  const router = Router();
  // Onboarding runs the compliance engine's content rules before it issues anything.
  if (deps.compliance === undefined) throw new GxTrustError('INTERNAL', 'onboarding needs the compliance engine (its content rules)');
  const onboarding = createOnboarding({
    signers: { participants: deps.signers.participants, serviceOfferings: deps.signers.serviceOfferings },
    verifier: deps.verifier,
    validator: deps.selfDescriptionValidator,
    contentReview: deps.compliance,
    store: deps.store,
    serviceDid: deps.keyring.did,
    clock: deps.clock ?? systemClock,
  });

  /**
   * Shapes and Trust Framework rules, findings with JSON pointers into what was sent. Never issues
   * anything, so it needs no API key; anonymous callers pay for it from their share of costly work,
   * as they do for canonicalization.
   */
  router.post('/danube/validate', async (req, res) => {
    const body = requireBody(req);
    const submitted = submittedCredentials(typeof body === 'string' ? body.trim() : body);
    const admit = deps.canonicalizationBudget?.({ authorization: req.get('authorization'), ip: req.ip, path: req.path });
    const result = await deps.selfDescriptionValidator
      .validate(submitted.map((c) => c.document), admit === undefined ? {} : { admit })
      .catch((error: unknown) => {
        throw pointedIntoRequest(error, (index) => submitted[index]?.origin);
      });
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

  /** A member's participant data (or its own credentials) -> LegalPerson, registration-number and Issuer VCs. */
  router.post('/participants', requireRole(deps.authenticator, 'member'), async (req, res) => {
    const body: unknown = req.body;
    const idempotencyKey = req.get('idempotency-key');
    const context = { principal: principalOf(res), ...(idempotencyKey === undefined ? {} : { idempotencyKey }) };
    if (typeof body === 'object' && body !== null && 'credentials' in body && !('participant' in body)) {
      const request = parseBody(ParticipantCredentialsRequest, body);
      sendOutcome(req, res, await onboarding.participantFromCredentials(request.credentials, request.options, context, body));
      return;
    }
    const request = parseBody(ParticipantDataRequest, body);
    sendOutcome(req, res, await onboarding.participantFromData(request.participant, request.options, context, body));
  });

  /** A service offering and its resources (IPCEI-AI profiles included) of an onboarded LegalPerson. */
  router.post('/service-offerings', requireRole(deps.authenticator, 'member'), async (req, res) => {
    const body: unknown = req.body;
    const request = parseBody(ServiceOfferingRequest, body);
    const idempotencyKey = req.get('idempotency-key');
    const context = { principal: principalOf(res), ...(idempotencyKey === undefined ? {} : { idempotencyKey }) };
    sendOutcome(req, res, await onboarding.serviceOffering(request.legalPerson, request.credentials, request.options, context, body));
  });

  return router;
}
