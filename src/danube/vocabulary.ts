/**
 * What a self-description's words mean once JSON-LD has read them, and the findings for words that
 * mean something else than their writer thought:
 *
 * - A compact IRI whose prefix no context of the credential defines is not an error to JSON-LD: it
 *   is an absolute IRI whose scheme is the prefix. `gx:countryCode` without the Gaia-X context is
 *   the IRI `gx:countryCode`, which no shape targets and no verifier compares with
 *   `https://w3id.org/gaia-x/development#countryCode`; safe mode keeps it, because it is a valid
 *   IRI. So a credential may look Gaia-X to a person and say nothing Gaia-X to a machine.
 *   `PREFIX_NOT_DEFINED` names it, at validation and at issue.
 * - Tagus (22.10) types and properties are not 25.11's: a `gx:LegalParticipant` is nothing to the
 *   25.11 shapes, which target `gx:LegalPerson`, so it would pass unchecked. `TAGUS_TERM` names
 *   the 25.11 replacement.
 * @see https://www.w3.org/TR/json-ld11/#compact-iris ("If the prefix is not defined ... the value
 *   is interpreted as an absolute IRI")
 */
import type { Quad, Term } from '@rdfjs/types';
import type { ErrorCode } from '../errors.js';
import { jsonPointer } from '../errors.js';
import type { Finding } from './finding.js';
import { GX, GX_2511, GX_CONTEXT_URL, IPCEI, IPCEI_CONTEXT_URL, RDF, TAGUS_GX } from './namespaces.js';

const RDF_TYPE = `${RDF}type`;

/** The prefixes of the vocabularies gx-trust reads, with the pinned context that defines each. */
export const KNOWN_PREFIXES: Readonly<Record<string, string>> = {
  gx: GX_CONTEXT_URL,
  schema: GX_CONTEXT_URL,
  vcard: GX_CONTEXT_URL,
  xsd: GX_CONTEXT_URL,
  dcat: GX_CONTEXT_URL,
  ipcei: IPCEI_CONTEXT_URL,
};

/**
 * The prefix of an expanded IRI that is really a compact IRI nobody defined (`gx:countryCode`
 * read as scheme `gx`), else undefined. `https://...`, `did:...` and `urn:...` are real schemes.
 */
export function undefinedPrefixOf(iri: string): string | undefined {
  const colon = iri.indexOf(':');
  if (colon <= 0) return undefined;
  const prefix = iri.slice(0, colon);
  return Object.hasOwn(KNOWN_PREFIXES, prefix) && !iri.startsWith(`${prefix}://`) ? prefix : undefined;
}

export function undefinedPrefixMessage(term: string): { message: string; hint: string } {
  const prefix = undefinedPrefixOf(term) ?? term.slice(0, term.indexOf(':'));
  return {
    message: `${term} is read as an absolute IRI with the scheme "${prefix}": no @context of this credential defines the prefix ${prefix}:`,
    hint: `Add ${KNOWN_PREFIXES[prefix] ?? 'the context that defines it'} to @context (it defines ${prefix}:), or write the full IRI`,
  };
}

/**
 * Tagus (22.10) words and what 25.11 says instead. Keyed by local name: Tagus credentials write
 * them under the Tagus context (its own `gx` namespace), and members porting them keep the words
 * under the 25.11 context.
 */
const TAGUS_TYPES: Readonly<Record<string, string>> = {
  LegalParticipant: 'gx:LegalParticipant is the Tagus (22.10) participant type; 25.11 uses gx:LegalPerson',
  legalRegistrationNumber:
    'gx:legalRegistrationNumber is the Tagus (22.10) registration-number type; 25.11 types the number node gx:VatID, gx:LeiCode, gx:EORI, gx:EUID, gx:TaxID or gx:LocalRegistrationNumber, linked from the LegalPerson\'s gx:registrationNumber',
  GaiaXTermsAndConditions:
    'gx:GaiaXTermsAndConditions is the Tagus (22.10) terms-and-conditions credential; 25.11 uses a gx:Issuer credential whose gx:gaiaxTermsAndConditions is the SHA-256 of the accepted terms',
};

const TAGUS_PROPERTIES: Readonly<Record<string, string>> = {
  legalName: 'gx:legalName is a Tagus (22.10) term; 25.11 uses schema:name',
  legalRegistrationNumber: 'gx:legalRegistrationNumber is a Tagus/Loire term; 25.11 uses gx:registrationNumber',
  headquarterAddress: 'gx:headquarterAddress is a Tagus/Loire term; 25.11 uses gx:headquartersAddress',
  termsAndConditions:
    'gx:termsAndConditions (the text of the terms) is the Tagus (22.10) form; 25.11 uses gx:gaiaxTermsAndConditions on a gx:Issuer, the SHA-256 of the accepted terms',
  countrySubdivisionCode: 'Addresses in 25.11 carry gx:countryCode and vcard:region (NUTS-2), not gx:countrySubdivisionCode',
  'vatID-countryCode': 'gx:vatID-countryCode is a Tagus (22.10) term; 25.11 writes gx:countryCode on the gx:VatID node',
  'leiCode-countryCode': 'gx:leiCode-countryCode is a Tagus (22.10) term; 25.11 writes gx:countryCode on the gx:LeiCode node',
};

const GAIA_X_NAMESPACES = [GX, GX_2511, TAGUS_GX];

function localNameIn(iri: string, namespaces: readonly string[]): string | undefined {
  const namespace = namespaces.find((candidate) => iri.startsWith(candidate));
  return namespace === undefined ? undefined : iri.slice(namespace.length);
}

/** The 25.11 replacement of a Tagus property IRI (any Gaia-X namespace), for messages and hints. */
export function tagusProperty(iri: string): string | undefined {
  const local = localNameIn(iri, GAIA_X_NAMESPACES);
  return local === undefined || !Object.hasOwn(TAGUS_PROPERTIES, local) ? undefined : TAGUS_PROPERTIES[local];
}

function tagusType(iri: string): string | undefined {
  const local = localNameIn(iri, GAIA_X_NAMESPACES);
  return local === undefined || !Object.hasOwn(TAGUS_TYPES, local) ? undefined : TAGUS_TYPES[local];
}

/** Whether a node typed `iri` is one the Gaia-X 25.11 or IPCEI-AI shapes can judge. */
export function isGaiaXType(iri: string): boolean {
  return (iri.startsWith(GX) || iri.startsWith(GX_2511) || iri.startsWith(IPCEI)) && tagusType(iri) === undefined;
}

/** Where a node, property and value are in the submitted JSON (the validator's locator). */
export type Locate = (node: string, property: string | undefined, value?: Term) => { pointer: string; credentialIndex?: number };

function located(rule: string, code: ErrorCode, where: ReturnType<Locate>, path: string, message: string, hint: string): Finding {
  return { rule, code, severity: 'violation', ...where, path, message, hint };
}

/**
 * Every undefined prefix (in a property, a type or a datatype) and every Tagus term of the graph,
 * one finding per place. `taken`: pointers another finding already names (a closed shape refusing
 * the same property), which are not named twice.
 */
export function vocabularyFindings(quads: readonly Quad[], locate: Locate, taken: ReadonlySet<string>): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set(taken);
  const add = (finding: Finding) => {
    if (seen.has(finding.pointer)) return;
    seen.add(finding.pointer);
    findings.push(finding);
  };
  for (const q of quads) {
    const property = q.predicate.value;
    const isType = property === RDF_TYPE && q.object.termType === 'NamedNode';
    const term = undefinedPrefixOf(property) !== undefined
      ? property
      : isType && undefinedPrefixOf(q.object.value) !== undefined
        ? q.object.value
        : q.object.termType === 'Literal' && undefinedPrefixOf(q.object.datatype.value) !== undefined
          ? q.object.datatype.value
          : undefined;
    if (term !== undefined) {
      const { message, hint } = undefinedPrefixMessage(term);
      add(located('jsonld/prefix-not-defined', 'PREFIX_NOT_DEFINED', locate(q.subject.value, property, q.object), property, message, hint));
      continue;
    }
    const tagus = isType ? tagusType(q.object.value) : tagusProperty(property);
    if (tagus !== undefined) {
      add(located('tagus/term', 'TAGUS_TERM', locate(q.subject.value, property, q.object), property, tagus,
        'Write the self-description in the 25.11 vocabulary (https://w3id.org/gaia-x/development#); Tagus credentials are read only by the compliance paths that take Tagus presentations'));
    }
  }
  return findings;
}

/**
 * The JSON pointer of the first place `term` is written in `document`: a key, or a `type` value.
 * For errors about a whole credential read by JSON-LD, which says what was wrong but not where.
 */
export function pointerOfTerm(document: unknown, term: string, base: readonly (string | number)[] = []): string | undefined {
  const walk = (value: unknown, tokens: (string | number)[]): (string | number)[] | undefined => {
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) {
        const found = walk(item, [...tokens, index]);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (value === null || typeof value !== 'object') return undefined;
    for (const [key, child] of Object.entries(value)) {
      if (key === '@context') continue;
      if (key === term) return [...tokens, key];
      if ((key === 'type' || key === '@type') && (child === term || (Array.isArray(child) && child.includes(term)))) {
        return Array.isArray(child) ? [...tokens, key, child.indexOf(term)] : [...tokens, key];
      }
      const found = walk(child, [...tokens, key]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const tokens = walk(document, [...base]);
  return tokens === undefined ? undefined : jsonPointer(tokens);
}

/** A Tagus (22.10) word where a member wrote it, with what 25.11 says instead. */
export interface TagusTermUse {
  pointer: string;
  /** As written: `gx:LegalParticipant`, `gx:legalName`. */
  term: string;
  /** The sentence of the tables above naming the 25.11 replacement. */
  replacement: string;
}

function tagusNote(written: string, table: Readonly<Record<string, string>>): string | undefined {
  const local = written.startsWith('gx:') ? written.slice(3) : localNameIn(written, GAIA_X_NAMESPACES) ?? (written.includes(':') ? undefined : written);
  return local === undefined || !Object.hasOwn(table, local) ? undefined : table[local];
}

/**
 * The Tagus words of a credential as written in its JSON (keys, and `type` values), without
 * reading it as JSON-LD: so a Tagus participant sent to onboarding is named as such before any
 * expansion, whichever context it names. `@context` is not walked.
 */
export function tagusTermsInDocument(document: unknown, base: readonly (string | number)[] = []): TagusTermUse[] {
  const uses: TagusTermUse[] = [];
  const walk = (value: unknown, tokens: (string | number)[], depth: number): void => {
    if (depth > 32 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, [...tokens, index], depth + 1));
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      if (key === '@context') continue;
      if (key === 'type' || key === '@type') {
        const types = Array.isArray(child) ? child : [child];
        types.forEach((type, index) => {
          const note = typeof type === 'string' ? tagusNote(type, TAGUS_TYPES) : undefined;
          if (note !== undefined) uses.push({ pointer: jsonPointer(Array.isArray(child) ? [...tokens, key, index] : [...tokens, key]), term: type as string, replacement: note });
        });
        continue;
      }
      const note = tagusNote(key, TAGUS_PROPERTIES);
      if (note !== undefined) uses.push({ pointer: jsonPointer([...tokens, key]), term: key, replacement: note });
      walk(child, [...tokens, key], depth + 1);
    }
  };
  walk(document, [...base], 0);
  return uses;
}
