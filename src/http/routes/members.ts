/**
 * Consortium members (admin API), their API keys and key rotation; and each member's did:web
 * document (public). API keys appear in exactly one answer: the one that creates them.
 */
import { z } from 'zod';
import { ownsMember } from '../../access/authorization.js';
import type { Role } from '../../access/principal.js';
import { GxTrustError } from '../../errors.js';
import type { MemberRegistry } from '../../members/registry.js';
import { noSuchMember, SLUG_PATTERN } from '../../members/registry.js';
import type { MemberRecord } from '../../storage/store.js';
import { examples } from '../openapi/examples.js';
import { BAD_INPUT, FORBIDDEN, problem, UNAUTHORIZED } from '../openapi/responses.js';
import { CreatedApiKey, MemberList, MemberView, RotatedKeys } from '../openapi/schemas.js';
import { defineRoute, json, text, type RouteContext } from '../route.js';

const PublicKeyJwk = z.looseObject({
  kty: z.enum(['OKP', 'EC', 'RSA']),
  x5c: z.array(z.string().max(16_384)).min(1).max(10).optional(),
  x5u: z.string().max(2048).optional(),
});

export const RegisteredPublicKeys = z.array(z.strictObject({ publicKeyJwk: PublicKeyJwk })).min(1).max(10);

export const CreateMemberRequest = z.strictObject({
  slug: z.string().regex(SLUG_PATTERN, 'a lower-case DNS label: a-z, 0-9 and inner hyphens, at most 63 characters'),
  name: z.string().min(1).max(200),
  keys: z.union([z.literal('generate'), z.strictObject({ publicKeys: RegisteredPublicKeys })]).optional(),
});

export const CreateApiKeyRequest = z.strictObject({
  role: z.enum(['member', 'connector', 'auditor', 'admin'] as const satisfies readonly Role[]),
});

export const RotateKeysRequest = z.strictObject({
  /** 'retire' (default): old keys stay published until what they signed expires. 'remove': gone at once (compromise). */
  previous: z.enum(['retire', 'remove']).optional(),
  /** External members: the new public keys. */
  publicKeys: RegisteredPublicKeys.optional(),
});

interface MemberRouteDependencies {
  members: MemberRegistry;
}

const MEMBER_ID = 'The member id, or its slug';

/**
 * The member a request names. Admins see every member; a member's own keys (of any role) see only
 * that member. Another member is answered as an unknown id is (no existence oracle), and the
 * attempt is audited.
 */
async function memberFor(context: RouteContext<unknown>, members: MemberRegistry, adminOnly: boolean): Promise<MemberRecord> {
  const principal = context.caller();
  const id = context.params['id'] ?? '';
  const member = await members.find(id);
  if (principal.role === 'admin') return member;
  if (adminOnly) throw await context.deny({ subject: member.did, reason: 'only an admin may do this' });
  if (!ownsMember(principal, member.id)) {
    throw await context.deny({ subject: member.did, reason: 'a member may read only its own record', answer: noSuchMember(id) });
  }
  return member;
}

export const memberRoutes = [
  defineRoute({
    method: 'post', path: '/members', operationId: 'createMember', tag: 'Identity', roles: [],
    summary: 'Create a consortium member with did:web:<host>:members:<slug>: keys gx-trust generates and holds, or public keys the member holds the private halves of',
    request: { schema: CreateMemberRequest, example: examples.createMember },
    responses: { 201: { description: 'The member (Location: /members/<id>)', schema: MemberView }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 409: problem('The slug is taken') },
    async handler(context, deps: MemberRouteDependencies) {
      const body = context.body;
      const created = await deps.members.create(
        { slug: body.slug, name: body.name, keys: body.keys as Parameters<MemberRegistry['create']>[0]['keys'] },
        context.caller().actor,
      );
      return json(201, created, { Location: `/members/${created.id}` });
    },
  }),
  defineRoute({
    method: 'get', path: '/members', operationId: 'listMembers', tag: 'Identity', roles: [],
    summary: 'Every member, without API keys',
    responses: { 200: { description: 'The members', schema: MemberList }, 401: UNAUTHORIZED, 403: FORBIDDEN },
    handler: async (_context, deps: MemberRouteDependencies) => json(200, { members: await deps.members.list() }),
  }),
  defineRoute({
    method: 'get', path: '/members/:id', operationId: 'getMember', tag: 'Identity', roles: ['member', 'connector', 'auditor'],
    summary: 'One member; a member\'s own API keys see only that member', params: { id: MEMBER_ID },
    responses: { 200: { description: 'The member', schema: MemberView }, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such member') },
    handler: async (context, deps: MemberRouteDependencies) => json(200, await deps.members.view(await memberFor(context, deps.members, false))),
  }),
  defineRoute({
    method: 'get', path: '/members/:slug/did.json', operationId: 'getMemberDidDocument', tag: 'Identity',
    summary: 'A member\'s did:web document: its active keys, and retired ones until what they signed expires', params: { slug: 'The member slug' },
    responses: { 200: { description: 'DID document', mediaType: 'application/did+json' }, 404: problem('No such member') },
    async handler(context, deps: MemberRouteDependencies) {
      const slug = context.params['slug'] ?? '';
      const document = await deps.members.didDocument(slug);
      if (document === undefined) throw new GxTrustError('NOT_FOUND', `no member ${slug}`);
      return text(200, 'application/did+json', JSON.stringify(document));
    },
  }),
  defineRoute({
    method: 'post', path: '/members/:id/api-keys', operationId: 'createApiKey', tag: 'Identity', roles: [],
    summary: 'Give a member an API key of a role; the key is in this answer only', params: { id: MEMBER_ID },
    request: { schema: CreateApiKeyRequest, example: examples.createApiKey },
    responses: { 201: { description: 'The key (Cache-Control: no-store)', schema: CreatedApiKey }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such member') },
    async handler(context, deps: MemberRouteDependencies) {
      const member = await memberFor(context, deps.members, true);
      const created = await deps.members.createApiKey(member, context.body.role, context.caller().actor);
      // The key is in this answer only; nothing can show it again.
      return json(201, created, { 'Cache-Control': 'no-store' });
    },
  }),
  defineRoute({
    method: 'delete', path: '/members/:id/api-keys/:keyId', operationId: 'revokeApiKey', tag: 'Identity', roles: [],
    summary: 'Revoke an API key: refused from the next request on', params: { id: MEMBER_ID, keyId: 'The API key id (not the key)' },
    responses: { 204: { description: 'Revoked' }, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such member or key') },
    async handler(context, deps: MemberRouteDependencies) {
      const member = await memberFor(context, deps.members, true);
      await deps.members.revokeApiKey(member, context.params['keyId'] ?? '', context.caller().actor);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'post', path: '/members/:id/keys/rotate', operationId: 'rotateMemberKeys', tag: 'Identity', roles: ['member'],
    summary: 'Rotate a member\'s signing keys: previous ones retire (stay published until what they signed expires) or are removed at once', params: { id: MEMBER_ID },
    request: { schema: RotateKeysRequest, example: examples.rotateMemberKeys, optional: true },
    responses: { 200: { description: 'Previous and current verification methods', schema: RotatedKeys }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such member') },
    async handler(context, deps: MemberRouteDependencies) {
      const member = await memberFor(context, deps.members, false);
      const body = context.body;
      const rotated = await deps.members.rotateKeys(
        member,
        { previous: body.previous, publicKeys: body.publicKeys as Parameters<MemberRegistry['rotateKeys']>[1]['publicKeys'] },
        context.caller().actor,
      );
      return json(200, rotated);
    },
  }),
];
