/**
 * What a credential states, read the way a JSON-LD processor reads it: the types of the credential
 * and of its subjects as expanded IRIs, and every identified node it says something about. The
 * signing policy judges these, never the JSON spelling, because `gx:LabelCredential`, a context's
 * alias for it and its full IRI are one type to every verifier that expands the document.
 *
 * Expansion runs against the pinned contexts only (no DID, no network): the result is
 * deterministic, and a context outside the closed set is refused here as everywhere else. Not in
 * safe mode: which terms a credential may use is its proof format's rule (Data Integrity signs in
 * safe mode), not this reader's; a type no context defines stays as written (`LabelCredential`),
 * and the policy judges it so. Shapes and prototype keys were refused before (credentialFaults).
 * Measured at about 0.1 ms for a 2 KB credential once the contexts are cached.
 * @see https://www.w3.org/TR/json-ld11-api/#expansion-algorithm
 */
import jsonld from 'jsonld';
import type { JsonObject } from '../credentials/index.js';
import { undefinedPrefixOf } from '../danube/vocabulary.js';
import { createDocumentLoader } from '../document-loader/index.js';
import { GxTrustError } from '../errors.js';
import { classifyError } from '../formats/data-integrity/suites.js';

/** The VC vocabulary; VCDM 1.1 and 2.0 share it. */
export const VC_VOCABULARY = 'https://www.w3.org/2018/credentials#';
export const VERIFIABLE_CREDENTIAL = `${VC_VOCABULARY}VerifiableCredential`;
const CREDENTIAL_SUBJECT = `${VC_VOCABULARY}credentialSubject`;
const ISSUER = `${VC_VOCABULARY}issuer`;

/** An expanded JSON-LD node object. */
export type ExpandedNode = Record<string, unknown>;

export interface SubjectClaims {
  /** The subject's IRI; undefined for a blank node. */
  id: string | undefined;
  types: string[];
  /** The expanded subject node, for readers that need its properties (onboarding's links). */
  node: ExpandedNode;
}

export interface CredentialClaims {
  /** The credential's own id, when it has one. */
  id: string | undefined;
  /** `@type` IRIs of the credential node. */
  types: string[];
  subjects: SubjectClaims[];
  /**
   * Every identified node the credential states something about, apart from the credential
   * itself and its issuer: a node with properties besides its `@id`, or one named under
   * `@reverse` (a statement whose object is the credential's node is still about that node).
   */
  statedAbout: string[];
  /**
   * Properties, types and datatypes written as a compact IRI of a known vocabulary (`gx:`,
   * `schema:`, `vcard:`, `ipcei:` ...) that no context defines: JSON-LD keeps `gx:countryCode` as
   * an IRI with the scheme `gx`, which no verifier reads as the Gaia-X term.
   */
  undefinedTerms: string[];
}

export type ClaimsReader = (credential: JsonObject) => Promise<CredentialClaims>;

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
const isNode = (value: unknown): value is ExpandedNode => typeof value === 'object' && value !== null && !Array.isArray(value);
const strings = (value: unknown): string[] => asArray(value).filter((v): v is string => typeof v === 'string');

/** Keys of a node object that carry no statement about it. */
const NOT_A_STATEMENT = new Set(['@id', '@index']);

/** Every key, `@type` value and datatype of the expanded tree that is an undefined compact IRI. */
function collectUndefinedTerms(value: unknown, into: Set<string>): void {
  for (const item of asArray(value)) {
    if (!isNode(item)) continue;
    if ('@value' in item) {
      if (typeof item['@type'] === 'string' && undefinedPrefixOf(item['@type']) !== undefined) into.add(item['@type']);
      continue;
    }
    for (const [key, child] of Object.entries(item)) {
      if (key === '@type') {
        for (const type of strings(child)) if (undefinedPrefixOf(type) !== undefined) into.add(type);
        continue;
      }
      if (undefinedPrefixOf(key) !== undefined) into.add(key);
      collectUndefinedTerms(key === '@reverse' && isNode(child) ? Object.values(child) : child, into);
    }
  }
}

function collectStatements(value: unknown, into: Set<string>): void {
  for (const item of asArray(value)) {
    if (!isNode(item) || '@value' in item) continue;
    if ('@list' in item || '@set' in item) {
      collectStatements(item['@list'] ?? item['@set'], into);
      continue;
    }
    const id = typeof item['@id'] === 'string' ? item['@id'] : undefined;
    if (id !== undefined && Object.keys(item).some((key) => !NOT_A_STATEMENT.has(key))) into.add(id);
    for (const [key, child] of Object.entries(item)) {
      if (key === '@id' || key === '@index' || key === '@type') continue;
      if (key === '@reverse' && isNode(child)) {
        for (const reversed of Object.values(child)) {
          for (const node of asArray(reversed)) {
            if (isNode(node) && typeof node['@id'] === 'string') into.add(node['@id']);
          }
          collectStatements(reversed, into);
        }
        continue;
      }
      collectStatements(child, into);
    }
  }
}

/** Reads credentials with a loader that serves the pinned contexts and nothing else. */
export function createClaimsReader(): ClaimsReader {
  const documentLoader = createDocumentLoader();
  return async (credential) => {
    let expanded: unknown[];
    try {
      expanded = (await jsonld.expand(structuredClone(credential), { documentLoader, safe: false })) as unknown[];
    } catch (error) {
      const { code, message, pointer } = classifyError(error, credential, 'INVALID_INPUT');
      throw new GxTrustError(code, `the credential cannot be read as JSON-LD: ${message}`, {
        cause: error,
        ...(pointer === undefined ? {} : { pointer }),
        hint: 'Use only the contexts in contexts/manifest.json, and terms they define',
      });
    }
    const root = expanded[0];
    if (expanded.length !== 1 || !isNode(root)) {
      throw new GxTrustError('INVALID_INPUT', 'a credential is one JSON-LD node', { hint: 'Send one credential object, without @graph at the top' });
    }
    const subjects = asArray(root[CREDENTIAL_SUBJECT]).filter(isNode).map((node): SubjectClaims => ({
      id: typeof node['@id'] === 'string' ? node['@id'] : undefined,
      types: strings(node['@type']),
      node,
    }));
    const statedAbout = new Set<string>();
    for (const [key, value] of Object.entries(root)) {
      if (key === '@id' || key === '@type' || key === '@index' || key === ISSUER) continue;
      if (key === '@reverse' && isNode(value)) {
        collectStatements({ '@reverse': value }, statedAbout);
        continue;
      }
      collectStatements(value, statedAbout);
    }
    const undefinedTerms = new Set<string>();
    collectUndefinedTerms(root, undefinedTerms);
    return {
      id: typeof root['@id'] === 'string' ? root['@id'] : undefined,
      types: strings(root['@type']),
      subjects,
      statedAbout: [...statedAbout],
      undefinedTerms: [...undefinedTerms],
    };
  };
}
