/**
 * VAT ids against VIES, the EU Commission's VAT Information Exchange System, through its REST API:
 * GET {base}/ms/{countryCode}/vat/{number} answers `{"isValid": true|false, "userError": "VALID" |
 * "INVALID" | "MS_UNAVAILABLE" | "TIMEOUT" | ..., "requestDate", "name", "address", ...}`. Only
 * `isValid: true` confirms a number; `isValid: false` with `userError` INVALID refuses it; a member
 * state system that is down (MS_UNAVAILABLE and the like) leaves it not checked.
 * @see https://ec.europa.eu/taxation_customs/vies/#/technical-information
 */
import { isRecord, notChecked, parseJson, registryFetch, type RegistryClientOptions } from './registry-fetch.js';
import { registryEvidence, type RegistryLookup, type RegistryLookupResult } from './registry-lookup.js';
import { normalizeVatId } from './vat-id.js';

export const VIES_BASE_URL = 'https://ec.europa.eu/taxation_customs/vies/rest-api';

export function createViesLookup(options: RegistryClientOptions): Pick<RegistryLookup, 'lookUp'> {
  const base = (options.baseUrl ?? VIES_BASE_URL).replace(/\/+$/, '');
  return {
    async lookUp(type, value): Promise<RegistryLookupResult> {
      const vat = normalizeVatId(value);
      const country = vat.slice(0, 2);
      const number = vat.slice(2);
      if (type !== 'gx:VatID' || !/^[A-Z]{2}$/.test(country) || !/^[0-9A-Z+*]{2,12}$/.test(number)) {
        return { status: 'not-checked', reason: `VIES checks VAT ids with a country prefix, not ${JSON.stringify(value)}` };
      }
      const url = `${base}/ms/${country}/vat/${number}`;
      let answer: unknown;
      try {
        answer = parseJson((await registryFetch(url, options)).body, 'VIES');
      } catch (error) {
        return notChecked('VIES', error);
      }
      const evidence = registryEvidence('gx:VatID', url, options.clock);
      if (!isRecord(answer) || typeof answer['isValid'] !== 'boolean') return notChecked('VIES', 'the answer has no isValid');
      const userError = typeof answer['userError'] === 'string' ? answer['userError'] : undefined;
      if (answer['isValid']) return { status: 'valid', evidence };
      if (userError === undefined || userError === 'INVALID' || userError === 'VALID') {
        return { status: 'invalid', evidence, message: `VIES does not know the VAT id ${vat}` };
      }
      return notChecked('VIES', `it answered ${userError}`);
    },
  };
}
