/**
 * VCDM 1.1 JWTs: the credential or presentation sits in a `vc` / `vp` claim, and the registered
 * JWT claims stand for some of its properties. This is what DIDKit, did-jwt-vc and older wallets
 * produce, and what a connector still meets; gx-trust verifies it, never issues it.
 * @see https://www.w3.org/TR/vc-data-model-1.1/#jwt-decoding
 */
import { isObject } from '../../json-input.js';

export type LegacyKind = 'credential' | 'presentation';

/** The claim that carries the document, per kind. */
export const LEGACY_CLAIM: Record<LegacyKind, 'vc' | 'vp'> = { credential: 'vc', presentation: 'vp' };

/** The format name reported for a VCDM 1.1 JWT: the OpenID4VC identifiers of exactly this encoding. */
export const LEGACY_FORMAT: Record<LegacyKind, string> = { credential: 'jwt_vc_json', presentation: 'jwt_vp_json' };

export class LegacyMappingError extends Error {
  constructor(
    message: string,
    readonly pointer: string,
  ) {
    super(message);
  }
}

/** ISO 8601 in whole seconds, as VCDM 1.1 writes `issuanceDate`. */
function dateOf(seconds: number): string {
  return new Date(Math.floor(seconds) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * A date property already in the document must name the same second as its JWT claim: producers
 * that keep both (DIDKit) write the same instant, one that does not has two validity periods.
 */
function setDate(document: Record<string, unknown>, property: string, claim: string, seconds: unknown): void {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return; // the time-claims check reports it
  const present = document[property];
  if (present === undefined) {
    document[property] = dateOf(seconds);
    return;
  }
  const at = typeof present === 'string' ? Date.parse(present) : Number.NaN;
  if (Number.isNaN(at) || Math.floor(at / 1000) !== Math.floor(seconds)) {
    throw new LegacyMappingError(`${property} ${JSON.stringify(present)} disagrees with the JWT claim ${claim} (${dateOf(seconds)})`, `/${property}`);
  }
}

function setId(target: Record<string, unknown>, property: string, claim: string, value: unknown, pointer: string): void {
  if (typeof value !== 'string') return;
  const present = target[property];
  const presentId = isObject(present) ? present.id : present;
  if (presentId === undefined) {
    target[property] = isObject(present) ? { ...present, id: value } : value;
    return;
  }
  if (presentId !== value) {
    throw new LegacyMappingError(`${property} ${JSON.stringify(presentId)} disagrees with the JWT claim ${claim} ${JSON.stringify(value)}`, pointer);
  }
}

/**
 * The document a VCDM 1.1 JWT stands for, by the RFC 7519 mapping of VCDM 1.1 §6.3.1: for a
 * credential iss -> issuer, nbf -> issuanceDate, exp -> expirationDate, jti -> id,
 * sub -> credentialSubject.id; for a presentation iss -> holder, jti -> id. A claim that
 * contradicts the property the document already has is refused (LegacyMappingError).
 */
export function legacyDocument(payload: Record<string, unknown>, kind: LegacyKind): Record<string, unknown> {
  const inner = payload[LEGACY_CLAIM[kind]];
  if (!isObject(inner)) throw new LegacyMappingError(`the "${LEGACY_CLAIM[kind]}" claim is not a JSON object`, `/${LEGACY_CLAIM[kind]}`);
  const document: Record<string, unknown> = structuredClone(inner);
  setId(document, 'id', 'jti', payload.jti, '/id');
  if (kind === 'credential') {
    setId(document, 'issuer', 'iss', payload.iss, '/issuer');
    setDate(document, 'issuanceDate', 'nbf', payload.nbf);
    setDate(document, 'expirationDate', 'exp', payload.exp);
    if (typeof payload.sub === 'string') {
      const subject = document.credentialSubject;
      if (!isObject(subject)) {
        throw new LegacyMappingError('the JWT claim sub needs a single credentialSubject object to name', '/credentialSubject');
      }
      setId(document, 'credentialSubject', 'sub', payload.sub, '/credentialSubject/id');
    }
  } else {
    setId(document, 'holder', 'iss', payload.iss, '/holder');
  }
  return document;
}
