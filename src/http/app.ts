/**
 * The HTTP layer (W3C VC-API and the Gaia-X paths): parse at the edge with zod, call the library
 * core, answer. Nothing here decides whether a credential is valid. One router per resource in
 * routes/; each takes the same dependency bag.
 * @see https://w3c-ccg.github.io/vc-api/
 */
import type { IncomingMessage } from 'node:http';
import express from 'express';
import proxyaddr from 'proxy-addr';
import helmet from 'helmet';
import type { SelfDescriptionValidator } from '../danube/validate.js';
import { GxTrustError } from '../errors.js';
import type { ScopedSigner } from '../issuing/signing-policy.js';
import type { Keyring } from '../keyring/index.js';
import type { StatusListPublisher } from '../status-lists/credential.js';
import { statusListRoutes } from '../status-lists/routes.js';
import { auditRoutes } from '../audit/routes.js';
import type { CheckpointSigner, Checkpointer } from '../audit/checkpoints.js';
import type { Store } from '../storage/store.js';
import type { Verifier } from '../verifying/index.js';
import type { Authenticator } from './auth.js';
import { bearerToken, deny, recordDenials } from './auth.js';
import { bodyInputCheck, JWT_MEDIA_TYPES } from './parse.js';
import { bodyLimit } from './body-limit.js';
import { bodyTooLarge, problemHandler, refuseBody } from './problem.js';
import { credentialRoutes, VerifyCredentialRequest, VerifyPresentationRequest } from './routes/credentials.js';
import { danubeRoutes } from './routes/danube.js';
import { complianceRoutes } from './routes/compliance.js';
import type { ComplianceEngine } from '../compliance/engine.js';
import { identityRoutes } from './routes/identity.js';
import { presentationRoutes } from './routes/presentations.js';
import { memberRoutes } from './routes/members.js';
import type { MemberRegistry } from '../members/registry.js';
import { accessLog, httpLogger, requestLogger, type Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { createCanonicalizationBudget, createRateLimiter, type CanonicalizationBudget, type RateLimitSettings } from './rate-limit.js';
import { assignRequestId, staticSecurityHeaders } from './answer-headers.js';
import { docsRoutes } from './routes/docs.js';
import { opsRoutes } from './routes/ops.js';
import { createVerificationLane, type RequestListener } from './verification-lane.js';

export interface AppDependencies {
  keyring: Keyring;
  /**
   * The routes' signers, each scoped by the signing policy to its module's rows; every one of them
   * records (or audits) what it signs before it is returned.
   */
  signers: {
    credentialsApi: ScopedSigner;
    presentations: ScopedSigner;
    participants: ScopedSigner;
    serviceOfferings: ScopedSigner;
  };
  verifier: Verifier;
  selfDescriptionValidator: SelfDescriptionValidator;
  store: Store;
  statusListPublisher: StatusListPublisher;
  authenticator: Authenticator;
  bodyLimitBytes: number;
  /** Time for decisions made in routes (e.g. the validity of notarised registration numbers) and the canonicalization share's refill. */
  clock?: () => Date;
  log?: (error: unknown, req?: express.Request) => void;
  /** Request log lines (pino); none when absent. */
  logger?: Logger;
  /** Prometheus metrics; /metrics is served only when present. */
  metrics?: Metrics;
  /** false: /metrics is served by a listener of its own (GX_METRICS_PORT), not by this app. */
  serveMetrics?: boolean;
  rateLimit?: RateLimitSettings;
  /** Whether the verify endpoints answer callers without an API key (default true; GX_ANONYMOUS_VERIFY). */
  anonymousVerify?: boolean;
  /** Express's `trust proxy`: whose X-Forwarded-For names the client (rate limits and budgets are per client address). */
  trustProxy?: number | string[];
  /** The public base URL, named as the server in /openapi.json. */
  baseUrl?: string;
  /** Compliance decisions and label credentials (src/compliance). */
  compliance?: ComplianceEngine;
  /** Read-only audit endpoints (auditor role), when the service signs checkpoints. */
  audit?: { checkpointer: Checkpointer; signer: CheckpointSigner };
  /** Consortium members: the admin API and each member's did:web document. */
  members?: MemberRegistry;
  /** GX_ENV=production: the service's own faults are answered without their details (src/http/problem.ts publicProblem). */
  production?: boolean;
  /** Anonymous callers' share of canonicalization work; createApp makes it from `rateLimit` for the verify and validate routes. */
  canonicalizationBudget?: CanonicalizationBudget;
}

/** The Express app, and the listener to serve it with (the verification lane in front). */
export interface HttpInterface {
  app: express.Express;
  listener: RequestListener;
}

export function createApp(deps: AppDependencies): HttpInterface {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  if (deps.trustProxy !== undefined) app.set('trust proxy', deps.trustProxy);
  const securityHeaders = staticSecurityHeaders();
  const rateLimiter = deps.rateLimit === undefined ? undefined : createRateLimiter(deps.rateLimit, deps.authenticator);
  const canonicalizationBudget = deps.rateLimit === undefined ? undefined : createCanonicalizationBudget(deps.rateLimit.anonymousCanonicalizationsPerSecond, deps.authenticator, deps.clock);
  app.use(securityHeaders === undefined ? helmet() : (_req, res, next) => {
    securityHeaders(res);
    next();
  });
  app.use((req, res, next) => {
    res.locals['requestId'] = assignRequestId(req.headers, res);
    next();
  });
  if (deps.metrics !== undefined) app.use(deps.metrics.httpMiddleware);
  if (deps.logger !== undefined) app.use(httpLogger(deps.logger));
  if (rateLimiter !== undefined) app.use(rateLimiter.middleware);
  // Before the parsers: body-parser, past its limit, reads the rest of the body before it says so.
  app.use(bodyLimit(deps.bodyLimitBytes, bodyTooLarge, refuseBody));
  app.use(express.json({ limit: deps.bodyLimitBytes, type: ['application/json', 'application/ld+json', 'application/*+json'], strict: true }));
  app.use(express.text({ limit: deps.bodyLimitBytes, type: JWT_MEDIA_TYPES }));
  // As the verification lane does: a prototype key, a depth bomb or a NUL is a 400 here, never a 500 further on.
  app.use(bodyInputCheck);

  app.use(identityRoutes(deps));
  app.use(opsRoutes({ store: deps.store, keyring: deps.keyring, ...(deps.metrics === undefined || deps.serveMetrics === false ? {} : { metrics: deps.metrics }) }));
  app.use(docsRoutes(deps.baseUrl === undefined ? {} : { baseUrl: deps.baseUrl }));
  // The verify routes count anonymous callers' canonicalizations, as the verification lane does, and
  // Danube validation draws from the same share.
  const verifyDeps = canonicalizationBudget === undefined ? deps : { ...deps, canonicalizationBudget };
  app.use(credentialRoutes(verifyDeps));
  app.use(presentationRoutes(verifyDeps));
  app.use(danubeRoutes(verifyDeps));
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
  const logError = deps.log ?? ((error, req) => (logger === undefined ? undefined : requestLogger(logger, req).error({ err: error }, 'request failed')));
  app.use(recordDenials(deps.authenticator));
  app.use(problemHandler(logError, { production: deps.production === true }));
  if (securityHeaders === undefined) return { app, listener: app };
  const listener = createVerificationLane({
    app,
    routes: {
      '/credentials/verify': { field: 'verifiableCredential', schema: VerifyCredentialRequest, verify: (input, options) => deps.verifier.verifyCredential(input, options) },
      '/presentations/verify': { field: 'verifiablePresentation', schema: VerifyPresentationRequest, verify: (input, options) => deps.verifier.verifyPresentation(input, options) },
    },
    bodyLimitBytes: deps.bodyLimitBytes,
    production: deps.production === true,
    securityHeaders,
    rateLimiter,
    canonicalizationBudget,
    ...(deps.anonymousVerify === false ? { requireApiKey: deps.authenticator } : {}),
    // The same client address as Express's req.ip, under the same `trust proxy`.
    ...(deps.trustProxy === undefined ? {} : { clientAddress: (req: IncomingMessage) => proxyaddr(req, app.get('trust proxy fn') as (address: string, hop: number) => boolean) }),
    metrics: deps.metrics,
    accessLog: logger === undefined ? undefined : accessLog(logger),
    logError: (error, requestId) => (deps.log !== undefined ? deps.log(error) : logger?.child({ reqId: requestId }).error({ err: error }, 'request failed')),
  });
  return { app, listener };
}
