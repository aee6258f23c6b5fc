/**
 * Secrets on disk are the service user's alone: gx-trust creates its key files 0600 and their
 * folders 0700, and says at start-up which key files it was given that the group or others can
 * read (an operator's copy, a mounted secret at 0644), since it cannot tighten files it does not own.
 */
import { statSync } from 'node:fs';

/** Read and write for the owner only. */
export const OWNER_ONLY_FILE = 0o600;
/** Enter and list for the owner only. */
export const OWNER_ONLY_FOLDER = 0o700;

export interface ReadableSecret {
  path: string;
  /** The permission bits, in octal: '0644'. */
  mode: string;
}

/** Those of `paths` that exist and that the group or others may read (none on Windows, which has no such bits). */
export function readableByOthers(paths: readonly string[]): ReadableSecret[] {
  if (process.platform === 'win32') return [];
  const found: ReadableSecret[] = [];
  for (const path of new Set(paths)) {
    let mode: number;
    try {
      mode = statSync(path).mode;
    } catch {
      continue;
    }
    if ((mode & 0o044) !== 0) found.push({ path, mode: (mode & 0o777).toString(8).padStart(4, '0') });
  }
  return found;
}
