import { dataModelVersion, parseRfc3339, type JsonObject } from '../credentials/index.js';
import { failed, passed, type Check } from './report.js';
import type { TimeClaims } from './types.js';

interface Bound {
  at: Date;
  source: string;
}

/**
 * The validity-period check over every instant the credential and its proof format carry:
 * `validFrom`/`validUntil` (VCDM 2.0), `issuanceDate`/`expirationDate` (1.1), and JWT
 * `nbf`/`iat`/`exp` (seconds) or Gaia-X header `iat`/`exp` (milliseconds, normalized by the JOSE module).
 * When they disagree, the stricter wins. Skew is applied symmetrically.
 */
export function checkValidityPeriod(
  document: JsonObject,
  timeClaims: TimeClaims | undefined,
  now: Date,
  skewSeconds: number,
): Check {
  const version = dataModelVersion(document) ?? '2.0';
  const [fromKey, untilKey] = version === '2.0' ? ['validFrom', 'validUntil'] : ['issuanceDate', 'expirationDate'];
  const notBefore: Bound[] = [];
  const notAfter: Bound[] = [];
  for (const [key, bucket] of [[fromKey, notBefore], [untilKey, notAfter]] as const) {
    const value = document[key];
    if (value === undefined) continue;
    const date = parseRfc3339(value);
    if (date === undefined) {
      return failed('validity', 'INVALID_DATE', `${key} is not an RFC 3339 date-time`, `/${key}`);
    }
    bucket.push({ at: date, source: key });
  }
  // A time claim that could not be read is refused, not skipped: skipping it would drop a bound.
  if (timeClaims?.malformed !== undefined) {
    return failed('validity', 'INVALID_DATE', timeClaims.malformed.message, timeClaims.malformed.claim === '' ? '' : `/${timeClaims.malformed.claim}`);
  }
  if (timeClaims?.notBefore) notBefore.push({ at: timeClaims.notBefore, source: 'nbf' });
  // A credential is not valid before it was issued: an `iat` ahead of the clock (past the skew) is
  // a start, as `nbf` is. Ignoring it let a JWT dated years ahead verify today.
  if (timeClaims?.issuedAt) notBefore.push({ at: timeClaims.issuedAt, source: 'iat' });
  if (timeClaims?.expires) notAfter.push({ at: timeClaims.expires, source: 'exp' });

  const skew = skewSeconds * 1000;
  const latestStart = notBefore.reduce<Bound | undefined>((a, b) => (a && a.at >= b.at ? a : b), undefined);
  const earliestEnd = notAfter.reduce<Bound | undefined>((a, b) => (a && a.at <= b.at ? a : b), undefined);
  if (latestStart && now.getTime() + skew < latestStart.at.getTime()) {
    return failed('validity', 'VALIDITY_PERIOD', `not valid before ${latestStart.at.toISOString()} (${latestStart.source})`, `/${latestStart.source === 'nbf' || latestStart.source === 'iat' ? '' : latestStart.source}`);
  }
  if (earliestEnd && now.getTime() - skew > earliestEnd.at.getTime()) {
    return failed('validity', 'VALIDITY_PERIOD', `expired at ${earliestEnd.at.toISOString()} (${earliestEnd.source})`, earliestEnd.source === 'exp' ? '' : `/${earliestEnd.source}`);
  }
  const window = [latestStart && `from ${latestStart.at.toISOString()}`, earliestEnd && `until ${earliestEnd.at.toISOString()}`]
    .filter(Boolean)
    .join(' ');
  return passed('validity', window === '' ? 'no validity period stated' : `valid ${window}`);
}
