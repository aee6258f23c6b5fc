/**
 * Who gx-trust trusts for what, beyond the X.509 anchors: notaries (registration numbers), issuers
 * exempt from the gx:Issuer terms-and-conditions credential, compliance services (whose labels
 * connectors accept) and conformity assessment bodies (whose attestations grant criteria that need
 * a manual assessment). Loaded from GX_TRUSTED_ISSUERS; the service's own did:web is a trusted
 * notary, issuer and compliance service by default, never an assessor (a service cannot assess
 * its own members' conformity).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { GxTrustError, jsonPointer } from '../errors.js';

export type TrustRole = 'notary' | 'issuer' | 'complianceService' | 'assessor';

export const TrustedIssuersFile = z.strictObject({
  notaries: z.array(z.string().startsWith('did:')).default([]),
  issuers: z.array(z.string().startsWith('did:')).default([]),
  complianceServices: z.array(z.string().startsWith('did:')).default([]),
  assessors: z.array(z.string().startsWith('did:')).default([]),
});
export type TrustedIssuersFile = z.infer<typeof TrustedIssuersFile>;

export interface TrustedIssuers {
  has(did: string, role: TrustRole): boolean;
  /** Every DID trusted for anything (a trusted notary need not sign T&C either). */
  trustedForAnything(did: string): boolean;
  /** For the decision record. */
  list(): Record<TrustRole, string[]>;
}

export function createTrustedIssuers(serviceDid: string, file: Partial<TrustedIssuersFile> = {}): TrustedIssuers {
  const roles: Record<TrustRole, Set<string>> = {
    notary: new Set([serviceDid, ...(file.notaries ?? [])]),
    issuer: new Set([serviceDid, ...(file.issuers ?? [])]),
    complianceService: new Set([serviceDid, ...(file.complianceServices ?? [])]),
    assessor: new Set(file.assessors ?? []),
  };
  return {
    has: (did, role) => roles[role].has(did),
    trustedForAnything: (did) => Object.values(roles).some((set) => set.has(did)),
    list: () => ({
      notary: [...roles.notary],
      issuer: [...roles.issuer],
      complianceService: [...roles.complianceService],
      assessor: [...roles.assessor],
    }),
  };
}

/** Reads GX_TRUSTED_ISSUERS; a bad file stops the start naming the variable and the fault. */
export function loadTrustedIssuers(serviceDid: string, path: string | undefined): TrustedIssuers {
  if (path === undefined) return createTrustedIssuers(serviceDid);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new GxTrustError('CONFIG_INVALID', `GX_TRUSTED_ISSUERS: ${path} is not a readable JSON file`, { pointer: '/GX_TRUSTED_ISSUERS', cause });
  }
  const parsed = TrustedIssuersFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GxTrustError('CONFIG_INVALID', `GX_TRUSTED_ISSUERS: ${jsonPointer((issue?.path ?? []) as (string | number)[]) || '/'}: ${issue?.message}`, {
      pointer: '/GX_TRUSTED_ISSUERS',
      hint: 'Expected {"notaries": [did], "issuers": [did], "complianceServices": [did], "assessors": [did]}',
    });
  }
  return createTrustedIssuers(serviceDid, parsed.data);
}
