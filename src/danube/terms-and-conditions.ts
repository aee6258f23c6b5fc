/**
 * gx:Issuer.gaiaxTermsAndConditions must be the SHA-256 of a Gaia-X terms and conditions text the
 * release accepts. 25.11 accepts two; the older one only until 2026-03-31. The list is
 * configuration, and the date rule lives here rather than in SHACL because SHACL has no clock.
 */
export interface AcceptedTermsAndConditions {
  /** SHA-256, lowercase hex. */
  hash: string;
  /** Last instant (inclusive) the hash is accepted; absent = no end. */
  until?: Date;
}

export const DANUBE_TERMS_AND_CONDITIONS: readonly AcceptedTermsAndConditions[] = [
  { hash: '067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515' },
  // Accepted to the end of 2026-03-31 (UTC).
  { hash: '4bd7554097444c960292b4726c2efa1373485e8a5565d94d41195214c5e0ceb3', until: new Date('2026-03-31T23:59:59.999Z') },
];

export type TermsAndConditionsVerdict =
  | { accepted: true }
  | { accepted: false; reason: 'unknown' | 'expired'; until?: Date; current: readonly string[] };

export function checkTermsAndConditions(
  hash: string,
  accepted: readonly AcceptedTermsAndConditions[],
  now: Date,
): TermsAndConditionsVerdict {
  const current = accepted.filter((entry) => entry.until === undefined || now <= entry.until).map((entry) => entry.hash);
  const entry = accepted.find((candidate) => candidate.hash === hash);
  if (entry === undefined) return { accepted: false, reason: 'unknown', current };
  if (entry.until !== undefined && now > entry.until) return { accepted: false, reason: 'expired', until: entry.until, current };
  return { accepted: true };
}

/**
 * The list every check of gx:gaiaxTermsAndConditions uses: the Danube list, plus the hashes the
 * operator adds (GX_ACCEPTED_TERMS_HASHES, refused in production). Additions never replace or
 * shorten the Gaia-X list, and never lift its dates.
 */
export function acceptedTermsAndConditions(additional: readonly string[]): AcceptedTermsAndConditions[] {
  const danube = DANUBE_TERMS_AND_CONDITIONS.map((entry) => ({ ...entry }));
  const known = new Set(danube.map((entry) => entry.hash));
  return [...danube, ...[...new Set(additional)].filter((hash) => !known.has(hash)).map((hash) => ({ hash }))];
}
