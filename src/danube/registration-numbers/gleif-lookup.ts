/**
 * LEIs against GLEIF's public API: GET {base}/lei-records/{lei} answers a JSON:API document
 * `{"data": {"type": "lei-records", "id": <LEI>, "attributes": {"lei", "entity": {"status":
 * "ACTIVE" | "INACTIVE", ...}, "registration": {"status": "ISSUED" | "LAPSED" | "RETIRED" | ...}}}}`,
 * and 404 for an LEI that was never issued. An LEI of an active entity that is not retired,
 * annulled, a duplicate or merged confirms the number (a LAPSED LEI is late with its renewal, not
 * void).
 * @see https://www.gleif.org/en/lei-data/gleif-api
 */
import { NOT_FOUND, isRecord, notChecked, parseJson, registryFetch, type RegistryClientOptions } from './registry-fetch.js';
import { registryEvidence, type RegistryLookup, type RegistryLookupResult } from './registry-lookup.js';
import { GxTrustError } from '../../errors.js';

export const GLEIF_BASE_URL = 'https://api.gleif.org/api/v1';
const VOID_REGISTRATIONS = new Set(['RETIRED', 'ANNULLED', 'DUPLICATE', 'MERGED']);

export function createGleifLookup(options: RegistryClientOptions): Pick<RegistryLookup, 'lookUp'> {
  const base = (options.baseUrl ?? GLEIF_BASE_URL).replace(/\/+$/, '');
  return {
    async lookUp(type, value): Promise<RegistryLookupResult> {
      const lei = value.trim().toUpperCase();
      if (type !== 'gx:LeiCode' || !/^[0-9A-Z]{20}$/.test(lei)) return { status: 'not-checked', reason: `GLEIF checks 20-character LEIs, not ${JSON.stringify(value)}` };
      const url = `${base}/lei-records/${lei}`;
      const evidence = () => registryEvidence('gx:LeiCode', url, options.clock);
      let answer: unknown;
      try {
        answer = parseJson((await registryFetch(url, options, { accept: 'application/vnd.api+json, application/json;q=0.9' })).body, 'GLEIF');
      } catch (error) {
        if (error instanceof GxTrustError && error.code === NOT_FOUND) return { status: 'invalid', evidence: evidence(), message: `GLEIF has no LEI ${lei}` };
        return notChecked('GLEIF', error);
      }
      const data = isRecord(answer) ? answer['data'] : undefined;
      const attributes = isRecord(data) ? data['attributes'] : undefined;
      const entity = isRecord(attributes) ? attributes['entity'] : undefined;
      const registration = isRecord(attributes) ? attributes['registration'] : undefined;
      if (!isRecord(attributes) || attributes['lei'] !== lei || !isRecord(entity) || !isRecord(registration)) {
        return notChecked('GLEIF', 'the answer is not the lei-record asked for');
      }
      if (entity['status'] === 'ACTIVE' && !VOID_REGISTRATIONS.has(String(registration['status']))) return { status: 'valid', evidence: evidence() };
      return { status: 'invalid', evidence: evidence(), message: `GLEIF lists the LEI ${lei} with entity status ${String(entity['status'])} and registration status ${String(registration['status'])}` };
    },
  };
}
