/**
 * Issuing: one entry point over the proof formats. It validates the credential strictly, picks the
 * service key that fits the requested format and algorithm, and signs. Which DIDs the service may
 * issue as: its did:web, and the did:key forms of its Ed25519, P-256, P-384 and P-521 keys
 * (interoperability suites and some wallets resolve only did:key).
 *
 * Which key signs: `alg` names it for VC-JOSE (the algorithm is tied to the key type), the
 * cryptosuite for Data Integrity; ecdsa-rdfc-2019 signs with P-256 unless `keyType: "P-384"` asks
 * for the P-384 key or the issuer (holder) is the service's P-384 did:key. `keyType` may also name
 * the key for VC-JOSE, and must then agree with `alg`. P-521 signs VC-JOSE only (ES512): no Data
 * Integrity cryptosuite is defined for it. bbs-2023 signs with the BLS12-381 key, and that key
 * with nothing else: as the did:web (`#multikey-bls12381`) or the BLS12-381 did:key.
 */
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { newCredentialId } from '../credentials/ids.js';
import { assertIssuableCredential, dataModelVersion, assertPresentable, holderId, isObject, issuerId, parseRfc3339, VC_V1_CONTEXT, VC_V2_CONTEXT, type JsonObject } from '../credentials/index.js';
import type { DocumentLoader } from '../document-loader/index.js';
import { GxTrustError, isGxTrustError, type ProblemDetail } from '../errors.js';
import { certificateInfo } from '../x509/index.js';
import { BLS12381_KEY_SETTING, OPTIONAL_KEY_SETTINGS, VERIFICATION_METHOD_FRAGMENTS, type BbsSignatureLane, type Keyring, type Signer } from '../keyring/index.js';
import { defaultAlgorithm, KEY_KINDS, keyKindForAlgorithm, SIGNING_ALGORITHMS, type KeyKind } from '../algorithms/index.js';
import type { MemberSigning } from '../members/registry.js';
import { assertPointersMatch, nodeReferencePointers, signCredentialDataIntegrity, signPresentationDataIntegrity, type DataIntegritySigner, type IssuedCryptosuite } from '../formats/data-integrity/sign.js';
import { CRYPTOSUITES, ISSUED_CRYPTOSUITES, suiteKeyAlgorithms } from '../formats/data-integrity/suites.js';
import { envelopeCredential, signCredentialJwtWithClaims, signPresentationJwt, type JoseAlgorithm } from '../formats/jose/sign.js';
import { signJsonWebSignature2020 } from '../formats/json-web-signature-2020/sign.js';
import { signCredentialSdJwt, signPresentationSdJwt } from '../formats/sd-jwt/sign.js';
import { signCredentialCose, signPresentationCose } from '../formats/cose/sign.js';
import { PROOF_TYPES, proofOptions } from './vc-api-options.js';

/**
 * The VC-API issue options; names are a contract (`format`, `cryptosuite`, `alg`, `profile`), and
 * `type` is the W3C suites' name of the proof (src/issuing/vc-api-options.ts).
 */
export const IssueOptions = z.strictObject({
  format: z.enum(['ldp_vc', 'vc+jwt', 'vc+sd-jwt', 'vc+cose']).optional(),
  type: z.enum(PROOF_TYPES).optional(),
  cryptosuite: z.enum(ISSUED_CRYPTOSUITES).optional(),
  /**
   * ecdsa-sd-2023, bbs-2023: JSON pointers (RFC 6901) of the statements every derived credential
   * discloses, beside those gx-trust always makes mandatory (see MANDATORY_MEMBERS).
   */
  mandatoryPointers: z.array(z.string().max(1024)).max(256).optional(),
  alg: z.enum(SIGNING_ALGORITHMS).optional(),
  /** The type of the service key that signs, where the format leaves a choice (ecdsa-rdfc-2019: P-256 or P-384). */
  keyType: z.enum(KEY_KINDS as [KeyKind, ...KeyKind[]]).optional(),
  profile: z.enum(['gaia-x-danube']).optional(),
  /**
   * A validUntil past the signing certificate's notAfter is cut to it instead of refused
   * (VALIDITY_BEYOND_CERTIFICATE): a verifier refuses a credential its chain does not outlive.
   */
  capValidity: z.boolean().optional(),
  /**
   * vc+sd-jwt: RFC 6901 pointers into the credential whose members (or array elements) become
   * disclosures the holder may leave out (src/formats/sd-jwt/sign.ts).
   */
  selectivelyDisclosable: z.array(z.string().min(1).max(512)).max(256).optional(),
});
export type IssueOptions = z.infer<typeof IssueOptions>;

export const PresentOptions = z.strictObject({
  format: z.enum(['ldp_vp', 'vp+jwt', 'vp+sd-jwt', 'vp+cose']).optional(),
  cryptosuite: z.enum(CRYPTOSUITES).optional(),
  alg: z.enum(SIGNING_ALGORITHMS).optional(),
  keyType: z.enum(KEY_KINDS as [KeyKind, ...KeyKind[]]).optional(),
  challenge: z.string().min(1).max(512).optional(),
  domain: z.string().min(1).max(512).optional(),
  /** vp+sd-jwt: RFC 6901 pointers into the presentation whose members (or array elements) become disclosures. */
  selectivelyDisclosable: z.array(z.string().min(1).max(512)).max(256).optional(),
});
export type PresentOptions = z.infer<typeof PresentOptions>;

export type IssuedCredential =
  | { format: 'ldp_vc'; verifiableCredential: JsonObject }
  | { format: 'vc+jwt'; jwt: string; verifiableCredential: JsonObject }
  /** `jwt` is the SD-JWT with every disclosure; `claims` the credential they rebuild (with iss, iat, exp). */
  | { format: 'vc+sd-jwt'; jwt: string; verifiableCredential: JsonObject; claims: JsonObject }
  /** `cose` is the COSE_Sign1 in base64; `claims` the credential it signs. */
  | { format: 'vc+cose'; cose: string; verifiableCredential: JsonObject; claims: JsonObject };

export type SignedPresentation =
  | { format: 'ldp_vp'; verifiablePresentation: JsonObject }
  | { format: 'vp+jwt'; jwt: string; verifiablePresentation: JsonObject }
  /** `jwt` is the SD-JWT with every disclosure; `claims` the presentation they rebuild (with iss, iat, nonce, aud). */
  | { format: 'vp+sd-jwt'; jwt: string; verifiablePresentation: JsonObject; claims: JsonObject }
  /** `cose` is the COSE_Sign1 in base64; `claims` the presentation it signs. */
  | { format: 'vp+cose'; cose: string; verifiablePresentation: JsonObject; claims: JsonObject };

export interface IssuerDependencies {
  keyring: Keyring;
  documentLoader: DocumentLoader;
  clock: Clock;
  /** Signing as the member DIDs this service hosts (did:web:<host>:members:<slug>). */
  memberSigning?: MemberSigning;
}

export interface Issuer {
  /**
   * `lane`: where a bbs-2023 signature waits for the BBS signing thread ('issuance', the default,
   * is bounded and refused when full; 'status-lists' goes ahead: src/keyring/bbs-signer.ts).
   */
  issueCredential(credential: unknown, options?: IssueOptions, lane?: BbsSignatureLane): Promise<IssuedCredential>;
  signPresentation(presentation: unknown, options?: PresentOptions): Promise<SignedPresentation>;
  /**
   * Gaia-X Tagus compatibility: a VCDM 1.1 credential with a JsonWebSignature2020 proof (standard
   * signing input, which binds proof.created), PS256 with the service's RSA key (`#jwk-rsa`, the
   * key whose X.509 chain Tagus verifiers check). Only as the service's did:web.
   */
  issueJsonWebSignature2020(credential: unknown): Promise<JsonObject>;
  /**
   * What issueCredential would refuse about the validity period of this credential with these
   * options (a validUntil already past, or past the signing certificate without capValidity),
   * without signing: onboarding asks before it issues anything.
   */
  reviewValidity(credential: JsonObject, options?: IssueOptions): ProblemDetail | undefined;
}

/**
 * The claims of each vc+jwt this process's issuers returned, by the returned object: recorded
 * issuance reads the id, types and subject it stores from them rather than decoding the payload of
 * the JWT it was just handed (a base64url decode and a JSON.parse per issuance on the event loop).
 * Not a member of IssuedCredential, whose members are answered and stored as the idempotent reply.
 */
const signedJwtClaims = new WeakMap<IssuedCredential, JsonObject>();

/** The payload a vc+jwt of this process's issuers signed, as the object serialized; undefined for any other. */
export function claimsOfSignedJwt(issued: IssuedCredential): JsonObject | undefined {
  return signedJwtClaims.get(issued);
}

/** The options that choose a key, as issueCredential and signPresentation read them. */
type KeyChoice = { format: 'jose' | 'data-integrity'; cryptosuite?: IssuedCryptosuite | undefined; alg?: JoseAlgorithm | undefined; keyType?: KeyKind | undefined; defaultAlg: JoseAlgorithm };

const KEY_TYPE_HINT = 'options.keyType names the service key: P-256 or P-384 for ecdsa-rdfc-2019, Ed25519 for eddsa-rdfc-2022 and Ed25519Signature2020; for vc+jwt it must be the key type of options.alg (EdDSA Ed25519, ES256 P-256, ES384 P-384, ES512 P-521, PS256 RSA); P-521 signs vc+jwt / vp+jwt only';

/** Key types with no Data Integrity cryptosuite here (ecdsa-rdfc-2019 is defined for P-256 and P-384): asking for one means VC-JOSE. */
const JOSE_ONLY_KEYS: readonly KeyKind[] = ['RSA', 'P-521'];

export function createIssuer(deps: IssuerDependencies): Issuer {
  const { keyring } = deps;

  /** The did:key of ours `did` is, with its key type. */
  const didKeyKindOf = (did: string | undefined) => (did === undefined ? undefined : keyring.didKeys().find((identity) => identity.did === did)?.kind);

  /**
   * The key type that signs: fixed by alg (VC-JOSE) or the cryptosuite (Data Integrity); where the
   * cryptosuite takes more than one, options.keyType, else the signing DID's own key type when it is
   * one of our did:keys, else the suite's first. 400 at the option that contradicts another.
   */
  function keyKindFor(choice: KeyChoice, signingDid: string | undefined): KeyKind {
    if (choice.format === 'data-integrity') {
      const suite = cryptosuiteOf(choice, signingDid);
      if (suite === 'bbs-2023') {
        // issueCredential signs bbs-2023 before any KeyKind is chosen; a keyType with it is refused there.
        throw new GxTrustError('INVALID_INPUT', 'bbs-2023 is signed with the service\'s BLS12-381 key, which no options.keyType names', { pointer: '/options/cryptosuite', hint: KEY_TYPE_HINT });
      }
      const allowed: readonly KeyKind[] = suiteKeyAlgorithms(suite);
      if (choice.keyType !== undefined) {
        if (!allowed.includes(choice.keyType)) {
          throw new GxTrustError('INVALID_INPUT', `${suite} is not signed with ${choice.keyType} keys (it takes ${allowed.join(' or ')})`, { pointer: '/options/keyType', hint: KEY_TYPE_HINT });
        }
        return choice.keyType;
      }
      const ofDid = didKeyKindOf(signingDid);
      return ofDid !== undefined && allowed.includes(ofDid) ? ofDid : (allowed[0] as KeyKind);
    }
    if (choice.alg !== undefined) {
      const kind = keyKindForAlgorithm(choice.alg);
      if (choice.keyType !== undefined && choice.keyType !== kind) {
        // The algorithm is tied to the key type (src/algorithms): never ES384 over P-256, ES256 over P-384, ES512 over anything but P-521.
        throw new GxTrustError('INVALID_INPUT', `${choice.alg} is signed with ${kind} keys, not ${choice.keyType}`, { pointer: '/options/keyType', hint: KEY_TYPE_HINT });
      }
      return kind;
    }
    const named = choice.keyType ?? didKeyKindOf(signingDid);
    return keyKindForAlgorithm(named === undefined ? choice.defaultAlg : defaultAlgorithm(named));
  }

  /**
   * The cryptosuite when the options name none: the one for the key type asked for (options.keyType,
   * or the kind of our did:key that signs), so `{keyType: "P-384"}` alone, or the P-256 did:key as
   * issuer, signs with ecdsa-rdfc-2019 instead of being refused for the eddsa default.
   */
  /** The format when the options name none: VC-JOSE for the Danube profile, an alg, or a JOSE-only key (named, or that of our did:key signing). */
  function joseByDefault(options: { alg?: JoseAlgorithm | undefined; cryptosuite?: IssuedCryptosuite | undefined; keyType?: KeyKind | undefined }, signingDid: string | undefined): boolean {
    if (options.alg !== undefined) return true;
    // A named cryptosuite is Data Integrity: a JOSE-only key with it is refused at /options/keyType.
    if (options.cryptosuite !== undefined) return false;
    const kind = options.keyType ?? didKeyKindOf(signingDid);
    return kind !== undefined && JOSE_ONLY_KEYS.includes(kind);
  }

  function credentialFormatOf(options: IssueOptions, issuer: string | undefined): NonNullable<IssueOptions['format']> {
    return options.format ?? (options.profile === 'gaia-x-danube' || joseByDefault(options, issuer) ? 'vc+jwt' : 'ldp_vc');
  }

  /** Our BLS12-381 did:key, when the keyring holds that key. */
  const bbsDidKey = keyring.bbsKey()?.didKey.did;

  function cryptosuiteOf(options: { cryptosuite?: IssuedCryptosuite | undefined; keyType?: KeyKind | undefined }, signingDid: string | undefined): IssuedCryptosuite {
    if (options.cryptosuite !== undefined) return options.cryptosuite;
    // The BLS12-381 did:key signs bbs-2023 and nothing else.
    if (options.keyType === undefined && signingDid !== undefined && signingDid === bbsDidKey) return 'bbs-2023';
    const kind = options.keyType ?? didKeyKindOf(signingDid);
    return kind === 'P-256' || kind === 'P-384' ? 'ecdsa-rdfc-2019' : 'eddsa-rdfc-2022';
  }

  const certificateEnds = new Map<KeyKind, Date | undefined>();

  /**
   * The last instant the certificate chain of the method that will sign is valid, when that
   * method carries one: the service's did:web signing with the JsonWebKey2020 method of its RSA or
   * P-256 key (vc+jwt, JsonWebSignature2020), which publishes x5u/x5c; Multikey and did:key
   * methods carry no chain. A verifier checks that the chain is valid until the validUntil.
   */
  function certificateNotAfter(issuer: string | undefined, kind: KeyKind, method: 'jwk' | 'multikey'): Date | undefined {
    // A kind the keyring does not hold is refused, with its pointer, when the signer is chosen.
    if (method !== 'jwk' || (issuer ?? keyring.did) !== keyring.did || kind === 'Ed25519' || !keyring.kinds.includes(kind)) return undefined;
    if (!certificateEnds.has(kind)) {
      const chain = keyring.key(kind).x5c ?? [];
      const ends = chain.map((der) => certificateInfo(der).notAfter.getTime());
      certificateEnds.set(kind, ends.length === 0 ? undefined : new Date(Math.min(...ends)));
    }
    return certificateEnds.get(kind);
  }

  /** The key kind and format issueCredential picks for these options (before any key is used). */
  function planOf(options: IssueOptions, issuer: string | undefined): { format: NonNullable<IssueOptions['format']>; kind: KeyKind } {
    const format = credentialFormatOf(options, issuer);
    const defaultAlg = options.profile === 'gaia-x-danube' ? 'PS256' : 'ES256';
    const choice: KeyChoice = { format: format === 'ldp_vc' ? 'data-integrity' : 'jose', cryptosuite: options.cryptosuite, alg: options.alg, keyType: options.keyType, defaultAlg };
    return { format, kind: keyKindFor(choice, issuer) };
  }

  type Plan = ReturnType<typeof planOf>;

  function validity(credential: JsonObject, options: IssueOptions, plan: Plan = planOf(options, issuerId(credential)), memberCertificateEnd?: Date) {
    const { format, kind } = plan;
    return validityPeriod(credential, deps.clock(), memberCertificateEnd ?? certificateNotAfter(issuerId(credential), kind, format === 'ldp_vc' ? 'multikey' : 'jwk'), options.capValidity === true);
  }

  /** A hosted member signing VC-JOSE with a certified key: when that key's chain ends. */
  async function memberCertificateEnd(issuer: string | undefined, { format, kind }: Plan): Promise<Date | undefined> {
    if (format === 'ldp_vc' || issuer === undefined || deps.memberSigning?.hosts(issuer) !== true) return undefined;
    return deps.memberSigning.certificateNotAfter(issuer, kind);
  }

  /** The DID that signs, and its key as the method a format names (the private key stays in the keyring). */
  type SigningIdentity = { did: string; signerFor: (form: 'jwk' | 'multikey' | 'ed25519-2020') => Signer };
  type KeyUse = { credentialValidUntil: string | null } | { presentation: true };

  /** A hosted member's current key when the DID is one of our members', else the service's own identities. */
  async function identityFor(requested: string | undefined, kind: KeyKind, pointer: string, use: KeyUse): Promise<SigningIdentity> {
    if (requested !== undefined && deps.memberSigning?.hosts(requested) === true) {
      const hosted = await deps.memberSigning.keyFor(requested, kind, use, pointer);
      // A hosted P-256 key: Data Integrity names its Multikey method, VC-JOSE its JsonWebKey2020 one (x5c).
      return { did: requested, signerFor: (form) => hosted.signingKey.signer(form !== 'jwk' && hosted.multikeyVerificationMethodId !== undefined ? hosted.multikeyVerificationMethodId : hosted.verificationMethodId) };
    }
    return signingIdentity(requested, kind, pointer);
  }

  /** The identity (did:web or a did:key of ours) and key that will sign, or a 400 saying why not. */
  function signingIdentity(requested: string | undefined, kind: KeyKind, pointer: string): SigningIdentity {
    if (!keyring.kinds.includes(kind)) {
      // Production without a P-384 or P-521 key file: the option is valid, this deployment cannot honour it.
      throw new GxTrustError('INVALID_INPUT', `this service holds no ${kind} key`, {
        pointer: '/options',
        hint: `This deployment signs with ${keyring.kinds.join(', ')} keys; the operator adds a ${kind} key with ${OPTIONAL_KEY_SETTINGS[kind] ?? 'its key file setting'}`,
      });
    }
    const key = keyring.key(kind);
    const did = requested ?? keyring.did;
    if (did === keyring.did) {
      return {
        did,
        signerFor: (form) => {
          if (form === 'jwk') return key.signer(key.jwkVerificationMethodId);
          if (form === 'ed25519-2020' && key.ed25519VerificationKey2020Id !== undefined) return key.signer(key.ed25519VerificationKey2020Id);
          if (key.multikeyVerificationMethodId === undefined) {
            throw new GxTrustError('INVALID_INPUT', `the ${kind} key has no Multikey form`);
          }
          return key.signer(key.multikeyVerificationMethodId);
        },
      };
    }
    if (kind !== 'RSA' && keyring.didKey(kind).did === did) {
      const didKey = keyring.didKey(kind);
      return { did, signerFor: () => key.signer(didKey.verificationMethodId) };
    }
    const ownDidKey = kind === 'RSA' || !keyring.kinds.includes(kind) ? undefined : keyring.didKey(kind).did;
    const heldBy = didKeyKindOf(did);
    throw new GxTrustError('INVALID_INPUT', `gx-trust cannot sign as ${did} with a ${kind} key`, {
      pointer,
      hint:
        did === bbsDidKey
          ? `${did} is the did:key of the service's BLS12-381 key, which signs bbs-2023 only (options.cryptosuite "bbs-2023"); sign as ${keyring.did}${ownDidKey === undefined ? '' : ` or ${ownDidKey}`} with the ${kind} key`
          : heldBy !== undefined
          ? `${did} is the did:key of the service's ${heldBy} key: sign as it with a ${heldBy} algorithm${heldBy === 'P-521' ? ' (ES512: vc+jwt / vp+jwt only)' : ' or cryptosuite'} (or options.keyType ${heldBy}), or sign as ${keyring.did}${ownDidKey === undefined ? '' : ` or ${ownDidKey}`} with the ${kind} key`
          : `Use one of this service's identities for this key type: ${[keyring.did, ...(ownDidKey === undefined ? [] : [ownDidKey])].join(', ')} (did:key forms for Ed25519, P-256, P-384 and P-521 keys)`,
    });
  }

  /**
   * A bbs-2023 base proof with the service's BLS12-381 key, as its did:web or its BLS12-381
   * did:key. The key has no KeyKind (no JOSE algorithm, no node:crypto form), so none of the
   * options that pick one applies; no certificate chain covers it, so validUntil is bounded by time only.
   * @see https://www.w3.org/TR/vc-di-bbs/#add-base-proof-bbs-2023
   */
  async function issueBbsCredential(credential: JsonObject, options: IssueOptions, issuer: string | undefined, lane: BbsSignatureLane): Promise<IssuedCredential> {
    for (const member of ['alg', 'keyType', 'profile', 'capValidity'] as const) {
      if (options[member] !== undefined && !(member === 'capValidity' && options[member] === false)) {
        throw new GxTrustError('INVALID_INPUT', `options.${member} does not apply to bbs-2023: it signs with the service's BLS12-381 key only`, {
          pointer: `/options/${member}`,
          hint: 'Leave it out; bbs-2023 takes options.mandatoryPointers',
        });
      }
    }
    const bbsKey = keyring.bbsKey();
    if (bbsKey === undefined) {
      throw new GxTrustError('INVALID_INPUT', 'this service holds no BLS12-381 key to sign bbs-2023 with', {
        pointer: '/options',
        hint: `The operator adds one with ${BLS12381_KEY_SETTING}; ecdsa-sd-2023 (a P-256 key) also signs base proofs for selective disclosure`,
      });
    }
    const did = issuer ?? keyring.did;
    const kid = did === keyring.did ? bbsKey.multikeyVerificationMethodId : did === bbsKey.didKey.did ? bbsKey.didKey.verificationMethodId : undefined;
    if (kid === undefined) {
      throw new GxTrustError('INVALID_INPUT', `gx-trust cannot sign bbs-2023 as ${did}`, {
        pointer: '/credential/issuer',
        hint: `Only the service holds a BLS12-381 key (hosted members do not): issue as ${keyring.did} or ${bbsKey.didKey.did}`,
      });
    }
    const period = validityPeriod(credential, deps.clock(), undefined, false);
    if (period.fault !== undefined) {
      throw new GxTrustError(period.fault.code, period.fault.detail, { pointer: `/credential${period.fault.pointer ?? ''}`, ...(period.fault.hint === undefined ? {} : { hint: period.fault.hint }) });
    }
    const signer: DataIntegritySigner = {
      cryptosuite: 'bbs-2023',
      signer: bbsKey.signer(kid, lane),
      mandatoryPointers: selectiveDisclosureMandatory(credential, options.mandatoryPointers ?? []),
    };
    const verifiableCredential = await underRequestPath('/credential', () => signCredentialDataIntegrity({ credential, signer, documentLoader: deps.documentLoader, now: deps.clock() }));
    return { format: 'ldp_vc', verifiableCredential };
  }

  async function issueCredential(input: unknown, rawOptions: IssueOptions = {}, lane: BbsSignatureLane = 'issuance'): Promise<IssuedCredential> {
    assertIssuableCredential(input, ['credential']);
    const options = proofOptions(IssueOptions.parse(rawOptions));
    const credential = withIssuanceDefaults(structuredClone(input), keyring.did, deps.clock());
    const requestedIssuer = issuerId(credential);
    const format = credentialFormatOf(options, requestedIssuer);
    if (format === 'ldp_vc' && cryptosuiteOf(options, requestedIssuer) === 'bbs-2023') return issueBbsCredential(credential, options, requestedIssuer, lane);
    // Before any key is used (a hosted key records the validUntil it signs): never issue what our
    // own verifier would refuse for its validity period.
    // The key choice once per issuance (it was made three times): the validity period, a hosted
    // member's certificate end and the signer all follow from it.
    const plan = planOf(options, requestedIssuer);
    const period = validity(credential, options, plan, await memberCertificateEnd(requestedIssuer, plan));
    if (period.fault !== undefined) {
      throw new GxTrustError(period.fault.code, period.fault.detail, { pointer: `/credential${period.fault.pointer ?? ''}`, ...(period.fault.hint === undefined ? {} : { hint: period.fault.hint }) });
    }
    if (period.cappedTo !== undefined) credential[period.untilKey] = period.cappedTo;
    if (options.selectivelyDisclosable !== undefined && format !== 'vc+sd-jwt') {
      throw new GxTrustError('INVALID_INPUT', `options.selectivelyDisclosable applies to vc+sd-jwt, not ${format}`, { pointer: '/options/selectivelyDisclosable', hint: 'Add options.format "vc+sd-jwt", or leave selectivelyDisclosable out' });
    }

    if (format === 'ldp_vc') {
      if (options.alg !== undefined) {
        throw new GxTrustError('INVALID_INPUT', 'options.alg applies to vc+jwt; Data Integrity uses options.cryptosuite', { pointer: '/options/alg' });
      }
      const cryptosuite = cryptosuiteOf(options, requestedIssuer);
      const mandatoryPointers = cryptosuite === 'ecdsa-sd-2023' ? selectiveDisclosureMandatory(credential, options.mandatoryPointers ?? []) : undefined;
      if (mandatoryPointers === undefined && options.mandatoryPointers !== undefined) {
        throw new GxTrustError('INVALID_INPUT', `options.mandatoryPointers applies to ecdsa-sd-2023 and bbs-2023, not ${cryptosuite}`, { pointer: '/options/mandatoryPointers' });
      }
      const identity = await identityFor(requestedIssuer, plan.kind, '/credential/issuer', { credentialValidUntil: validUntilOf(credential) });
      const signer: DataIntegritySigner = {
        cryptosuite,
        signer: identity.signerFor(cryptosuite === 'Ed25519Signature2020' ? 'ed25519-2020' : 'multikey'),
        ...(mandatoryPointers === undefined ? {} : { mandatoryPointers }),
      };
      const verifiableCredential = await underRequestPath('/credential', () => signCredentialDataIntegrity({
        credential,
        signer,
        documentLoader: deps.documentLoader,
        now: deps.clock(),
      }));
      return { format, verifiableCredential };
    }

    if (options.cryptosuite !== undefined || options.mandatoryPointers !== undefined) {
      const member = options.cryptosuite !== undefined ? 'cryptosuite' : 'mandatoryPointers';
      throw new GxTrustError('INVALID_INPUT', `options.${member} applies to ldp_vc; vc+jwt uses options.alg`, { pointer: `/options/${member}` });
    }
    if (dataModelVersion(credential) !== '2.0') {
      throw new GxTrustError('INVALID_INPUT', 'VC-JOSE secures VC data model 2.0 credentials', {
        pointer: '/credential/@context/0',
        hint: `Use ${VC_V2_CONTEXT} as the first @context, or issue as ldp_vc`,
      });
    }
    const identity = await identityFor(requestedIssuer, plan.kind, '/credential/issuer', { credentialValidUntil: validUntilOf(credential) });
    if (format === 'vc+cose') {
      if (options.profile !== undefined) {
        throw new GxTrustError('INVALID_INPUT', 'options.profile gaia-x-danube is a vc+jwt profile', { pointer: '/options/profile' });
      }
      const signed = await signCredentialCose({ credential, signer: identity.signerFor('jwk') });
      const envelope: JsonObject = { '@context': VC_V2_CONTEXT, id: signed.dataUrl, type: 'EnvelopedVerifiableCredential' };
      return { format, cose: Buffer.from(signed.bytes).toString('base64'), verifiableCredential: envelope, claims: structuredClone(credential) };
    }
    if (format === 'vc+sd-jwt') {
      if (options.profile !== undefined) {
        throw new GxTrustError('INVALID_INPUT', 'options.profile gaia-x-danube is a vc+jwt profile', { pointer: '/options/profile' });
      }
      const signed = await signCredentialSdJwt({ credential, signer: identity.signerFor('jwk'), selectivelyDisclosable: options.selectivelyDisclosable ?? [], now: deps.clock() });
      const envelope: JsonObject = { '@context': VC_V2_CONTEXT, id: `data:application/vc+sd-jwt,${signed.sdJwt}`, type: 'EnvelopedVerifiableCredential' };
      return { format, jwt: signed.sdJwt, verifiableCredential: envelope, claims: signed.claims as JsonObject };
    }
    const { jwt, claims } = await underRequestPath('/credential', () => signCredentialJwtWithClaims({
      credential,
      signer: identity.signerFor('jwk'),
      // The injected clock, as validFrom's: iat from the wall clock could be later than validFrom.
      now: deps.clock(),
      ...(options.profile === undefined ? {} : { profile: options.profile }),
    }));
    const issued: IssuedCredential = { format, jwt, verifiableCredential: { ...envelopeCredential(jwt) } };
    signedJwtClaims.set(issued, claims as JsonObject);
    return issued;
  }

  async function signPresentation(input: unknown, rawOptions: PresentOptions = {}): Promise<SignedPresentation> {
    assertPresentable(input, ['presentation']);
    const options = PresentOptions.parse(rawOptions);
    const presentation = structuredClone(input as JsonObject);
    // The holder as a DID or as {id}: read one way here and in the authorization check, so the
    // presentation is signed as exactly the DID that was authorized, never as the service instead.
    const holder = holderId(presentation);
    // An object holder keeps its form (its id is the signing DID); an absent one becomes the DID.
    const setHolder = (did: string) => {
      if (!isObject(presentation['holder'])) presentation['holder'] = did;
    };
    const format = options.format ?? (joseByDefault(options, holder) ? 'vp+jwt' : 'ldp_vp');
    const choice = { cryptosuite: options.cryptosuite, alg: options.alg, keyType: options.keyType, defaultAlg: 'ES256' } as const;
    if (options.selectivelyDisclosable !== undefined && format !== 'vp+sd-jwt') {
      throw new GxTrustError('INVALID_INPUT', `options.selectivelyDisclosable applies to vp+sd-jwt, not ${format}`, { pointer: '/options/selectivelyDisclosable', hint: 'Add options.format "vp+sd-jwt", or leave selectivelyDisclosable out' });
    }
    if (format === 'vp+cose' && (options.challenge !== undefined || options.domain !== undefined)) {
      // The verifier fails an expected challenge or domain on a vp+cose (CHALLENGE_MISMATCH): signing
      // one that silently dropped them would hand the holder a presentation no verifier accepts.
      const member = options.challenge !== undefined ? 'challenge' : 'domain';
      throw new GxTrustError('INVALID_INPUT', `a vp+cose has nowhere to carry options.${member}: VC-JOSE-COSE defines no nonce or audience for COSE presentations`, {
        pointer: `/options/${member}`,
        hint: 'Sign as vp+jwt or vp+sd-jwt (challenge as nonce, domain as aud) or ldp_vp when the verifier sends a challenge or domain; or leave both out for vp+cose',
      });
    }
    if (format === 'ldp_vp') {
      const cryptosuite = cryptosuiteOf(options, holder);
      const identity = await identityFor(holder, keyKindFor({ ...choice, format: 'data-integrity' }, holder), '/presentation/holder', { presentation: true });
      setHolder(identity.did);
      const challenge = options.challenge;
      if (challenge === undefined) {
        throw new GxTrustError('INVALID_INPUT', 'a Data Integrity presentation needs options.challenge', { pointer: '/options/challenge' });
      }
      const verifiablePresentation = await underRequestPath('/presentation', () => signPresentationDataIntegrity({
        presentation,
        signer: { cryptosuite, signer: identity.signerFor(cryptosuite === 'Ed25519Signature2020' ? 'ed25519-2020' : 'multikey') },
        documentLoader: deps.documentLoader,
        challenge,
        ...(options.domain === undefined ? {} : { domain: options.domain }),
        now: deps.clock(),
      }));
      return { format, verifiablePresentation };
    }
    const identity = await identityFor(holder, keyKindFor({ ...choice, format: 'jose' }, holder), '/presentation/holder', { presentation: true });
    setHolder(identity.did);
    if (format === 'vp+sd-jwt') {
      const signed = await signPresentationSdJwt({
        presentation,
        signer: identity.signerFor('jwk'),
        selectivelyDisclosable: options.selectivelyDisclosable ?? [],
        now: deps.clock(),
        at: '/presentation',
        ...(options.challenge === undefined ? {} : { nonce: options.challenge }),
        ...(options.domain === undefined ? {} : { audience: options.domain }),
      });
      const envelope: JsonObject = { '@context': VC_V2_CONTEXT, id: `data:application/vp+sd-jwt,${signed.sdJwt}`, type: 'EnvelopedVerifiablePresentation' };
      return { format, jwt: signed.sdJwt, verifiablePresentation: envelope, claims: signed.claims as JsonObject };
    }
    if (format === 'vp+cose') {
      const signed = await signPresentationCose({ presentation, signer: identity.signerFor('jwk'), at: '/presentation' });
      const envelope: JsonObject = { '@context': VC_V2_CONTEXT, id: signed.dataUrl, type: 'EnvelopedVerifiablePresentation' };
      return { format, cose: Buffer.from(signed.bytes).toString('base64'), verifiablePresentation: envelope, claims: structuredClone(signed.document) as JsonObject };
    }
    const jwt = await underRequestPath('/presentation', () => signPresentationJwt({
      presentation,
      signer: identity.signerFor('jwk'),
      now: deps.clock(),
      ...(options.challenge === undefined ? {} : { nonce: options.challenge }),
      ...(options.domain === undefined ? {} : { audience: options.domain }),
    }));
    return {
      format,
      jwt,
      verifiablePresentation: {
        '@context': VC_V2_CONTEXT,
        id: `data:application/vp+jwt,${jwt}`,
        type: 'EnvelopedVerifiablePresentation',
      },
    };
  }

  async function issueJsonWebSignature2020(input: unknown): Promise<JsonObject> {
    assertIssuableCredential(input, ['credential']);
    if (dataModelVersion(input) !== '1.1') {
      throw new GxTrustError('INVALID_INPUT', 'JsonWebSignature2020 is issued for Tagus (VC data model 1.1) credentials only', {
        pointer: '/credential/@context/0',
        hint: `Use ${VC_V1_CONTEXT} as the first @context; new credentials use Data Integrity or VC-JOSE`,
      });
    }
    const credential = withIssuanceDefaults(structuredClone(input), keyring.did, deps.clock());
    if (issuerId(credential) !== keyring.did) {
      throw new GxTrustError('INVALID_INPUT', `JsonWebSignature2020 credentials are issued as ${keyring.did} only`, { pointer: '/credential/issuer' });
    }
    const { fault } = validityPeriod(credential, deps.clock(), certificateNotAfter(keyring.did, 'RSA', 'jwk'), false);
    if (fault !== undefined) throw new GxTrustError(fault.code, fault.detail, { pointer: `/credential${fault.pointer ?? ''}`, ...(fault.hint === undefined ? {} : { hint: fault.hint }) });
    return underRequestPath('/credential', () => signJsonWebSignature2020({
      document: credential,
      // PS256, the RSA key's algorithm.
      signer: keyring.key('RSA').signer(`${keyring.did}#${VERIFICATION_METHOD_FRAGMENTS.jwkRsa}`),
      // The standard signing input binds proof.created, which the gaia-x variant leaves unsigned.
      variant: 'standard',
      documentLoader: deps.documentLoader,
      now: deps.clock(),
    }));
  }

  function reviewValidity(credential: JsonObject, options: IssueOptions = {}): ProblemDetail | undefined {
    const parsed = proofOptions(options);
    // bbs-2023: no KeyKind to plan with, and no certificate bounds the BLS12-381 key.
    if (credentialFormatOf(parsed, issuerId(credential)) === 'ldp_vc' && cryptosuiteOf(parsed, issuerId(credential)) === 'bbs-2023') return validityPeriod(credential, deps.clock(), undefined, false).fault;
    return validity(credential, parsed).fault;
  }

  return { issueCredential, signPresentation, issueJsonWebSignature2020, reviewValidity };
}

/**
 * The members of a credential a holder may never withhold from an ecdsa-sd-2023 or bbs-2023 derivation: who
 * issued it (the key is bound to the issuer: without it nothing verifies), its validity period
 * (a holder hiding validUntil would present an expired credential as current) and its status
 * entries (hiding them would hide a revocation).
 */
const MANDATORY_MEMBERS = ['issuer', 'validFrom', 'validUntil', 'issuanceDate', 'expirationDate', 'credentialStatus'] as const;

/** The caller's mandatory pointers, checked against the credential, with the members gx-trust always discloses. */
function selectiveDisclosureMandatory(credential: JsonObject, requested: readonly string[]): string[] {
  assertPointersMatch(credential, requested, 'mandatoryPointers');
  const always = MANDATORY_MEMBERS.filter((member) => credential[member] !== undefined).map((member) => `/${member}`);
  return [...new Set([...always, ...nodeReferencePointers(credential, requested)])];
}

/**
 * The format signers point into the document they sign; a caller of the issuer sent that document
 * under `base` (`/credential`, `/presentation`), as the issuer's own refusals say, so their
 * pointers are rebased to match.
 */
async function underRequestPath<T>(base: string, sign: () => Promise<T>): Promise<T> {
  try {
    return await sign();
  } catch (error) {
    if (!isGxTrustError(error) || error.pointer === undefined) throw error;
    throw new GxTrustError(error.code, error.message, {
      cause: error.cause ?? error,
      pointer: base + error.pointer,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      errors: error.errors.map((e) => (e.pointer === undefined ? e : { ...e, pointer: base + e.pointer })),
      ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    });
  }
}

const isoSeconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Issue-time guarantees on the validity period. A credential whose validUntil has passed is
 * invalid from the moment it is signed: 400 INVALID_DATE. A validUntil after the signing
 * certificate's notAfter: a verifier refuses the credential once the chain does not outlive it
 * (gx-trust's own verifier does, as the Gaia-X compliance service does), so it is refused
 * (VALIDITY_BEYOND_CERTIFICATE) or, with capValidity, cut to the certificate's end. Pointers are
 * into the credential.
 */
export function validityPeriod(
  credential: JsonObject,
  now: Date,
  certificateNotAfter: Date | undefined,
  capValidity: boolean,
): { untilKey: 'validUntil' | 'expirationDate'; fault?: ProblemDetail; cappedTo?: string } {
  const untilKey = dataModelVersion(credential) === '1.1' ? 'expirationDate' : 'validUntil';
  const until = parseRfc3339(credential[untilKey]);
  if (until === undefined) return { untilKey };
  if (until.getTime() <= now.getTime()) {
    return {
      untilKey,
      fault: {
        code: 'INVALID_DATE',
        pointer: `/${untilKey}`,
        detail: `${untilKey} ${String(credential[untilKey])} has already passed: the credential would be invalid from the moment it is issued`,
        hint: `Set ${untilKey} in the future, or leave it out`,
      },
    };
  }
  if (certificateNotAfter === undefined || until.getTime() <= certificateNotAfter.getTime()) return { untilKey };
  const end = isoSeconds(certificateNotAfter);
  if (capValidity) return { untilKey, cappedTo: end };
  return {
    untilKey,
    fault: {
      code: 'VALIDITY_BEYOND_CERTIFICATE',
      pointer: `/${untilKey}`,
      detail: `${untilKey} ${String(credential[untilKey])} is after ${end}, when the certificate of the signing key expires: verifiers would refuse the credential`,
      hint: `Set ${untilKey} on or before ${end}, or send options.capValidity: true to have it cut to that instant`,
    },
  };
}

/**
 * What the issuer fills in when the request leaves it out: an id (so the credential can be found,
 * audited and revoked later), the issuer, and the start of validity.
 */
function withIssuanceDefaults(credential: JsonObject, did: string, now: Date): JsonObject {
  const issued: JsonObject = { ...credential };
  issued['id'] ??= newCredentialId();
  issued['issuer'] ??= did;
  const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (dataModelVersion(credential) === '2.0') issued['validFrom'] ??= at;
  else issued['issuanceDate'] ??= at;
  return issued;
}

/** validUntil (VCDM 2.0) or expirationDate (1.1); null when the credential does not end. */
function validUntilOf(credential: JsonObject): string | null {
  const end = credential['validUntil'] ?? credential['expirationDate'];
  return typeof end === 'string' ? end : null;
}
