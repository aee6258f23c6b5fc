/**
 * A member's records: the credentials this service issued for it, with their current status (read
 * from the status lists, as a verifier would find it) and metadata, and who may read them. Owners
 * (the member whose key asked), admins and auditors read every record; anyone reads a record its
 * owner made public, so a connector can fetch what a label covers and check it without the
 * member's help. Whoever may not see a record is told what an unknown id is told.
 */
import type { Principal } from '../access/principal.js';
import { digestSRI, securedDocument } from '../compliance/digest.js';
import { GxTrustError } from '../errors.js';
import type { CredentialMetadata, CredentialRecord, CredentialVisibility, StatusListRecord } from '../storage/store.js';
import type { CredentialRepository, LabelCoverageRepository, StatusListRepository } from '../storage/repositories.js';
import { getBit } from '../status-lists/bitstring.js';
import type { CredentialStatusValue } from '../status-lists/change-status.js';

/** The records a listing reads: the credentials and their metadata, their status lists, the labels' coverage. */
export type CredentialRecordsStore = CredentialRepository & StatusListRepository & LabelCoverageRepository;

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
/** A status-filtered page reads at most this many rows per row it returns before it hands back a cursor. */
const SCAN_FACTOR = 10;

export interface CredentialSummary {
  id: string;
  type: string[];
  issuer: string;
  subject: string | null;
  format: string;
  issuedAt: string;
  status: CredentialStatusValue;
  visibility: CredentialVisibility;
  /** The member whose record it is; null: issued by an admin key or the service. */
  owner: string | null;
  /** The credential of the onboarding that replaced it, or null while current. */
  supersededBy: string | null;
}

export interface CredentialView extends CredentialSummary {
  /** As a label's `gx:compliantCredentials[].digestSRI` names it (src/compliance/digest.ts). */
  digestSRI: string;
  /** The labels this service issued that cover it. */
  labels: string[];
  /** For a label: what it covers, as its compliance decision recorded it. */
  covers?: { id: string; digestSRI: string }[];
  /** The credential exactly as it was issued: a JSON-LD document, or a compact JWT (vc+jwt). */
  verifiableCredential: Record<string, unknown> | string;
}

export interface CredentialListQuery {
  type?: string | undefined;
  status?: CredentialStatusValue | undefined;
  issuedAfter?: Date | undefined;
  issuedBefore?: Date | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface CredentialPage {
  credentials: CredentialSummary[];
  /** Pass as `cursor` for the next page; null on the last. */
  next: string | null;
}

/** The cursor is the position after which the next page starts, opaque to clients. */
function encodeCursor(position: { createdAt: string; id: string }): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && !Number.isNaN(Date.parse(value[0])) && typeof value[1] === 'string') {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // Reported below, as any other cursor this service did not write.
  }
  throw new GxTrustError('INVALID_INPUT', 'cursor is not one this service wrote', { hint: 'Pass the `next` value of the previous page unchanged, or leave cursor out for the first page' });
}

/** The status of a credential as its lists say now; lists read once per call. */
function statusReader(store: CredentialRecordsStore): (record: CredentialRecord) => Promise<CredentialStatusValue> {
  const lists = new Map<string, Promise<StatusListRecord | undefined>>();
  return async (record) => {
    let suspended = false;
    for (const entry of record.statusEntries) {
      if (!lists.has(entry.listId)) lists.set(entry.listId, store.getStatusList(entry.listId));
      const list = await lists.get(entry.listId);
      if (list === undefined || !getBit(list.bits, entry.index)) continue;
      if (entry.purpose === 'revocation') return 'revoked';
      if (entry.purpose === 'suspension') suspended = true;
    }
    return suspended ? 'suspended' : 'active';
  };
}

function summaryOf(record: CredentialRecord, metadata: CredentialMetadata, status: CredentialStatusValue): CredentialSummary {
  return {
    id: record.id,
    type: record.types,
    issuer: record.issuer,
    subject: record.subject,
    format: record.format,
    issuedAt: record.createdAt,
    status,
    visibility: metadata.visibility,
    owner: metadata.ownerMemberId,
    supersededBy: metadata.supersededBy,
  };
}

const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** The stored text as it left the service, and the document its proof covers (a JWT's payload). */
function issuedForm(record: CredentialRecord): { verifiableCredential: Record<string, unknown> | string; document: Record<string, unknown> } {
  if (COMPACT_JWT.test(record.credential)) {
    const payload = JSON.parse(Buffer.from(record.credential.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    return { verifiableCredential: record.credential, document: payload };
  }
  const document = JSON.parse(record.credential) as Record<string, unknown>;
  return { verifiableCredential: document, document };
}

/** Whether `principal` (undefined: anonymous) may read a record with this metadata. */
export function mayRead(principal: Principal | undefined, metadata: CredentialMetadata): boolean {
  if (metadata.visibility === 'public') return true;
  if (principal === undefined) return false;
  if (principal.role === 'admin' || principal.role === 'auditor') return true;
  return principal.role === 'member' && metadata.ownerMemberId !== null && principal.memberId === metadata.ownerMemberId;
}

/** Whether `principal` may change the record: its owner's member keys, or an admin. */
export function mayChange(principal: Principal, metadata: CredentialMetadata): boolean {
  if (principal.role === 'admin') return true;
  return principal.role === 'member' && metadata.ownerMemberId !== null && principal.memberId === metadata.ownerMemberId;
}

export function noSuchCredential(id: string): GxTrustError {
  return new GxTrustError('NOT_FOUND', `no credential ${id} is known to this service`, { hint: 'Check the id; a credential its owner has not made public is visible only to the owner, admins and auditors' });
}

export interface CredentialRecords {
  /** A page of a member's credentials, newest first. The caller has been authorized for the member. */
  list(ownerMemberId: string, query: CredentialListQuery): Promise<CredentialPage>;
  /** The record, or undefined when there is none (the caller decides what to tell). */
  find(id: string): Promise<{ record: CredentialRecord; metadata: CredentialMetadata } | undefined>;
  view(record: CredentialRecord, metadata: CredentialMetadata): Promise<CredentialView>;
  /** Sets the visibility (audited 'credential.visibility-changed'); the same visibility again writes nothing. */
  setVisibility(record: CredentialRecord, metadata: CredentialMetadata, visibility: CredentialVisibility, actor: string): Promise<CredentialView>;
}

export function createCredentialRecords(store: CredentialRecordsStore): CredentialRecords {
  async function list(ownerMemberId: string, query: CredentialListQuery): Promise<CredentialPage> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const statusOf = statusReader(store);
    const found: CredentialSummary[] = [];
    let after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    let scanned = 0;
    // Status lives in the status lists, not in the rows: a status filter reads on until the page
    // is full, within a bound, so one request never walks a member's whole history. One row more
    // than the page tells whether there is a next page.
    const size = query.status === undefined ? limit + 1 : limit * 2;
    for (;;) {
      const batch = await store.listCredentials({
        ownerMemberId,
        limit: size,
        ...(query.type === undefined ? {} : { type: query.type }),
        ...(query.issuedAfter === undefined ? {} : { issuedAfter: query.issuedAfter.toISOString() }),
        ...(query.issuedBefore === undefined ? {} : { issuedBefore: query.issuedBefore.toISOString() }),
        ...(after === undefined ? {} : { after }),
      });
      for (const row of batch) {
        if (found.length === limit && after !== undefined) return { credentials: found, next: encodeCursor(after) };
        scanned++;
        after = { createdAt: row.createdAt, id: row.id };
        const status = await statusOf(row);
        if (query.status !== undefined && status !== query.status) continue;
        found.push(summaryOf(row, row.metadata, status));
      }
      if (batch.length < size || after === undefined) return { credentials: found, next: null };
      if (scanned >= limit * SCAN_FACTOR) return { credentials: found, next: encodeCursor(after) };
    }
  }

  async function find(id: string) {
    const record = await store.getCredential(id);
    if (record === undefined) return undefined;
    const metadata = await store.credentialMetadata(id);
    // A row written before records had metadata has none of its own: private, no owner.
    return { record, metadata: metadata ?? { ownerMemberId: null, visibility: 'private' as const, series: null, supersededBy: null } };
  }

  async function view(record: CredentialRecord, metadata: CredentialMetadata): Promise<CredentialView> {
    const { verifiableCredential, document } = issuedForm(record);
    const covers = await store.labelCoverage(record.id);
    return {
      ...summaryOf(record, metadata, await statusReader(store)(record)),
      digestSRI: digestSRI(securedDocument(document)),
      labels: (await store.labelsCovering(record.id)).map((c) => c.labelId),
      ...(covers.length === 0 ? {} : { covers: covers.map((c) => ({ id: c.credentialId, digestSRI: c.digestSRI })) }),
      verifiableCredential,
    };
  }

  async function setVisibility(record: CredentialRecord, metadata: CredentialMetadata, visibility: CredentialVisibility, actor: string): Promise<CredentialView> {
    if (metadata.visibility !== visibility) {
      await store.setCredentialVisibility({
        id: record.id,
        visibility,
        audit: {
          actor,
          action: 'credential.visibility-changed',
          subject: record.id,
          digests: { credential: record.digest },
          details: { visibility, previous: metadata.visibility },
        },
      });
    }
    return view(record, { ...metadata, visibility });
  }

  return { list, find, view, setVisibility };
}
