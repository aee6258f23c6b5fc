/**
 * Issuing `vc+sd-jwt`: the credential as the issuer-signed JWT's claims, with the members the caller
 * names (JSON pointers into the credential) replaced by salted digests of their disclosures.
 * @see https://www.w3.org/TR/vc-jose-cose/#securing-with-sd-jwt
 * @see https://www.rfc-editor.org/rfc/rfc9901#section-4.2 (creating disclosures)
 */
import { randomBytes } from 'node:crypto';
import { assertAlgorithmAllowed } from '../../algorithms/index.js';
import { GxTrustError } from '../../errors.js';
import { isObject } from '../../json-input.js';
import { compactJws, type Signer } from '../../keyring/signer.js';
import { envelopedCredentials } from '../jose/sign.js';
import { disclosureDigest, SD_ALG } from './verify.js';

/**
 * Members that stay in the clear: a verifier needs `@context` and `type` to know what it reads and
 * `issuer` to know whose key signs (gx-trust's verifier binds the key to it), and the validity and
 * status members are what it must check even when the holder would rather not show them.
 */
export const ALWAYS_DISCLOSED = ['/@context', '/type', '/issuer', '/id', '/validFrom', '/validUntil', '/credentialStatus', '/credentialSchema'] as const;

/** 128 bits, RFC 9901 §9.3's recommendation for a salt. */
const SALT_BYTES = 16;

export interface SignCredentialSdJwtOptions {
  credential: Record<string, unknown>;
  signer: Signer;
  /** RFC 6901 pointers into the credential: each member (or array element) becomes a disclosure. */
  selectivelyDisclosable: readonly string[];
  /** The signing instant (`iat`). */
  now: Date;
  /** Where the pointers sit in the caller's request, for error pointers (`/options/selectivelyDisclosable`). */
  optionsPointer?: string;
}

export interface SignedSdJwt {
  /** `<issuer JWT>~<disclosure>~...~`: every disclosure, for the holder to choose from. */
  sdJwt: string;
  /** The claims as a verifier that is sent every disclosure rebuilds them (the credential with iss, iat, exp). */
  claims: Record<string, unknown>;
}

function tokensOf(pointer: string): string[] {
  return pointer.slice(1).split('/').map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function refuse(message: string, pointer: string, hint: string): never {
  throw new GxTrustError('INVALID_INPUT', message, { pointer, hint });
}

/** The checks and claims that differ between a credential and a presentation. */
interface Kind {
  typ: 'vc+sd-jwt' | 'vp+sd-jwt';
  cty: 'vc' | 'vp';
  /** Members a pointer may not name (they stay in the clear). */
  inTheClear: readonly string[];
  /** Where selectively disclosable members are, for the hint. */
  disclosable: readonly string[];
}

const CREDENTIAL: Kind = { typ: 'vc+sd-jwt', cty: 'vc', inTheClear: ALWAYS_DISCLOSED, disclosable: ['/credentialSubject', '/evidence', '/termsOfUse', '...'] };

/**
 * A presentation keeps its @context, type and id in the clear; its holder may be disclosable (the
 * suite's case 19 makes it so): a verifier then binds the key to `iss`, which repeats it.
 */
export const ALWAYS_DISCLOSED_IN_PRESENTATION = ['/@context', '/type', '/id'] as const;

const PRESENTATION: Kind = { typ: 'vp+sd-jwt', cty: 'vp', inTheClear: ALWAYS_DISCLOSED_IN_PRESENTATION, disclosable: ['/holder', '/verifiableCredential/0', '...'] };

/**
 * Claims gx-trust writes itself and never hides in a disclosure: a verifier reads `iss` to bind the
 * key, `iat`/`exp` to bound the signature, `nonce`/`aud` to check the challenge and domain.
 */
const JWT_CLAIMS = ['/iss', '/iat', '/exp', '/nbf', '/nonce', '/aud', '/cnf', '/_sd', '/_sd_alg'];

function signerDidOf(signer: Signer): string {
  const hash = signer.kid.indexOf('#');
  const did = signer.kid.slice(0, Math.max(hash, 0));
  if (!did.startsWith('did:')) throw new GxTrustError('INVALID_INPUT', `signer.kid must be an absolute DID URL, got ${signer.kid}`);
  assertAlgorithmAllowed(signer.algorithm, signer.publicJwk);
  return did;
}

const idOf = (value: unknown): unknown => (typeof value === 'string' ? value : isObject(value) ? value.id : undefined);

/**
 * Signs `credential` as a vc+sd-jwt. Each pointer must name an existing member or array element
 * outside ALWAYS_DISCLOSED; nested pointers are made disclosable deepest first, so a disclosed
 * object may itself hold digests (RFC 9901 §4.2.6, recursive disclosures).
 */
export async function signCredentialSdJwt(options: SignCredentialSdJwtOptions): Promise<SignedSdJwt> {
  const { credential, signer, now } = options;
  const did = signerDidOf(signer);
  const issuer = idOf(credential.issuer);
  if (issuer !== did) throw new GxTrustError('INVALID_INPUT', `credential.issuer (${String(issuer)}) must be the signer's DID ${did}`, { pointer: '/credential/issuer' });
  for (const claim of ['vc', 'vp', 'iss', 'iat', 'exp', 'nbf', 'cnf', '_sd', '_sd_alg']) {
    if (Object.hasOwn(credential, claim)) refuse(`the member "${claim}" is a JWT or SD-JWT claim gx-trust writes itself`, `/credential/${claim}`, `Remove "${claim}"`);
  }

  const claims: Record<string, unknown> = { ...structuredClone(credential), iss: did, iat: Math.floor(now.getTime() / 1000) };
  if (typeof credential.validUntil === 'string') {
    const until = Date.parse(credential.validUntil);
    if (Number.isNaN(until)) throw new GxTrustError('INVALID_DATE', 'validUntil is not a date-time', { pointer: '/credential/validUntil' });
    claims.exp = Math.floor(until / 1000);
  }
  return signSdJwt(claims, did, signer, options.selectivelyDisclosable, options.optionsPointer ?? '/options/selectivelyDisclosable', CREDENTIAL);
}

export interface SignPresentationSdJwtOptions {
  presentation: Record<string, unknown>;
  signer: Signer;
  /** RFC 6901 pointers into the presentation: each member (or array element) becomes a disclosure. */
  selectivelyDisclosable: readonly string[];
  now: Date;
  /** The verifier's challenge, as the `nonce` claim (as vp+jwt writes it; src/formats/sd-jwt/verify.ts reads it there). */
  nonce?: string;
  /** The verifier's domain, as the `aud` claim. */
  audience?: string;
  /** Where the presentation sits in the caller's request (`/presentation`), for error pointers. */
  at?: string;
  optionsPointer?: string;
}

/**
 * Signs `presentation` as a vp+sd-jwt (VC-JOSE-COSE §3.2.2): its claims are the presentation, with
 * `iss` the holder and `iat`, and `nonce`/`aud` for the verifier's challenge and domain; the held
 * credentials must be enveloped, as in a vp+jwt. No key binding JWT: that binds a credential's
 * `cnf` key, and the whole presentation is already signed by the holder.
 * @see https://www.w3.org/TR/vc-jose-cose/#securing-with-sd-jwt
 */
export async function signPresentationSdJwt(options: SignPresentationSdJwtOptions): Promise<SignedSdJwt> {
  const { presentation, signer, now } = options;
  const at = options.at ?? '';
  const did = signerDidOf(signer);
  const holder = presentation.holder === undefined ? did : idOf(presentation.holder);
  if (holder !== did) throw new GxTrustError('INVALID_INPUT', `presentation.holder (${String(holder)}) must be the signer's DID ${did}`, { pointer: `${at}/holder` });
  for (const claim of ['vc', 'vp', 'iss', 'iat', 'exp', 'nbf', 'nonce', 'aud', 'cnf', '_sd', '_sd_alg']) {
    if (Object.hasOwn(presentation, claim)) refuse(`the member "${claim}" is a JWT or SD-JWT claim gx-trust writes itself`, `${at}/${claim}`, `Remove "${claim}"; the challenge and domain go in options.challenge and options.domain`);
  }
  const claims: Record<string, unknown> = { ...structuredClone(presentation), holder: presentation.holder ?? did };
  const held = envelopedCredentials(presentation, 'vp+sd-jwt', at);
  if (held !== undefined) claims.verifiableCredential = held;
  claims.iss = did;
  claims.iat = Math.floor(now.getTime() / 1000);
  if (options.nonce !== undefined) claims.nonce = options.nonce;
  if (options.audience !== undefined) claims.aud = options.audience;
  return signSdJwt(claims, did, signer, options.selectivelyDisclosable, options.optionsPointer ?? '/options/selectivelyDisclosable', PRESENTATION);
}

async function signSdJwt(claims: Record<string, unknown>, did: string, signer: Signer, selectivelyDisclosable: readonly string[], at: string, kind: Kind): Promise<SignedSdJwt> {
  const payload = structuredClone(claims);

  const pointers = selectivelyDisclosable.map((pointer, index) => ({ pointer, index, tokens: pointer.startsWith('/') ? tokensOf(pointer) : [] }));
  const seen = new Set<string>();
  for (const { pointer, index, tokens } of pointers) {
    const where = `${at}/${index}`;
    if (tokens.length === 0) refuse(`${JSON.stringify(pointer)} is not a JSON pointer to a member of the ${kind.cty === 'vc' ? 'credential' : 'presentation'}`, where, 'Write a JSON pointer such as /credentialSubject/birthDate');
    const first = `/${tokens[0]!.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (kind.inTheClear.includes(first) || JWT_CLAIMS.includes(first)) {
      refuse(`${pointer} stays in the clear: a verifier needs ${first}`, where, `Selectively disclosable members are under ${kind.disclosable.join(', ')}; never ${kind.inTheClear.join(', ')} or the JWT claims`);
    }
    if (seen.has(pointer)) refuse(`${pointer} is named twice`, where, 'Name each member once');
    seen.add(pointer);
  }
  // Deepest first, and within an array from the last index: replacing a member never moves another one still to come.
  pointers.sort((a, b) => b.tokens.length - a.tokens.length || Number(b.tokens.at(-1)) - Number(a.tokens.at(-1)) || 0);

  const disclosures: string[] = [];
  for (const { pointer, index, tokens } of pointers) {
    const where = `${at}/${index}`;
    let parent: unknown = payload;
    for (const token of tokens.slice(0, -1)) {
      parent = Array.isArray(parent) ? parent[Number(token)] : isObject(parent) && Object.hasOwn(parent, token) ? parent[token] : undefined;
    }
    const last = tokens.at(-1)!;
    const salt = randomBytes(SALT_BYTES).toString('base64url');
    if (Array.isArray(parent) && /^(0|[1-9][0-9]*)$/.test(last) && Number(last) < parent.length) {
      const disclosure = Buffer.from(JSON.stringify([salt, parent[Number(last)]])).toString('base64url');
      parent[Number(last)] = { '...': disclosureDigest(disclosure) };
      disclosures.push(disclosure);
    } else if (isObject(parent) && !Array.isArray(parent) && Object.hasOwn(parent, last)) {
      const disclosure = Buffer.from(JSON.stringify([salt, last, parent[last]])).toString('base64url');
      delete parent[last];
      // Sorted, so the digests' order says nothing of the claims' (RFC 9901 §4.2.4.1).
      const digests = Array.isArray(parent._sd) ? (parent._sd as string[]) : [];
      parent._sd = [...digests, disclosureDigest(disclosure)].sort();
      disclosures.push(disclosure);
    } else {
      refuse(`${pointer} names no member of the ${kind.cty === 'vc' ? 'credential' : 'presentation'}`, where, `Point at an existing member or array element of the ${kind.cty === 'vc' ? 'credential' : 'presentation'}`);
    }
  }
  payload._sd_alg = SD_ALG;
  const jws = await compactJws({ typ: kind.typ, cty: kind.cty, iss: did }, payload, signer);
  return { sdJwt: `${[jws, ...disclosures.sort()].join('~')}~`, claims };
}
