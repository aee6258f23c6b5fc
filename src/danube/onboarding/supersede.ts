/**
 * Onboarding again replaces what this service issued for the same participant (or offering) last
 * time: the previous set of its series is revoked, reason `superseded`, with the labels that cover
 * it, in the transaction that stores the last credential of the new set; before that commits, the
 * previous set stays in force.
 */
import type { RecordedIssueOptions } from '../../issuing/recorded.js';
import type { CredentialRecord, StatusBitChange } from '../../storage/store.js';
import type { CredentialRepository } from '../../storage/repositories.js';

/**
 * What onboarding the same party again revokes: each credential of the previous set still in
 * force, and each label covering one, as bit changes with their audit entries, and the ids marked
 * as superseded. src/status-lists/change-status.ts (supersedeChanges) computes it; it comes in as
 * a dependency, since importing it would close an import cycle (status lists are signed through
 * the issuing policy, which reads the Danube vocabulary).
 */
export type Supersession = (previous: readonly CredentialRecord[], actor: string) => Promise<{ changes: readonly StatusBitChange[]; ids: readonly string[] }>;

export interface SupersedePlan {
  /** The ids of the previous set: what the answer names as superseded. */
  previous: readonly string[];
  /** The issue options of each new credential of the series; the last one carries the revocation. */
  optionsOf(last: boolean): Pick<RecordedIssueOptions, 'series' | 'supersede'>;
}

/** What issuing a series replaces; with no series (nothing names it) nothing is replaced. */
export async function planSupersession(
  store: Pick<CredentialRepository, 'seriesCredentials'>,
  supersession: Supersession,
  series: string | undefined,
  actor: string,
): Promise<SupersedePlan> {
  const previous = series === undefined ? [] : await store.seriesCredentials(series);
  const supersede = previous.length === 0 ? undefined : await supersession(previous, actor);
  return {
    previous: previous.map((record) => record.id),
    optionsOf: (last) => ({
      ...(series === undefined ? {} : { series }),
      ...(last && supersede !== undefined ? { supersede } : {}),
    }),
  };
}
