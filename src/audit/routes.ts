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
import { Router, type Request } from 'express';
import type { Keyring } from '../keyring/index.js';
import type { Authenticator } from '../http/auth.js';
import { requireRole } from '../http/auth.js';
import { GxTrustError } from '../errors.js';
import type { Store } from '../storage/store.js';
import type { CheckpointSigner, Checkpointer } from './checkpoints.js';
import { buildEvidenceBundle } from './evidence.js';

/** The most entries one page of `GET /audit/entries` returns. */
export const AUDIT_PAGE_SIZE = 1000;

export interface AuditRouteDependencies {
  authenticator: Authenticator;
  store: Store;
  checkpointer: Checkpointer;
  signer: CheckpointSigner;
  keyring: Keyring;
}

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/** A non-negative integer query parameter, or `fallback` when absent. */
function queryInteger(req: Request, name: string, fallback?: number): number {
  const raw = req.query[name];
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

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

export function auditRoutes(deps: AuditRouteDependencies): Router {
  const router = Router();
  const auditor = requireRole(deps.authenticator, 'auditor');

  router.get('/audit/entries', auditor, async (req, res) => {
    const size = await deps.store.auditSize();
    const from = queryInteger(req, 'from', 0);
    const to = queryInteger(req, 'to', Math.min(size, from + AUDIT_PAGE_SIZE));
    if (to < from) throw new GxTrustError('INVALID_INPUT', `to (${to}) is below from (${from})`, { pointer: '/to', hint: 'Ask for from <= to' });
    if (to - from > AUDIT_PAGE_SIZE) {
      throw new GxTrustError('INVALID_INPUT', `at most ${AUDIT_PAGE_SIZE} entries per page`, {
        pointer: '/to',
        hint: `Page with to = from + ${AUDIT_PAGE_SIZE} and follow "next"`,
      });
    }
    if (to > size) throw notReached('to', to, size);
    const rows = await deps.store.auditEntries(from, to);
    res.json({
      treeSize: size,
      from,
      to,
      entries: rows.map((row) => ({ index: row.index, leaf: row.leaf, leafHash: Buffer.from(row.leafHash, 'hex').toString('base64') })),
      ...(to < size ? { next: `/audit/entries?from=${to}&to=${Math.min(size, to + AUDIT_PAGE_SIZE)}` } : {}),
    });
  });

  router.get('/audit/checkpoints/latest', auditor, async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await deps.checkpointer.latest());
  });

  router.get('/audit/proofs/inclusion/:index', auditor, async (req, res) => {
    const tree = await deps.checkpointer.sync();
    const raw = req.params['index'];
    if (typeof raw !== 'string' || !DECIMAL.test(raw)) {
      throw new GxTrustError('INVALID_INPUT', `the index must be a non-negative decimal integer, got ${JSON.stringify(raw)}`, {
        pointer: '/index',
        hint: 'GET /audit/proofs/inclusion/0?treeSize=10',
      });
    }
    const index = Number(raw);
    const treeSize = queryInteger(req, 'treeSize', tree.size);
    if (treeSize > tree.size) throw notReached('treeSize', treeSize, tree.size);
    if (index >= treeSize) throw notReached('index', index, treeSize);
    res.json({
      index,
      treeSize,
      leafHash: b64(tree.leafHashAt(index)),
      rootHash: b64(tree.root(treeSize)),
      hashes: tree.inclusionProof(index, treeSize).map(b64),
    });
  });

  router.get('/audit/proofs/consistency', auditor, async (req, res) => {
    const tree = await deps.checkpointer.sync();
    const from = queryInteger(req, 'from');
    const to = queryInteger(req, 'to', tree.size);
    if (to > tree.size) throw notReached('to', to, tree.size);
    if (from > to) throw new GxTrustError('INVALID_INPUT', `from (${from}) exceeds to (${to})`, { pointer: '/from', hint: 'Ask for from <= to' });
    res.json({
      from,
      to,
      firstRootHash: b64(tree.root(from)),
      secondRootHash: b64(tree.root(to)),
      hashes: tree.consistencyProof(from, to).map(b64),
    });
  });

  router.get('/audit/evidence/:credentialId', auditor, async (req, res) => {
    const id = String(req.params['credentialId']);
    const credential = await deps.store.getCredential(id);
    if (credential === undefined) {
      throw new GxTrustError('NOT_FOUND', `no credential ${id} was issued by this service`, {
        pointer: '/credentialId',
        hint: 'Use the credential id (urn:uuid:...), URL-encoded',
      });
    }
    const bundle = await buildEvidenceBundle({ ...deps, credential });
    res.set('Cache-Control', 'no-store').json(bundle);
  });

  return router;
}
