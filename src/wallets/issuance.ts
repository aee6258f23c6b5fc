/**
 * OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow: a member (or an admin)
 * offers credentials it owns to a wallet; the wallet trades the pre-authorized code (and the PIN,
 * when the offer has one) for a short-lived access token, fetches a c_nonce, proves possession of
 * its key in a `jwt` proof, and receives a copy of each offered credential bound to that key,
 * signed by the original's issuer, recorded and audited as every issuance is.
 *
 * The protocol messages are parsed, checked and built by the OpenWallet Foundation's oid4vc-ts
 * (`@openid4vc/oauth2`, `@openid4vc/openid4vci`); gx-trust supplies keys, randomness, DID
 * resolution (did:key and did:jwk, offline) and the state, which lives in the store so that every
 * replica redeems what another offered and a code or nonce is used once across all of them.
 *
 * Deferred issuance (§9): an offer may promise configurations that onboarding issues only after an
 * admin's review. A credential request that arrives first is answered 202 with a transaction_id,
 * kept (as a digest) with the keys its proofs proved; the deferred credential endpoint answers it
 * once the review approved (naming the credentials onboarding issued) or refused.
 *
 * Binding: the credential subject stays the participant (the member's DID: what Gaia-X attests is
 * about it); the wallet key that proved possession is named by the VCDM 2.0 `confidenceMethod` as
 * a DID URL (did:key, or did:jwk for a bare JWK), in both formats.
 * @see https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html
 * @see https://www.w3.org/TR/vc-data-model-2.0/#reserved-extension-points
 */
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  clientAuthenticationNone,
  HashAlgorithm,
  Oauth2AuthorizationServer,
  Oauth2ErrorCodes,
  Oauth2ResourceServer,
  Oauth2ResourceUnauthorizedError,
  Oauth2ServerErrorResponseError,
  preAuthorizedCodeGrantIdentifier,
  type CallbackContext,
  type Jwk,
  type JwtSigner,
} from '@openid4vc/oauth2';
import { Openid4vciIssuer, Openid4vciVersion, setGlobalConfig, type IssuerMetadataResult } from '@openid4vc/openid4vci';
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { compactJws } from '../keyring/signer.js';
import QRCode from 'qrcode';
import type { Clock } from '../clock.js';
import { newCredentialId } from '../credentials/ids.js';
import type { JsonObject } from '../credentials/index.js';
import { bindVerificationMethod, parseDidUrl } from '../dids/index.js';
import { resolveDidJwk } from '../dids/jwk.js';
import { resolveDidKey } from '../dids/key.js';
import { verificationMethodJwk } from '../dids/multikey.js';
import { assertAlgorithmAllowed, type Keyring } from '../keyring/index.js';
import { GxTrustError, type ErrorCode } from '../errors.js';
import type { ScopedSigner, SigningCaller } from '../issuing/signing-policy.js';
import type { CredentialOfferRecord, CredentialRecord, MemberRecord, OfferedCredential } from '../storage/store.js';
import type { AuditRepository, CredentialRepository, MemberRepository, StatusListRepository, WalletRepository } from '../storage/repositories.js';
import { getBit } from '../status-lists/bitstring.js';
import { configurationId, configurationOf, credentialConfigurations, kindOf, PROOF_SIGNING_ALGORITHMS, type WalletFormat } from './configurations.js';

/** How long an offer can be redeemed (default, and the most a caller may ask for). */
export const OFFER_LIFETIME_SECONDS = { default: 600, max: 86_400 };
export const ACCESS_TOKEN_SECONDS = 300;
export const NONCE_SECONDS = 300;
/**
 * Deferred issuance: how long a transaction waits for the review, and how long an access token for
 * a pending offer lives (the wallet presents it at the deferred credential endpoint; gx-trust has no
 * refresh tokens). The token still names one offer only, and is DPoP-bound when the wallet can.
 */
export const DEFERRED_SECONDS = 86_400;
/** The seconds a wallet is told to wait between deferred credential requests. */
export const DEFERRED_INTERVAL_SECONDS = 60;
/** Wrong PINs an offer survives; the next kills it. */
export const MAX_TX_CODE_FAILURES = 5;
/** Proofs (keys) one credential request may carry. */
export const BATCH_SIZE = 10;
const TX_CODE_LENGTH = 6;

export const WALLET_PATHS = {
  token: '/openid4vci/token',
  nonce: '/openid4vci/nonce',
  credential: '/openid4vci/credential',
  deferredCredential: '/openid4vci/deferred-credential',
  jwks: '/openid4vci/jwks',
  /** Where a wallet fetches an offer passed by reference (`credential_offer_uri`, OpenID4VCI §4.1.3). */
  credentialOffers: '/openid4vci/credential-offers',
} as const;

/** The OAuth 2.0 / OpenID4VCI error each refusal is, beside its problem code (RFC 6749 §5.2, OpenID4VCI §8.3.1.2). */
export const OAUTH_ERRORS: Partial<Record<ErrorCode, string>> = {
  INVALID_GRANT: 'invalid_grant',
  INVALID_TOKEN: 'invalid_token',
  INVALID_PROOF: 'invalid_proof',
  INVALID_NONCE: 'invalid_nonce',
  UNKNOWN_CREDENTIAL_CONFIGURATION: 'unknown_credential_configuration',
  INVALID_CREDENTIAL_REQUEST: 'invalid_credential_request',
  UNSUPPORTED_GRANT_TYPE: 'unsupported_grant_type',
  INVALID_TRANSACTION_ID: 'invalid_transaction_id',
  CREDENTIAL_REQUEST_DENIED: 'credential_request_denied',
};

export interface OfferRequest {
  /** Ids of stored credentials the member owns; absent for a deferred offer. */
  credentials?: readonly string[] | undefined;
  /**
   * An offer of what onboarding will issue once an admin's review approves it: the configurations
   * promised. The wallet's request gets a transaction_id until then (OpenID4VCI §9).
   */
  deferred?: { credentialConfigurationIds: readonly string[] } | undefined;
  format?: WalletFormat | undefined;
  /** A PIN the wallet must send with the code, handed to the holder out of band. */
  txCode?: boolean | undefined;
  expiresInSeconds?: number | undefined;
}

export interface CreatedOffer {
  id: string;
  /** The `openid-credential-offer://` URI (the offer by value). */
  credentialOfferUri: string;
  credentialOffer: Record<string, unknown>;
  /** The URI as a QR code: an SVG data URI. */
  qrCode: string;
  /**
   * The `openid-credential-offer://?credential_offer_uri=…` URI (the offer by reference): the wallet
   * fetches the offer from gx-trust. A fraction of the length, so a QR code a phone scans at a glance.
   */
  credentialOfferUriByReference: string;
  /** The by-reference URI as a QR code: an SVG data URI. */
  qrCodeByReference: string;
  /** The PIN, shown once: it is stored as a digest only. */
  txCode?: string;
  expiresAt: string;
  credentialConfigurationIds: string[];
}

/** The parts of a request the protocol checks read (DPoP's htm/htu, the Authorization and DPoP headers). */
export interface WalletHttpRequest {
  method: 'GET' | 'POST';
  /** The URL the wallet called, as it names it (the service's base URL and the path). */
  url: string;
  headers: Headers;
}

export interface WalletIssuance {
  issuerMetadata(): Record<string, unknown>;
  authorizationServerMetadata(): Record<string, unknown>;
  jwks(): { keys: JWK[] };
  createOffer(member: MemberRecord, request: OfferRequest, caller: SigningCaller & { ownedRecords: readonly CredentialRecord[] }): Promise<CreatedOffer>;
  /** The credential offer a by-reference URI points to, while it can be redeemed; NOT_FOUND otherwise. */
  offerByReference(reference: string): Promise<Record<string, unknown>>;
  token(request: WalletHttpRequest, body: Record<string, unknown>): Promise<Record<string, unknown>>;
  nonce(): Promise<Record<string, unknown>>;
  /** 200 with the credentials, or 202 with a transaction_id when the offer waits for its review. */
  credential(request: WalletHttpRequest, body: Record<string, unknown>): Promise<WalletAnswer>;
  /** OpenID4VCI §9: 200 with the credentials once the review approved, 202 while it is pending. */
  deferredCredential(request: WalletHttpRequest, body: Record<string, unknown>): Promise<WalletAnswer>;
  /** An admin's decision on a deferred offer: approved with the credentials onboarding issued, or refused. */
  decideOffer(member: MemberRecord, offerId: string, decision: OfferDecision, caller: SigningCaller & { ownedRecords: readonly CredentialRecord[] }): Promise<DecidedOffer>;
}

export interface WalletAnswer {
  status: 200 | 202;
  body: Record<string, unknown>;
}

export type OfferDecision = { decision: 'approved'; credentials: readonly string[] } | { decision: 'refused'; reason: string };

export interface DecidedOffer {
  id: string;
  state: 'approved' | 'refused';
  /** What the wallet gets: each approved credential under each promised configuration of its kind. */
  credentials: readonly OfferedCredential[];
  reason?: string;
}

export interface WalletIssuanceDependencies {
  store: WalletRepository & Pick<CredentialRepository, 'getCredential'> & Pick<MemberRepository, 'getMember'> & Pick<AuditRepository, 'appendAudit'> & Pick<StatusListRepository, 'getStatusList'>;
  /** The signing policy's `wallets` signer: copies as the original's issuer, recorded and audited. */
  signer: ScopedSigner;
  keyring: Pick<Keyring, 'baseUrl' | 'key'>;
  clock: Clock;
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The pre-authorized code of an offer, derived from the reference its by-reference URI carries (32
 * random bytes). Nothing new is stored: the offer is found by the digest of this code, as the token
 * endpoint finds it, and the offer JSON is rebuilt from the record. Holding the reference is holding
 * the code, as the by-value URI is; the code (and its stored digest) does not give the reference.
 */
const codeOfReference = (reference: string) => createHash('sha256').update(`gx-trust pre-authorized code\u0000${reference}`).digest('base64url');
const REFERENCE_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const isCompactJwt = (text: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text);

function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A stored credential as a JSON document: a JWT's payload, or the JSON itself. */
function documentOf(record: CredentialRecord): JsonObject {
  const text = record.credential.trim();
  if (isCompactJwt(text)) return decodeJwt(text) as JsonObject;
  return JSON.parse(text) as JsonObject;
}

/** JWT claims and proof parts of the original that the copy gets afresh (its own id, status, proof, iat/exp). */
const NOT_COPIED = new Set(['id', 'proof', 'credentialStatus', 'confidenceMethod', 'iat', 'exp', 'nbf', 'iss', 'sub', 'jti', 'aud', 'cnf']);

/** The wallet key as a DID URL: a did:key or did:jwk method as given, a bare JWK as its did:jwk. */
function bindingOf(signer: JwtSigner & { publicJwk: Jwk }): string {
  if (signer.method === 'did') return signer.didUrl;
  const { kty, crv, x, y, n, e } = signer.publicJwk;
  const publicOnly = Object.fromEntries(Object.entries({ crv, e, kty, n, x, y }).filter(([, v]) => v !== undefined));
  return `did:jwk:${Buffer.from(JSON.stringify(publicOnly)).toString('base64url')}#0`;
}

function walletError(code: ErrorCode, message: string, hint: string, pointer?: string): GxTrustError {
  return new GxTrustError(code, message, { hint, ...(pointer === undefined ? {} : { pointer }) });
}

/** An oid4vc-ts refusal as gx-trust's error with the OAuth error code of the library's answer. */
function fromLibrary(error: unknown, fallback: ErrorCode): GxTrustError {
  if (error instanceof GxTrustError) return error;
  if (error instanceof Oauth2ResourceUnauthorizedError) {
    const challenge = error.wwwAuthenticateHeaders[0];
    const description = typeof challenge?.additionalPayload?.['error_description'] === 'string' ? challenge.additionalPayload['error_description'] : error.message;
    return walletError('INVALID_TOKEN', String(description), 'Send the access token of the token endpoint as `Authorization: Bearer` (or `DPoP` with a DPoP proof when it is DPoP-bound), before it expires');
  }
  if (error instanceof Oauth2ServerErrorResponseError) {
    const oauth = error.errorResponse.error;
    const code = (Object.entries(OAUTH_ERRORS).find(([, value]) => value === oauth)?.[0] as ErrorCode | undefined) ?? (oauth === Oauth2ErrorCodes.InvalidRequest ? 'INVALID_INPUT' : fallback);
    return walletError(code, error.errorResponse.error_description ?? error.message, 'See the OpenID4VCI error in `error`');
  }
  const message = error instanceof Error ? error.message : String(error);
  return walletError(fallback === 'INVALID_GRANT' ? 'INVALID_INPUT' : fallback, message, 'The request does not follow OpenID4VCI 1.0');
}

export function createWalletIssuance(deps: WalletIssuanceDependencies): WalletIssuance {
  const { store, keyring } = deps;

  /** The status a list gives the credential now, when one of its entries is set: a wallet gets no copy of what no longer holds. */
  async function withdrawn(record: CredentialRecord): Promise<string | undefined> {
    for (const entry of record.statusEntries) {
      const list = await store.getStatusList(entry.listId);
      if (list !== undefined && getBit(list.bits, entry.index)) return entry.purpose === 'suspension' ? 'suspended' : 'revoked';
    }
    return undefined;
  }
  const base = keyring.baseUrl.replace(/\/$/, '');
  // oid4vc-ts refuses http:// URLs unless told (a process-wide switch). Production's GX_BASE_URL is
  // https:// (config.ts refuses anything else there), so only a development service sets it.
  if (base.startsWith('http://')) setGlobalConfig({ allowInsecureUrls: true });
  // Access tokens are signed by the service's P-256 key, under the kid of its DID method.
  const tokenSigner = keyring.key('P-256').signer();
  const tokenJwk: Jwk = { ...(tokenSigner.publicJwk as Jwk), kid: tokenSigner.kid, use: 'sig', alg: 'ES256' };

  /** did:key and did:jwk are resolved offline; a wallet key on did:web would make the issuer fetch at the wallet's word. */
  async function walletKey(signer: JwtSigner): Promise<Jwk | undefined> {
    if (signer.method === 'jwk') return signer.publicJwk;
    if (signer.method !== 'did') return undefined;
    const { did } = parseDidUrl(signer.didUrl);
    const document = did.startsWith('did:key:') ? resolveDidKey(did) : did.startsWith('did:jwk:') ? resolveDidJwk(did) : undefined;
    if (document === undefined) return undefined;
    const methodId = signer.didUrl.includes('#') ? signer.didUrl : `${did}#0`;
    return verificationMethodJwk(bindVerificationMethod(document, methodId, 'authentication', deps.clock)) as Jwk;
  }

  const callbacks: Omit<CallbackContext, 'decryptJwe' | 'encryptJwe'> = {
    hash: (data, alg) => new Uint8Array(createHash({ [HashAlgorithm.Sha256]: 'sha256', [HashAlgorithm.Sha384]: 'sha384', [HashAlgorithm.Sha512]: 'sha512' }[alg]).update(data).digest()),
    generateRandom: (bytes) => new Uint8Array(randomBytes(bytes)),
    clientAuthentication: clientAuthenticationNone({ clientId: 'wallet' }),
    // Only access tokens are signed here, with the service's P-256 key.
    signJwt: async (_signer, jwt) => ({
      jwt: await compactJws(jwt.header as Record<string, unknown>, jwt.payload as Record<string, unknown>, tokenSigner),
      signerJwk: tokenJwk,
    }),
    verifyJwt: async (signer, jwt) => {
      try {
        const jwk = await walletKey(signer);
        if (jwk === undefined) return { verified: false };
        assertAlgorithmAllowed(signer.alg, jwk as JWK);
        await compactVerify(jwt.compact, await importJWK(jwk as JWK, signer.alg), { algorithms: [signer.alg] });
        return { verified: true, signerJwk: jwk };
      } catch {
        return { verified: false };
      }
    },
    // The resource server reads the authorization server's jwks_uri: ours, answered here without a request.
    fetch: async (input) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url !== `${base}${WALLET_PATHS.jwks}`) throw new GxTrustError('INTERNAL', `no fetch from the wallet issuer: ${url}`);
      return new Response(JSON.stringify({ keys: [tokenJwk] }), { headers: { 'content-type': 'application/json' } });
    },
  };

  const authorizationServer = new Oauth2AuthorizationServer({ callbacks });
  const resourceServer = new Oauth2ResourceServer({ callbacks });
  const issuer = new Openid4vciIssuer({ callbacks });

  const authorizationServerMetadata = authorizationServer.createAuthorizationServerMetadata({
    issuer: base,
    token_endpoint: `${base}${WALLET_PATHS.token}`,
    jwks_uri: `${base}${WALLET_PATHS.jwks}`,
    grant_types_supported: [preAuthorizedCodeGrantIdentifier],
    token_endpoint_auth_methods_supported: ['none'],
    'pre-authorized_grant_anonymous_access_supported': true,
    dpop_signing_alg_values_supported: [...PROOF_SIGNING_ALGORITHMS],
  } as Parameters<Oauth2AuthorizationServer['createAuthorizationServerMetadata']>[0]);

  const credentialIssuer = issuer.createCredentialIssuerMetadata({
    credential_issuer: base,
    authorization_servers: [base],
    credential_endpoint: `${base}${WALLET_PATHS.credential}`,
    nonce_endpoint: `${base}${WALLET_PATHS.nonce}`,
    deferred_credential_endpoint: `${base}${WALLET_PATHS.deferredCredential}`,
    batch_credential_issuance: { batch_size: BATCH_SIZE },
    display: [{ name: 'gx-trust', locale: 'en' }],
    credential_configurations_supported: credentialConfigurations(),
  } as Parameters<Openid4vciIssuer['createCredentialIssuerMetadata']>[0]);

  const issuerMetadata: IssuerMetadataResult = {
    originalDraftVersion: Openid4vciVersion.V1,
    credentialIssuer,
    authorizationServers: [authorizationServerMetadata],
    knownCredentialConfigurations: issuer.getKnownCredentialConfigurationsSupported(credentialIssuer),
  };

  async function newNonce(): Promise<string> {
    const nonce = randomBytes(24).toString('base64url');
    await store.putWalletNonce({ nonce, expiresAt: new Date(deps.clock().getTime() + NONCE_SECONDS * 1000).toISOString() });
    return nonce;
  }

  /** The credential offer (and its URI: by value, or by reference when `byReference` names where it is served). */
  function offerOf(credentialConfigurationIds: string[], code: string, withTxCode: boolean, byReference?: string) {
    return issuer.createCredentialOffer({
      issuerMetadata,
      credentialConfigurationIds,
      grants: {
        [preAuthorizedCodeGrantIdentifier]: {
          'pre-authorized_code': code,
          ...(withTxCode ? { tx_code: { input_mode: 'numeric', length: TX_CODE_LENGTH, description: 'The PIN gx-trust showed to whoever made the offer' } } : {}),
        },
      },
      ...(byReference === undefined ? {} : { credentialOfferUri: byReference }),
    });
  }

  async function qrCodeOf(uri: string): Promise<string> {
    return `data:image/svg+xml;base64,${Buffer.from(await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M' })).toString('base64')}`;
  }

  /**
   * The offer by reference, rebuilt as it was made (same configurations, code and tx_code
   * description; never the PIN). Once the code can no longer be traded (redeemed, expired, void
   * after wrong PINs) the offer is answered as unknown: it would hand out a dead code.
   */
  async function offerByReference(reference: string): Promise<Record<string, unknown>> {
    const gone = () => new GxTrustError('NOT_FOUND', 'no credential offer can be redeemed at this reference (unknown, redeemed already, or expired)', {
      hint: 'Ask the member for a new offer: a credential offer is good until it expires, for one token',
    });
    if (!REFERENCE_PATTERN.test(reference)) throw gone();
    const code = codeOfReference(reference);
    const offer = await store.credentialOfferByCode(sha256Hex(code));
    if (offer === undefined || offer.redeemedAt !== null || Date.parse(offer.expiresAt) <= deps.clock().getTime()) throw gone();
    if (offer.txCodeHash !== null && offer.txCodeFailures >= MAX_TX_CODE_FAILURES) throw gone();
    const credentialConfigurationIds = offer.deferred?.configurationIds ?? [...new Set(offer.credentials.map((c) => c.configurationId))];
    const { credentialOfferObject } = await offerOf([...credentialConfigurationIds], code, offer.txCodeHash !== null);
    return credentialOfferObject as Record<string, unknown>;
  }

  async function createOffer(member: MemberRecord, request: OfferRequest, caller: SigningCaller & { ownedRecords: readonly CredentialRecord[] }): Promise<CreatedOffer> {
    const format = request.format ?? 'jwt_vc_json';
    const offered: OfferedCredential[] = [];
    const deferred = request.deferred === undefined ? null : [...new Set(request.deferred.credentialConfigurationIds)];
    for (const [index, id] of (deferred ?? []).entries()) {
      if (configurationOf(id) === undefined) {
        throw new GxTrustError('INVALID_INPUT', `gx-trust has no credential configuration ${id}`, {
          pointer: `/deferred/credentialConfigurationIds/${index}`,
          hint: 'Name configurations of GET /.well-known/openid-credential-issuer (credential_configurations_supported)',
        });
      }
    }
    for (const [index, record] of caller.ownedRecords.entries()) {
      const status = await withdrawn(record);
      if (status !== undefined) {
        throw new GxTrustError(status === 'suspended' ? 'CREDENTIAL_SUSPENDED' : 'CREDENTIAL_REVOKED', `${record.id} is ${status}: a wallet gets no copy of it`, {
          pointer: `/credentials/${index}`,
          hint: 'Offer current credentials (GET /members/{id}/credentials?status=active)',
        });
      }
      const claims = await deps.signer.read(documentOf(record));
      const kind = kindOf([...claims.types, ...claims.subjects.flatMap((s) => s.types)]);
      if (kind === undefined) {
        throw new GxTrustError('INVALID_INPUT', `${record.id} is none of the kinds gx-trust issues into wallets`, {
          pointer: `/credentials/${index}`,
          hint: 'Offer LegalPerson, registration-number, Issuer (terms and conditions), ServiceOffering or label credentials',
        });
      }
      offered.push({ configurationId: configurationId(kind, format), credentialId: record.id });
    }
    const now = deps.clock();
    const lifetime = request.expiresInSeconds ?? OFFER_LIFETIME_SECONDS.default;
    const expiresAt = new Date(now.getTime() + lifetime * 1000).toISOString();
    const reference = randomBytes(32).toString('base64url');
    const code = codeOfReference(reference);
    const txCode = request.txCode === true ? String(randomInt(0, 10 ** TX_CODE_LENGTH)).padStart(TX_CODE_LENGTH, '0') : undefined;
    const credentialConfigurationIds = deferred ?? [...new Set(offered.map((o) => o.configurationId))];
    const { credentialOffer, credentialOfferObject } = await offerOf(credentialConfigurationIds, code, txCode !== undefined);
    const { credentialOffer: credentialOfferUriByReference } = await offerOf(credentialConfigurationIds, code, txCode !== undefined, `${base}${WALLET_PATHS.credentialOffers}/${reference}`);
    const id = randomUUID();
    await store.createCredentialOffer({
      offer: {
        id,
        memberId: member.id,
        codeHash: sha256Hex(code),
        txCodeHash: txCode === undefined ? null : sha256Hex(txCode),
        credentials: offered,
        createdBy: caller.actor,
        createdByRole: caller.role,
        createdAt: now.toISOString(),
        expiresAt,
        redeemedAt: null,
        deferred: deferred === null ? null : { configurationIds: deferred, state: 'pending', reason: null },
      },
      audit: {
        actor: caller.actor,
        action: 'credential-offer.created',
        subject: member.did,
        digests: {},
        details: { offer: id, member: member.id, credentials: offered.map((o) => o.credentialId), configurations: credentialConfigurationIds, expiresAt, txCode: txCode !== undefined, deferred: deferred !== null },
      },
    });
    return {
      id,
      credentialOfferUri: credentialOffer,
      credentialOffer: credentialOfferObject as Record<string, unknown>,
      qrCode: await qrCodeOf(credentialOffer),
      credentialOfferUriByReference,
      qrCodeByReference: await qrCodeOf(credentialOfferUriByReference),
      ...(txCode === undefined ? {} : { txCode }),
      expiresAt,
      credentialConfigurationIds,
    };
  }

  async function token(request: WalletHttpRequest, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    let parsed: ReturnType<Oauth2AuthorizationServer['parseAccessTokenRequest']>;
    try {
      parsed = authorizationServer.parseAccessTokenRequest({ request, accessTokenRequest: body });
    } catch (error) {
      throw fromLibrary(error, 'INVALID_INPUT');
    }
    if (parsed.grant.grantType !== preAuthorizedCodeGrantIdentifier) {
      throw walletError('UNSUPPORTED_GRANT_TYPE', `grant_type ${parsed.grant.grantType} is not offered here`, `Send grant_type=${preAuthorizedCodeGrantIdentifier}`, '/grant_type');
    }
    const grant = parsed.grant;
    const offer = await store.credentialOfferByCode(sha256Hex(grant.preAuthorizedCode));
    const unknown = 'Scan the offer again: a pre-authorized code is good for one token, until the offer expires';
    if (offer === undefined) throw walletError('INVALID_GRANT', 'no offer has this pre-authorized code', unknown, '/pre-authorized_code');
    const now = deps.clock();
    if (offer.redeemedAt !== null) throw walletError('INVALID_GRANT', 'the pre-authorized code was used already', unknown, '/pre-authorized_code');
    if (Date.parse(offer.expiresAt) <= now.getTime()) throw walletError('INVALID_GRANT', `the offer expired at ${offer.expiresAt}`, 'Ask the member for a new offer', '/pre-authorized_code');
    if (offer.txCodeHash !== null) {
      if (offer.txCodeFailures >= MAX_TX_CODE_FAILURES) throw walletError('INVALID_GRANT', 'too many wrong PINs: the offer is void', 'Ask the member for a new offer', '/tx_code');
      if (grant.txCode === undefined || !sameDigest(sha256Hex(grant.txCode), offer.txCodeHash)) {
        const failures = await store.countTxCodeFailure(offer.id);
        throw walletError('INVALID_GRANT', grant.txCode === undefined ? 'the offer needs its PIN (tx_code)' : `wrong PIN (${Math.max(0, MAX_TX_CODE_FAILURES - failures)} tries left)`, 'Send the PIN shown with the offer as tx_code', '/tx_code');
      }
    } else if (grant.txCode !== undefined) {
      throw walletError('INVALID_GRANT', 'this offer has no PIN, and one was sent', 'Leave tx_code out', '/tx_code');
    }
    let verified: Awaited<ReturnType<Oauth2AuthorizationServer['verifyPreAuthorizedCodeAccessTokenRequest']>>;
    try {
      verified = await authorizationServer.verifyPreAuthorizedCodeAccessTokenRequest({
        authorizationServerMetadata,
        grant,
        accessTokenRequest: parsed.accessTokenRequest,
        request,
        expectedPreAuthorizedCode: grant.preAuthorizedCode,
        ...(grant.txCode === undefined ? {} : { expectedTxCode: grant.txCode }),
        preAuthorizedCodeExpiresAt: new Date(offer.expiresAt),
        now,
        ...(parsed.dpop === undefined ? {} : { dpop: { jwt: parsed.dpop.jwt, allowedSigningAlgs: [...PROOF_SIGNING_ALGORITHMS] } }),
      });
    } catch (error) {
      throw fromLibrary(error, 'INVALID_GRANT');
    }
    // The conditional update decides between two wallets (or replicas) racing with one code.
    if (!(await store.redeemCredentialOffer({ id: offer.id, at: now.toISOString() }))) {
      throw walletError('INVALID_GRANT', 'the pre-authorized code was used already', unknown, '/pre-authorized_code');
    }
    const member = await store.getMember(offer.memberId);
    await store.appendAudit({
      actor: offer.createdBy,
      action: 'credential-offer.redeemed',
      subject: member?.did ?? offer.memberId,
      digests: {},
      details: { offer: offer.id, dpop: verified.dpop !== undefined },
    });
    const cNonce = await newNonce();
    return authorizationServer.createAccessTokenResponse({
      authorizationServer: base,
      audience: base,
      subject: offer.id,
      expiresInSeconds: offer.deferred?.state === 'pending' ? DEFERRED_SECONDS : ACCESS_TOKEN_SECONDS,
      signer: { method: 'jwk', alg: 'ES256', publicJwk: tokenJwk },
      now,
      ...(verified.dpop === undefined ? {} : { dpop: { jwk: verified.dpop.jwk } }),
      cNonce,
      cNonceExpiresIn: NONCE_SECONDS,
    });
  }

  async function nonce(): Promise<Record<string, unknown>> {
    return issuer.createNonceResponse({ cNonce: await newNonce(), cNonceExpiresIn: NONCE_SECONDS });
  }

  /** The offer an access token was issued for (its `sub`); refuses an expired, foreign or forged token. */
  async function offerOfToken(request: WalletHttpRequest): Promise<CredentialOfferRecord> {
    let verified: Awaited<ReturnType<Oauth2ResourceServer['verifyResourceRequest']>>;
    try {
      verified = await resourceServer.verifyResourceRequest({ request, resourceServer: base, authorizationServers: [authorizationServerMetadata], now: deps.clock() });
    } catch (error) {
      throw fromLibrary(error, 'INVALID_TOKEN');
    }
    const offer = await store.getCredentialOffer(String(verified.tokenPayload.sub));
    if (offer === undefined || offer.redeemedAt === null) throw walletError('INVALID_TOKEN', 'the access token names no redeemed offer', 'Get a token at the token endpoint');
    return offer;
  }

  /** The configuration a request names (by id, or by format and type as drafts did), if the offer has it. */
  function requestedConfiguration(parsed: ReturnType<Openid4vciIssuer['parseCredentialRequest']>, offer: CredentialOfferRecord): string {
    const offeredIds = new Set(offer.deferred?.configurationIds ?? offer.credentials.map((c) => c.configurationId));
    let id = parsed.credentialConfigurationId;
    if (id === undefined && parsed.format !== undefined) {
      const format = parsed.format as { format: string; credential_definition?: { type?: string[] } };
      const types = format.credential_definition?.type ?? [];
      id = [...offeredIds].find((candidate) => {
        const configuration = configurationOf(candidate);
        return configuration !== undefined && configuration.format === format.format && types.includes(configuration.kind.type);
      });
    }
    if (id === undefined || !offeredIds.has(id)) {
      throw walletError('UNKNOWN_CREDENTIAL_CONFIGURATION', `${id ?? 'the requested credential'} is not in the offer this token was issued for`, `Ask for one of: ${[...offeredIds].join(', ')}`, '/credential_configuration_id');
    }
    return id;
  }

  /** The wallet keys the request's jwt proofs prove possession of, each proof's c_nonce consumed. */
  async function provenBindings(parsed: ReturnType<Openid4vciIssuer['parseCredentialRequest']>): Promise<string[]> {
    const proofs = parsed.proofs?.jwt ?? [];
    if (proofs.length === 0) throw walletError('INVALID_PROOF', 'the request carries no jwt proof of possession', 'Send proofs: {jwt: [<openid4vci-proof+jwt>]} signed with the wallet key, with the c_nonce of the nonce endpoint', '/proofs');
    if (proofs.length > BATCH_SIZE) throw walletError('INVALID_CREDENTIAL_REQUEST', `at most ${BATCH_SIZE} proofs per request`, `Send at most ${BATCH_SIZE} keys`, '/proofs/jwt');
    const bindings: string[] = [];
    for (const [index, jwt] of proofs.entries()) {
      const pointer = `/proofs/jwt/${index}`;
      let claimedNonce: unknown;
      try {
        claimedNonce = decodeJwt(jwt).nonce;
        decodeProtectedHeader(jwt);
      } catch {
        throw walletError('INVALID_PROOF', 'the proof is not a JWT', 'Send a compact openid4vci-proof+jwt', pointer);
      }
      if (typeof claimedNonce !== 'string') throw walletError('INVALID_NONCE', 'the proof has no nonce', 'Put the c_nonce of the nonce endpoint in the proof\'s nonce claim', pointer);
      let verified: Awaited<ReturnType<Openid4vciIssuer['verifyCredentialRequestJwtProof']>>;
      try {
        verified = await issuer.verifyCredentialRequestJwtProof({ issuerMetadata, jwt, expectedNonce: claimedNonce, now: deps.clock() });
      } catch (error) {
        const refusal = fromLibrary(error, 'INVALID_PROOF');
        throw new GxTrustError(refusal.code === 'INVALID_INPUT' ? 'INVALID_PROOF' : refusal.code, refusal.message, {
          pointer,
          hint: `Sign the proof with the wallet key (typ openid4vci-proof+jwt, aud ${base}, the c_nonce as nonce; kid a did:key or did:jwk URL, or jwk in the header)`,
        });
      }
      // Each nonce proves one possession: used once, across replicas.
      if (!(await store.consumeWalletNonce({ nonce: claimedNonce, at: deps.clock().toISOString() }))) {
        throw walletError('INVALID_NONCE', 'the nonce is not one gx-trust gave, was used already, or expired', 'Fetch a fresh c_nonce from the nonce endpoint and sign the proof again', pointer);
      }
      bindings.push(bindingOf(verified.signer));
    }
    return bindings;
  }

  /**
   * The offered originals of the configuration, each still stored and neither revoked nor
   * suspended: checked before anything is signed, so a refusal leaves no partial batch behind.
   */
  async function currentOriginals(offer: CredentialOfferRecord, id: string): Promise<CredentialRecord[]> {
    const originals: CredentialRecord[] = [];
    for (const offered of offer.credentials.filter((c) => c.configurationId === id)) {
      const original = await store.getCredential(offered.credentialId);
      if (original === undefined) throw walletError('UNKNOWN_CREDENTIAL_CONFIGURATION', `${offered.credentialId} is no longer stored`, 'Ask for a new offer');
      // Revoked or suspended between the offer and now: the wallet gets nothing of it.
      const status = await withdrawn(original);
      if (status !== undefined) throw walletError('INVALID_CREDENTIAL_REQUEST', `the offered credential ${offered.credentialId} is ${status}`, 'Ask the member for a new offer of current credentials', '/credential_configuration_id');
      originals.push(original);
    }
    return originals;
  }

  /** A copy of each original for each key, signed as the original's issuer, recorded and audited. */
  async function issueCopies(offer: CredentialOfferRecord, id: string, originals: readonly CredentialRecord[], bindings: readonly string[], via: 'credential' | 'deferred-credential'): Promise<{ credential: unknown }[]> {
    const member = await store.getMember(offer.memberId);
    if (member === undefined) throw walletError('INVALID_TOKEN', 'the offer\'s member is gone', 'Ask for a new offer');
    const { format } = configurationOf(id)!;
    const caller: SigningCaller = { actor: offer.createdBy, role: offer.createdByRole as SigningCaller['role'], ...(offer.createdByRole === 'member' ? { dids: [member.did] } : {}) };
    const credentials: { credential: unknown }[] = [];
    for (const original of originals) {
      const document = documentOf(original);
      for (const binding of bindings) {
        const copy: JsonObject = Object.fromEntries(Object.entries(document).filter(([key]) => !NOT_COPIED.has(key)));
        copy['id'] = newCredentialId();
        copy['confidenceMethod'] = binding;
        const issued = await deps.signer.issueCredential(
          copy,
          { format: format === 'jwt_vc_json' ? 'vc+jwt' : 'ldp_vc', credentialStatus: true, owner: member.id },
          { caller, pointer: '' },
        );
        credentials.push({ credential: issued.format === 'vc+jwt' ? issued.jwt : issued.verifiableCredential });
      }
    }
    await store.appendAudit({
      actor: offer.createdBy,
      action: 'credential-offer.issued',
      subject: member.did,
      digests: {},
      details: { offer: offer.id, configuration: id, credentials: credentials.length, bindings: [...bindings], via },
    });
    return credentials;
  }

  function denied(offer: CredentialOfferRecord): GxTrustError {
    return walletError('CREDENTIAL_REQUEST_DENIED', `the review of this onboarding refused it${offer.deferred?.reason ? `: ${offer.deferred.reason}` : ''}`, 'Nothing will be issued for this offer; the member may onboard again and ask for a new offer');
  }

  async function credential(request: WalletHttpRequest, body: Record<string, unknown>): Promise<WalletAnswer> {
    const offer = await offerOfToken(request);
    const named = body['credential_configuration_id'];
    if (typeof named === 'string' && configurationOf(named) === undefined) {
      throw walletError('UNKNOWN_CREDENTIAL_CONFIGURATION', `gx-trust has no credential configuration ${named}`, 'Ask for a configuration the offer lists', '/credential_configuration_id');
    }
    let parsed: ReturnType<Openid4vciIssuer['parseCredentialRequest']>;
    try {
      parsed = issuer.parseCredentialRequest({ issuerMetadata, credentialRequest: body });
    } catch (error) {
      if (error instanceof Oauth2ServerErrorResponseError && error.errorResponse.error === 'unknown_credential_configuration') {
        throw walletError('UNKNOWN_CREDENTIAL_CONFIGURATION', error.errorResponse.error_description ?? error.message, 'Ask for a configuration the offer lists', '/credential_configuration_id');
      }
      throw fromLibrary(error, 'INVALID_CREDENTIAL_REQUEST');
    }
    const id = requestedConfiguration(parsed, offer);
    if (offer.deferred?.state === 'refused') throw denied(offer);
    const bindings = await provenBindings(parsed);
    if (offer.deferred?.state === 'pending') {
      // The credentials do not exist yet: keep what the proofs proved, answer with a transaction.
      const transactionId = randomBytes(32).toString('base64url');
      const now = deps.clock();
      await store.createWalletTransaction({
        transactionHash: sha256Hex(transactionId),
        offerId: offer.id,
        configurationId: id,
        bindings,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + DEFERRED_SECONDS * 1000).toISOString(),
      });
      const member = await store.getMember(offer.memberId);
      await store.appendAudit({
        actor: offer.createdBy,
        action: 'credential-offer.deferred',
        subject: member?.did ?? offer.memberId,
        digests: {},
        details: { offer: offer.id, configuration: id, bindings },
      });
      return { status: 202, body: issuer.createCredentialResponse({ credentialRequest: parsed, transactionId, interval: DEFERRED_INTERVAL_SECONDS }) as Record<string, unknown> };
    }
    const credentials = await issueCopies(offer, id, await currentOriginals(offer, id), bindings, 'credential');
    return { status: 200, body: issuer.createCredentialResponse({ credentialRequest: parsed, credentials }) as Record<string, unknown> };
  }

  async function deferredCredential(request: WalletHttpRequest, body: Record<string, unknown>): Promise<WalletAnswer> {
    const offer = await offerOfToken(request);
    let transactionId: string;
    try {
      transactionId = issuer.parseDeferredCredentialRequest({ deferredCredentialRequest: body }).deferredCredentialRequest.transaction_id;
    } catch (error) {
      throw fromLibrary(error, 'INVALID_CREDENTIAL_REQUEST');
    }
    const transaction = await store.walletTransaction(sha256Hex(transactionId));
    const invalid = () => walletError('INVALID_TRANSACTION_ID', 'no deferred issuance of this access token has this transaction_id (unknown, answered already, or expired)', 'Send the transaction_id of your credential response with the same access token', '/transaction_id');
    // Another offer's transaction is answered as an unknown one: a token reaches its own offer only.
    if (transaction === undefined || transaction.offerId !== offer.id || Date.parse(transaction.expiresAt) <= deps.clock().getTime()) throw invalid();
    if (offer.deferred?.state === 'pending') {
      return { status: 202, body: issuer.createDeferredCredentialResponse({ transactionId, interval: DEFERRED_INTERVAL_SECONDS }) as Record<string, unknown> };
    }
    if (offer.deferred?.state === 'refused') {
      await store.consumeWalletTransaction(transaction.transactionHash);
      throw denied(offer);
    }
    // A withdrawn original is refused while the transaction stays (it expires); then, answered
    // once: of two requests (or replicas) with one transaction_id, one removes it and signs.
    const originals = await currentOriginals(offer, transaction.configurationId);
    if (!(await store.consumeWalletTransaction(transaction.transactionHash))) throw invalid();
    const credentials = await issueCopies(offer, transaction.configurationId, originals, transaction.bindings, 'deferred-credential');
    return { status: 200, body: issuer.createDeferredCredentialResponse({ credentials }) as Record<string, unknown> };
  }

  async function decideOffer(member: MemberRecord, offerId: string, decision: OfferDecision, caller: SigningCaller & { ownedRecords: readonly CredentialRecord[] }): Promise<DecidedOffer> {
    const offer = await store.getCredentialOffer(offerId);
    if (offer === undefined || offer.memberId !== member.id) {
      throw new GxTrustError('NOT_FOUND', `member ${member.id} has no credential offer ${offerId}`, { hint: 'Use the id POST /members/{id}/credential-offers answered' });
    }
    if (offer.deferred === null) {
      throw new GxTrustError('CONFLICT', `offer ${offerId} offers stored credentials and waits for no review`, { hint: 'Only an offer made with `deferred` is decided here' });
    }
    const promised = offer.deferred.configurationIds;
    const credentials: OfferedCredential[] = [];
    if (decision.decision === 'approved') {
      for (const [index, record] of caller.ownedRecords.entries()) {
        const pointer = `/credentials/${index}`;
        const status = await withdrawn(record);
        if (status !== undefined) {
          throw new GxTrustError(status === 'suspended' ? 'CREDENTIAL_SUSPENDED' : 'CREDENTIAL_REVOKED', `${record.id} is ${status}: a wallet gets no copy of it`, { pointer, hint: 'Name the credentials onboarding issued after the review' });
        }
        const claims = await deps.signer.read(documentOf(record));
        const kind = kindOf([...claims.types, ...claims.subjects.flatMap((s) => s.types)]);
        const matching = promised.filter((configuration) => kind !== undefined && configurationOf(configuration)?.kind.id === kind.id);
        if (matching.length === 0) {
          throw new GxTrustError('INVALID_INPUT', `${record.id} is of none of the kinds the offer promised (${promised.join(', ')})`, { pointer, hint: 'Name credentials of the promised kinds' });
        }
        for (const configurationId of matching) credentials.push({ configurationId, credentialId: record.id });
      }
      const missing = promised.filter((configuration) => !credentials.some((c) => c.configurationId === configuration));
      if (missing.length > 0) {
        throw new GxTrustError('INVALID_INPUT', `the offer promised ${missing.join(', ')}, and no credential named is of that kind`, { pointer: '/credentials', hint: 'Name a credential for every promised configuration, or refuse the offer' });
      }
    }
    const decided = await store.decideDeferredOffer({
      id: offer.id,
      decision: decision.decision === 'approved' ? { state: 'approved', credentials } : { state: 'refused', reason: decision.reason },
      audit: {
        actor: caller.actor,
        action: `credential-offer.${decision.decision}`,
        subject: member.did,
        digests: {},
        details: { offer: offer.id, member: member.id, ...(decision.decision === 'approved' ? { credentials: credentials.map((c) => c.credentialId) } : { reason: decision.reason }) },
      },
    });
    if (!decided) {
      throw new GxTrustError('CONFLICT', `offer ${offerId} was ${offer.deferred.state === 'pending' ? 'decided meanwhile' : `${offer.deferred.state} already`}`, { hint: 'A review is decided once; make a new offer' });
    }
    return { id: offer.id, state: decision.decision, credentials, ...(decision.decision === 'refused' ? { reason: decision.reason } : {}) };
  }

  return {
    issuerMetadata: () => credentialIssuer as Record<string, unknown>,
    authorizationServerMetadata: () => authorizationServerMetadata as Record<string, unknown>,
    jwks: () => ({ keys: [tokenJwk as JWK] }),
    createOffer,
    offerByReference,
    token,
    nonce,
    credential,
    deferredCredential,
    decideOffer,
  };
}
