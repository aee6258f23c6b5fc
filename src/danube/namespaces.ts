/** IRIs of the vocabularies the Danube module reads. */
export const GX = 'https://w3id.org/gaia-x/development#';
/** The versioned IRI of the same 25.11 vocabulary; the release shapes file uses it. */
export const GX_2511 = 'https://w3id.org/gaia-x/2511#';
export const SCHEMA = 'https://schema.org/';
export const VCARD = 'http://www.w3.org/2006/vcard/ns#';
export const XSD = 'http://www.w3.org/2001/XMLSchema#';
export const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
export const RDFS = 'http://www.w3.org/2000/01/rdf-schema#';
export const SH = 'http://www.w3.org/ns/shacl#';
/**
 * The IPCEI-AI profile, owned by gx-trust and versioned in its IRI: a breaking change gets `v2`.
 * Context: `https://w3id.org/gx-trust/ipcei-ai/v1` (contexts/ipcei-ai-v1.jsonld).
 */
export const IPCEI = 'https://w3id.org/gx-trust/ipcei-ai/v1#';
export const IPCEI_CONTEXT_URL = 'https://w3id.org/gx-trust/ipcei-ai/v1';
/** gx-trust's 25.11 context: it defines gx, schema, vcard, xsd and dcat. */
export const GX_CONTEXT_URL = 'https://w3id.org/gaia-x/development#';
/** The Gaia-X Tagus (22.10) trust framework vocabulary (`gx:` in its context). */
export const TAGUS_GX = 'https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#';

const PREFIXES: readonly (readonly [string, string])[] = [
  ['gx', GX],
  ['gx', GX_2511],
  ['schema', SCHEMA],
  ['vcard', VCARD],
  ['xsd', XSD],
  ['rdf', RDF],
  ['ipcei', IPCEI],
  ['dcat', 'http://www.w3.org/ns/dcat#'],
  ['sh', SH],
];

/** `https://w3id.org/gaia-x/development#legalAddress` -> `gx:legalAddress`, for messages. */
export function compact(iri: string): string {
  for (const [prefix, namespace] of PREFIXES) {
    if (iri.startsWith(namespace)) return `${prefix}:${iri.slice(namespace.length)}`;
  }
  return iri;
}
