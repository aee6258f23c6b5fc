/**
 * Whose status lists: "the issuer of the status list credential MUST be the same as the issuer of
 * the credential" (W3C Bitstring Status List §Validate), so every DID gx-trust issues as has lists
 * of its own, signed with that DID's key: the service's did:web, each did:key of the service, and
 * each member DID whose keys the service holds. A list id names its issuer, so one URL form
 * (`/status-lists/{id}`) serves them all and every list URL given out before stays valid:
 *
 * | issuer | list ids |
 * |---|---|
 * | the service's did:web | `revocation-0`, `suspension-0` (as before) |
 * | a did:key of the service (the BLS12-381 one too) | `key.<multibase key>.revocation-0` (the did:key's own identifier) |
 * | a hosted member | `member.<slug>.revocation-0` |
 *
 * A did:key list names the key itself: were the service's key file replaced, the new did:key gets
 * new lists instead of signing lists its predecessor's credentials point at (which its signature
 * could not stand for). A member whose keys are elsewhere (external custody) cannot have lists
 * signed for it here.
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#validate-algorithm
 */
import { GxTrustError } from '../errors.js';
import type { JoseAlgorithm } from '../formats/jose/sign.js';
import type { MemberSigning } from '../members/registry.js';
import type { StatusListRecord } from '../storage/store.js';
import type { Cryptosuite } from '../formats/data-integrity/suites.js';

/**
 * The proof a list is signed with. bbs-2023 (the BLS12-381 did:key): a base proof the publisher
 * derives from at once, disclosing everything, since only a derived bbs-2023 proof verifies.
 */
export type StatusListCryptosuite = Cryptosuite | 'bbs-2023';

export interface StatusListIssuer {
  /** The DID that issues, and signs, the lists. */
  did: string;
  /** The prefix of its list ids: '' for the service's did:web, `key.<multibase>`, `member.<slug>`. */
  scope: string;
  /** What the store keeps as the list's issuer: null for the service's did:web. */
  stored: string | null;
  /**
   * The proof of each form, for the key kind the DID holds; no cryptosuite for a key only JOSE
   * signs with (P-521), whose lists are vc+jwt whichever form is asked for; no alg for the
   * BLS12-381 key (no JWS algorithm is defined for BBS), whose lists have no vc+jwt form.
   */
  cryptosuite: StatusListCryptosuite | undefined;
  alg: JoseAlgorithm | undefined;
}

export interface StatusListIssuers {
  /**
   * Whose lists a credential issued as `did` (undefined: the service's did:web) gets. INVALID_INPUT
   * at `pointer` when gx-trust cannot sign lists as that DID.
   */
  forCredential(did: string | undefined, pointer: string): Promise<StatusListIssuer>;
  /** Who signs a stored list; undefined when gx-trust no longer holds that DID's key. */
  forList(list: Pick<StatusListRecord, 'issuer'>): Promise<StatusListIssuer | undefined>;
}

export interface StatusListIssuersDependencies {
  serviceDid: string;
  /** The did:key identities of the service's Ed25519, P-256, P-384 and P-521 keys. */
  didKeys: readonly { did: string; kind: 'Ed25519' | 'P-256' | 'P-384' | 'P-521' }[];
  members: Pick<MemberSigning, 'hosts' | 'member'>;
  /** The service's BLS12-381 did:key: its lists are bbs-2023 credentials, as everything it signs. */
  bbsDidKey?: string | undefined;
}

/** The service's did:web and hosted members hold Ed25519 and P-256 keys: the defaults of each form. */
const SIGNED_AS_SERVICE = { cryptosuite: 'eddsa-rdfc-2022', alg: 'ES256' } as const;
const SIGNED_AS_KEY = {
  Ed25519: { cryptosuite: 'eddsa-rdfc-2022', alg: 'EdDSA' },
  'P-256': { cryptosuite: 'ecdsa-rdfc-2019', alg: 'ES256' },
  // The issuer picks the P-384 key for ecdsa-rdfc-2019 when the DID is the P-384 did:key.
  'P-384': { cryptosuite: 'ecdsa-rdfc-2019', alg: 'ES384' },
  // No Data Integrity cryptosuite takes a P-521 key: its lists exist only as ES512 vc+jwt.
  'P-521': { cryptosuite: undefined, alg: 'ES512' },
  // A BLS12-381 key signs bbs-2023 and nothing else (src/algorithms): no vc+jwt form.
  Bls12381G2: { cryptosuite: 'bbs-2023', alg: undefined },
} as const;

export function createStatusListIssuers(deps: StatusListIssuersDependencies): StatusListIssuers {
  const service: StatusListIssuer = { did: deps.serviceDid, scope: '', stored: null, ...SIGNED_AS_SERVICE };

  async function issuerOf(did: string): Promise<StatusListIssuer | { refusal: string; hint: string }> {
    if (did === deps.serviceDid) return service;
    const kind = did === deps.bbsDidKey ? 'Bls12381G2' : deps.didKeys.find((k) => k.did === did)?.kind;
    if (kind !== undefined) return { did, scope: `key.${did.slice('did:key:'.length)}`, stored: did, ...SIGNED_AS_KEY[kind] };
    const member = deps.members.hosts(did) ? await deps.members.member(did) : undefined;
    if (member === undefined) return { refusal: `gx-trust holds no key of ${did}, so it keeps no status lists for it`, hint: `Issue as ${deps.serviceDid}, one of its did:key identities or a member it hosts` };
    if (member.custody !== 'hosted') {
      return {
        refusal: `${did} signs elsewhere: gx-trust holds only its public keys and cannot sign status lists as it`,
        hint: 'Publish the member\'s BitstringStatusListCredential where its key is, or issue without credentialStatus',
      };
    }
    return { did, scope: `member.${member.slug}`, stored: did, ...SIGNED_AS_SERVICE };
  }

  return {
    async forCredential(did, pointer) {
      const found = await issuerOf(did ?? deps.serviceDid);
      if ('refusal' in found) throw new GxTrustError('INVALID_INPUT', found.refusal, { pointer, hint: found.hint });
      return found;
    },
    async forList(list) {
      const found = await issuerOf(list.issuer ?? deps.serviceDid);
      return 'refusal' in found ? undefined : found;
    },
  };
}
