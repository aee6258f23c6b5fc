/**
 * Validation of a Danube (Gaia-X 25.11) self-description: the credentials of one submission are
 * merged into one RDF graph (sh:class needs the linked node's type, which usually sits in another
 * credential), validated against the bundled shapes and/or the official 25.11 file, and checked by
 * the rules SHACL cannot express (registration-number check digits, the dated terms and
 * conditions). Every result is a Finding located by a JSON pointer into the submitted array.
 */
import type { Quad, Term } from '@rdfjs/types';
import { systemClock, type Clock } from '../clock.js';
import { jsonPointer } from '../errors.js';
import type { DocumentLoader } from '../document-loader/index.js';
import { describeResult, RDF_TYPE } from './describe-result.js';
import { conforms, type Finding, type Severity } from './finding.js';
import { ISO_3166_2 } from './iso-3166.js';
import { GX, SH, TAGUS_GX, compact } from './namespaces.js';
import { GX_ONTOLOGY_QUADS } from './ontology.js';
import { REGISTRATION_NUMBER_CHECKS } from './registration-numbers/index.js';
import { createShaclValidator, shaclEngine, type ShaclEngine, type ShaclValidator } from './shacl.js';
import { loadBundledShapes, loadOfficialShapes, OFFICIAL_SHAPES_FILE } from './shapes/index.js';
import { buildSubmissionGraph, type NodeLocation } from './submission-graph.js';
import { measureSubmission, weightOf } from './submission-limits.js';
import { checkTermsAndConditions, DANUBE_TERMS_AND_CONDITIONS, type AcceptedTermsAndConditions } from './terms-and-conditions.js';
import { isGaiaXType, tagusProperty, undefinedPrefixOf, vocabularyFindings, type Locate } from './vocabulary.js';

export interface SelfDescriptionValidatorOptions {
  /** Which shapes to validate against. Default `bundled`. */
  shapes?: 'bundled' | 'official' | 'both';
  /** The Gaia-X 25.11 SHACL file (Turtle) for `official` and `both`. Default: the shipped one (OFFICIAL_SHAPES_FILE). */
  officialShapesPath?: string;
  /** Accepted gx:gaiaxTermsAndConditions hashes. Default: the 25.11 list. */
  acceptedTermsAndConditions?: readonly { hash: string; until?: Date | string }[];
  now?: Clock;
  /** The closed loader (src/document-loader); the submission's contexts resolve only through it. */
  documentLoader: DocumentLoader;
  /** Default shacl-engine (measured faster, see shacl.ts); the bench and a test pass another to compare. */
  engine?: ShaclEngine;
}

export interface SelfDescriptionValidation {
  conforms: boolean;
  findings: Finding[];
}

export interface ValidateOptions {
  /**
   * The caller's share of costly work (the anonymous callers' canonicalization budget), asked once
   * with the validation's weight in canonicalization units before any JSON-LD or SHACL work: it
   * throws (RATE_LIMITED) to refuse. Absent: no limit (callers with an API key).
   */
  admit?: (units: number) => Promise<void>;
  /** The instant dated rules (terms and conditions) judge against; default the validator's clock. */
  now?: Date;
}

export interface SelfDescriptionValidator {
  /**
   * `credentials`: the unsigned or decoded credentials (or claims graphs) of one submission.
   * Throws GRAPH_TOO_LARGE (pointer into `credentials`) for a submission over SUBMISSION_LIMITS.
   */
  validate(credentials: readonly object[], options?: ValidateOptions): Promise<SelfDescriptionValidation>;
}

const SEVERITY: Readonly<Record<string, Severity>> = {
  [`${SH}Violation`]: 'violation',
  [`${SH}Warning`]: 'warning',
  [`${SH}Info`]: 'info',
};

/** Builds the SHACL validators once; `validate` may then be called for every submission. */
export function createSelfDescriptionValidator(options: SelfDescriptionValidatorOptions): SelfDescriptionValidator {
  const which = options.shapes ?? 'bundled';
  const engine = options.engine ?? shaclEngine;
  const now = options.now ?? systemClock;
  const accepted: AcceptedTermsAndConditions[] = (options.acceptedTermsAndConditions ?? DANUBE_TERMS_AND_CONDITIONS).map(
    (entry) => (entry.until === undefined ? { hash: entry.hash } : { hash: entry.hash, until: new Date(entry.until) }),
  );
  const validators: ShaclValidator[] = [];
  if (which === 'bundled' || which === 'both') validators.push(createShaclValidator([...loadBundledShapes(), ...GX_ONTOLOGY_QUADS], engine));
  if (which === 'official' || which === 'both') {
    validators.push(createShaclValidator([...loadOfficialShapes(options.officialShapesPath ?? OFFICIAL_SHAPES_FILE), ...GX_ONTOLOGY_QUADS], engine));
  }

  return {
    async validate(credentials, validateOptions = {}) {
      if (credentials.length === 0) {
        const empty: Finding = {
          rule: 'submission/empty',
          severity: 'violation',
          pointer: '',
          path: '',
          message: 'the submission holds no credentials',
          hint: 'Send the LegalPerson, registration number and Issuer credentials (or the service offering and its resources)',
        };
        return { conforms: false, findings: [empty] };
      }
      // Bounded before any JSON-LD or SHACL work (submission-limits.ts), then paid for.
      const size = measureSubmission(credentials);
      await validateOptions.admit?.(weightOf(size));
      const graph = await buildSubmissionGraph(credentials, options.documentLoader);
      const data = [...graph.quads, ...GX_ONTOLOGY_QUADS];
      const locate = locator(graph.nodes);
      const typesOf = typeIndex(graph.quads);
      const findings: Finding[] = [...graph.findings];
      const seen = new Set<string>();
      for (const validator of validators) {
        const report = await validator.validate(data);
        for (const result of report.results) {
          // A property no context defined is the prefix finding's (below), not the shapes': the
          // closed shape refuses `gx:foo` only because nobody defined `gx:`.
          if (result.path !== undefined && undefinedPrefixOf(result.path) !== undefined) continue;
          const { rule, message, hint } = describeResult(result, validator.shapes, typesOf);
          const where = locate(result.focusNode.value, result.path, result.value);
          const key = `${rule} ${where.pointer} ${result.path ?? ''}`;
          if (seen.has(key)) continue; // 'both': the same fault found by both shapes graphs
          seen.add(key);
          findings.push({
            rule,
            ...(rule === 'shacl:closed' && tagusProperty(result.path ?? '') !== undefined ? { code: 'TAGUS_TERM' as const } : {}),
            severity: SEVERITY[result.severity] ?? 'violation',
            ...where,
            path: result.path ?? '',
            message,
            hint,
          });
        }
      }
      findings.push(...vocabularyFindings(graph.quads, locate, new Set(findings.map((f) => f.pointer))));
      findings.push(...ruleFindings(graph.quads, locate, accepted, validateOptions.now ?? now()));
      // Validation never says "conforms" when it checked nothing: without a node of a Gaia-X or
      // IPCEI-AI class no shape applied (a credential JSON-LD could not read is its own finding).
      if (graph.findings.length === 0 && !graph.quads.some((q) => q.predicate.value === RDF_TYPE && isGaiaXType(q.object.value))) {
        findings.push({
          rule: 'submission/no-gaia-x-subject',
          code: 'NO_GAIA_X_SUBJECT',
          severity: 'violation',
          pointer: '',
          path: '',
          message: 'no node of the submission has a Gaia-X 25.11 (or IPCEI-AI) type, so no shape applied and nothing was checked',
          hint: 'Type the credential subjects with the 25.11 classes (gx:LegalPerson, gx:VatID, gx:Issuer, gx:ServiceOffering, ...) under the context https://w3id.org/gaia-x/development#',
        });
      }
      return { conforms: conforms(findings), findings };
    },
  };
}

export function typeIndex(quads: readonly Quad[]): (node: string) => string[] {
  const types = new Map<string, string[]>();
  for (const q of quads) {
    if (q.predicate.value !== RDF_TYPE) continue;
    const list = types.get(q.subject.value) ?? [];
    list.push(q.object.value);
    types.set(q.subject.value, list);
  }
  return (node) => types.get(node) ?? [];
}

/** Known prefixes for matching compact-IRI keys (`gx:legalAddress`) to property IRIs. */
const KEY_PREFIXES: Readonly<Record<string, readonly string[]>> = {
  gx: [GX, 'https://w3id.org/gaia-x/2511#', TAGUS_GX],
  schema: ['https://schema.org/', 'http://schema.org/'],
  vcard: ['http://www.w3.org/2006/vcard/ns#'],
  ipcei: ['https://w3id.org/gx-trust/ipcei-ai/v1#'],
  dcat: ['http://www.w3.org/ns/dcat#'],
};

function localName(iri: string): string {
  return iri.slice(Math.max(iri.lastIndexOf('#'), iri.lastIndexOf('/')) + 1);
}

/**
 * The JSON key of `object` that expands to `property`: the full IRI, a compact IRI with a known
 * prefix, or a context term named like the IRI's local name.
 */
function keyFor(object: Readonly<Record<string, unknown>>, property: string): string | undefined {
  const keys = Object.keys(object).filter((key) => !key.startsWith('@'));
  const exact = keys.find((key) => {
    if (key === property) return true;
    const colon = key.indexOf(':');
    if (colon <= 0) return false;
    const namespaces = KEY_PREFIXES[key.slice(0, colon)] ?? [];
    return namespaces.some((ns) => ns + key.slice(colon + 1) === property);
  });
  return exact ?? keys.find((key) => !key.includes(':') && key === localName(property));
}

/** The key to name in a pointer for a property that is absent: in the style the object already uses. */
function absentKey(object: Readonly<Record<string, unknown>>, property: string): string {
  const prefixed = Object.keys(object).some((key) => /^[a-z]+:/.test(key) && !key.startsWith('@'));
  const short = compact(property);
  return prefixed || short === property ? short : localName(property);
}

function indexOfValue(values: readonly unknown[], value: Term): number {
  return values.findIndex((item) => {
    if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') return String(item) === value.value;
    if (item !== null && typeof item === 'object') {
      const record = item as Record<string, unknown>;
      return (record['@id'] ?? record['id'] ?? record['@value']) === value.value;
    }
    return false;
  });
}

export function locator(nodes: ReadonlyMap<string, NodeLocation>): Locate {
  return (node, property, value) => {
    const location = nodes.get(node);
    if (location === undefined) return { pointer: '' };
    const tokens: (string | number)[] = [...location.tokens];
    if (property !== undefined) {
      const key = keyFor(location.object, property);
      if (key === undefined) {
        tokens.push(absentKey(location.object, property));
      } else {
        tokens.push(key);
        const values = location.object[key];
        if (Array.isArray(values) && value !== undefined) {
          const index = indexOfValue(values, value);
          if (index >= 0) tokens.push(index);
        }
      }
    }
    return { pointer: jsonPointer(tokens), credentialIndex: location.credentialIndex };
  };
}

/** Rules SHACL cannot express, over the same graph so they see what SHACL sees. */
function ruleFindings(
  quads: readonly Quad[],
  locate: Locate,
  accepted: readonly AcceptedTermsAndConditions[],
  now: Date,
): Finding[] {
  const findings: Finding[] = [];
  for (const q of quads) {
    if (q.object.termType !== 'Literal') continue;
    const property = q.predicate.value;
    const check = REGISTRATION_NUMBER_CHECKS.get(property);
    if (check !== undefined) {
      for (const fault of check(q.object.value)) {
        findings.push({ ...fault, severity: 'violation', ...locate(q.subject.value, property, q.object), path: property });
      }
    } else if (property === `${GX}subdivisionCountryCode` && !ISO_3166_2.has(q.object.value)) {
      findings.push({
        rule: 'gx:LeiCode/subdivision-code',
        severity: 'violation',
        ...locate(q.subject.value, property, q.object),
        path: property,
        message: `${JSON.stringify(q.object.value)} is not an ISO 3166-2 subdivision code`,
        hint: 'Use the code of the legal address subdivision as in the GLEIF record, e.g. DE-BE or FR-IDF',
      });
    } else if (property === `${GX}gaiaxTermsAndConditions`) {
      const verdict = checkTermsAndConditions(q.object.value, accepted, now);
      if (verdict.accepted) continue;
      findings.push({
        rule: verdict.reason === 'expired' ? 'gx:Issuer/terms-and-conditions-expired' : 'gx:Issuer/terms-and-conditions-unknown',
        severity: 'violation',
        ...locate(q.subject.value, property, q.object),
        path: property,
        message:
          verdict.reason === 'expired'
            ? `gx:gaiaxTermsAndConditions ${q.object.value} was accepted only until ${verdict.until?.toISOString()}`
            : `gx:gaiaxTermsAndConditions ${q.object.value} is not the SHA-256 of accepted Gaia-X terms and conditions`,
        hint: `Accept the current Gaia-X terms and conditions: gx:gaiaxTermsAndConditions ${verdict.current.join(' or ')}`,
      });
    }
  }
  return findings;
}
