/**
 * Securing credentials and presentations with JOSE: the credential (VCDM 2.0) is itself the JWS
 * payload, with no `vc`/`vp` wrapper, signed as a compact JWS.
 * @see https://www.w3.org/TR/vc-jose-cose/#securing-with-jose
 */
import { GxTrustError } from '../../errors.js';
import { assertAlgorithmAllowed, type SigningAlgorithm } from '../../algorithms/index.js';
import { VC_V2_CONTEXT } from '../../credentials/index.js';
import { compactJws, type Signer } from '../../keyring/signer.js';

/** What VC-JOSE signs with: the allow-list's signing algorithms (src/algorithms). */
export type JoseAlgorithm = SigningAlgorithm;

/**
 * A keyring Signer: its `kid` (`<DID>#<fragment>`) names the key in the JWS header, and the DID
 * before the fragment is the credential's `issuer` or the presentation's `holder`.
 */
export type JoseSigner = Signer;

/**
 * `default`: the W3C Recommendation's media types. `gaia-x-danube`: the media types of Gaia-X
 * ICAM 24.07, which Gaia-X verifiers (compliance, registry, catalogues) look for.
 */
export type JoseProfile = 'default' | 'gaia-x-danube';

/**
 * typ/cty per profile.
 *
 * The Recommendation: "The typ header parameter SHOULD be vc+jwt. When present, the cty header
 * parameter SHOULD be vc" (and vp+jwt / vp for presentations).
 * @see https://www.w3.org/TR/vc-jose-cose/#securing-with-jose
 *
 * Gaia-X: ICAM 24.07 (the Loire/Danube identity document) names `vc+ld+json+jwt` / `vc+ld+json`,
 * the media types of the 2023 VC-JOSE-COSE drafts, and Gaia-X-aligned verifiers accept them "for
 * backward compatibility" next to the W3C values. The Loire notaries we have samples of
 * (test/fixtures/gaiax-samples/loire-24.x, March 2025) emit yet an older pair, `vc+ld+jwt` / `vc+ld`,
 * which no document specifies any more. We emit the documented ICAM pair and accept all three on
 * verification (src/formats/jose/verify.ts).
 */
const MEDIA_TYPES = {
  default: { vc: { typ: 'vc+jwt', cty: 'vc' }, vp: { typ: 'vp+jwt', cty: 'vp' } },
  'gaia-x-danube': {
    vc: { typ: 'vc+ld+json+jwt', cty: 'vc+ld+json' },
    vp: { typ: 'vp+ld+json+jwt', cty: 'vp+ld+json' },
  },
} as const satisfies Record<JoseProfile, Record<'vc' | 'vp', { typ: string; cty: string }>>;

/** The media types an enveloped credential may name in its `data:` URL. */
export const ENVELOPED_CREDENTIAL_MEDIA_TYPES = [
  'application/vc+jwt',
  'application/vc+ld+json+jwt',
  'application/vc+ld+jwt',
] as const;
export type EnvelopedCredentialMediaType = (typeof ENVELOPED_CREDENTIAL_MEDIA_TYPES)[number];

export interface EnvelopedVerifiableCredential {
  '@context': typeof VC_V2_CONTEXT;
  id: string;
  type: 'EnvelopedVerifiableCredential';
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string') {
    return (value as { id: string }).id;
  }
  return undefined;
}

/**
 * The DID the signer signs as: its kid before the fragment. Verifiers bind the key to the issuer by
 * this prefix (src/formats/jose/verify.ts), so the kid is the only place the issuer is read from.
 */
function signerDid(signer: JoseSigner): string {
  const hash = signer.kid.indexOf('#');
  const did = hash < 0 ? '' : signer.kid.slice(0, hash);
  if (!did.startsWith('did:') || did.includes('?') || hash === signer.kid.length - 1) {
    throw new GxTrustError('INVALID_INPUT', `signer.kid must be an absolute DID URL <DID>#<fragment>, got ${signer.kid}`);
  }
  assertAlgorithmAllowed(signer.algorithm, signer.publicJwk);
  return did;
}

function assertPlainObject(value: unknown, what: string): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GxTrustError('INVALID_INPUT', `${what} must be a JSON object`);
  }
}

/**
 * "The JWT Claim Names vc and vp MUST NOT be present."
 * @see https://www.w3.org/TR/vc-jose-cose/#jose-header-parameters-jwt-claims
 */
function assertNoWrapperClaims(document: Record<string, unknown>): void {
  for (const claim of ['vc', 'vp']) {
    if (Object.hasOwn(document, claim)) {
      throw new GxTrustError('INVALID_INPUT', `the JWT claim "${claim}" must not be present (VCDM 2.0 has no wrapper)`, {
        pointer: `/${claim}`,
      });
    }
  }
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** Sets a JWT claim, refusing a different value the caller put there. */
function setClaim(payload: Record<string, unknown>, claim: string, value: unknown): void {
  if (Object.hasOwn(payload, claim) && payload[claim] !== value) {
    throw new GxTrustError('INVALID_INPUT', `the JWT claim "${claim}" disagrees with the value gx-trust derives (${String(value)})`, {
      pointer: `/${claim}`,
    });
  }
  payload[claim] = value;
}

/**
 * `iss` is the issuer (or holder) id: VC-JOSE-COSE allows it, and did-jwt and other JWT libraries
 * find the signer's DID document only through it.
 * @see https://www.w3.org/TR/vc-jose-cose/#jose-header-parameters-jwt-claims
 */
function setIssuerClaim(payload: Record<string, unknown>, did: string): void {
  setClaim(payload, 'iss', did);
}

/** The header order alg, kid, iss, typ, cty is the one gx-trust has always written (byte-stable JWTs). */
async function sign(payload: Record<string, unknown>, signer: JoseSigner, issuer: string, typ: string, cty: string): Promise<string> {
  return compactJws({ alg: signer.algorithm, kid: signer.kid, iss: issuer, typ, cty }, payload, signer);
}

export interface SignCredentialJwtOptions {
  credential: Record<string, unknown>;
  signer: JoseSigner;
  profile?: JoseProfile;
  /** The signing instant (`iat`); the clock's now by default. */
  now?: Date;
}

/**
 * JWT claims: the Recommendation says `iat`/`exp` "represent the issuance and expiration time of
 * the signature" and that `nbf` is NOT RECOMMENDED; implementers "SHOULD avoid setting JWT claims
 * to values that conflict" with credential properties (`iss`/`issuer`, `jti`/`id`).
 * @see https://www.w3.org/TR/vc-jose-cose/#jose-header-parameters-jwt-claims
 * So: `iat` is the signing time; `exp` is set only when the credential has `validUntil`, to that
 * instant (a signature should not outlive the data it secures, and JWT-only verifiers then reject
 * the credential when it expires); no `nbf`; no `jti` (it would only repeat `id`); `iss` equal to
 * `issuer` (see setIssuerClaim). The claims are in seconds, in
 * the payload, as RFC 7519 defines them; unlike the Loire notaries' millisecond header claims.
 */
export async function signCredentialJwt(options: SignCredentialJwtOptions): Promise<string> {
  return (await signCredentialJwtWithClaims(options)).jwt;
}

/**
 * signCredentialJwt, with the claims it signed (the payload object serialized into the JWT): a
 * caller that records what it issued reads them instead of decoding the JWT it was just given.
 */
export async function signCredentialJwtWithClaims({
  credential,
  signer,
  profile = 'default',
  now = new Date(),
}: SignCredentialJwtOptions): Promise<{ jwt: string; claims: Record<string, unknown> }> {
  assertPlainObject(credential, 'credential');
  const did = signerDid(signer);
  assertNoWrapperClaims(credential);
  const issuer = idOf(credential.issuer);
  if (issuer !== did) {
    throw new GxTrustError('INVALID_INPUT', `credential.issuer (${String(issuer)}) must be the signer's DID ${did}`, {
      pointer: '/issuer',
    });
  }
  const payload: Record<string, unknown> = { ...credential };
  setIssuerClaim(payload, did);
  setClaim(payload, 'iat', seconds(now));
  if (credential.validUntil !== undefined) {
    const until = typeof credential.validUntil === 'string' ? new Date(credential.validUntil) : new Date(Number.NaN);
    if (Number.isNaN(until.getTime())) {
      throw new GxTrustError('INVALID_DATE', 'validUntil is not a date-time', { pointer: '/validUntil' });
    }
    setClaim(payload, 'exp', seconds(until));
  }
  const { typ, cty } = MEDIA_TYPES[profile].vc;
  return { jwt: await sign(payload, signer, did, typ, cty), claims: payload };
}

/**
 * Wraps a secured credential for a presentation, which "MUST use the Enveloped Verifiable
 * Credential type".
 * @see https://www.w3.org/TR/vc-jose-cose/#securing-vps-with-jose
 * @see https://www.w3.org/TR/vc-data-model-2.0/#enveloped-verifiable-credentials
 */
export function envelopeCredential(
  jwt: string,
  mediaType: EnvelopedCredentialMediaType = 'application/vc+jwt',
): EnvelopedVerifiableCredential {
  if (!COMPACT_JWS.test(jwt)) {
    throw new GxTrustError('INVALID_INPUT', 'only a compact JWS can be enveloped');
  }
  if (!(ENVELOPED_CREDENTIAL_MEDIA_TYPES as readonly string[]).includes(mediaType)) {
    throw new GxTrustError('INVALID_INPUT', `unsupported media type ${mediaType}`);
  }
  return { '@context': VC_V2_CONTEXT, id: `data:${mediaType},${jwt}`, type: 'EnvelopedVerifiableCredential' };
}

export interface SignPresentationJwtOptions {
  presentation: Record<string, unknown>;
  signer: JoseSigner;
  /** The verifier's challenge, as the JWT `nonce` claim. */
  nonce?: string;
  /** The verifier's domain, as the JWT `aud` claim. */
  audience?: string | string[];
  profile?: JoseProfile;
  now?: Date;
}

function isEnveloped(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { type, id } = value as { type?: unknown; id?: unknown };
  const types = Array.isArray(type) ? type : [type];
  return types.includes('EnvelopedVerifiableCredential') && typeof id === 'string' && id.startsWith('data:');
}

/**
 * The presentation's credentials as a VC-JOSE-COSE presentation (vp+jwt, vp+sd-jwt, vp+cose) holds
 * them, or undefined when it lists none. "Verifiable Credentials secured in verifiable
 * presentations MUST use the Enveloped Verifiable Credential type" (§3.1.2, §3.2.2, §3.3.2): a
 * bare string is taken as a VC-JWT and enveloped as `application/vc+jwt`; anything else is refused
 * at its index (under `at`, where the presentation sits in the caller's request).
 * @see https://www.w3.org/TR/vc-jose-cose/#securing-vps-with-jose
 */
export function envelopedCredentials(presentation: Record<string, unknown>, format: 'vp+jwt' | 'vp+sd-jwt' | 'vp+cose', at = ''): unknown[] | undefined {
  const listed = presentation.verifiableCredential;
  if (listed === undefined) return undefined;
  const entries: unknown[] = Array.isArray(listed) ? listed : [listed];
  if (entries.length === 0) return undefined;
  return entries.map((entry, index) => {
    if (typeof entry === 'string') return envelopeCredential(entry);
    if (isEnveloped(entry)) return entry;
    throw new GxTrustError('INVALID_INPUT', `credentials in a ${format} must be EnvelopedVerifiableCredential objects`, {
      pointer: `${at}/verifiableCredential/${index}`,
      hint: 'Hold each credential as {"@context": "https://www.w3.org/ns/credentials/v2", "type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt,..."} (or vc+sd-jwt, vc+cose), or sign the presentation as ldp_vp',
    });
  });
}

/**
 * A `vp+jwt` whose payload is the presentation. The holder's challenge and domain go into the JWT
 * claims `nonce` and `aud`, as the VCDM 1.1 JWT mapping and OpenID4VP did: VC-JOSE-COSE defines no
 * other place for them, and a Data Integrity `proof` object would not be secured by the JWS.
 * String entries of `verifiableCredential` (bare VC-JWTs) are enveloped as `application/vc+jwt`.
 */
export async function signPresentationJwt({
  presentation,
  signer,
  nonce,
  audience,
  profile = 'default',
  now = new Date(),
}: SignPresentationJwtOptions): Promise<string> {
  assertPlainObject(presentation, 'presentation');
  const did = signerDid(signer);
  assertNoWrapperClaims(presentation);
  const holder = presentation.holder === undefined ? did : idOf(presentation.holder);
  if (holder !== did) {
    throw new GxTrustError('INVALID_INPUT', `presentation.holder (${String(holder)}) must be the signer's DID ${did}`, {
      pointer: '/holder',
    });
  }
  const verifiableCredential = envelopedCredentials(presentation, 'vp+jwt');
  const payload: Record<string, unknown> = { ...presentation, holder: presentation.holder ?? did };
  if (verifiableCredential !== undefined) payload.verifiableCredential = verifiableCredential;
  setIssuerClaim(payload, did);
  setClaim(payload, 'iat', seconds(now));
  if (nonce !== undefined) setClaim(payload, 'nonce', nonce);
  if (audience !== undefined) setClaim(payload, 'aud', audience);
  const { typ, cty } = MEDIA_TYPES[profile].vp;
  return sign(payload, signer, did, typ, cty);
}
