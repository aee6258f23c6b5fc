/**
 * "Did you mean `legalAddress`?": the known term closest to one that was not recognised, when
 * exactly one is close enough to be a slip (a typo, a letter case, a dropped or swapped letter).
 * A guess that could be one of two terms is no help, so an ambiguous match names none.
 */

/**
 * Optimal string alignment distance (Damerau-Levenshtein without re-edits): insertions,
 * deletions, substitutions and transpositions of adjacent letters each count one.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1]!;
}

/** Longer than any key or vocabulary term gx-trust knows. */
const MAX_WORD_LENGTH = 128;

/** The edits a word of this length may be off by and still be a slip: 1 up to 4 letters, 2 up to 8, then 3. */
function tolerance(length: number): number {
  return length <= 4 ? 1 : length <= 8 ? 2 : 3;
}

/**
 * The one candidate `word` is most likely a slip of, or undefined when none is close enough or
 * two are equally close. Letter case alone is the closest slip of all.
 */
export function closestTerm(word: string, candidates: Iterable<string>): string | undefined {
  // No term is this long: a caller's 200,000-character key gets no guess (and costs no table).
  if (word.length > MAX_WORD_LENGTH) return undefined;
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  let tied = false;
  for (const candidate of new Set(candidates)) {
    if (candidate === word) return undefined;
    // The distance is at least the difference in length: a candidate that far off is not computed.
    if (Math.abs(candidate.length - word.length) > tolerance(Math.min(word.length, candidate.length))) continue;
    const other = candidate.toLowerCase();
    // Compared without case: `legaladdress` is one slip from `legalAddress`, not one per capital.
    const distance = other === lower ? 0.5 : editDistance(lower, other);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
      tied = false;
    } else if (distance === bestDistance) {
      tied = true;
    }
  }
  if (best === undefined || tied || Math.ceil(bestDistance) > tolerance(Math.min(word.length, best.length))) return undefined;
  return best;
}
