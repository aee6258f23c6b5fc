/**
 * The HTTP layer (W3C VC-API and the Gaia-X paths): parse at the edge with zod, call the library
 * core, answer. Nothing here decides whether a credential is valid. One router per resource in
 * routes/; each takes the same dependency bag.
 * @see https://w3c-ccg.github.io/vc-api/
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import helmet from 'helmet';
import type { SelfDescriptionValidator } from '../danube/validate.js';
import { GxTrustError } from '../errors.js';
import type { Issuer } from '../issuing/index.js';
import type { RecordingIssuer } from '../issuing/recorded.js';
import type { Keyring } from '../keyring/index.js';
import type { StatusListPublisher } from '../status-lists/credential.js';
import { statusListRoutes } from '../status-lists/routes.js';
import { auditRoutes } from '../audit/routes.js';
import type { CheckpointSigner, Checkpointer } from '../audit/checkpoints.js';
import type { Store } from '../storage/store.js';
import type { Verifier } from '../verifying/index.js';
import type { Authenticator } from './auth.js';
import { bearerToken, deny } from './auth.js';
import { JWT_MEDIA_TYPES } from './parse.js';
import { problemHandler } from './problem.js';
import { credentialRoutes } from './routes/credentials.js';
import { danubeRoutes } from './routes/danube.js';
import { complianceRoutes } from './routes/compliance.js';
import type { ComplianceEngine } from '../compliance/engine.js';
import { identityRoutes } from './routes/identity.js';
import { presentationRoutes } from './routes/presentations.js';
import { memberRoutes } from './routes/members.js';
import type { MemberRegistry } from '../members/registry.js';
import { acceptableRequestId, httpLogger, requestLogger, type Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { rateLimiter, type RateLimitSettings } from './rate-limit.js';
import { docsRoutes } from './routes/docs.js';
import { opsRoutes } from './routes/ops.js';

export interface AppDependencies {
  keyring: Keyring;
  /** Signs (credentials without records, and presentations). */
  issuer: Issuer;
  /** Issues and records; the HTTP layer never hands out an unrecorded credential. */
  recordingIssuer: RecordingIssuer;
  verifier: Verifier;
  selfDescriptionValidator: SelfDescriptionValidator;
  store: Store;
  statusListPublisher: StatusListPublisher;
  authenticator: Authenticator;
  bodyLimitBytes: number;
  /** Time for decisions made in routes (e.g. the validity of notarised registration numbers). */
  clock?: () => Date;
  log?: (error: unknown, req?: express.Request) => void;
  /** Request log lines (pino); none when absent. */
  logger?: Logger;
  /** Prometheus metrics; /metrics is served only when present. */
  metrics?: Metrics;
  rateLimit?: RateLimitSettings;
  /** The public base URL, named as the server in /openapi.json. */
  baseUrl?: string;
  /** Compliance decisions and label credentials (src/compliance). */
  compliance?: ComplianceEngine;
  /** Read-only audit endpoints (auditor role), when the service signs checkpoints. */
  audit?: { checkpointer: Checkpointer; signer: CheckpointSigner };
  /** Consortium members: the admin API and each member's did:web document. */
  members?: MemberRegistry;
}

/**
 * helmet's headers, taken once from helmet itself and set in one step: with its default (static)
 * options they are the same on every answer, and helmet() walks a chain of a dozen middlewares
 * per request to set them.
 */
function securityHeaders(): express.RequestHandler {
  const set: [string, number | string | readonly string[]][] = [];
  const removed: string[] = [];
  let complete = false;
  const recorder = {
    setHeader: (name: string, value: number | string | readonly string[]) => void set.push([name, value]),
    removeHeader: (name: string) => void removed.push(name),
  };
  helmet()({} as express.Request, recorder as unknown as express.Response, (error?: unknown) => {
    complete = error === undefined;
  });
  if (!complete) return helmet();
  return (_req, res, next) => {
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}

export function createApp(deps: AppDependencies): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(securityHeaders());
  app.use((req, res, next) => {
    // A caller's or proxy's well-formed id is kept, so one id follows a request across services.
    const incoming = req.get('x-request-id');
    const id = acceptableRequestId(incoming) ? incoming : randomUUID();
    res.locals['requestId'] = id;
    res.setHeader('X-Request-Id', id);
    next();
  });
  if (deps.metrics !== undefined) app.use(deps.metrics.httpMiddleware);
  if (deps.logger !== undefined) app.use(httpLogger(deps.logger));
  if (deps.rateLimit !== undefined) app.use(rateLimiter(deps.rateLimit, deps.authenticator));
  app.use(express.json({ limit: deps.bodyLimitBytes, type: ['application/json', 'application/ld+json', 'application/*+json'], strict: true }));
  app.use(express.text({ limit: deps.bodyLimitBytes, type: JWT_MEDIA_TYPES }));

  app.use(identityRoutes(deps));
  app.use(opsRoutes({ store: deps.store, keyring: deps.keyring, ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }) }));
  app.use(docsRoutes(deps.baseUrl === undefined ? {} : { baseUrl: deps.baseUrl }));
  app.use(credentialRoutes(deps));
  app.use(presentationRoutes(deps));
  app.use(danubeRoutes(deps));
  if (deps.compliance !== undefined) app.use(complianceRoutes({ ...deps, compliance: deps.compliance }));
  if (deps.members !== undefined) app.use(memberRoutes({ members: deps.members, authenticator: deps.authenticator }));
  if (deps.audit !== undefined) app.use(auditRoutes({ ...deps.audit, authenticator: deps.authenticator, store: deps.store, keyring: deps.keyring }));
  // Revocation: GET /status-lists/:id (public) and POST /credentials/status (API key).
  app.use(
    statusListRoutes({
      store: deps.store,
      publisher: deps.statusListPublisher,
      authorize: async (req) => {
        const principal = await deps.authenticator.authenticate(bearerToken(req));
        // Changing a status is a member's write: connectors and auditors are refused (and audited).
        if (principal.role !== 'admin' && principal.role !== 'member') {
          throw await deny(deps.authenticator, principal, { method: req.method, path: req.path, reason: `the ${principal.role} role may not change credential status` });
        }
        return { actor: principal.actor, admin: principal.role === 'admin' };
      },
    }),
  );

  app.use((req, _res) => {
    throw new GxTrustError('NOT_FOUND', `${req.method} ${req.path} is not an endpoint of gx-trust`, {
      hint: 'See README.md, "HTTP API"',
    });
  });
  const logger = deps.logger;
  app.use(problemHandler(deps.log ?? ((error, req) => (logger === undefined ? undefined : requestLogger(logger, req).error({ err: error }, 'request failed')))));
  return app;
}
