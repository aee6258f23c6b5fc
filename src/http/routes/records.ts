/**
 * A member's records over HTTP: its credentials (filtered, paged) and one credential with its
 * current status; and the visibility its owner gives it. Whoever may not see a record gets the
 * answer an unknown id gets (no existence oracle); an authenticated caller's attempt is audited.
 */
import { z } from 'zod';
import { parseRfc3339 } from '../../credentials/index.js';
import { GxTrustError } from '../../errors.js';
import type { MemberRegistry } from '../../members/registry.js';
import { noSuchMember } from '../../members/registry.js';
import { createCredentialRecords, mayChange, mayRead, MAX_PAGE_SIZE, noSuchCredential } from '../../records/credential-records.js';
import type { Store } from '../../storage/store.js';
import { examples } from '../openapi/examples.js';
import { BAD_INPUT, FORBIDDEN, problem, UNAUTHORIZED } from '../openapi/responses.js';
import { CredentialPage, CredentialRecordView } from '../openapi/schemas.js';
import { parseBody } from '../parse.js';
import { defineRoute, json, type Route, type RouteContext } from '../route.js';

const Rfc3339 = z.string().refine((value) => parseRfc3339(value) !== undefined, 'an RFC 3339 date-time with a time zone, e.g. 2026-01-31T00:00:00Z');

export const CredentialListQuery = z.strictObject({
  type: z.string().min(1).max(256).optional(),
  status: z.enum(['active', 'revoked', 'suspended']).optional(),
  issuedAfter: Rfc3339.optional(),
  issuedBefore: Rfc3339.optional(),
  limit: z.string().regex(/^[1-9][0-9]{0,2}$/, 'a whole number from 1 to 100').refine((v) => Number(v) <= MAX_PAGE_SIZE, `at most ${MAX_PAGE_SIZE}`).optional(),
  cursor: z.string().min(1).max(512).optional(),
});

export const ChangeVisibilityRequest = z.strictObject({
  visibility: z.enum(['private', 'public']),
});

/** What the record routes are given: the stored credentials, and the members they belong to. */
export interface RecordRouteDependencies {
  store: Store;
  members: MemberRegistry;
}

/** The query as one object of strings: a parameter given twice is refused, not silently picked. */
function queryObject(context: RouteContext<unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(context.query));
}

/** The record a request names, if the caller may read it; the unknown id's 404 otherwise (audited for a caller with a key). */
async function readable(context: RouteContext<unknown>, store: Store) {
  const id = context.params['id'] ?? '';
  const records = createCredentialRecords(store);
  const found = await records.find(id);
  if (found === undefined) throw noSuchCredential(id);
  if (!mayRead(context.principal, found.metadata)) {
    if (context.principal === undefined) throw noSuchCredential(id);
    throw await context.deny({ subject: id, reason: 'the credential is private to its owner', answer: noSuchCredential(id) });
  }
  return { records, ...found };
}

export const recordRoutes: readonly Route<RecordRouteDependencies>[] = [
  defineRoute({
    method: 'get', path: '/members/:id/credentials', operationId: 'listMemberCredentials', tag: 'Credentials', roles: ['member', 'auditor'],
    summary: 'The credentials a member owns, newest first: filter by type, status and issue time; pages of at most 100 with an opaque cursor',
    params: { id: 'The member id, or its slug' },
    query: {
      type: 'A type as the credential writes it, e.g. gx:LegalPerson',
      status: 'active, revoked or suspended (as the status lists say now)',
      issuedAfter: 'RFC 3339: issued strictly after',
      issuedBefore: 'RFC 3339: issued strictly before',
      limit: 'Page size, 1 to 100 (default 20)',
      cursor: 'The `next` of the previous page',
    },
    responses: { 200: { description: 'One page', schema: CredentialPage }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such member') },
    async handler(context, deps: RecordRouteDependencies) {
      const principal = context.caller();
      const id = context.params['id'] ?? '';
      const member = await deps.members.find(id);
      // Admins and auditors read every member's records; a member its own (another's is an unknown id, audited).
      if (principal.role === 'member' && principal.memberId !== member.id) {
        throw await context.deny({ subject: member.did, reason: 'a member may read only its own records', answer: noSuchMember(id) });
      }
      const query = parseBody(CredentialListQuery, queryObject(context), 'Query: type, status, issuedAfter, issuedBefore (RFC 3339), limit (1-100), cursor');
      const issuedAfter = query.issuedAfter === undefined ? undefined : parseRfc3339(query.issuedAfter);
      const issuedBefore = query.issuedBefore === undefined ? undefined : parseRfc3339(query.issuedBefore);
      if (issuedAfter !== undefined && issuedBefore !== undefined && issuedAfter >= issuedBefore) {
        throw new GxTrustError('INVALID_INPUT', 'issuedAfter must be earlier than issuedBefore', { pointer: '/issuedAfter' });
      }
      const page = await createCredentialRecords(deps.store).list(member.id, {
        type: query.type,
        status: query.status,
        issuedAfter,
        issuedBefore,
        limit: query.limit === undefined ? undefined : Number(query.limit),
        cursor: query.cursor,
      });
      return json(200, page, { 'Cache-Control': 'no-store' });
    },
  }),
  defineRoute({
    method: 'get', path: '/credentials/:id', operationId: 'getCredential', tag: 'Credentials', optionalKey: true,
    summary: 'A credential this service issued, as issued, with its current status and metadata: for its owner, admins and auditors; for anyone once its owner made it public',
    params: { id: 'The credential id (URL-encoded), e.g. a label\'s gx:compliantCredentials[].id' },
    responses: { 200: { description: 'The credential and its record', schema: CredentialRecordView }, 401: UNAUTHORIZED, 404: problem('No such credential, or not one the caller may see') },
    async handler(context, deps: RecordRouteDependencies) {
      const { records, record, metadata } = await readable(context, deps.store);
      const view = await records.view(record, metadata);
      // A public record may be cached briefly; its status can change at any time.
      return json(200, view, { 'Cache-Control': metadata.visibility === 'public' ? 'public, max-age=60' : 'no-store' });
    },
  }),
  defineRoute({
    method: 'patch', path: '/credentials/:id', operationId: 'changeCredentialVisibility', tag: 'Credentials', roles: ['member'],
    summary: 'Make a credential public (anyone may fetch it: a connector checks what a label covers) or private again; audited',
    params: { id: 'The credential id (URL-encoded)' },
    request: { schema: ChangeVisibilityRequest, example: examples.changeCredentialVisibility },
    responses: { 200: { description: 'The record with its new visibility', schema: CredentialRecordView }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such credential of the caller') },
    async handler(context, deps: RecordRouteDependencies) {
      const principal = context.caller();
      const id = context.params['id'] ?? '';
      const records = createCredentialRecords(deps.store);
      const found = await records.find(id);
      if (found === undefined) throw noSuchCredential(id);
      if (!mayChange(principal, found.metadata)) {
        throw await context.deny({ subject: id, reason: 'only the owner may change a credential\'s visibility', answer: noSuchCredential(id) });
      }
      return json(200, await records.setVisibility(found.record, found.metadata, context.body.visibility, principal.actor));
    },
  }),
];
