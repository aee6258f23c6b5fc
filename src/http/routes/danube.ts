/** Danube self-description checks and onboarding (participants, service offerings). */
import { z } from 'zod';
import type { Onboarding, OnboardingOutcome } from '../../danube/onboarding/index.js';
import { ParticipantCredentialsRequest, ParticipantDataRequest, ServiceOfferingRequest } from '../../danube/onboarding/request.js';
import { submittedCredentials } from '../../danube/submission.js';
import { pointedIntoRequest } from '../../danube/submission-limits.js';
import { DANUBE_TERMS_AND_CONDITIONS } from '../../danube/terms-and-conditions.js';
import type { TermsAndConditionsText } from '../../danube/terms-and-conditions-text.js';
import type { SelfDescriptionValidator } from '../../danube/validate.js';
import { compact } from '../../danube/namespaces.js';
import { tagusTermsInDocument, type TagusTermUse } from '../../danube/vocabulary.js';
import { GxTrustError } from '../../errors.js';
import { examples } from '../openapi/examples.js';
import { BAD_INPUT, FORBIDDEN, NOT_ONBOARDED, problem, RATE_LIMITED, UNAUTHORIZED, VERIFIER_BUSY } from '../openapi/responses.js';
import { DanubeValidateRequest, DanubeValidation, OnboardingResult } from '../openapi/schemas.js';
import { parseBody, requireBody } from '../parse.js';
import { bareDocumentKind } from '../request-shape.js';
import { problemOf } from '../problem.js';
import type { CanonicalizationBudget } from '../rate-limit.js';
import { defineRoute, json, problemAnswer, type Answer, type Route, type RouteContext } from '../route.js';

/** 201 with the credentials and the presentation; 422 problem+json listing every fault otherwise. */
function outcomeAnswer(context: RouteContext<unknown>, outcome: OnboardingOutcome): Answer {
  if (outcome.status === 'issued') {
    const { status: _status, ...body } = outcome;
    return json(201, body);
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
    return problemAnswer({ ...problemOf(error, context.url), reports: outcome.failures });
  }
  const violations = outcome.findings.filter((finding) => finding.severity === 'violation');
  const tagus = violations.filter((finding) => finding.code === 'TAGUS_TERM');
  if (tagus.length > 0) {
    // Signed (JWT) Tagus credentials are only read here: the same one answer as for JSON ones.
    const error = tagusRefusal(context.path, tagus.map((finding) => ({ pointer: finding.pointer, term: compact(finding.path), replacement: finding.message })));
    return problemAnswer({ ...problemOf(error, context.url), findings: outcome.findings });
  }
  const error = new GxTrustError('SELF_DESCRIPTION_INVALID', `the self-description has ${violations.length} finding(s); nothing was issued`, {
    pointer: violations[0]?.pointer ?? '',
    hint: 'Fix each finding (pointer into your request, hint per finding) and send it again',
    errors: violations.map((finding) => ({ code: 'SELF_DESCRIPTION_INVALID', pointer: finding.pointer, detail: finding.message, hint: finding.hint })),
  });
  return problemAnswer({ ...problemOf(error, context.url), findings: outcome.findings });
}

/**
 * A Gaia-X Tagus (22.10) participant (or offering) sent for 25.11 onboarding: one answer naming it as Tagus and
 * every Tagus word once, with its 25.11 replacement (the TAGUS_TERM findings' words), instead of a
 * finding for each place plus the shape findings that follow from the same mistake.
 */
function tagusRefusal(path: string, uses: readonly TagusTermUse[]): GxTrustError {
  const firstOfEach = new Map<string, TagusTermUse>();
  for (const use of uses) if (!firstOfEach.has(use.replacement)) firstOfEach.set(use.replacement, use);
  const distinct = [...firstOfEach.values()];
  return new GxTrustError('TAGUS_TERM', `this is a Gaia-X Tagus (22.10) self-description (${distinct.map((use) => use.term).join(', ')}); POST ${path} takes Gaia-X Danube 25.11, so nothing was issued`, {
    pointer: distinct[0]?.pointer ?? '',
    hint: `Rewrite it in the 25.11 vocabulary (context https://w3id.org/gaia-x/development#): ${distinct.map((use) => use.replacement).join('; ')}`,
    errors: distinct.map((use) => ({ code: 'TAGUS_TERM', pointer: use.pointer, detail: use.replacement })),
  });
}

/** The onboarding context of a request: who asks, and its Idempotency-Key. */
function onboardingContext(context: RouteContext<unknown>) {
  const idempotencyKey = context.header('idempotency-key');
  return { principal: context.caller(), ...(idempotencyKey === undefined ? {} : { idempotencyKey }) };
}

/** What the Danube routes are given: the validator (with anonymous callers' share of its work) and onboarding. */
export interface DanubeRouteDependencies {
  selfDescriptionValidator: SelfDescriptionValidator;
  canonicalizationBudget?: CanonicalizationBudget | undefined;
  onboarding: Onboarding;
  /** GX_TERMS_AND_CONDITIONS_FILE as read (and its hash checked) at start; undefined when none is configured. */
  termsAndConditions: TermsAndConditionsText | undefined;
}

export const danubeRoutes: readonly Route<DanubeRouteDependencies>[] = [
  defineRoute({
    method: 'get', path: '/terms-and-conditions', operationId: 'getTermsAndConditions', tag: 'Danube',
    summary: 'The terms and conditions text the operator configured, with the SHA-256 a gx:Issuer credential carries as gx:gaiaxTermsAndConditions',
    responses: { 200: { description: '{text, hash, algorithm, acceptedBy}' }, 404: problem('No terms text is configured (GX_TERMS_AND_CONDITIONS_FILE)') },
    handler(_context, deps: DanubeRouteDependencies) {
      if (deps.termsAndConditions === undefined) {
        throw new GxTrustError('NOT_FOUND', 'this service has no terms and conditions text configured', {
          hint: `The accepted hashes are ${DANUBE_TERMS_AND_CONDITIONS.filter((t) => t.until === undefined).map((t) => t.hash).join(', ')}; the operator sets GX_TERMS_AND_CONDITIONS_FILE to serve the text`,
        });
      }
      return json(200, deps.termsAndConditions, { 'Cache-Control': 'public, max-age=300' });
    },
  }),
  defineRoute({
    method: 'post', path: '/danube/validate', operationId: 'validateDanube', tag: 'Danube',
    summary: 'Check a self-description against the Danube shapes and Trust Framework rules (issues nothing)',
    // application/jwt as POST /compliance takes it: a VP-JWT sent under RFC 7519's generic type.
    request: { schema: DanubeValidateRequest, example: examples.validateDanube, mediaTypes: ['application/json', 'application/vp+jwt', 'application/vp+ld+json+jwt', 'application/vp+ld+jwt', 'application/jwt'], parse: 'handler' },
    responses: { 200: { description: 'Findings with JSON pointers into what was sent', schema: DanubeValidation }, 400: problem('Invalid input, or a self-description over the size limits (GRAPH_TOO_LARGE)'), 429: RATE_LIMITED, 503: VERIFIER_BUSY },
    /**
     * Shapes and Trust Framework rules, findings with JSON pointers into what was sent. Never issues
     * anything, so it needs no API key; anonymous callers pay for it from their share of costly work,
     * as they do for canonicalization.
     */
    async handler(context, deps: { selfDescriptionValidator: SelfDescriptionValidator; canonicalizationBudget?: CanonicalizationBudget | undefined }) {
      const body = requireBody(context.body);
      const submitted = submittedCredentials(typeof body === 'string' ? body.trim() : body);
      const admit = deps.canonicalizationBudget?.(context.client);
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
      return json(200, { conforms: result.conforms, findings, warnings });
    },
  }),
  defineRoute({
    method: 'post', path: '/participants', operationId: 'onboardParticipant', tag: 'Danube', roles: ['member'], signing: 'participants',
    summary: 'Onboard a participant from its data (gx-trust writes the credentials) or from its own credentials: LegalPerson, registration-number and Issuer VCs and their presentation, only when the whole self-description conforms (Idempotency-Key honoured)',
    // Two shapes: the one the body's members name is parsed (a union would report the other's faults too).
    request: { schema: z.union([ParticipantDataRequest, ParticipantCredentialsRequest]), example: examples.onboardParticipant, parse: 'handler' },
    responses: { 201: { description: 'Issued', schema: OnboardingResult }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 422: NOT_ONBOARDED },
    async handler(context, deps: { onboarding: Onboarding }) {
      const body = context.body;
      const bare = bareDocumentKind(body) !== undefined;
      // A bare Tagus participant is named as such (it would otherwise be told only to wrap it); in
      // {"credentials": [...]} the validator's TAGUS_TERM findings name it (outcomeAnswer).
      const tagus = bare ? tagusTermsInDocument(body) : [];
      if (tagus.length > 0) throw tagusRefusal(context.path, tagus);
      // A bare credential belongs in {"credentials": [...]}: parsed as that shape, the refusal names it.
      if (bare || (typeof body === 'object' && body !== null && 'credentials' in body && !('participant' in body))) {
        const request = parseBody(ParticipantCredentialsRequest, body);
        return outcomeAnswer(context, await deps.onboarding.participantFromCredentials(request.credentials, request.options, onboardingContext(context), body));
      }
      const request = parseBody(ParticipantDataRequest, body);
      return outcomeAnswer(context, await deps.onboarding.participantFromData(request.participant, request.options, onboardingContext(context), body));
    },
  }),
  defineRoute({
    method: 'post', path: '/service-offerings', operationId: 'onboardServiceOffering', tag: 'Danube', roles: ['member'], signing: 'service-offerings',
    summary: 'Issue a service offering and its resources (IPCEI-AI profiles included) for a LegalPerson this service issued or the member signed (Idempotency-Key honoured)',
    request: { schema: ServiceOfferingRequest, example: examples.onboardServiceOffering },
    responses: { 201: { description: 'Issued', schema: OnboardingResult }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('legalPerson names no credential this service issued, nor a LegalPerson it issued one about'), 422: NOT_ONBOARDED },
    async handler(context, deps: { onboarding: Onboarding }) {
      const request = context.body;
      return outcomeAnswer(context, await deps.onboarding.serviceOffering(request.legalPerson, request.credentials, request.options, onboardingContext(context), request));
    },
  }),
];
