/**
 * The schema, written once: numbered steps over Kysely's schema builder, with the few column types
 * that differ by dialect taken from the dialect (`TYPES`). A step is never edited once released: a
 * change is a new step. `schema_migrations` records what has been applied (the numbering and the
 * table are those of the releases that wrote SQL per dialect, so their databases migrate on);
 * each store applies the missing steps under a lock (PostgreSQL advisory lock, SQLite BEGIN
 * IMMEDIATE) so replicas that start together apply each step once.
 */
import { sql, type ColumnDataType, type Expression, type Kysely } from 'kysely';

/** The column types that differ: PostgreSQL has real ones, SQLite keeps text and integers. */
export interface ColumnTypes {
  json: ColumnDataType;
  timestamp: ColumnDataType;
  bigint: ColumnDataType;
  bytes: ColumnDataType;
  boolean: ColumnDataType;
  /** The literal false in this dialect's boolean column. */
  false: Expression<unknown>;
}

export const SQLITE_TYPES: ColumnTypes = { json: 'text', timestamp: 'text', bigint: 'integer', bytes: 'blob', boolean: 'integer', false: sql`0` };
export const POSTGRES_TYPES: ColumnTypes = { json: 'jsonb', timestamp: 'timestamptz', bigint: 'bigint', bytes: 'bytea', boolean: 'boolean', false: sql`FALSE` };

export interface Migration {
  version: number;
  name: string;
  up(db: Kysely<unknown>, t: ColumnTypes): Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'records: credentials, status lists, idempotency keys, decisions, audit log',
    async up(db, t) {
      await db.schema
        .createTable('issued_credentials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('types', t.json, (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('status_entries', t.json, (c) => c.notNull())
        .addColumn('issued_by', 'text', (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('credential', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('issued_credentials_issuer').on('issued_credentials').column('issuer').execute();
      await db.schema
        .createTable('status_lists')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull().check(sql`size > 0`))
        .addColumn('bits', t.bytes, (c) => c.notNull())
        .addColumn('version', t.bigint, (c) => c.notNull())
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('status_allocations')
        .addColumn('list_id', 'text', (c) => c.notNull().references('status_lists.id'))
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('credential_id', 'text', (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addPrimaryKeyConstraint('status_allocations_pkey', ['list_id', 'idx'])
        .execute();
      await db.schema.createIndex('status_allocations_credential').on('status_allocations').column('credential_id').execute();
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('request_digest', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state IN ('in-flight', 'done')`))
        .addColumn('response', 'text')
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('compliance_decisions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('decision', t.json, (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .execute();
      // SQLite: INTEGER PRIMARY KEY is the rowid, so the head is the last row of the table itself.
      await db.schema
        .createTable('audit_entries')
        .addColumn('idx', t.bigint, (c) => c.primaryKey())
        .addColumn('leaf', 'text', (c) => c.notNull())
        .addColumn('leaf_hash', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_entries_subject').on('audit_entries').column('subject').execute();
      await db.schema
        .createTable('audit_checkpoints')
        .addColumn('tree_size', t.bigint, (c) => c.primaryKey())
        .addColumn('checkpoint', t.json, (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .execute();
    },
  },
  {
    version: 2,
    name: 'members: hosted did:web identities, their verification methods (sealed private keys), hashed API keys',
    async up(db, t) {
      await db.schema
        .createTable('members')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('did', 'text', (c) => c.notNull().unique())
        .addColumn('custody', 'text', (c) => c.notNull().check(sql`custody IN ('hosted', 'external')`))
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('member_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('method_type', 'text', (c) => c.notNull())
        .addColumn('public_key', t.json, (c) => c.notNull())
        .addColumn('sealed_private_key', 'text')
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state IN ('active', 'retired', 'removed')`))
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('retired_at', t.timestamp)
        .addColumn('signed_until', 'text')
        .addColumn('signed_unbounded', t.boolean, (c) => c.notNull().defaultTo(t.false))
        .execute();
      await db.schema.createIndex('member_keys_member').on('member_keys').columns(['member_id', 'kind', 'state']).execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role IN ('admin', 'member', 'connector', 'auditor')`))
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('revoked_at', t.timestamp)
        .execute();
      await db.schema.createIndex('api_keys_member').on('api_keys').column('member_id').execute();
    },
  },
  {
    version: 3,
    // "The issuer of the status list credential MUST be the same as the issuer of the credential":
    // each DID the service issues as gets lists of its own. NULL is the service's did:web (whatever
    // GX_BASE_URL makes it now), which every list created before this step belongs to.
    name: "status lists per issuer: the DID whose lists these are (NULL: the service's did:web)",
    async up(db) {
      await db.schema.alterTable('status_lists').addColumn('issuer', 'text').execute();
      await db.schema.createIndex('status_lists_issuer').on('status_lists').column('issuer').execute();
    },
  },
  {
    version: 4,
    // Members read their own records, connectors the public ones; onboarding again supersedes a
    // series; a label follows what it covers. Credentials issued earlier keep the member that
    // asked for them (issued_by 'member:<id>') as owner, and stay private.
    name: 'credential records: owner, visibility, series; the reverse index of what labels cover',
    async up(db) {
      await db.schema
        .createTable('credential_records')
        .addColumn('credential_id', 'text', (c) => c.primaryKey().references('issued_credentials.id'))
        .addColumn('owner_member_id', 'text')
        .addColumn('visibility', 'text', (c) => c.notNull().defaultTo('private').check(sql`visibility IN ('private', 'public')`))
        .addColumn('series', 'text')
        .addColumn('superseded_by', 'text')
        .execute();
      await db.schema.createIndex('credential_records_owner').on('credential_records').column('owner_member_id').execute();
      await db.schema.createIndex('credential_records_series').on('credential_records').column('series').execute();
      await sql`INSERT INTO credential_records (credential_id, owner_member_id, visibility)
        SELECT id, CASE WHEN issued_by LIKE 'member:%' THEN substr(issued_by, 8) END, 'private' FROM issued_credentials`.execute(db);
      await db.schema
        .createTable('label_coverage')
        .addColumn('label_id', 'text', (c) => c.notNull())
        .addColumn('credential_id', 'text', (c) => c.notNull())
        .addColumn('digest_sri', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('label_coverage_pkey', ['label_id', 'credential_id'])
        .execute();
      await db.schema.createIndex('label_coverage_credential').on('label_coverage').column('credential_id').execute();
    },
  },
  {
    version: 5,
    // A hosted key's certificate chain can be replaced (PUT /members/{id}/keys/{kid}/certificate)
    // without a change of state: `revision` counts such changes, so the member keys version moves
    // and every replica's hosted DID document is read again. Credentials are looked up by subject
    // for the member's own presentations and labels.
    name: 'member key revisions (certificates installed), credentials by subject',
    async up(db) {
      await db.schema.alterTable('member_keys').addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.createIndex('issued_credentials_subject').on('issued_credentials').column('subject').execute();
    },
  },
  {
    version: 6,
    // OpenID4VCI pre-authorized code flow (src/wallets/): offers and the c_nonces wallets prove
    // possession with live in the store, not in a process, so any replica redeems a code another
    // replica offered, and a code or nonce is used once across all of them. Codes and PINs are
    // kept as SHA-256 digests only: a copy of the database does not hand out credentials.
    name: 'wallets: OpenID4VCI credential offers (pre-authorized codes, single use) and c_nonces',
    async up(db, t) {
      await db.schema
        .createTable('credential_offers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
        .addColumn('code_hash', 'text', (c) => c.notNull().unique())
        .addColumn('tx_code_hash', 'text')
        .addColumn('tx_code_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('credentials', t.json, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_by_role', 'text', (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('expires_at', t.timestamp, (c) => c.notNull())
        .addColumn('redeemed_at', t.timestamp)
        .execute();
      await db.schema.createIndex('credential_offers_member').on('credential_offers').column('member_id').execute();
      await db.schema
        .createTable('wallet_nonces')
        .addColumn('nonce', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', t.timestamp, (c) => c.notNull())
        .execute();
    },
  },
  {
    version: 7,
    // OpenID4VP 1.0 (src/wallets/presentation.ts): a connector's presentation request lives in the
    // store, so any replica serves its request object and takes the wallet's answer, and a request
    // is answered once across all of them (the conditional update on answered_at). The state a
    // response must carry is kept as its SHA-256 digest, compared in constant time; like the nonce,
    // it is no secret from whoever fetched the request object.
    name: 'wallets: OpenID4VP presentation requests (DCQL query, nonce, answered once, the result)',
    async up(db, t) {
      await db.schema
        .createTable('presentation_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_by_role', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('state_hash', 'text', (c) => c.notNull().unique())
        .addColumn('dcql_query', t.json, (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('expires_at', t.timestamp, (c) => c.notNull())
        .addColumn('answered_at', t.timestamp)
        .addColumn('outcome', 'text')
        .addColumn('result', t.json)
        .execute();
      await db.schema.createIndex('presentation_requests_created_by').on('presentation_requests').column('created_by').execute();
    },
  },
  {
    version: 8,
    // OpenID4VCI deferred issuance (§9): an offer may promise credentials that onboarding issues
    // only after an admin's review; a credential request that arrives first becomes a transaction
    // holding the keys its proofs proved, answered once the review decides. Transaction ids are
    // kept as digests, like codes. Expiry columns are indexed for the periodic sweep. Nothing here
    // depends on step 7 (OpenID4VP): the runner applies the steps it has not seen, by number.
    name: 'wallets: deferred offers (review state) and deferred issuance transactions',
    async up(db, t) {
      await db.schema.alterTable('credential_offers').addColumn('deferred_configurations', t.json).execute();
      await db.schema.alterTable('credential_offers').addColumn('review_state', 'text', (c) => c.check(sql`review_state IN ('pending', 'approved', 'refused')`)).execute();
      await db.schema.alterTable('credential_offers').addColumn('review_reason', 'text').execute();
      await db.schema.createIndex('credential_offers_expires').on('credential_offers').column('expires_at').execute();
      await db.schema.createIndex('wallet_nonces_expires').on('wallet_nonces').column('expires_at').execute();
      await db.schema
        .createTable('wallet_transactions')
        .addColumn('transaction_hash', 'text', (c) => c.primaryKey())
        .addColumn('offer_id', 'text', (c) => c.notNull().references('credential_offers.id'))
        .addColumn('configuration_id', 'text', (c) => c.notNull())
        .addColumn('bindings', t.json, (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('expires_at', t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('wallet_transactions_offer').on('wallet_transactions').column('offer_id').execute();
      await db.schema.createIndex('wallet_transactions_expires').on('wallet_transactions').column('expires_at').execute();
    },
  },
  {
    version: 9,
    // GET /audit/entries filters by actor, action, subject and time in the database rather than
    // by reading the whole log: the actor gets a column of its own (read back from each signed
    // leaf, the only place it was kept), and each filter an index. Like subject and action, the
    // column repeats the leaf and verifyAuditLog checks that it still does.
    name: 'audit entries: actor column; indexes for the filters of GET /audit/entries',
    async up(db) {
      await db.schema.alterTable('audit_entries').addColumn('actor', 'text', (c) => c.notNull().defaultTo('')).execute();
      const kdb = db as Kysely<{ audit_entries: { idx: number | string; leaf: string; actor: string } }>;
      for (let after = -1; ;) {
        const rows = await kdb.selectFrom('audit_entries').select(['idx', 'leaf']).where('idx', '>', after).orderBy('idx').limit(1000).execute();
        if (rows.length === 0) break;
        for (const row of rows) {
          const actor = (JSON.parse(row.leaf) as { actor?: unknown }).actor;
          await kdb.updateTable('audit_entries').set({ actor: typeof actor === 'string' ? actor : '' }).where('idx', '=', row.idx).execute();
        }
        after = Number(rows[rows.length - 1]!.idx);
      }
      await db.schema.createIndex('audit_entries_actor').on('audit_entries').columns(['actor', 'idx']).execute();
      await db.schema.createIndex('audit_entries_action').on('audit_entries').columns(['action', 'idx']).execute();
      await db.schema.createIndex('audit_entries_created_at').on('audit_entries').column('created_at').execute();
    },
  },
  {
    version: 10,
    // Every recorded issuance wrote a random key (a credential's id) into this index twice: once
    // when the credential took its reserved index over from the block's holder, once for the new
    // value. No query reads status allocations by credential: they are found by (list, index), the
    // primary key, and the issuance's conflict check compares the row it already holds. Fewer
    // random-keyed index pages per commit is what recorded issuance is bound by (docs/storage.md).
    name: 'status allocations: drop the unused index on credential_id',
    async up(db) {
      await db.schema.dropIndex('status_allocations_credential').ifExists().execute();
    },
  },
  {
    version: 11,
    // Bitstring Status List entries wider than one bit (statusSize, e.g. a 2-bit `message` entry):
    // a list holds entries of one width, so the width is the list's. `size` stays the number of
    // entries (131,072 at least, so a wide list hides its holders among as many others as a
    // one-bit one); every list made before is one bit wide. What each value means (statusMessage)
    // is the credential's own and is kept with its status entries, not here.
    name: 'status lists: the width of their entries (status_size; 1 for every existing list)',
    async up(db) {
      await db.schema
        .alterTable('status_lists')
        .addColumn('status_size', 'integer', (c) => c.notNull().defaultTo(1).check(sql`status_size > 0`))
        .execute();
    },
  },
];
