/**
 * PostgreSQL: a group of plain recorded issuances in one statement (why, and what keeps the audit
 * log right: sql-store.ts, `recordInOneStatement`), sent straight on a pg connection instead of
 * through Kysely. This is the one place with raw SQL for PostgreSQL, as sqlite-group.ts is for
 * SQLite.
 *
 * Measured on the event loop (bench/pg-group-cpu.ts): each write to the server's socket costs the
 * service far more CPU than the bytes it carries (the kernel's work for loopback TCP and the
 * wake-up of the server process), and Kysely compiled a statement of about 90 parameters for every
 * group. So the statement's text is built once per group shape and cached, and BEGIN goes out with
 * the statement in one write (one extended-protocol batch, one Sync): two round trips a group
 * instead of three. COMMIT still goes alone, and only once the statement returned: a process
 * killed while its statement waits for the audit lock must leave nothing behind
 * (test/replicas/crash.test.ts), and a COMMIT already in the server's buffer would commit it once
 * the lock came free. With one Sync, a BEGIN that failed makes the server skip the statement too,
 * so the statement never runs outside the transaction.
 */
import pg from 'pg';
import { GxTrustError } from '../errors.js';

/** One credential's row, as the group statement inserts it (sql-store.ts builds them). */
export interface GroupCredentialRow {
  id: string;
  types: string;
  subject: string | null;
  issuer: string;
  format: string;
  digest: string;
  statusEntries: string;
  issuedBy: string;
  credential: string;
  ownerMemberId: string | null;
  visibility: string;
  series: string | null;
}

export interface GroupAuditRow {
  index: number;
  leaf: string;
  leafHash: string;
  subject: string;
  action: string;
  actor: string;
  createdAt: string;
}

/** Everything one group statement writes, and the audit head it must follow. */
export interface IssuanceGroupStatement {
  createdAt: string;
  credentials: readonly GroupCredentialRow[];
  allocations: readonly { listId: string; index: number; credentialId: string }[];
  /** Block holders whose reserved indexes the credentials take over. */
  holders: readonly string[];
  audit: readonly GroupAuditRow[];
  head: { index: number; leafHash: string };
}

/** Parameters per credential (its row and its record row; created_at is shared) and per audit entry. */
const CREDENTIAL_PARAMS = 12;
const AUDIT_PARAMS = 7;

const texts = new Map<string, { name: string; text: string }>();
const STATEMENT_PREFIX = 'gx_issuance_group_';
/** Group statements prepared on one connection at most (see writeGroupStatement). */
const PREPARED_PER_CONNECTION = 16;
/** A bound on the cached texts: shapes are few (group size, allocations, holders), but never trusted to be. */
const MAX_TEXTS = 256;

/**
 * The statement for one shape of group. Placeholders only: no value is ever part of the text.
 * The same statement the Kysely template built before, so the server plans it as before.
 */
export function groupStatement(credentials: number, allocations: number, holders: number, audit: number, auditLockClass: number): { name: string; text: string } {
  const key = `${credentials}_${allocations}_${holders}_${audit}_${auditLockClass}`;
  const cached = texts.get(key);
  if (cached !== undefined) return cached;
  let n = 0;
  const p = () => `$${++n}`;
  const createdAtParam = p();
  const credentialRows: string[] = [];
  const recordRows: string[] = [];
  for (let i = 0; i < credentials; i++) {
    // id, types, subject, issuer, format, digest, status_entries, issued_by, credential, then the record's owner, visibility, series.
    const [id, types, subject, issuer, format, digest, statusEntries, issuedBy, credential, owner, visibility, series] = Array.from({ length: CREDENTIAL_PARAMS }, p);
    credentialRows.push(`(${id}, ${types}, ${subject}, ${issuer}, ${format}, ${digest}, ${statusEntries}, ${issuedBy}, ${createdAtParam}, ${credential})`);
    recordRows.push(`(${id}, ${owner}, ${visibility}, ${series}, NULL)`);
  }
  const allocationRows: string[] = [];
  for (let i = 0; i < allocations; i++) allocationRows.push(`(${p()}, ${p()}, ${p()}, ${createdAtParam})`);
  const holderParams = Array.from({ length: holders }, p);
  const auditRows: string[] = [];
  for (let i = 0; i < audit; i++) {
    const [idx, leaf, leafHash, subject, action, actor, createdAt] = Array.from({ length: AUDIT_PARAMS }, p);
    auditRows.push(`(CAST(${idx} AS bigint), ${leaf}, ${leafHash}, ${subject}, ${action}, ${actor}, CAST(${createdAt} AS timestamptz))`);
  }
  const [headIndex, headLeafHash, credentialCount, allocationCount, auditCount] = [p(), p(), p(), p(), p()];
  const allocationCte =
    allocations === 0
      ? 'a AS (SELECT 1 WHERE FALSE)'
      : `a AS (
  INSERT INTO status_allocations (list_id, idx, credential_id, created_at)
  VALUES ${allocationRows.join(', ')}
  ON CONFLICT (list_id, idx) DO UPDATE SET credential_id = excluded.credential_id
  WHERE status_allocations.credential_id = excluded.credential_id${holders === 0 ? '' : ` OR status_allocations.credential_id IN (${holderParams.join(', ')})`}
  RETURNING 1)`;
  const text = `WITH c AS (
  INSERT INTO issued_credentials (id, types, subject, issuer, format, digest, status_entries, issued_by, created_at, credential)
  VALUES ${credentialRows.join(', ')} ON CONFLICT (id) DO NOTHING RETURNING 1),
${allocationCte},
r AS (INSERT INTO credential_records (credential_id, owner_member_id, visibility, series, superseded_by) VALUES ${recordRows.join(', ')}),
lk AS (SELECT head_idx, head_leaf_hash FROM gx_audit_head_locked(${auditLockClass})),
au AS (
  INSERT INTO audit_entries (idx, leaf, leaf_hash, subject, action, actor, created_at)
  SELECT v.* FROM (VALUES ${auditRows.join(', ')}) AS v(idx, leaf, leaf_hash, subject, action, actor, created_at) CROSS JOIN lk
  WHERE lk.head_idx = ${headIndex} AND lk.head_leaf_hash = ${headLeafHash}
  RETURNING 1)
SELECT CAST(CASE WHEN (SELECT count(*) FROM c) = ${credentialCount} AND (SELECT count(*) FROM a) = ${allocationCount} AND (SELECT count(*) FROM au) = ${auditCount}
  THEN '0' ELSE 'the group does not add up' END AS integer) AS ok`;
  if (texts.size >= MAX_TEXTS) texts.clear();
  const statement = { name: `${STATEMENT_PREFIX}${key}`, text };
  texts.set(key, statement);
  return statement;
}

/** The parameters of `groupStatement`, in its order (numbers as text: the server casts them). */
export function groupStatementValues(group: IssuanceGroupStatement): (string | null)[] {
  const values: (string | null)[] = [group.createdAt];
  for (const c of group.credentials) {
    values.push(c.id, c.types, c.subject, c.issuer, c.format, c.digest, c.statusEntries, c.issuedBy, c.credential, c.ownerMemberId, c.visibility, c.series);
  }
  for (const a of group.allocations) values.push(a.listId, String(a.index), a.credentialId);
  values.push(...group.holders);
  for (const e of group.audit) values.push(String(e.index), e.leaf, e.leafHash, e.subject, e.action, e.actor, e.createdAt);
  values.push(String(group.head.index), group.head.leafHash, String(group.credentials.length), String(group.allocations.length), String(group.audit.length));
  return values;
}

/**
 * BEGIN and the statement in a single extended-protocol batch (BEGIN's parse, bind and execute,
 * the statement's bind and execute, parsed unnamed first unless prepared on this connection
 * before, one Sync): one write and one round trip. Settles at the server's ReadyForQuery or at the first
 * error; the statement's rows are not read (the group's answer is its success).
 */
class BeginAndRun implements pg.Submittable {
  private settled = false;
  readonly done: Promise<void>;
  private resolve!: () => void;
  private reject!: (error: unknown) => void;

  constructor(
    private readonly statement: { prepared: string } | { text: string },
    private readonly values: readonly (string | null)[],
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: pg.Connection): void {
    const stream = connection.stream as pg.Connection['stream'] & { cork?: () => void; uncork?: () => void };
    stream.cork?.();
    try {
      connection.parse({ text: 'BEGIN', name: '', types: [] }, false);
      connection.bind({}, false);
      connection.execute({}, false);
      if ('text' in this.statement) connection.parse({ text: this.statement.text, name: '', types: [] }, false);
      connection.bind({ statement: 'prepared' in this.statement ? this.statement.prepared : '', values: [...this.values] }, false);
      connection.execute({}, false);
      connection.sync();
    } finally {
      stream.uncork?.();
    }
  }

  private settle(error?: unknown): void {
    if (this.settled) return;
    this.settled = true;
    if (error === undefined) this.resolve();
    else this.reject(error);
  }

  handleError(error: unknown): void {
    // pg's client lets go of the query at an error (from the server, or the connection ending)
    // and holds what is queued next (ROLLBACK) until the server's ReadyForQuery.
    this.settle(error);
  }

  handleReadyForQuery(): void {
    this.settle();
  }

  // The rest of what pg's client hands the query it is running: nothing to do with it.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(connection: pg.Connection): void {
    // Never asked for (the statement copies nothing); refused rather than left hanging.
    (connection as unknown as { sendCopyFail(message: string): void }).sendCopyFail('not expected');
  }
  handleCopyData(): void {}
}

/**
 * Writes one group: a connection of the pool, then (once `after` says the group this one follows
 * holds the audit lock) BEGIN and the statement, `onStatement` when it returned, and COMMIT.
 * Nothing is committed unless the statement succeeded; on any failure the transaction is rolled
 * back (a connection whose rollback fails is destroyed, not returned to the pool).
 */
export async function writeGroupStatement(pool: pg.Pool, group: IssuanceGroupStatement, auditLockClass: number, after: Promise<boolean>, onStatement: () => void): Promise<void> {
  // One group at a time (the default), the group before has long returned: BEGIN goes with the
  // statement. A group overlapping one still waiting for the audit lock opens its transaction
  // first and sends the statement when that group's returned, as the long way would.
  let followed = false;
  void after.then(() => (followed = true));
  const client = await pool.connect();
  // The statement is prepared once per connection and shape (named): the server parses and plans
  // it once rather than for every group. pg keeps what it prepared on the connection. A few shapes
  // per connection only, as each holds a plan in the server's memory for the connection's life;
  // the rare shapes beyond go unnamed, parsed with each group as before.
  const prepared = (client as unknown as { connection: { parsedStatements: Record<string, string> } }).connection.parsedStatements;
  let sent = false;
  let broken: Error | undefined;
  const { name, text } = groupStatement(group.credentials.length, group.allocations.length, group.holders.length, group.audit.length, auditLockClass);
  try {
    const values = groupStatementValues(group);
    const isPrepared = prepared[name] === text;
    const mayPrepare = !isPrepared && Object.keys(prepared).filter((k) => k.startsWith(STATEMENT_PREFIX)).length < PREPARED_PER_CONNECTION;
    if (followed && !mayPrepare) {
      if (!(await after)) throw new GxTrustError('INTERNAL', 'The group this one follows was not written');
      const query = new BeginAndRun(isPrepared ? { prepared: name } : { text }, values);
      sent = true;
      client.query(query);
      await query.done;
    } else {
      sent = true;
      await client.query('BEGIN');
      if (!(await after)) throw new GxTrustError('INTERNAL', 'The group this one follows was not written');
      await client.query(isPrepared || mayPrepare ? { name, text, values } : { text, values });
    }
    onStatement();
    await client.query('COMMIT');
  } catch (error) {
    // 26000 invalid_sql_statement_name: the server no longer has it (DISCARD ALL, say); prepared again next time.
    if ((error as { code?: unknown } | null)?.code === '26000') delete prepared[name];
    if (sent) {
      await client.query('ROLLBACK').catch((rollbackFailed: unknown) => {
        broken = rollbackFailed instanceof Error ? rollbackFailed : new Error(String(rollbackFailed));
      });
    }
    throw error;
  } finally {
    client.release(broken);
  }
}
