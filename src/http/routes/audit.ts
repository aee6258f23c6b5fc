/**
 * Read-only HTTP for auditors: entries, signed checkpoints, RFC 9162 proofs and evidence bundles.
 * Every answer is computed from a tree synced with the store first, so rows other replicas wrote
 * are included. Hashes and signatures are base64, like the checkpoint's `rootHash`.
 *
 * Query numbers are decimal integers without signs, exponents or leading zeros; anything else is a
 * 400 naming the parameter. A tree size or index the log has not reached is 400 `INVALID_INPUT`
 * too (the request, not a resource, is wrong), with the current size in the message.
 * @see https://www.rfc-editor.org/rfc/rfc9162#section-5 (the CT log client messages this mirrors)
 */
import { z } from 'zod';
import type { CheckpointSigner, Checkpointer } from '../../audit/checkpoints.js';
import { buildEvidenceBundle } from '../../audit/evidence.js';
import { parseRfc3339 } from '../../credentials/index.js';
import { GxTrustError } from '../../errors.js';
import type { Keyring } from '../../keyring/index.js';
import type { AuditFilter, Store, StoredAuditEntry } from '../../storage/store.js';
import { BAD_INPUT, FORBIDDEN, problem, UNAUTHORIZED } from '../openapi/responses.js';
import { parseBody } from '../parse.js';
import { defineRoute, json, type Route, type RouteContext } from '../route.js';

/** The most entries one page of `GET /audit/entries` returns. */
export const AUDIT_PAGE_SIZE = 1000;

/** What the audit routes are given: the log, its checkpoints and their signer, and the service keys for evidence bundles. */
export interface AuditRouteDependencies {
  store: Store;
  audit: { checkpointer: Checkpointer; signer: CheckpointSigner };
  keyring: Keyring;
}

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/** A non-negative integer query parameter, or `fallback` when absent. */
function queryInteger(context: RouteContext<unknown>, name: string, fallback?: number): number {
  const raw = context.query[name];
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new GxTrustError('INVALID_INPUT', `the query parameter ${name} is required`, {
      pointer: `/${name}`,
      hint: `Add ?${name}=<non-negative integer>`,
    });
  }
  if (typeof raw !== 'string' || !DECIMAL.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new GxTrustError('INVALID_INPUT', `${name} must be one non-negative decimal integer, got ${JSON.stringify(raw)}`, {
      pointer: `/${name}`,
      hint: `Write ${name} as digits only, e.g. ${name}=0`,
    });
  }
  return Number(raw);
}

function notReached(name: string, value: number, size: number): GxTrustError {
  return new GxTrustError('INVALID_INPUT', `${name} ${value} is beyond the audit log, which holds ${size} entries`, {
    pointer: `/${name}`,
    hint: `Use a value up to ${size}; GET /audit/checkpoints/latest gives the current signed size`,
  });
}

const Rfc3339 = z.string().refine((value) => parseRfc3339(value) !== undefined, 'an RFC 3339 date-time with a time zone, e.g. 2026-01-31T00:00:00Z');
const Exact = z.string().min(1).max(2048);

/** The query of GET /audit/entries; `from` and `to` are read as indexes by queryInteger, with its messages. */
export const AuditEntriesQuery = z.strictObject({
  from: z.string().optional(),
  to: z.string().optional(),
  actor: Exact.optional(),
  action: Exact.optional(),
  subject: Exact.optional(),
  since: Rfc3339.optional(),
  until: Rfc3339.optional(),
});

function auditFilterOf(query: z.infer<typeof AuditEntriesQuery>): AuditFilter {
  const since = query.since === undefined ? undefined : parseRfc3339(query.since);
  const until = query.until === undefined ? undefined : parseRfc3339(query.until);
  if (since !== undefined && until !== undefined && since >= until) {
    throw new GxTrustError('INVALID_INPUT', 'since must be earlier than until', { pointer: '/since', hint: 'since is inclusive, until exclusive: since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z is one day' });
  }
  return { actor: query.actor, action: query.action, subject: query.subject, since, until };
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const NO_STORE = { 'Cache-Control': 'no-store' };

export const auditRoutes: readonly Route<AuditRouteDependencies>[] = [
  defineRoute({
    method: 'get', path: '/audit/entries', operationId: 'listAuditEntries', tag: 'Audit', roles: ['auditor'],
    summary: 'Audit log entries, a page at a time, optionally only those of an actor, an action, a subject or a time range',
    query: {
      from: 'First index (default 0)',
      to: 'End index, exclusive (default: from + 1000 unfiltered; the log\'s size when filtered)',
      actor: 'Only entries of this actor (a member id or an API key id), exactly',
      action: 'Only entries of this action, e.g. credential.issued',
      subject: 'Only entries about this subject (e.g. a credential id), exactly',
      since: 'RFC 3339: only entries at or after this instant',
      until: 'RFC 3339: only entries strictly before this instant',
    },
    responses: { 200: { description: 'Entries with their leaf hashes; `next` when more match' }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN },
    async handler(context, deps: AuditRouteDependencies) {
      const size = await deps.store.auditSize();
      const query = parseBody(AuditEntriesQuery, Object.fromEntries(Object.entries(context.query)), 'Query: from, to (indexes), actor, action, subject, since, until (RFC 3339)');
      const filter = auditFilterOf(query);
      const filtered = Object.values(filter).some((value) => value !== undefined);
      const from = queryInteger(context, 'from', 0);
      // Filtered, the index range is where to look (the whole log by default) and a page is the
      // first AUDIT_PAGE_SIZE matches in it; unfiltered, a page is the range itself, as before.
      const to = queryInteger(context, 'to', filtered ? size : Math.min(size, from + AUDIT_PAGE_SIZE));
      if (to < from) throw new GxTrustError('INVALID_INPUT', `to (${to}) is below from (${from})`, { pointer: '/to', hint: 'Ask for from <= to' });
      if (!filtered && to - from > AUDIT_PAGE_SIZE) {
        throw new GxTrustError('INVALID_INPUT', `at most ${AUDIT_PAGE_SIZE} entries per page`, {
          pointer: '/to',
          hint: `Page with to = from + ${AUDIT_PAGE_SIZE} and follow "next"`,
        });
      }
      if (to > size) throw notReached('to', to, size);
      const entries = (rows: readonly StoredAuditEntry[]) => rows.map((row) => ({ index: row.index, leaf: row.leaf, leafHash: Buffer.from(row.leafHash, 'hex').toString('base64') }));
      if (!filtered) {
        const rows = await deps.store.auditEntries(from, to);
        return json(200, {
          treeSize: size,
          from,
          to,
          entries: entries(rows),
          ...(to < size ? { next: `/audit/entries?from=${to}&to=${Math.min(size, to + AUDIT_PAGE_SIZE)}` } : {}),
        });
      }
      // One more than a page tells whether another page holds matches, without counting them all.
      const rows = await deps.store.auditEntriesMatching(filter, from, to, AUDIT_PAGE_SIZE + 1);
      const page = rows.slice(0, AUDIT_PAGE_SIZE);
      const more = rows.length > AUDIT_PAGE_SIZE;
      const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'from' && e[0] !== 'to'));
      if (more) {
        params.set('from', String(page.at(-1)!.index + 1));
        params.set('to', String(to));
      }
      return json(200, {
        treeSize: size,
        from,
        to,
        filter: Object.fromEntries(Object.entries(query).filter(([name]) => name !== 'from' && name !== 'to')),
        entries: entries(page),
        ...(more ? { next: `/audit/entries?${params.toString()}` } : {}),
      });
    },
  }),
  defineRoute({
    method: 'get', path: '/audit/checkpoints/latest', operationId: 'getLatestCheckpoint', tag: 'Audit', roles: ['auditor'],
    summary: 'The latest signed checkpoint (tree size and root)',
    responses: { 200: { description: 'Signed checkpoint' }, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No checkpoint yet') },
    handler: async (_context, deps: AuditRouteDependencies) => json(200, await deps.audit.checkpointer.latest(), NO_STORE),
  }),
  defineRoute({
    method: 'get', path: '/audit/proofs/inclusion/:index', operationId: 'getInclusionProof', tag: 'Audit', roles: ['auditor'],
    summary: 'RFC 9162 inclusion proof of one entry', params: { index: 'Entry index' }, query: { treeSize: 'Tree size the proof is for (default: current)' },
    responses: { 200: { description: 'Inclusion proof' }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such entry') },
    async handler(context, deps: AuditRouteDependencies) {
      const tree = await deps.audit.checkpointer.sync();
      const raw = context.params['index'];
      if (typeof raw !== 'string' || !DECIMAL.test(raw)) {
        throw new GxTrustError('INVALID_INPUT', `the index must be a non-negative decimal integer, got ${JSON.stringify(raw)}`, {
          pointer: '/index',
          hint: 'GET /audit/proofs/inclusion/0?treeSize=10',
        });
      }
      const index = Number(raw);
      const treeSize = queryInteger(context, 'treeSize', tree.size);
      if (treeSize > tree.size) throw notReached('treeSize', treeSize, tree.size);
      if (index >= treeSize) throw notReached('index', index, treeSize);
      return json(200, {
        index,
        treeSize,
        leafHash: b64(tree.leafHashAt(index)),
        rootHash: b64(tree.root(treeSize)),
        hashes: tree.inclusionProof(index, treeSize).map(b64),
      });
    },
  }),
  defineRoute({
    method: 'get', path: '/audit/proofs/consistency', operationId: 'getConsistencyProof', tag: 'Audit', roles: ['auditor'],
    summary: 'RFC 9162 consistency proof between two tree sizes', query: { from: 'Older tree size', to: 'Newer tree size (default: current)' },
    responses: { 200: { description: 'Consistency proof' }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN },
    async handler(context, deps: AuditRouteDependencies) {
      const tree = await deps.audit.checkpointer.sync();
      const from = queryInteger(context, 'from');
      const to = queryInteger(context, 'to', tree.size);
      if (to > tree.size) throw notReached('to', to, tree.size);
      if (from > to) throw new GxTrustError('INVALID_INPUT', `from (${from}) exceeds to (${to})`, { pointer: '/from', hint: 'Ask for from <= to' });
      return json(200, {
        from,
        to,
        firstRootHash: b64(tree.root(from)),
        secondRootHash: b64(tree.root(to)),
        hashes: tree.consistencyProof(from, to).map(b64),
      });
    },
  }),
  defineRoute({
    method: 'get', path: '/audit/evidence/:credentialId', operationId: 'getCredentialEvidence', tag: 'Audit', roles: ['auditor'],
    summary: 'Everything the log holds about one credential, with inclusion proofs', params: { credentialId: 'The credential id' },
    responses: { 200: { description: 'Evidence bundle' }, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('Unknown credential') },
    async handler(context, deps: AuditRouteDependencies) {
      const id = context.params['credentialId'] ?? '';
      const credential = await deps.store.getCredential(id);
      if (credential === undefined) {
        throw new GxTrustError('NOT_FOUND', `no credential ${id} was issued by this service`, {
          pointer: '/credentialId',
          hint: 'Use the credential id (urn:uuid:...), URL-encoded',
        });
      }
      const bundle = await buildEvidenceBundle({ store: deps.store, checkpointer: deps.audit.checkpointer, signer: deps.audit.signer, keyring: deps.keyring, credential });
      return json(200, bundle, NO_STORE);
    },
  }),
];
