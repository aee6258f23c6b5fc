/**
 * The operator's copy of the terms and conditions text (GX_TERMS_AND_CONDITIONS_FILE), kept apart
 * from the accepted list because the console bundles that list and this module reads files.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { GxTrustError } from '../errors.js';
import { checkTermsAndConditions, DANUBE_TERMS_AND_CONDITIONS, type AcceptedTermsAndConditions } from './terms-and-conditions.js';

/**
 * The hash gx:gaiaxTermsAndConditions carries: SHA-256 of the text's bytes exactly as published,
 * lowercase hex. No normalisation (line endings, trailing newline, Unicode form): the rule
 * compares hashes, so any change to the bytes is another text.
 */
export function hashTermsAndConditions(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The terms text the service shows (GET /terms-and-conditions), with the hash it produces. */
export interface TermsAndConditionsText {
  text: string;
  hash: string;
  algorithm: 'sha-256';
  /** Whether the hash is one of the Gaia-X Danube list or one the operator added. */
  acceptedBy: 'gaia-x' | 'operator';
}

/**
 * Reads the operator's terms file and refuses it unless its hash is accepted now: showing a text
 * beside a hash it does not produce, or a text the service's own rule rejects, would be false.
 */
export async function loadTermsAndConditions(path: string, accepted: readonly AcceptedTermsAndConditions[], now: Date): Promise<TermsAndConditionsText> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new GxTrustError('CONFIG_INVALID', `GX_TERMS_AND_CONDITIONS_FILE: cannot read ${path}`, {
      pointer: '/GX_TERMS_AND_CONDITIONS_FILE', hint: 'Point GX_TERMS_AND_CONDITIONS_FILE at a readable UTF-8 text file, or unset it', cause,
    });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw new GxTrustError('CONFIG_INVALID', `GX_TERMS_AND_CONDITIONS_FILE: ${path} is not UTF-8 text`, {
      pointer: '/GX_TERMS_AND_CONDITIONS_FILE', hint: 'Save the terms as UTF-8, byte for byte as published', cause,
    });
  }
  const hash = hashTermsAndConditions(bytes);
  const verdict = checkTermsAndConditions(hash, accepted, now);
  if (!verdict.accepted) {
    throw new GxTrustError('CONFIG_INVALID',
      verdict.reason === 'expired'
        ? `GX_TERMS_AND_CONDITIONS_FILE: ${path} has SHA-256 ${hash}, accepted only until ${verdict.until?.toISOString()}`
        : `GX_TERMS_AND_CONDITIONS_FILE: ${path} has SHA-256 ${hash}, which is not an accepted gx:gaiaxTermsAndConditions hash`, {
        pointer: '/GX_TERMS_AND_CONDITIONS_FILE',
        hint: `Use the terms text whose SHA-256 is ${verdict.current.join(' or ')}, byte for byte (a changed line ending or trailing newline is another text)`,
      });
  }
  return { text, hash, algorithm: 'sha-256', acceptedBy: DANUBE_TERMS_AND_CONDITIONS.some((entry) => entry.hash === hash) ? 'gaia-x' : 'operator' };
}
