/**
 * What the registry clients share: the hardened fetch of did:web (https only outside test mode, no
 * redirects, a total deadline and a size cap, no private addresses), with registry error codes,
 * and the rule that a registry that could not answer makes a number `not-checked`, never valid.
 */
import { GxTrustError } from '../../errors.js';
import { hardenedFetch, type HardenedFetchInit, type HardenedResponse } from '../../dids/hardened-fetch.js';
import type { RegistryLookupResult } from './registry-lookup.js';

export interface RegistryClientOptions {
  /** Plain http and loopback hosts (tests: a loopback server replaying recorded answers). */
  testMode: boolean;
  /** Replaces the public endpoint's base URL (tests, or a proxy an operator runs). */
  baseUrl?: string;
  /** Total deadline of one look-up. Default 5000 ms. */
  timeoutMs?: number;
  /** Largest answer read. Default 64 KiB: the registries answer a few hundred bytes. */
  maxBytes?: number;
  clock: () => Date;
}

/** The `notFound` answer of the fetch (404/410), which GLEIF gives for an unknown LEI. */
export const NOT_FOUND = 'NOT_FOUND';

export async function registryFetch(url: string, options: RegistryClientOptions, init: Partial<HardenedFetchInit> = {}): Promise<HardenedResponse> {
  return hardenedFetch(url, {
    ...init,
    testMode: options.testMode,
    timeoutMs: options.timeoutMs ?? 5000,
    connectTimeoutMs: Math.min(options.timeoutMs ?? 5000, 2000),
    maxBytes: options.maxBytes ?? 64 * 1024,
    errorCodes: { forbidden: 'REGISTRY_UNAVAILABLE', failed: 'REGISTRY_UNAVAILABLE', timeout: 'REGISTRY_UNAVAILABLE', notFound: NOT_FOUND },
  });
}

export function notChecked(registry: string, error: unknown): RegistryLookupResult {
  const reason = error instanceof GxTrustError || error instanceof Error ? error.message : String(error);
  return { status: 'not-checked', reason: `${registry} could not be asked: ${reason}` };
}

export function parseJson(body: Buffer, registry: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as unknown;
  } catch (cause) {
    throw new GxTrustError('REGISTRY_UNAVAILABLE', `${registry} answered something that is not JSON`, { cause });
  }
}

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
