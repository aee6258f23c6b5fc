/**
 * The tables as both dialects hand them to Kysely. A column whose type differs by dialect has the
 * union of what the two drivers return (PostgreSQL: Date, parsed JSON, BIGINT as string, boolean;
 * SQLite: text, integers); src/storage/sql-store.ts reads it through `read` below.
 */
import type { ColumnType, Generated } from 'kysely';

/** Written as ISO 8601 text; read back as text (SQLite) or a Date (timestamptz). */
type Timestamp = ColumnType<string | Date, string, string>;
/** Written as JSON text; read back as text (SQLite) or parsed (jsonb). */
type Json = ColumnType<unknown, string, string>;
/** BIGINT: a string from pg, a number from SQLite. */
type BigNumber = ColumnType<string | number, number, number>;
type Bool = ColumnType<boolean | number, boolean | number, boolean | number>;

export interface Tables {
  schema_migrations: { version: number; name: string; applied_at: Timestamp };
  issued_credentials: {
    id: string;
    types: Json;
    subject: string | null;
    issuer: string;
    format: string;
    digest: string;
    status_entries: Json;
    issued_by: string;
    created_at: Timestamp;
    credential: string;
  };
  status_lists: {
    id: string;
    purpose: string;
    size: number;
    bits: Uint8Array;
    version: BigNumber;
    updated_at: Timestamp;
    issuer: string | null;
    status_size: Generated<number>;
  };
  status_allocations: { list_id: string; idx: number; credential_id: string; created_at: Timestamp };
  idempotency_keys: { key: string; request_digest: string; state: string; response: string | null; created_at: Timestamp };
  compliance_decisions: { id: string; decision: Json; created_at: Timestamp };
  audit_entries: { idx: BigNumber; leaf: string; leaf_hash: string; subject: string; action: string; actor: string; created_at: Timestamp };
  audit_checkpoints: { tree_size: BigNumber; checkpoint: Json; created_at: Timestamp };
  members: { id: string; slug: string; name: string; did: string; custody: string; created_at: Timestamp };
  member_keys: {
    id: string;
    member_id: string;
    kind: string;
    method_type: string;
    public_key: Json;
    sealed_private_key: string | null;
    state: string;
    created_at: Timestamp;
    retired_at: Timestamp | null;
    signed_until: string | null;
    signed_unbounded: Bool;
    /** Changes of the public part without a change of state (a certificate chain installed): migration 5. */
    revision: Generated<number>;
  };
  credential_records: { credential_id: string; owner_member_id: string | null; visibility: string; series: string | null; superseded_by: string | null };
  label_coverage: { label_id: string; credential_id: string; digest_sri: string };
  credential_offers: {
    id: string;
    member_id: string;
    code_hash: string;
    tx_code_hash: string | null;
    tx_code_failures: Generated<number>;
    credentials: Json;
    created_by: string;
    created_by_role: string;
    created_at: Timestamp;
    expires_at: Timestamp;
    redeemed_at: Timestamp | null;
    deferred_configurations: Json | null;
    review_state: string | null;
    review_reason: string | null;
  };
  wallet_nonces: { nonce: string; expires_at: Timestamp };
  wallet_transactions: { transaction_hash: string; offer_id: string; configuration_id: string; bindings: Json; created_at: Timestamp; expires_at: Timestamp };
  presentation_requests: {
    id: string;
    created_by: string;
    created_by_role: string;
    client_id: string;
    nonce: string;
    state_hash: string;
    dcql_query: Json;
    created_at: Timestamp;
    expires_at: Timestamp;
    answered_at: Timestamp | null;
    outcome: string | null;
    result: Json | null;
  };
  api_keys: { id: string; member_id: string; role: string; key_hash: string; created_at: Timestamp; revoked_at: Timestamp | null };
}

/** Column values as the two drivers return them, made one. */
export const read = {
  iso: (value: string | Date): string => (value instanceof Date ? value.toISOString() : new Date(value).toISOString()),
  isoOrNull: (value: string | Date | null): string | null => (value === null ? null : read.iso(value)),
  json: <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T,
  int: (value: string | number | bigint): number => Number(value),
  bool: (value: boolean | number): boolean => value === true || value === 1,
};
