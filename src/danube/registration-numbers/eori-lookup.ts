/**
 * EORI numbers against the EU Commission's EORI validation service (EOS), a SOAP service: POST
 * {base} with `validateEORI` holding the number answers `<result><eori>..</eori><status>0|1</status>
 * <statusDescr>Valid|Not valid</statusDescr>...</result>`. Status 0 confirms the number, 1 refuses
 * it; a SOAP fault or anything else leaves it not checked. The answer is a few hundred bytes of
 * fixed structure, so it is read with anchored patterns rather than an XML parser (no entity or
 * DTD processing happens at all).
 * @see https://ec.europa.eu/taxation_customs/dds2/eos/validation/services/validation?wsdl
 */
import { notChecked, registryFetch, type RegistryClientOptions } from './registry-fetch.js';
import { registryEvidence, type RegistryLookup, type RegistryLookupResult } from './registry-lookup.js';

export const EORI_VALIDATION_URL = 'https://ec.europa.eu/taxation_customs/dds2/eos/validation/services/validation';

export function eoriRequest(eori: string): string {
  return '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
    `<ev:validateEORI xmlns:ev="http://eori.ws.eos.dds.s/"><ev:eori>${eori}</ev:eori></ev:validateEORI>` +
    '</soap:Body></soap:Envelope>';
}

export function createEoriLookup(options: RegistryClientOptions): Pick<RegistryLookup, 'lookUp'> {
  const url = options.baseUrl ?? EORI_VALIDATION_URL;
  return {
    async lookUp(type, value): Promise<RegistryLookupResult> {
      const eori = value.trim().toUpperCase();
      // Only what an EORI can be goes into the XML: nothing of the input can become markup.
      if (type !== 'gx:EORI' || !/^[A-Z]{2}[0-9A-Z]{1,15}$/.test(eori)) return { status: 'not-checked', reason: `the EORI service checks EORI numbers, not ${JSON.stringify(value)}` };
      let text: string;
      try {
        const response = await registryFetch(url, options, { accept: 'text/xml, application/soap+xml;q=0.9', post: { contentType: 'text/xml; charset=utf-8', body: eoriRequest(eori) } });
        text = new TextDecoder('utf-8', { fatal: true }).decode(response.body);
      } catch (error) {
        return notChecked('the EORI service', error);
      }
      const result = /<result>([\s\S]{0,4096}?)<\/result>/.exec(text)?.[1];
      const answered = result === undefined ? undefined : /<eori>([0-9A-Z]{3,17})<\/eori>/.exec(result)?.[1];
      const status = result === undefined ? undefined : /<status>([01])<\/status>/.exec(result)?.[1];
      if (answered !== eori || status === undefined) return notChecked('the EORI service', 'the answer holds no result for the number asked');
      const evidence = registryEvidence('gx:EORI', url, options.clock);
      return status === '0' ? { status: 'valid', evidence } : { status: 'invalid', evidence, message: `the EORI service says ${eori} is not valid` };
    },
  };
}
