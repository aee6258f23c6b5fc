/**
 * Every route of gx-trust, in one table. Adding a route is adding its entry (in the resource's
 * module under routes/): the Express router and the fast dispatch (app.ts), the role checks (the
 * request pipeline), /openapi.json (openapi.ts), the signing-policy sweep and the roles test all
 * read it from here.
 *
 * Each module of the table names what its handlers use (its `…RouteDependencies`), and is given
 * that and nothing else: a handler cannot reach a signer, the store or another module's engine
 * its module was not handed, and the composition root (src/service.ts) shows who gets what.
 */
import type { Route, ServedRoute } from './route.js';
import { bindRoutes } from './route.js';
import { auditRoutes, type AuditRouteDependencies } from './routes/audit.js';
import { complianceRoutes, type ComplianceRouteDependencies } from './routes/compliance.js';
import { consoleRoutes, type ConsoleRouteDependencies } from './routes/console.js';
import { credentialRoutes, type CredentialRouteDependencies } from './routes/credentials.js';
import { danubeRoutes, type DanubeRouteDependencies } from './routes/danube.js';
import { docsRoutes, type DocsRouteDependencies } from './routes/docs.js';
import { identityRoutes, type IdentityRouteDependencies } from './routes/identity.js';
import { memberRoutes, type MemberRouteDependencies } from './routes/members.js';
import { opsRoutes, type OpsRouteDependencies } from './routes/ops.js';
import { presentationRoutes, type PresentationRouteDependencies } from './routes/presentations.js';
import { recordRoutes, type RecordRouteDependencies } from './routes/records.js';
import { statusListRoutes, type StatusListRouteDependencies } from './routes/status-lists.js';
import { verifierRoutes, type VerifierRouteDependencies } from './routes/verifier.js';
import { walletRoutes, type WalletRouteDependencies } from './routes/wallets.js';

/** What each route module is given, by module. */
export interface RouteDependencies {
  credentials: CredentialRouteDependencies;
  statusLists: StatusListRouteDependencies;
  presentations: PresentationRouteDependencies;
  danube: DanubeRouteDependencies;
  compliance: ComplianceRouteDependencies;
  members: MemberRouteDependencies;
  records: RecordRouteDependencies;
  wallets: WalletRouteDependencies;
  verifier: VerifierRouteDependencies;
  audit: AuditRouteDependencies;
  identity: IdentityRouteDependencies;
  ops: OpsRouteDependencies;
  docs: DocsRouteDependencies;
  console: ConsoleRouteDependencies;
}

type RouteModules = { readonly [M in keyof RouteDependencies]: readonly Route<RouteDependencies[M]>[] };

/** In the order Express mounts them (a static path before a pattern that would also match it). */
const MODULES: RouteModules = {
  credentials: credentialRoutes,
  statusLists: statusListRoutes,
  presentations: presentationRoutes,
  danube: danubeRoutes,
  compliance: complianceRoutes,
  members: memberRoutes,
  records: recordRoutes,
  wallets: walletRoutes,
  verifier: verifierRoutes,
  audit: auditRoutes,
  identity: identityRoutes,
  ops: opsRoutes,
  docs: docsRoutes,
  console: consoleRoutes,
};

const MODULE_NAMES = Object.keys(MODULES) as (keyof RouteDependencies)[];

/** The table as a description (OpenAPI, the docs and roles tests): every route, unbound. */
export const ROUTES: readonly Route[] = MODULE_NAMES.flatMap((name) => MODULES[name] as readonly Route[]);

function bindModule<M extends keyof RouteDependencies>(name: M, deps: RouteDependencies[M]): ServedRoute[] {
  return bindRoutes<RouteDependencies[M]>(MODULES[name], deps);
}

/** Every route the app serves, each bound to its own module's dependencies. */
export function servedRoutes(deps: RouteDependencies): ServedRoute[] {
  return MODULE_NAMES.flatMap((name) => bindModule(name, deps[name]));
}
