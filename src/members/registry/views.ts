/** What the admin API shows of a member, its keys (with their certificates) and its API keys. */
import { certificateInfo } from '../../x509/index.js';
import type { Role } from '../../access/principal.js';
import type { ApiKeyRecord, MemberKeyRecord, MemberRecord } from '../../storage/store.js';
import type { RegistryContext } from './context.js';
import { publication } from './did-documents.js';
import type { ApiKeyView, CertificateView, MemberView, VerificationMethodView } from './types.js';

/** The leaf certificates of a key's x5c, for views and audit details. */
export const certificatesOf = (x5c: readonly string[]): CertificateView[] =>
  x5c.map((der) => {
    const info = certificateInfo(der);
    return { subject: info.subject, issuer: info.issuer, notBefore: info.notBefore.toISOString(), notAfter: info.notAfter.toISOString() };
  });

export function methodView(key: MemberKeyRecord, at: string): VerificationMethodView {
  const { expires } = publication(key, at);
  const x5c = (key.publicKey['publicKeyJwk'] as { x5c?: string[] } | undefined)?.x5c;
  return {
    id: key.id,
    type: key.methodType,
    state: key.state,
    createdAt: key.createdAt,
    retiredAt: key.retiredAt,
    ...(expires === undefined ? {} : { expires }),
    ...(x5c === undefined || x5c.length === 0 ? {} : { certificates: certificatesOf(x5c) }),
  };
}

// Written only through createApiKey with a Role, and the table's CHECK holds the same list.
export const apiKeyView = (k: ApiKeyRecord): ApiKeyView => ({ id: k.id, role: k.role as Role, createdAt: k.createdAt, revokedAt: k.revokedAt });

export async function view(ctx: RegistryContext, member: MemberRecord): Promise<MemberView> {
  const [keys, apiKeys] = await Promise.all([ctx.store.memberKeys(member.id), ctx.store.listApiKeys(member.id)]);
  const at = ctx.now();
  return {
    id: member.id,
    slug: member.slug,
    name: member.name,
    did: member.did,
    didDocumentUrl: `${ctx.baseUrl}/members/${member.slug}/did.json`,
    custody: member.custody,
    createdAt: member.createdAt,
    verificationMethods: keys.map((k) => methodView(k, at)),
    apiKeys: apiKeys.map(apiKeyView),
  };
}
