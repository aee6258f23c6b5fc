/**
 * Who is calling: the one Principal and the one Role of gx-trust. Every write names a principal;
 * the audit log records its `actor` (an id, never the key).
 *
 * Roles: `admin` (everything), `member` (issue, onboard, revoke its own credentials, compliance),
 * `connector` (verify), `auditor` (read-only audit and decisions).
 */
import type { ApiKeyRole } from '../storage/store.js';

export const ROLES = ['admin', 'member', 'connector', 'auditor'] as const;

export type Role = (typeof ROLES)[number];

/**
 * The store keeps an API key's role as a plain string union of its own (storage imports no domain
 * module); both directions are checked here, so the two can never name different roles.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const STORED_ROLES_ARE_ROLES: Same<ApiKeyRole, Role> = true;
void STORED_ROLES_ARE_ROLES;

export interface Principal {
  /** Recorded in the audit log: `api-key:<digest prefix>`, `member:<id>`, ... */
  actor: string;
  role: Role;
  /** Members: their id and the DIDs they may issue as. */
  memberId?: string;
  dids?: readonly string[];
}

/**
 * A member's actor is the member, not the key: ownership (who may revoke a credential) is the
 * member's, whichever of its keys issued it.
 */
export function memberActor(memberId: string): string {
  return `member:${memberId}`;
}

/** The member an audit actor names (`member:<id>`), or undefined for an admin key, the CLI, the service. */
export function memberOfActor(actor: string): string | undefined {
  return actor.startsWith('member:') && actor.length > 'member:'.length ? actor.slice('member:'.length) : undefined;
}
