/**
 * Numbered schema steps, one SQL text per dialect. A step is never edited once released: a change
 * is a new step. `schema_migrations` records what has been applied; each store applies the
 * missing steps under a lock (PostgreSQL advisory lock, SQLite BEGIN IMMEDIATE) so replicas that
 * start together apply each step once.
 */
export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'records: credentials, status lists, idempotency keys, decisions, audit log',
    sqlite: `
      CREATE TABLE issued_credentials (
        id TEXT PRIMARY KEY,
        types TEXT NOT NULL,
        subject TEXT,
        issuer TEXT NOT NULL,
        format TEXT NOT NULL,
        digest TEXT NOT NULL,
        status_entries TEXT NOT NULL,
        issued_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        credential TEXT NOT NULL
      );
      CREATE INDEX issued_credentials_issuer ON issued_credentials (issuer);
      CREATE TABLE status_lists (
        id TEXT PRIMARY KEY,
        purpose TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size > 0),
        bits BLOB NOT NULL,
        version INTEGER NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE status_allocations (
        list_id TEXT NOT NULL REFERENCES status_lists (id),
        idx INTEGER NOT NULL,
        credential_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (list_id, idx)
      );
      CREATE INDEX status_allocations_credential ON status_allocations (credential_id);
      CREATE TABLE idempotency_keys (
        key TEXT PRIMARY KEY,
        request_digest TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('in-flight', 'done')),
        response TEXT,
        created_at TEXT NOT NULL
      );
      CREATE TABLE compliance_decisions (
        id TEXT PRIMARY KEY,
        decision TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE audit_entries (
        idx INTEGER PRIMARY KEY,
        leaf TEXT NOT NULL,
        leaf_hash TEXT NOT NULL,
        subject TEXT NOT NULL,
        action TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX audit_entries_subject ON audit_entries (subject);
      CREATE TABLE audit_checkpoints (
        tree_size INTEGER PRIMARY KEY,
        checkpoint TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
    `,
    postgres: `
      CREATE TABLE issued_credentials (
        id TEXT PRIMARY KEY,
        types JSONB NOT NULL,
        subject TEXT,
        issuer TEXT NOT NULL,
        format TEXT NOT NULL,
        digest TEXT NOT NULL,
        status_entries JSONB NOT NULL,
        issued_by TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        credential TEXT NOT NULL
      );
      CREATE INDEX issued_credentials_issuer ON issued_credentials (issuer);
      CREATE TABLE status_lists (
        id TEXT PRIMARY KEY,
        purpose TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size > 0),
        bits BYTEA NOT NULL,
        version BIGINT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      );
      CREATE TABLE status_allocations (
        list_id TEXT NOT NULL REFERENCES status_lists (id),
        idx INTEGER NOT NULL,
        credential_id TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (list_id, idx)
      );
      CREATE INDEX status_allocations_credential ON status_allocations (credential_id);
      CREATE TABLE idempotency_keys (
        key TEXT PRIMARY KEY,
        request_digest TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('in-flight', 'done')),
        response TEXT,
        created_at TIMESTAMPTZ NOT NULL
      );
      CREATE TABLE compliance_decisions (
        id TEXT PRIMARY KEY,
        decision JSONB NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
      );
      CREATE TABLE audit_entries (
        idx BIGINT PRIMARY KEY,
        leaf TEXT NOT NULL,
        leaf_hash TEXT NOT NULL,
        subject TEXT NOT NULL,
        action TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX audit_entries_subject ON audit_entries (subject);
      CREATE TABLE audit_checkpoints (
        tree_size BIGINT PRIMARY KEY,
        checkpoint JSONB NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'members: hosted did:web identities, their verification methods (sealed private keys), hashed API keys',
    sqlite: `
      CREATE TABLE members (
        id TEXT PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        did TEXT NOT NULL UNIQUE,
        custody TEXT NOT NULL CHECK (custody IN ('hosted', 'external')),
        created_at TEXT NOT NULL
      );
      CREATE TABLE member_keys (
        id TEXT PRIMARY KEY,
        member_id TEXT NOT NULL REFERENCES members (id),
        kind TEXT NOT NULL,
        method_type TEXT NOT NULL,
        public_key TEXT NOT NULL,
        sealed_private_key TEXT,
        state TEXT NOT NULL CHECK (state IN ('active', 'retired', 'removed')),
        created_at TEXT NOT NULL,
        retired_at TEXT,
        signed_until TEXT,
        signed_unbounded INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX member_keys_member ON member_keys (member_id, kind, state);
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        member_id TEXT NOT NULL REFERENCES members (id),
        role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'connector', 'auditor')),
        key_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      );
      CREATE INDEX api_keys_member ON api_keys (member_id);
    `,
    postgres: `
      CREATE TABLE members (
        id TEXT PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        did TEXT NOT NULL UNIQUE,
        custody TEXT NOT NULL CHECK (custody IN ('hosted', 'external')),
        created_at TIMESTAMPTZ NOT NULL
      );
      CREATE TABLE member_keys (
        id TEXT PRIMARY KEY,
        member_id TEXT NOT NULL REFERENCES members (id),
        kind TEXT NOT NULL,
        method_type TEXT NOT NULL,
        public_key JSONB NOT NULL,
        sealed_private_key TEXT,
        state TEXT NOT NULL CHECK (state IN ('active', 'retired', 'removed')),
        created_at TIMESTAMPTZ NOT NULL,
        retired_at TIMESTAMPTZ,
        signed_until TEXT,
        signed_unbounded BOOLEAN NOT NULL DEFAULT FALSE
      );
      CREATE INDEX member_keys_member ON member_keys (member_id, kind, state);
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        member_id TEXT NOT NULL REFERENCES members (id),
        role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'connector', 'auditor')),
        key_hash TEXT NOT NULL UNIQUE,
        created_at TIMESTAMPTZ NOT NULL,
        revoked_at TIMESTAMPTZ
      );
      CREATE INDEX api_keys_member ON api_keys (member_id);
    `,
  },
  {
    version: 3,
    // "The issuer of the status list credential MUST be the same as the issuer of the credential":
    // each DID the service issues as gets lists of its own. NULL is the service's did:web (whatever
    // GX_BASE_URL makes it now), which every list created before this step belongs to.
    name: 'status lists per issuer: the DID whose lists these are (NULL: the service\'s did:web)',
    sqlite: `
      ALTER TABLE status_lists ADD COLUMN issuer TEXT;
      CREATE INDEX status_lists_issuer ON status_lists (issuer);
    `,
    postgres: `
      ALTER TABLE status_lists ADD COLUMN issuer TEXT;
      CREATE INDEX status_lists_issuer ON status_lists (issuer);
    `,
  },
  {
    version: 4,
    // A hosted key's certificate chain can be replaced (PUT /members/{id}/keys/{kid}/certificate)
    // without a change of state: `revision` counts such changes, so the member keys version moves
    // and every replica's hosted DID document is read again. Credentials are looked up by subject
    // for the member's own presentations and labels.
    name: 'member key revisions (certificates installed), credentials by subject',
    sqlite: `
      ALTER TABLE member_keys ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX issued_credentials_subject ON issued_credentials (subject);
    `,
    postgres: `
      ALTER TABLE member_keys ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX issued_credentials_subject ON issued_credentials (subject);
    `,
  },
];
