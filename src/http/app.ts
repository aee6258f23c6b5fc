/**
 * The HTTP layer (W3C VC-API): parse at the edge with zod, call the library core, answer. Nothing
 * here decides whether a credential is valid.
 * @see https://w3c-ccg.github.io/vc-api/
 */
import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import { GxTrustError, jsonPointer } from '../errors.js';
import type { Issuer } from '../issuing/index.js';
import type { RecordingIssuer } from '../issuing/recorded.js';
import { IssueOptions, PresentOptions } from '../issuing/index.js';
import type { Keyring } from '../keyring/index.js';
import type { Verifier, VerificationReport } from '../verifying/index.js';
import { problemHandler } from './problem.js';
import type { SelfDescriptionValidator } from '../danube/validate.js';
import { submittedCredentials } from '../danube/submission.js';
import { statusListRoutes } from '../status-lists/routes.js';
import type { StatusListPublisher } from '../status-lists/credential.js';
import type { Store } from '../storage/store.js';

export interface AppDependencies {
  keyring: Keyring;
  /** Issues and records; the HTTP layer never hands out an unrecorded credential. */
  issuer: RecordingIssuer;
  /** Signs presentations (nothing is issued, so nothing is recorded). */
  presenter: Issuer;
  verifier: Verifier;
  selfDescriptionValidator: SelfDescriptionValidator;
  store: Store;
  statusListPublisher: StatusListPublisher;
  /** API keys allowed to write (issue, sign); compared in constant time. */
  apiKeys: readonly string[];
  bodyLimitBytes: number;
  log?: (error: unknown) => void;
}

const JWT_MEDIA_TYPES = [
  'application/vc+jwt',
  'application/vp+jwt',
  'application/vc+ld+json+jwt',
  'application/vp+ld+json+jwt',
  'application/vc+ld+jwt',
  'application/vp+ld+jwt',
  'application/jwt',
];

const IssueRequest = z.strictObject({
  credential: z.record(z.string(), z.unknown()),
  options: IssueOptions.extend({
    credentialStatus: z.union([z.boolean(), z.array(z.enum(['revocation', 'suspension'])).min(1).max(2)]).optional(),
  }).optional(),
});

const VerifyOptions = z.looseObject({
  challenge: z.string().max(512).optional(),
  domain: z.string().max(512).optional(),
});

const VerifyCredentialRequest = z.strictObject({
  verifiableCredential: z.union([z.record(z.string(), z.unknown()), z.string().max(256 * 1024)]),
  options: VerifyOptions.optional(),
});

const VerifyPresentationRequest = z.strictObject({
  verifiablePresentation: z.union([z.record(z.string(), z.unknown()), z.string().max(256 * 1024)]),
  options: VerifyOptions.optional(),
});

const ProveRequest = z.strictObject({
  presentation: z.record(z.string(), z.unknown()),
  options: PresentOptions.optional(),
});

/** zod issues become one problem with every fault's JSON pointer. */
function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => ({
    code: 'INVALID_INPUT' as const,
    pointer: jsonPointer(issue.path as (string | number)[]),
    detail: issue.message,
  }));
  const first = errors[0];
  throw new GxTrustError('INVALID_INPUT', first ? `${first.pointer || '/'}: ${first.detail}` : 'invalid request body', {
    pointer: first?.pointer ?? '',
    hint: 'See the request schema in README.md ("HTTP API")',
    errors,
  });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function createApp(deps: AppDependencies): express.Express {
  const app = express();
  const apiKeyDigests = deps.apiKeys.map(digest);
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(helmet());
  app.use((req, res, next) => {
    const id = randomUUID();
    res.locals['requestId'] = id;
    res.setHeader('X-Request-Id', id);
    next();
  });
  app.use(express.json({ limit: deps.bodyLimitBytes, type: ['application/json', 'application/ld+json', 'application/*+json'], strict: true }));
  app.use(express.text({ limit: deps.bodyLimitBytes, type: JWT_MEDIA_TYPES }));

  /**
   * Writes need a bearer API key; returns the actor the audit log records (a digest prefix of the
   * key, never the key). Bad input is judged after this, never reported as 401.
   */
  function authenticate(req: Request): string {
    const header = req.get('authorization') ?? '';
    const presented = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (presented === undefined) {
      throw new GxTrustError('UNAUTHORIZED', 'this endpoint needs an API key', {
        hint: 'Send Authorization: Bearer <api key> (the development key is printed at start)',
      });
    }
    const candidate = digest(presented);
    if (!apiKeyDigests.some((known) => timingSafeEqual(known, candidate))) {
      throw new GxTrustError('UNAUTHORIZED', 'the API key is not valid', { hint: 'Check the key, or ask an admin for a new one' });
    }
    return `api-key:${candidate.toString('hex').slice(0, 16)}`;
  }

  function requireApiKey(req: Request, res: Response, next: NextFunction): void {
    res.locals['actor'] = authenticate(req);
    next();
  }

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/.well-known/did.json', (_req, res) => {
    res.type('application/did+json').send(JSON.stringify(deps.keyring.didDocument()));
  });

  app.get('/.well-known/x509/:kind.pem', (req, res) => {
    const kind = req.params['kind'] === 'rsa' ? 'RSA' : req.params['kind'] === 'p256' ? 'P-256' : undefined;
    const pem = kind === undefined ? undefined : deps.keyring.certificateChainPem(kind);
    if (pem === undefined) throw new GxTrustError('NOT_FOUND', 'no such certificate chain');
    res.type('application/pem-certificate-chain').send(pem);
  });

  app.post('/credentials/issue', requireApiKey, async (req, res) => {
    const body = parseBody(IssueRequest, req.body);
    const idempotencyKey = req.get('idempotency-key');
    const issued = await deps.issuer.issueCredential(body.credential, body.options ?? {}, {
      actor: res.locals['actor'] as string,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
    if (issued.format === 'vc+jwt' && req.accepts(['application/json', 'application/vc+jwt']) === 'application/vc+jwt') {
      res.status(201).type('application/vc+jwt').send(issued.jwt);
      return;
    }
    res.status(201).json({ verifiableCredential: issued.verifiableCredential });
  });

  app.post('/presentations/prove', requireApiKey, async (req, res) => {
    const body = parseBody(ProveRequest, req.body);
    const signed = await deps.presenter.signPresentation(body.presentation, body.options ?? {});
    if (signed.format === 'vp+jwt' && req.accepts(['application/json', 'application/vp+jwt']) === 'application/vp+jwt') {
      res.status(201).type('application/vp+jwt').send(signed.jwt);
      return;
    }
    res.status(201).json({ verifiablePresentation: signed.verifiablePresentation });
  });

  app.post('/credentials/verify', async (req, res) => {
    const { input, options } = verificationInput(req, 'verifiableCredential', VerifyCredentialRequest);
    sendReport(res, await deps.verifier.verifyCredential(input, options));
  });

  app.post('/presentations/verify', async (req, res) => {
    const { input, options } = verificationInput(req, 'verifiablePresentation', VerifyPresentationRequest);
    sendReport(res, await deps.verifier.verifyPresentation(input, options));
  });

  /**
   * Danube self-description check: shapes and Trust Framework rules, findings with JSON pointers
   * into what was sent. Never issues anything, so it needs no API key.
   */
  app.post('/danube/validate', async (req, res) => {
    if (req.body === undefined) {
      throw new GxTrustError('UNSUPPORTED_MEDIA_TYPE', 'send JSON, or a VP-JWT as application/vp+jwt', { hint: 'Set the Content-Type header' });
    }
    const submitted = submittedCredentials(typeof req.body === 'string' ? req.body.trim() : req.body);
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

  // Revocation: GET /status-lists/:id (public) and POST /credentials/status (API key).
  app.use(
    statusListRoutes({
      store: deps.store,
      publisher: deps.statusListPublisher,
      // The bootstrap key is the admin's (members and roles come with the Operations issue).
      authorize: (req) => ({ actor: authenticate(req), admin: true }),
    }),
  );

  app.use((req, _res) => {
    throw new GxTrustError('NOT_FOUND', `${req.method} ${req.path} is not an endpoint of gx-trust`, {
      hint: 'See README.md, "HTTP API"',
    });
  });
  app.use(problemHandler(deps.log ?? ((error) => console.error(error))));
  return app;
}

/** A VC-API JSON body, or a bare compact JWT sent as application/vc+jwt or application/vp+jwt. */
function verificationInput(
  req: Request,
  field: 'verifiableCredential' | 'verifiablePresentation',
  schema: typeof VerifyCredentialRequest | typeof VerifyPresentationRequest,
): { input: unknown; options: { challenge?: string; domain?: string } } {
  if (typeof req.body === 'string') {
    const challenge = typeof req.query['challenge'] === 'string' ? req.query['challenge'] : undefined;
    const domain = typeof req.query['domain'] === 'string' ? req.query['domain'] : undefined;
    return {
      input: req.body.trim(),
      options: { ...(challenge === undefined ? {} : { challenge }), ...(domain === undefined ? {} : { domain }) },
    };
  }
  if (req.body === undefined) {
    throw new GxTrustError('UNSUPPORTED_MEDIA_TYPE', 'send application/json, or a compact JWT as application/vc+jwt or application/vp+jwt', {
      hint: 'Set the Content-Type header',
    });
  }
  const body = parseBody(schema as z.ZodType<Record<string, unknown>>, req.body);
  const options = (body['options'] ?? {}) as { challenge?: string; domain?: string };
  const picked: { challenge?: string; domain?: string } = {};
  if (options.challenge !== undefined) picked.challenge = options.challenge;
  if (options.domain !== undefined) picked.domain = options.domain;
  return { input: body[field], options: picked };
}

/** 200 when every check passed; 422 with the same report when any failed or could not run. */
function sendReport(res: Response, report: VerificationReport): void {
  res.status(report.verified ? 200 : 422).json(report);
}
