/**
 * A member presents what it holds: the credentials gx-trust stored about it (or that it issued),
 * named by id, in a presentation it signs as its own DID with the key gx-trust holds for it,
 * through the signing policy's one presentation path (the one POST /presentations/prove takes).
 * VC-JOSE-COSE formats (vp+jwt, vp+sd-jwt, vp+cose) are signed by default with the member's
 * certificate-bound RSA key (PS256, the Danube profile), which is what the compliance rules accept,
 * or with the hosted key of `alg` (EdDSA, ES256); Data Integrity with its Ed25519 key.
 *
 * A credential of another member is answered as an unknown id is (no existence oracle), and the
 * attempt is audited.
 * @see https://www.w3.org/TR/vc-jose-cose/#securing-vps-with-jose
 */
import type { SigningAlgorithm } from '../algorithms/index.js';
import { VC_V2_CONTEXT, type JsonObject } from '../credentials/index.js';
import { GxTrustError, isGxTrustError } from '../errors.js';
import type { SignedPresentation } from '../issuing/index.js';
import type { ScopedSigner, SigningCaller } from '../issuing/signing-policy.js';
import { isUnder } from '../issuing/signing-policy.js';
import { getBit } from '../status-lists/bitstring.js';
import type { CredentialRecord, MemberRecord } from '../storage/store.js';
import type { AuditRepository, CredentialRepository, StatusListRepository } from '../storage/repositories.js';

export interface MemberPresentationRequest {
  /** Ids of stored credentials the member owns. */
  credentials: readonly string[];
  /**
   * vp+jwt (default), vp+sd-jwt or vp+cose (PS256 with the certified RSA key unless `alg` names
   * another hosted key), or ldp_vp (eddsa-rdfc-2022, needs a challenge).
   */
  format?: MemberPresentationFormat | undefined;
  /** VC-JOSE-COSE formats: the hosted key that signs (EdDSA Ed25519, ES256 P-256, PS256 RSA). */
  alg?: SigningAlgorithm | undefined;
  /** vp+sd-jwt: RFC 6901 pointers into the presentation whose members become disclosures. */
  selectivelyDisclosable?: readonly string[] | undefined;
  challenge?: string | undefined;
  domain?: string | undefined;
  /** vp+jwt: the `aud` claim; the same as `domain` (VC-JOSE maps domain to aud). */
  audience?: string | undefined;
}

export const MEMBER_PRESENTATION_FORMATS = ['vp+jwt', 'ldp_vp', 'vp+sd-jwt', 'vp+cose'] as const;
export type MemberPresentationFormat = (typeof MEMBER_PRESENTATION_FORMATS)[number];

export interface MemberPresentations {
  /** The member's stored credentials with these ids; NOT_FOUND (audited when it is another's) otherwise. */
  owned(member: MemberRecord, ids: readonly string[], caller: SigningCaller, pointer: string): Promise<CredentialRecord[]>;
  /** The member's stored credentials, newest first, that no status list marks revoked or suspended. */
  current(member: MemberRecord): Promise<CredentialRecord[]>;
  /** Signs the presentation of `credentials` as the member; audited (presentation.signed). */
  sign(member: MemberRecord, credentials: readonly CredentialRecord[], request: Omit<MemberPresentationRequest, 'credentials'>, caller: SigningCaller): Promise<SignedPresentation>;
}

export interface MemberPresentationsDependencies {
  store: Pick<CredentialRepository, 'getCredential' | 'credentialsOfDid'> & Pick<StatusListRepository, 'getStatusList'> & Pick<AuditRepository, 'appendAudit'>;
  /** The signing policy's presentations signer: as the member's own DID only, audited. */
  signer: ScopedSigner;
}

/** Whether the member may present it: it is about the member (or one of its nodes), or the member issued it. */
export function ownsCredential(member: MemberRecord, record: CredentialRecord): boolean {
  return record.issuer === member.did || (record.subject !== null && isUnder(record.subject, member.did));
}

const isCompactJwt = (text: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text);

/**
 * A stored credential secured by VC-JOSE-COSE as the `data:` URL of its envelope (as recorded: a
 * compact JWT, an SD-JWT with every disclosure, a COSE_Sign1 in base64); undefined for Data Integrity.
 */
function envelopeUrl(record: CredentialRecord): string | undefined {
  const text = record.credential.trim();
  if (record.format === 'vc+sd-jwt') return `data:application/vc+sd-jwt,${text}`;
  if (record.format === 'vc+cose') return `data:application/vc+cose;base64,${text}`;
  return isCompactJwt(text) ? `data:application/vc+jwt,${text}` : undefined;
}

/**
 * The request's options sit at the top of this route's body: the issuer's `/options/x` is `/x`
 * here, and its `/options/domain` is `/audience` when that is what the member sent.
 */
async function atRequestTop<T>(request: Omit<MemberPresentationRequest, 'credentials'>, sign: () => Promise<T>): Promise<T> {
  const repoint = (pointer: string | undefined): string | undefined => {
    if (pointer?.startsWith('/options/') !== true) return pointer;
    const own = pointer.slice('/options'.length);
    return own === '/domain' && request.domain === undefined && request.audience !== undefined ? '/audience' : own;
  };
  try {
    return await sign();
  } catch (error) {
    if (!isGxTrustError(error) || error.pointer?.startsWith('/options/') !== true) throw error;
    throw new GxTrustError(error.code, error.message, {
      cause: error.cause ?? error,
      pointer: repoint(error.pointer) ?? '',
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      errors: error.errors.map((detail) => (detail.pointer === undefined ? detail : { ...detail, pointer: repoint(detail.pointer) ?? '' })),
      ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    });
  }
}

export function createMemberPresentations(deps: MemberPresentationsDependencies): MemberPresentations {
  const { store } = deps;

  async function owned(member: MemberRecord, ids: readonly string[], caller: SigningCaller, pointer: string): Promise<CredentialRecord[]> {
    const records: CredentialRecord[] = [];
    for (const [index, id] of ids.entries()) {
      const record = await store.getCredential(id);
      const unknown = () => new GxTrustError('NOT_FOUND', `no credential ${id} of member ${member.slug}`, {
        pointer: `${pointer}/${index}`,
        hint: 'Present the credentials gx-trust issued about you (the ids POST /participants and /service-offerings answered)',
      });
      if (record === undefined) throw unknown();
      if (!ownsCredential(member, record)) {
        await store.appendAudit({
          actor: caller.actor,
          action: 'authorization.denied',
          subject: id,
          digests: {},
          details: { role: caller.role, reason: `the credential is not ${member.did}'s to present`, member: member.id },
        });
        const refusal = unknown();
        refusal.denialRecorded = true;
        throw refusal;
      }
      records.push(record);
    }
    return records;
  }

  async function isCurrent(record: CredentialRecord): Promise<boolean> {
    for (const entry of record.statusEntries) {
      const list = await store.getStatusList(entry.listId);
      if (list !== undefined && getBit(list.bits, entry.index)) return false;
    }
    return true;
  }

  async function current(member: MemberRecord): Promise<CredentialRecord[]> {
    const records = await store.credentialsOfDid(member.did);
    const kept: CredentialRecord[] = [];
    for (const record of records) if (ownsCredential(member, record) && (await isCurrent(record))) kept.push(record);
    return kept;
  }

  async function sign(member: MemberRecord, credentials: readonly CredentialRecord[], request: Omit<MemberPresentationRequest, 'credentials'>, caller: SigningCaller): Promise<SignedPresentation> {
    const format = request.format ?? 'vp+jwt';
    if (request.audience !== undefined && request.domain !== undefined && request.audience !== request.domain) {
      throw new GxTrustError('INVALID_INPUT', 'audience and domain name the same thing (the aud claim) and differ', { pointer: '/audience', hint: 'Send one of them' });
    }
    const domain = request.domain ?? request.audience;
    if (format === 'ldp_vp' && request.challenge === undefined) {
      throw new GxTrustError('INVALID_INPUT', 'a Data Integrity presentation needs a challenge', { pointer: '/challenge', hint: 'Send the verifier\'s challenge, or use format vp+jwt' });
    }
    const jose = format !== 'ldp_vp';
    const verifiableCredential = credentials.map((record, index): unknown => {
      const url = envelopeUrl(record);
      if (url !== undefined) return { '@context': VC_V2_CONTEXT, id: url, type: 'EnvelopedVerifiableCredential' };
      if (jose) {
        // VC-JOSE-COSE: "Verifiable Credentials secured in verifiable presentations MUST use the
        // Enveloped Verifiable Credential type"; a Data Integrity credential has no envelope.
        throw new GxTrustError('INVALID_INPUT', `${record.id} is a Data Integrity credential; a ${format} holds only enveloped (vc+jwt, vc+sd-jwt, vc+cose) credentials`, {
          pointer: `/credentials/${index}`,
          hint: 'Present Data Integrity credentials with format ldp_vp (and a challenge)',
        });
      }
      return JSON.parse(record.credential) as JsonObject;
    });
    const presentation: JsonObject = {
      '@context': [VC_V2_CONTEXT],
      type: ['VerifiablePresentation'],
      holder: member.did,
      verifiableCredential,
    };
    if (!jose && request.alg !== undefined) {
      throw new GxTrustError('INVALID_INPUT', 'alg chooses the key of a vp+jwt, vp+sd-jwt or vp+cose; ldp_vp is signed with eddsa-rdfc-2022', { pointer: '/alg', hint: 'Leave alg out, or choose a VC-JOSE-COSE format' });
    }
    return atRequestTop(request, () =>
      deps.signer.signPresentation(
        presentation,
        {
          format,
          ...(jose ? { alg: request.alg ?? ('PS256' as const) } : { cryptosuite: 'eddsa-rdfc-2022' as const }),
          ...(request.selectivelyDisclosable === undefined ? {} : { selectivelyDisclosable: [...request.selectivelyDisclosable] }),
          ...(request.challenge === undefined ? {} : { challenge: request.challenge }),
          ...(domain === undefined ? {} : { domain }),
        },
        { caller, pointer: '' },
      ),
    );
  }

  return { owned, current, sign };
}
