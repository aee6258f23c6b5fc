/**
 * Compliance over HTTP. The Gaia-X compliance service's paths (Loire/Danube), so existing clients
 * can point at gx-trust: POST /api/credential-offers/standard-compliance and
 * /api/credential-offers/label-level-{1,2,3} take a VP-JWT (or any form of a presentation POST
 * /compliance reads, through the same body reader) and answer 201 with the label as a compact
 * vc+jwt (JSON when asked); the Tagus-era POST /api/credential-offers reads the same forms (its
 * service read a JWT or JSON) and answers JSON. Our own
 * POST /compliance answers `{ issued?, labelLevel?, findings[], warnings[], checks[] }` and has a dry run.
 * A presentation that fails the rules (unsigned, missing a registration number, ...) is a 422 with
 * every finding (rule id, credential, pointer, message, hint); 400 is only for input that is not a
 * presentation at all (compliance/submission.ts).
 */
import { z } from 'zod';
import { actsFor } from '../../access/authorization.js';
import type { ComplianceEngine, ComplianceResult, DecideOptions } from '../../compliance/engine.js';
import { LABEL_LEVELS, type LabelLevel } from '../../compliance/criteria.js';
import { isObject } from '../../credentials/index.js';
import { GxTrustError } from '../../errors.js';
import { examples } from '../openapi/examples.js';
import { BAD_INPUT, FORBIDDEN, problem, UNAUTHORIZED } from '../openapi/responses.js';
import { parseBody, requireBody } from '../parse.js';
import { PROBLEM_TYPE_BASE } from '../problem.js';
import { defineRoute, json, problemAnswer, text, type Answer, type Route, type RouteContext } from '../route.js';

/** What the compliance routes are given: the engine that decides and keeps decisions. */
export interface ComplianceRouteDependencies {
  compliance: ComplianceEngine;
}

export const ComplianceRequest = z.strictObject({
  /** A compact VP-JWT, an enveloped VP, or a JSON-LD VP. */
  presentation: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  options: z
    .strictObject({
      labelLevel: z.enum(LABEL_LEVELS).optional(),
      dryRun: z.boolean().optional(),
      vcid: z.string().optional(),
    })
    .optional(),
});

const flag = (value: unknown) => value === 'true' || value === '1';

/**
 * A VP-JWT as the body, on POST /compliance and the Gaia-X paths alike: `application/vp+jwt` (what
 * gaia-x-go and the Loire clients send), Gaia-X's two older types, and RFC 7519's generic
 * `application/jwt` (as the verify routes read it). A JWT that is not a presentation is 400 under any.
 */
const VP_JWT_MEDIA_TYPES = ['application/vp+jwt', 'application/vp+ld+json+jwt', 'application/vp+ld+jwt', 'application/jwt'];

/**
 * The body of POST /compliance and of the Gaia-X paths, read one way for both: the presentation
 * itself (a compact VP-JWT under VP_JWT_MEDIA_TYPES; as JSON an EnvelopedVerifiablePresentation or a
 * JSON-LD VP, which have a `type` or `@context`, as the request object never does), or POST
 * /compliance's `{presentation, options}` where `takesRequest` says so. Decoding the presentation
 * (data: URLs, JWTs) is the engine's (compliance/submission.ts), for every path.
 */
function readComplianceBody(body: unknown, takesRequest: boolean): { presentation: unknown; request?: z.output<typeof ComplianceRequest> } {
  const value = requireBody(body);
  if (typeof value === 'string' || (isObject(value) && (Object.hasOwn(value, 'type') || Object.hasOwn(value, '@context')))) {
    return { presentation: value };
  }
  if (!takesRequest) {
    throw new GxTrustError('INVALID_INPUT', 'this path takes the presentation itself as the body, not a request object', {
      pointer: '',
      hint: 'Send the VP-JWT (Content-Type: application/vp+jwt), an EnvelopedVerifiablePresentation or a JSON-LD VerifiablePresentation; {"presentation": ..., "options": ...} is the body of POST /compliance',
    });
  }
  const request = parseBody(ComplianceRequest, value, 'Send {"presentation": "<VP-JWT>" | {VP}, "options": {"labelLevel": "SC"|"L1"|"L2"|"L3", "dryRun": true}}');
  return { presentation: request.presentation, request };
}

/**
 * The label's own media types, by which a client of a Gaia-X path may ask for the compact JWT: the
 * W3C's (the default, what the Loire clients read with no Accept at all), the Danube profile's
 * `typ` the label carries, Gaia-X's older one, and RFC 7519's generic type. The answer is named
 * by the type asked for, as the Gaia-X service's JWT converter named it; anything else the
 * Accept header names is disregarded (RFC 9110 §12.5.1) for the vc+jwt, the one form the label has.
 */
const LABEL_JWT_MEDIA_TYPES = ['application/vc+jwt', 'application/vc+ld+json+jwt', 'application/vc+ld+jwt', 'application/jwt'];

function labelId(vcid: unknown): string | undefined {
  if (vcid === undefined || vcid === '') return undefined;
  if (typeof vcid !== 'string' || !/^[a-z][a-z0-9+.-]*:\S+$/i.test(vcid) || vcid.length > 2048) {
    throw new GxTrustError('INVALID_INPUT', 'vcid must be an absolute URI (the id of the label credential)', {
      pointer: '/vcid',
      hint: 'e.g. ?vcid=https://member.example/credentials/label-1 or urn:uuid:...',
    });
  }
  return vcid;
}

/** The Gaia-X paths' answers carry `warnings[]` only when a rule warned, so their usual shape is unchanged. */
function warningsOf(result: ComplianceResult): { warnings?: ComplianceResult['warnings'] } {
  return result.warnings.length === 0 ? {} : { warnings: result.warnings };
}

/** A refused decision: 422 COMPLIANCE_FAILED with every finding (POST /members/{id}/labels answers the same). */
export function refusal(result: ComplianceResult): Answer {
  const first = result.findings[0];
  return problemAnswer({
    type: PROBLEM_TYPE_BASE + 'compliance-failed',
    title: 'Compliance refused',
    status: 422,
    code: 'COMPLIANCE_FAILED',
    detail: `${result.findings.length} rule finding(s); the first: ${first?.message ?? ''}`,
    pointer: first?.pointer ?? '',
    hint: first?.hint ?? '',
    errors: result.findings.map((f) => ({ code: f.code, pointer: f.pointer, detail: `${f.rule}: ${f.message}`, hint: f.hint })),
    findings: result.findings,
    ...warningsOf(result),
    checks: result.checks,
    ...(result.decisionId === undefined ? {} : { decisionId: result.decisionId }),
  });
}

/** A decision for the caller; object-level authorization (OWASP API1:2023): a member asks for compliance of its own presentations only. */
function decide(context: RouteContext<unknown>, deps: ComplianceRouteDependencies, input: unknown, options: Omit<DecideOptions, 'caller'>): Promise<ComplianceResult> {
  const principal = context.caller();
  const authorize = async (presenter: string | undefined): Promise<void> => {
    if (actsFor(principal, presenter)) return;
    const dids = principal.dids ?? [];
    throw await context.deny({
      subject: presenter ?? `${context.method} ${context.path}`,
      reason: presenter === undefined ? 'the presentation names no holder this API key may present as' : `this API key may not ask for compliance of a presentation held by ${presenter}`,
      hint: dids.length === 0 ? 'Ask an admin for a member API key' : `Present as ${dids.join(' or ')}`,
    });
  };
  return deps.compliance.decide(input, { ...options, caller: principal, authorize });
}

function labelOptions(context: RouteContext<unknown>, level: LabelLevel): Omit<DecideOptions, 'caller'> {
  const id = labelId(context.query['vcid']);
  return { level, ...(id === undefined ? {} : { labelId: id }) };
}

const GAIA_X_PATHS = [
  ['/api/credential-offers/standard-compliance', 'offerStandardCompliance', 'Standard Compliance', 'SC'],
  ['/api/credential-offers/label-level-1', 'offerLabelLevel1', 'Label Level 1', 'L1'],
  ['/api/credential-offers/label-level-2', 'offerLabelLevel2', 'Label Level 2', 'L2'],
  ['/api/credential-offers/label-level-3', 'offerLabelLevel3', 'Label Level 3', 'L3'],
] as const;

const gaiaXRoutes = GAIA_X_PATHS.map(([path, operationId, levelName, level]): Route<ComplianceRouteDependencies> =>
  defineRoute({
    method: 'post', path, operationId, tag: 'Compliance', roles: ['member'], signing: 'compliance',
    summary: `Gaia-X compliance service path: a VP-JWT in, a ${levelName} credential (vc+jwt) out`,
    // The forms POST /compliance reads, by the same reader; the Gaia-X clients send the VP-JWT as
    // application/vp+jwt, which stays first (the one a 415's curl line names).
    request: {
      schema: z.union([z.string().describe('A compact VP-JWT'), z.record(z.string(), z.unknown()).describe('An EnvelopedVerifiablePresentation (id: data:application/vp+jwt,<VP-JWT>) or a JSON-LD verifiable presentation')]),
      example: examples.offerCompliance,
      mediaTypes: [...VP_JWT_MEDIA_TYPES, 'application/json'],
      parse: 'handler',
    },
    query: { vcid: 'The id to give the issued credential' },
    responses: { 201: { description: 'The compliance credential', mediaType: 'application/vc+jwt' }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 415: problem('Neither JSON nor a JWT media type'), 422: problem('Not compliant') },
    async handler(context, deps: ComplianceRouteDependencies) {
      const result = await decide(context, deps, readComplianceBody(context.body, false).presentation, labelOptions(context, level));
      if (result.issued === undefined) return refusal(result);
      // The answer's form follows Accept, so a cache keeps one per Accept.
      const headers = { Location: `/compliance/decisions/${encodeURIComponent(result.decisionId ?? '')}`, Vary: 'Accept' };
      const asked = context.accepts([...LABEL_JWT_MEDIA_TYPES, 'application/json']);
      if (asked === 'application/json') {
        return json(201, { verifiableCredential: result.issued.verifiableCredential, jwt: result.issued.jwt, labelLevel: result.labelLevel, decisionId: result.decisionId, ...warningsOf(result) }, headers);
      }
      return text(201, asked === false ? 'application/vc+jwt' : asked, result.issued.jwt, headers);
    },
  }),
);

export const complianceRoutes: readonly Route<ComplianceRouteDependencies>[] = [
  defineRoute({
    method: 'post', path: '/compliance', operationId: 'decideCompliance', tag: 'Compliance', roles: ['member'], signing: 'compliance',
    summary: 'Gaia-X compliance decision on a presentation: findings, and a compliance credential unless dryRun',
    // The presentation itself (a VP-JWT, or a JSON-LD or enveloped VP) or {presentation, options}: readComplianceBody tells them apart.
    request: { schema: ComplianceRequest, example: examples.decideCompliance, mediaTypes: ['application/json', ...VP_JWT_MEDIA_TYPES], parse: 'handler' },
    query: { dryRun: 'true: decide without issuing', labelLevel: 'SC, L1, L2 or L3', vcid: 'The id to give the issued credential (when the body is the presentation itself)' },
    responses: { 200: { description: 'Dry run: the decision' }, 201: { description: 'Compliant: the decision and the credential issued' }, 422: { description: 'Not compliant (unsigned presentations included): findings with JSON pointers' }, 400: problem('Not a presentation at all, or a bad option'), 401: UNAUTHORIZED, 403: FORBIDDEN, 415: problem('Neither JSON nor a JWT media type') },
    async handler(context, deps: ComplianceRouteDependencies) {
      const { presentation, request } = readComplianceBody(context.body, true);
      let options: Omit<DecideOptions, 'caller'>;
      if (request === undefined) {
        // The presentation itself takes its options from the query.
        const level = context.query['labelLevel'] ?? 'SC';
        if (!(LABEL_LEVELS as readonly unknown[]).includes(level)) {
          throw new GxTrustError('INVALID_INPUT', `labelLevel must be one of ${LABEL_LEVELS.join(', ')}`, { pointer: '/labelLevel' });
        }
        options = { level: level as LabelLevel, dryRun: flag(context.query['dryRun']) };
        const id = labelId(context.query['vcid']);
        if (id !== undefined) options.labelId = id;
      } else {
        options = { level: request.options?.labelLevel ?? 'SC', dryRun: request.options?.dryRun === true || flag(context.query['dryRun']) };
        const id = labelId(request.options?.vcid);
        if (id !== undefined) options.labelId = id;
      }
      const result = await decide(context, deps, presentation, options);
      return json(result.findings.length > 0 ? 422 : result.issued !== undefined ? 201 : 200, {
        ...(result.issued === undefined ? {} : { issued: result.issued }),
        ...(result.tagusComplianceCredential === undefined ? {} : { complianceCredential: result.tagusComplianceCredential }),
        ...(result.labelLevel === undefined ? {} : { labelLevel: result.labelLevel }),
        outcome: result.outcome,
        requestedLevel: result.requestedLevel,
        validatedCriteria: result.validatedCriteria,
        findings: result.findings,
        warnings: result.warnings,
        checks: result.checks,
        ...(result.decisionId === undefined ? {} : { decisionId: result.decisionId }),
      });
    },
  }),
  ...gaiaXRoutes,
  defineRoute({
    method: 'post', path: '/api/credential-offers', operationId: 'offerCredential', tag: 'Compliance', roles: ['member'], signing: 'compliance',
    summary: 'Tagus-era path: a presentation (JSON-LD, or a VP-JWT) in, a Standard Compliance credential out',
    // The 22.10 service read its body raw, as a JWT or else as JSON: the same reader as the other
    // compliance paths. JSON-LD, what its clients mostly sent, stays first.
    request: {
      schema: z.union([z.record(z.string(), z.unknown()).describe('A JSON-LD verifiable presentation, or an EnvelopedVerifiablePresentation'), z.string().describe('A compact VP-JWT')]),
      example: examples.offerCredential,
      mediaTypes: ['application/json', ...VP_JWT_MEDIA_TYPES],
      parse: 'handler',
    },
    responses: { 201: { description: 'The compliance credential' }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 415: problem('Neither JSON nor a JWT media type'), 422: problem('Not compliant') },
    /** Tagus-era clients post a JSON-LD VP (some a VP-JWT); the same rules apply (Standard Compliance). */
    async handler(context, deps: ComplianceRouteDependencies) {
      const result = await decide(context, deps, readComplianceBody(context.body, false).presentation, labelOptions(context, 'SC'));
      if (result.issued === undefined) return refusal(result);
      return json(201, {
        verifiableCredential: result.issued.verifiableCredential,
        jwt: result.issued.jwt,
        labelLevel: result.labelLevel,
        decisionId: result.decisionId,
        ...(result.tagusComplianceCredential === undefined ? {} : { complianceCredential: result.tagusComplianceCredential }),
        ...warningsOf(result),
      });
    },
  }),
  defineRoute({
    method: 'get', path: '/compliance/decisions/:id', operationId: 'getComplianceDecision', tag: 'Compliance', roles: ['member', 'auditor'],
    summary: 'A recorded compliance decision', params: { id: 'The decision id (Location of a decision answer)' },
    responses: { 200: { description: 'The decision' }, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such decision') },
    /** The stored decision, for the member who asked, auditors and admins. */
    async handler(context, deps: ComplianceRouteDependencies) {
      const record = await deps.compliance.getDecision(context.params['id'] ?? '');
      const unknown = () => new GxTrustError('NOT_FOUND', 'no compliance decision with this id');
      if (record === undefined) throw unknown();
      const principal = context.caller();
      if (principal.role === 'member' && record.decision['actor'] !== principal.actor) {
        // Another member's decision is answered as an unknown id (no existence oracle), and audited.
        throw await context.deny({ subject: record.id, reason: 'this decision was asked for by another member', answer: unknown() });
      }
      return json(200, record.decision);
    },
  }),
];
