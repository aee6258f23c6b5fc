/**
 * The RegistryLookup the service runs: the registries GX_REGISTRY_LOOKUPS turns on (vies, gleif,
 * eori; none by default), each number type asked of its registry, any other type not checked.
 */
import { createEoriLookup } from './eori-lookup.js';
import { createGleifLookup } from './gleif-lookup.js';
import type { RegistryClientOptions } from './registry-fetch.js';
import { registryLookupOff, type RegistrationNumberType, type RegistryLookup } from './registry-lookup.js';
import { createViesLookup } from './vies-lookup.js';

export const REGISTRIES = ['vies', 'gleif', 'eori'] as const;
export type Registry = (typeof REGISTRIES)[number];

const TYPE_OF: Record<Registry, RegistrationNumberType> = { vies: 'gx:VatID', gleif: 'gx:LeiCode', eori: 'gx:EORI' };

export interface RegistryLookupsOptions {
  enabled: readonly Registry[];
  testMode: boolean;
  baseUrls?: Partial<Record<Registry, string>>;
  timeoutMs?: number;
  clock: () => Date;
}

export function createRegistryLookup(options: RegistryLookupsOptions): RegistryLookup {
  if (options.enabled.length === 0) return registryLookupOff;
  const clients = new Map<RegistrationNumberType, Pick<RegistryLookup, 'lookUp'>>();
  for (const registry of options.enabled) {
    const client: RegistryClientOptions = { testMode: options.testMode, clock: options.clock };
    const baseUrl = options.baseUrls?.[registry];
    if (baseUrl !== undefined) client.baseUrl = baseUrl;
    if (options.timeoutMs !== undefined) client.timeoutMs = options.timeoutMs;
    clients.set(TYPE_OF[registry], registry === 'vies' ? createViesLookup(client) : registry === 'gleif' ? createGleifLookup(client) : createEoriLookup(client));
  }
  return {
    async lookUp(type, number) {
      const client = clients.get(type);
      return client === undefined ? { status: 'not-checked', reason: `no registry look-up is enabled for ${type}` } : client.lookUp(type, number);
    },
  };
}
