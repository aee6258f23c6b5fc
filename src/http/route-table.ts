/**
 * Every route of gx-trust, in one table. Adding a route is adding its entry (in the resource's
 * module under routes/): the Express router and the fast dispatch (app.ts), the role checks (the
 * request pipeline), /openapi.json (openapi.ts), the signing-policy sweep and the roles test all
 * read it from here.
 */
import type { Onboarding } from '../danube/onboarding/index.js';
import type { SelfDescriptionValidator } from '../danube/validate.js';
import type { CheckpointSigner, Checkpointer } from '../audit/checkpoints.js';
import type { ComplianceEngine } from '../compliance/engine.js';
import type { ScopedSigner } from '../issuing/signing-policy.js';
import type { Keyring } from '../keyring/index.js';
import type { MemberLabels } from '../members/labels.js';
import type { MemberPresentations } from '../members/presentations.js';
import type { MemberRegistry } from '../members/registry.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../storage/store.js';
import type { StatusListPublisher } from '../status-lists/credential.js';
import type { Verifier } from '../verifying/index.js';
import type { WalletIssuance } from '../wallets/issuance.js';
import type { CanonicalizationBudget } from './rate-limit.js';
import type { Route } from './route.js';
import { auditRoutes } from './routes/audit.js';
import { complianceRoutes } from './routes/compliance.js';
import { credentialRoutes } from './routes/credentials.js';
import { danubeRoutes } from './routes/danube.js';
import { docsRoutes } from './routes/docs.js';
import { identityRoutes } from './routes/identity.js';
import { memberRoutes } from './routes/members.js';
import { opsRoutes } from './routes/ops.js';
import { presentationRoutes } from './routes/presentations.js';
import { recordRoutes } from './routes/records.js';
import { statusListRoutes } from './routes/status-lists.js';
import { walletRoutes } from './routes/wallets.js';

/** What the handlers of the table are given (each handler names the part it uses). */
export interface RouteDependencies {
  keyring: Keyring;
  /**
   * The routes' signers, each scoped by the signing policy to its module's rows; every one of them
   * records (or audits) what it signs before it is returned.
   */
  signers: {
    credentialsApi: ScopedSigner;
    presentations: ScopedSigner;
  };
  verifier: Verifier;
  selfDescriptionValidator: SelfDescriptionValidator;
  onboarding: Onboarding;
  store: Store;
  statusListPublisher: StatusListPublisher;
  compliance: ComplianceEngine;
  members: MemberRegistry;
  /** What a member presents of its stored credentials, signed as the member. */
  memberPresentations: MemberPresentations;
  /** POST /members/{id}/labels: gather, present, decide. */
  memberLabels: MemberLabels;
  /** OpenID4VCI: offers, tokens, nonces and credentials for wallets. */
  wallets: WalletIssuance;
  /** Read-only audit endpoints (auditor role). */
  audit: { checkpointer: Checkpointer; signer: CheckpointSigner };
  /** Anonymous callers' share of canonicalization work (verification and Danube validation). */
  canonicalizationBudget?: CanonicalizationBudget | undefined;
  metrics?: Metrics | undefined;
  /** false: /metrics is served by a listener of its own (GX_METRICS_PORT), not by this app. */
  serveMetrics?: boolean | undefined;
  /** /openapi.json, built once from this table. */
  openApiDocument: string;
}

export const ROUTES: readonly Route<RouteDependencies>[] = [
  ...credentialRoutes,
  ...statusListRoutes,
  ...presentationRoutes,
  ...danubeRoutes,
  ...complianceRoutes,
  ...memberRoutes,
  ...recordRoutes,
  ...walletRoutes,
  ...auditRoutes,
  ...identityRoutes,
  ...opsRoutes,
  ...docsRoutes,
];
