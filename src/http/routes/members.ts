/**
 * Consortium members (admin API), their API keys, key rotation and certificates; each member's
 * did:web document (public); and the member's own journey: presentations of its stored
 * credentials and one call to a label. API keys appear in exactly one answer: the one that creates them.
 */
import { z } from 'zod';
import { ownsMember } from '../../access/authorization.js';
import type { Role } from '../../access/principal.js';
import { GxTrustError } from '../../errors.js';
import type { MemberRegistry } from '../../members/registry.js';
import { HOSTED_KEY_KINDS, noSuchMember, SLUG_PATTERN } from '../../members/registry.js';
import type { MemberRecord } from '../../storage/store.js';
import { examples } from '../openapi/examples.js';
import { BAD_INPUT, FORBIDDEN, problem, UNAUTHORIZED } from '../openapi/responses.js';
import { CreatedApiKey, MemberList, MemberView, RotatedKeys } from '../openapi/schemas.js';
import { defineRoute, json, text, type Route, type RouteContext } from '../route.js';
import { PresentOptions, type SignedPresentation } from '../../issuing/index.js';
import { defaultAlgorithm, type SigningAlgorithm } from '../../algorithms/index.js';
import { LABEL_LEVEL_NAMES, type LabelLevelName, type MemberLabels } from '../../members/labels.js';
import { MEMBER_PRESENTATION_FORMATS, type MemberPresentations } from '../../members/presentations.js';
import { refusal } from './compliance.js';

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

export const InstallCertificateRequest = z.strictObject({
  /** PEM, leaf first: the certificate a CA issued for the key's request, then its issuers. */
  certificateChain: z.string().min(1).max(10 * 16_384).describe('PEM certificates, leaf first'),
});

const CredentialIds = z.array(z.string().min(1).max(2048)).min(1).max(50);

/** The algorithms of the keys a hosted member holds (the allow-list's for each kind). */
const MEMBER_PRESENTATION_ALGORITHMS = HOSTED_KEY_KINDS.map(defaultAlgorithm) as [SigningAlgorithm, ...SigningAlgorithm[]];

export const MemberPresentationRequest = z.strictObject({
  credentials: CredentialIds.describe('Ids of credentials gx-trust stored about the member (or it issued)'),
  format: z.enum(MEMBER_PRESENTATION_FORMATS).optional().describe('vp+jwt (default), vp+sd-jwt, vp+cose: PS256 with the member\'s certified RSA key unless alg names another; ldp_vp: eddsa-rdfc-2022, needs a challenge'),
  alg: z.enum(MEMBER_PRESENTATION_ALGORITHMS).optional().describe('vp+jwt, vp+sd-jwt, vp+cose: the hosted key that signs (EdDSA: Ed25519, ES256: P-256, PS256: RSA, the default)'),
  selectivelyDisclosable: PresentOptions.shape.selectivelyDisclosable.describe('vp+sd-jwt: RFC 6901 pointers into the presentation whose members become disclosures'),
  challenge: z.string().min(1).max(512).optional(),
  domain: z.string().min(1).max(512).optional(),
  audience: z.string().min(1).max(512).optional().describe('vp+jwt: the aud claim (the same as domain)'),
});

export const MemberLabelRequest = z.strictObject({
  level: z.enum(Object.keys(LABEL_LEVEL_NAMES) as [LabelLevelName, ...LabelLevelName[]]),
  credentials: CredentialIds.optional().describe('The credentials to present; default: the member\'s current LegalPerson, registration numbers, issuer and service offerings'),
  visibility: z.enum(['private', 'public']).optional().describe('Of the label: \'public\' lets anyone fetch it with GET /credentials/{id} (a connector checking it); \'private\' (default): the member, admins, auditors'),
});

interface MemberAdminDependencies {
  members: MemberRegistry;
}

/** What the member routes are given: the registry, and a member's own presentations and labels. */
export interface MemberRouteDependencies extends MemberAdminDependencies {
  memberPresentations: MemberPresentations;
  memberLabels: MemberLabels;
}

const KEY_ID = 'A verification method of the member: its fragment, its whole id, or `rsa` / `p256` for the active key of that kind';

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

/** vp+jwt as its compact text when asked (Accept: application/vp+jwt), JSON otherwise. */
function presentationAnswer(context: RouteContext<unknown>, signed: SignedPresentation) {
  if (signed.format === 'vp+jwt' && context.accepts(['application/json', 'application/vp+jwt']) === 'application/vp+jwt') {
    return text(201, 'application/vp+jwt', signed.jwt);
  }
  if (signed.format === 'vp+sd-jwt' && context.accepts(['application/json', 'application/vp+sd-jwt']) === 'application/vp+sd-jwt') {
    return text(201, 'application/vp+sd-jwt', signed.jwt);
  }
  return json(201, { verifiablePresentation: signed.verifiablePresentation, ...(signed.format === 'vp+jwt' || signed.format === 'vp+sd-jwt' ? { jwt: signed.jwt } : {}) });
}

export const memberRoutes: readonly Route<MemberRouteDependencies>[] = [
  defineRoute({
    method: 'post', path: '/members', operationId: 'createMember', tag: 'Identity', roles: [],
    summary: 'Create a consortium member with did:web:<host>:members:<slug>: keys gx-trust generates and holds, or public keys the member holds the private halves of',
    request: { schema: CreateMemberRequest, example: examples.createMember },
    responses: { 201: { description: 'The member (Location: /members/<id>)', schema: MemberView }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 409: problem('The slug is taken') },
    async handler(context, deps: MemberAdminDependencies) {
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
    handler: async (_context, deps: MemberAdminDependencies) => json(200, { members: await deps.members.list() }),
  }),
  defineRoute({
    method: 'get', path: '/members/:id', operationId: 'getMember', tag: 'Identity', roles: ['member', 'connector', 'auditor'],
    summary: 'One member; a member\'s own API keys see only that member', params: { id: MEMBER_ID },
    responses: { 200: { description: 'The member', schema: MemberView }, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such member') },
    handler: async (context, deps: MemberAdminDependencies) => json(200, await deps.members.view(await memberFor(context, deps.members, false))),
  }),
  defineRoute({
    method: 'get', path: '/members/:slug/did.json', operationId: 'getMemberDidDocument', tag: 'Identity',
    summary: 'A member\'s did:web document: its active keys, and retired ones until what they signed expires', params: { slug: 'The member slug' },
    responses: { 200: { description: 'DID document', mediaType: 'application/did+json' }, 404: problem('No such member') },
    async handler(context, deps: MemberAdminDependencies) {
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
    async handler(context, deps: MemberAdminDependencies) {
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
    async handler(context, deps: MemberAdminDependencies) {
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
    async handler(context, deps: MemberAdminDependencies) {
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
  defineRoute({
    method: 'post', path: '/members/:id/keys/:kid/csr', operationId: 'requestMemberCertificate', tag: 'Identity', roles: ['member'],
    summary: 'A PKCS#10 certification request signed by a hosted RSA or P-256 key, for a qualified CA to certify; audited', params: { id: MEMBER_ID, kid: KEY_ID },
    responses: { 201: { description: '{verificationMethod, pem}: the request as PEM (CERTIFICATE REQUEST)' }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such member or active key') },
    async handler(context, deps: MemberAdminDependencies) {
      const member = await memberFor(context, deps.members, false);
      return json(201, await deps.members.certificationRequest(member, context.params['kid'] ?? '', context.caller().actor));
    },
  }),
  defineRoute({
    method: 'put', path: '/members/:id/keys/:kid/certificate', operationId: 'installMemberCertificate', tag: 'Identity', roles: ['member'],
    summary: 'Install the chain a CA issued for a hosted key: it becomes the x5c of the key\'s method in the DID document; audited', params: { id: MEMBER_ID, kid: KEY_ID },
    request: { schema: InstallCertificateRequest, example: examples.installMemberCertificate },
    responses: {
      200: { description: '{verificationMethod, certificates}' }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such member or active key'), 409: problem('The key was rotated meanwhile'),
      422: problem('CERTIFICATE_KEY_MISMATCH: the leaf certifies another key; CERTIFICATE_CHAIN_UNTRUSTED: the chain does not verify, reach a trust anchor, or is not valid now'),
    },
    async handler(context, deps: MemberAdminDependencies) {
      const member = await memberFor(context, deps.members, false);
      return json(200, await deps.members.installCertificate(member, context.params['kid'] ?? '', context.body.certificateChain, context.caller().actor));
    },
  }),
  defineRoute({
    method: 'post', path: '/members/:id/presentations', operationId: 'presentMemberCredentials', tag: 'Presentations', roles: ['member'], signing: 'presentations',
    summary: 'Sign a presentation of the member\'s stored credentials as the member (vp+jwt, vp+sd-jwt or vp+cose with its certified RSA key or the hosted key of alg, or Data Integrity); audited as presentation.signed', params: { id: MEMBER_ID },
    request: { schema: MemberPresentationRequest, example: examples.presentMemberCredentials },
    responses: { 201: { description: 'The signed presentation (application/vp+jwt or application/vp+sd-jwt when asked)' }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such member, or no credential of the member with an id given') },
    async handler(context, deps: MemberRouteDependencies) {
      const member = await memberFor(context, deps.members, false);
      const caller = context.caller();
      const { credentials, ...options } = context.body;
      const records = await deps.memberPresentations.owned(member, credentials, caller, '/credentials');
      return presentationAnswer(context, await deps.memberPresentations.sign(member, records, options, caller));
    },
  }),
  defineRoute({
    method: 'post', path: '/members/:id/labels', operationId: 'requestMemberLabel', tag: 'Compliance', roles: ['member'], signing: 'compliance',
    summary: 'One call to a label: the member\'s current credentials, presented as the member, decided by the compliance engine and recorded as POST /compliance records it', params: { id: MEMBER_ID },
    request: { schema: MemberLabelRequest, example: examples.requestMemberLabel },
    responses: {
      201: { description: '{label, labelLevel, decisionId, decision} (Location: the decision)' }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such member, or no credential of the member with an id given'),
      422: problem('COMPLIANCE_FAILED with every finding, as the compliance routes; LABEL_CREDENTIALS_MISSING naming what the member does not hold'),
    },
    async handler(context, deps: MemberRouteDependencies) {
      const member = await memberFor(context, deps.members, false);
      const { result } = await deps.memberLabels.request(member, context.body, context.caller());
      if (result.issued === undefined) return refusal(result);
      return json(201, {
        label: result.issued,
        labelLevel: result.labelLevel,
        decisionId: result.decisionId,
        decision: { outcome: result.outcome, requestedLevel: result.requestedLevel, validatedCriteria: result.validatedCriteria, findings: result.findings, warnings: result.warnings, checks: result.checks },
      }, { Location: `/compliance/decisions/${encodeURIComponent(result.decisionId ?? '')}` });
    },
  }),
];
