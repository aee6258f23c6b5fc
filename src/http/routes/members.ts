/**
 * Consortium members (admin API), their API keys and key rotation; and each member's did:web
 * document (public). API keys appear in exactly one answer: the one that creates them.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { GxTrustError } from '../../errors.js';
import type { MemberRegistry } from '../../members/registry.js';
import type { MemberRecord } from '../../storage/store.js';
import { noSuchMember, SLUG_PATTERN } from '../../members/registry.js';
import { deny, principalOf, requireRole, type Authenticator } from '../auth.js';
import { parseBody } from '../parse.js';

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
  role: z.enum(['member', 'connector', 'auditor', 'admin']),
});

export const RotateKeysRequest = z.strictObject({
  /** 'retire' (default): old keys stay published until what they signed expires. 'remove': gone at once (compromise). */
  previous: z.enum(['retire', 'remove']).optional(),
  /** External members: the new public keys. */
  publicKeys: RegisteredPublicKeys.optional(),
});

export interface MemberRouteDependencies {
  members: MemberRegistry;
  authenticator: Authenticator;
}

export function memberRoutes(deps: MemberRouteDependencies): Router {
  const router = Router();
  const { members, authenticator } = deps;

  /**
   * Admins see every member; a member's own keys (of any role) see only that member. Another
   * member is answered as an unknown id is (no existence oracle), and the attempt is audited.
   */
  async function memberFor(req: Request, res: Response, adminOnly: boolean): Promise<MemberRecord> {
    const principal = principalOf(res);
    const id = String(req.params['id'] ?? '');
    const member = await members.find(id);
    if (principal.role === 'admin') return member;
    const denied = { method: req.method, path: req.path, subject: member.did };
    if (adminOnly) throw await deny(authenticator, principal, { ...denied, reason: 'only an admin may do this' });
    if (principal.memberId !== member.id) {
      throw await deny(authenticator, principal, { ...denied, reason: 'a member may read only its own record' }, undefined, noSuchMember(id));
    }
    return member;
  }

  router.get('/members/:slug/did.json', async (req, res) => {
    const document = await members.didDocument(String(req.params['slug'] ?? ''));
    if (document === undefined) throw new GxTrustError('NOT_FOUND', `no member ${String(req.params['slug'])}`);
    res.type('application/did+json').send(JSON.stringify(document));
  });

  router.post('/members', requireRole(authenticator), async (req, res) => {
    const body = parseBody(CreateMemberRequest, req.body);
    const created = await members.create(
      { slug: body.slug, name: body.name, keys: body.keys as Parameters<MemberRegistry['create']>[0]['keys'] },
      principalOf(res).actor,
    );
    res.status(201).location(`/members/${created.id}`).json(created);
  });

  router.get('/members', requireRole(authenticator), async (_req, res) => {
    res.json({ members: await members.list() });
  });

  router.get('/members/:id', requireRole(authenticator, 'member', 'connector', 'auditor'), async (req, res) => {
    res.json(await members.view(await memberFor(req, res, false)));
  });

  router.post('/members/:id/api-keys', requireRole(authenticator), async (req, res) => {
    const member = await memberFor(req, res, true);
    const body = parseBody(CreateApiKeyRequest, req.body);
    const created = await members.createApiKey(member, body.role, principalOf(res).actor);
    // The key is in this answer only; nothing can show it again.
    res.status(201).setHeader('Cache-Control', 'no-store').json(created);
  });

  router.delete('/members/:id/api-keys/:keyId', requireRole(authenticator), async (req, res) => {
    const member = await memberFor(req, res, true);
    await members.revokeApiKey(member, String(req.params['keyId'] ?? ''), principalOf(res).actor);
    res.status(204).end();
  });

  router.post('/members/:id/keys/rotate', requireRole(authenticator, 'member'), async (req, res) => {
    const member = await memberFor(req, res, false);
    const body = parseBody(RotateKeysRequest, req.body ?? {});
    const rotated = await members.rotateKeys(
      member,
      { previous: body.previous, publicKeys: body.publicKeys as Parameters<MemberRegistry['rotateKeys']>[1]['publicKeys'] },
      principalOf(res).actor,
    );
    res.status(200).json(rotated);
  });

  return router;
}
