/**
 * Compliance over HTTP. The Gaia-X compliance service's paths (Loire/Danube), so existing clients
 * can point at gx-trust: POST /api/credential-offers/standard-compliance and
 * /api/credential-offers/label-level-{1,2,3} take a VP-JWT and answer 201 with the label as a
 * compact vc+jwt (JSON when asked); POST /api/credential-offers takes a JSON-LD VP. Our own
 * POST /compliance answers `{ issued?, labelLevel?, findings[], warnings[], checks[] }` and has a dry run.
 * A presentation that fails the rules (unsigned, missing a registration number, ...) is a 422 with
 * every finding (rule id, credential, pointer, message, hint); 400 is only for input that is not a
 * presentation at all (compliance/submission.ts).
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ComplianceEngine, ComplianceResult, DecideOptions } from '../../compliance/engine.js';
import { LABEL_LEVELS, type LabelLevel } from '../../compliance/criteria.js';
import { isObject } from '../../credentials/index.js';
import { GxTrustError } from '../../errors.js';
import type { AppDependencies } from '../app.js';
import { deny, principalOf, requireRole } from '../auth.js';
import { parseBody, requireBody } from '../parse.js';
import { PROBLEM_TYPE_BASE } from '../problem.js';

const GAIA_X_PATHS: Record<string, LabelLevel> = {
  '/api/credential-offers/standard-compliance': 'SC',
  '/api/credential-offers/label-level-1': 'L1',
  '/api/credential-offers/label-level-2': 'L2',
  '/api/credential-offers/label-level-3': 'L3',
};

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

function refusal(res: Response, result: ComplianceResult): void {
  const first = result.findings[0];
  res
    .status(422)
    .type('application/problem+json')
    .send(
      JSON.stringify({
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
      }),
    );
}

/** The Gaia-X paths' answers carry `warnings[]` only when a rule warned, so their usual shape is unchanged. */
function warningsOf(result: ComplianceResult): { warnings?: ComplianceResult['warnings'] } {
  return result.warnings.length === 0 ? {} : { warnings: result.warnings };
}

export function complianceRoutes(deps: AppDependencies & { compliance: ComplianceEngine }): Router {
  const router = Router();
  const member = requireRole(deps.authenticator, 'member');

  async function decide(req: Request, res: Response, input: unknown, options: Omit<DecideOptions, 'caller'>): Promise<ComplianceResult> {
    const principal = principalOf(res);
    // Object-level authorization (OWASP API1:2023): a member asks for compliance of its own presentations only.
    const authorize = async (presenter: string | undefined) => {
      if (principal.role === 'admin') return;
      const dids = principal.dids ?? [];
      if (presenter !== undefined && dids.includes(presenter)) return;
      throw await deny(
        deps.authenticator,
        principal,
        { method: req.method, path: req.path, subject: presenter ?? `${req.method} ${req.path}`, reason: presenter === undefined ? 'the presentation names no holder this API key may present as' : `this API key may not ask for compliance of a presentation held by ${presenter}` },
        dids.length === 0 ? 'Ask an admin for a member API key' : `Present as ${dids.join(' or ')}`,
      );
    };
    return deps.compliance.decide(input, { ...options, caller: principal, authorize });
  }

  for (const [path, level] of Object.entries(GAIA_X_PATHS)) {
    router.post(path, member, async (req, res) => {
      const body = requireBody(req);
      const result = await decide(req, res, body, { level, ...(labelId(req.query['vcid']) === undefined ? {} : { labelId: labelId(req.query['vcid'])! }) });
      if (result.issued === undefined) return refusal(res, result);
      res.setHeader('Location', `/compliance/decisions/${encodeURIComponent(result.decisionId ?? '')}`);
      if (req.accepts(['application/vc+jwt', 'application/json']) === 'application/json') {
        res.status(201).json({ verifiableCredential: result.issued.verifiableCredential, jwt: result.issued.jwt, labelLevel: result.labelLevel, decisionId: result.decisionId, ...warningsOf(result) });
        return;
      }
      res.status(201).type('application/vc+jwt').send(result.issued.jwt);
    });
  }

  /** Tagus-era clients post a JSON-LD VP; the same rules apply (Standard Compliance). */
  router.post('/api/credential-offers', member, async (req, res) => {
    const body = requireBody(req);
    if (typeof body === 'string') {
      throw new GxTrustError('UNSUPPORTED_MEDIA_TYPE', 'this path takes a JSON-LD presentation', {
        hint: 'Post VP-JWTs to /api/credential-offers/standard-compliance or /label-level-{1,2,3}',
      });
    }
    const result = await decide(req, res, body, { level: 'SC', ...(labelId(req.query['vcid']) === undefined ? {} : { labelId: labelId(req.query['vcid'])! }) });
    if (result.issued === undefined) return refusal(res, result);
    res.status(201).json({
      verifiableCredential: result.issued.verifiableCredential,
      jwt: result.issued.jwt,
      labelLevel: result.labelLevel,
      decisionId: result.decisionId,
      ...(result.tagusComplianceCredential === undefined ? {} : { complianceCredential: result.tagusComplianceCredential }),
      ...warningsOf(result),
    });
  });

  router.post('/compliance', member, async (req, res) => {
    const body = requireBody(req);
    let input: unknown;
    let options: Omit<DecideOptions, 'caller'>;
    // The presentation itself (a VP-JWT, or a JSON-LD or enveloped VP: it has a `type`, the request
    // object never does) takes its options from the query; otherwise {presentation, options}.
    if (typeof body === 'string' || (isObject(body) && (Object.hasOwn(body, 'type') || Object.hasOwn(body, '@context')))) {
      const level = req.query['labelLevel'] ?? 'SC';
      if (!(LABEL_LEVELS as readonly unknown[]).includes(level)) {
        throw new GxTrustError('INVALID_INPUT', `labelLevel must be one of ${LABEL_LEVELS.join(', ')}`, { pointer: '/labelLevel' });
      }
      input = body;
      options = { level: level as LabelLevel, dryRun: flag(req.query['dryRun']) };
      const id = labelId(req.query['vcid']);
      if (id !== undefined) options.labelId = id;
    } else {
      const request = parseBody(ComplianceRequest, body, 'Send {"presentation": "<VP-JWT>" | {VP}, "options": {"labelLevel": "SC"|"L1"|"L2"|"L3", "dryRun": true}}');
      input = request.presentation;
      options = { level: request.options?.labelLevel ?? 'SC', dryRun: request.options?.dryRun === true || flag(req.query['dryRun']) };
      const id = labelId(request.options?.vcid);
      if (id !== undefined) options.labelId = id;
    }
    const result = await decide(req, res, input, options);
    const answer = {
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
    };
    res.status(result.findings.length > 0 ? 422 : result.issued !== undefined ? 201 : 200).json(answer);
  });

  /** The stored decision, for the member who asked, auditors and admins. */
  router.get('/compliance/decisions/:id', requireRole(deps.authenticator, 'member', 'auditor'), async (req, res) => {
    const record = await deps.compliance.getDecision(String(req.params['id']));
    const unknown = () => new GxTrustError('NOT_FOUND', 'no compliance decision with this id');
    if (record === undefined) throw unknown();
    const principal = principalOf(res);
    if (principal.role === 'member' && record.decision['actor'] !== principal.actor) {
      // Another member's decision is answered as an unknown id (no existence oracle), and audited.
      throw await deny(deps.authenticator, principal, { method: req.method, path: req.path, subject: record.id, reason: 'this decision was asked for by another member' }, undefined, unknown());
    }
    res.json(record.decision);
  });

  return router;
}
