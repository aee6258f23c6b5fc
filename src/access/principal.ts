/**
 * Who is calling: the one Principal and the one Role of gx-trust. Every write names a principal;
 * the audit log records its `actor` (an id, never the key).
 *
 * Roles: `admin` (everything), `member` (issue, onboard, revoke its own credentials, compliance),
 * `connector` (verify), `auditor` (read-only audit and decisions).
 */
export const ROLES = ['admin', 'member', 'connector', 'auditor'] as const;

export type Role = (typeof ROLES)[number];

/** A role read back from the store: the table's CHECK holds the same list, so anything else is a tampered row. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

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
