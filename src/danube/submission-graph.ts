/**
 * Turns the credentials of one submission into one RDF graph, remembering for every node where it
 * sits in the submitted JSON. SHACL reports name RDF nodes; members need JSON pointers.
 *
 * Every JSON object that is a node without an `@id` gets a generated one before toRDF, so no node
 * of the graph is an anonymous blank node we cannot map back.
 */
import jsonld from 'jsonld';
import { DataFactory } from 'n3';
import type { Quad, Term } from '@rdfjs/types';
import { jsonPointer, type ProblemDetail } from '../errors.js';
import { jsonLdInputFaults, type DocumentLoader } from '../document-loader/index.js';
import type { Finding } from './finding.js';
import { graphTooLarge, isNodeObject, SUBMISSION_LIMITS } from './submission-limits.js';
import { isObject } from '../json-input.js';

const { namedNode, blankNode, literal, quad, defaultGraph } = DataFactory;

/** Generated node ids; never leave the validator. */
export const GENERATED_NODE_PREFIX = 'urn:gx-trust:node:';

export interface NodeLocation {
  credentialIndex: number;
  /** Reference tokens of the JSON pointer to the node object. */
  tokens: readonly (string | number)[];
  /** The node object as submitted (with the generated `@id` when it had none). */
  object: Readonly<Record<string, unknown>>;
}

export interface SubmissionGraph {
  quads: Quad[];
  /** Node IRI -> where the node is described in the submission. */
  nodes: ReadonlyMap<string, NodeLocation>;
  /** Credentials that could not be turned into RDF (bad context, safe mode). */
  findings: Finding[];
  /** Parsed node objects per credential, for the rules that run in code. */
  labelled: readonly unknown[];
}

type JsonObject = Record<string, unknown>;

function nodeId(value: JsonObject): string | undefined {
  const id = value['@id'] ?? value['id'];
  return typeof id === 'string' ? id : undefined;
}

/** A node that only refers to another (`{"@id": ...}`) must not displace the node's description. */
function isReferenceOnly(value: JsonObject): boolean {
  return Object.keys(value).every((key) => key === '@id' || key === 'id');
}

function label(
  value: unknown,
  credentialIndex: number,
  tokens: (string | number)[],
  nodes: Map<string, NodeLocation>,
): unknown {
  if (Array.isArray(value)) {
    return value.map((item, index) => label(item, credentialIndex, [...tokens, index], nodes));
  }
  if (!isObject(value)) return value;
  const copy: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    // defineProperty, not assignment: a JSON key "__proto__" must stay data, not set the prototype.
    Object.defineProperty(copy, key, {
      value: key === '@context' ? child : label(child, credentialIndex, [...tokens, key], nodes),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  if (!isNodeObject(copy)) return copy;
  let id = nodeId(copy);
  if (id === undefined) {
    id = `${GENERATED_NODE_PREFIX}${credentialIndex}:${encodeURIComponent(jsonPointer(tokens))}`;
    copy['@id'] = id;
  }
  const known = nodes.get(id);
  if (known === undefined || (isReferenceOnly(known.object) && !isReferenceOnly(copy))) {
    nodes.set(id, { credentialIndex, tokens, object: copy });
  }
  return copy;
}

interface JsonLdTerm {
  termType: string;
  value: string;
  datatype?: { value: string };
  language?: string;
}
interface JsonLdQuad {
  subject: JsonLdTerm;
  predicate: JsonLdTerm;
  object: JsonLdTerm;
  graph: JsonLdTerm;
}

/** `credentialIndex`: jsonld labels each document's blank nodes from _:b0 on, so they are told apart by credential. */
function toTerm(term: JsonLdTerm, credentialIndex: number): Term {
  switch (term.termType) {
    case 'NamedNode':
      return namedNode(term.value);
    case 'BlankNode':
      return blankNode(`c${credentialIndex}-${term.value.replace(/^_:/, '')}`);
    default:
      return term.language
        ? literal(term.value, term.language)
        : literal(term.value, namedNode(term.datatype?.value ?? 'http://www.w3.org/2001/XMLSchema#string'));
  }
}

/**
 * Only the default graph is kept: the claims. Proofs live in named graphs (VC Data Model 2.0
 * section 4.12) and are checked by the verifier, not by shapes.
 *
 * The triples and blank nodes are counted as each credential is turned into RDF, and past
 * SUBMISSION_LIMITS the submission is refused (GRAPH_TOO_LARGE, pointing at the credential that
 * crossed the limit) before SHACL sees any of it. The caller counted the node objects before.
 */
export async function buildSubmissionGraph(
  credentials: readonly unknown[],
  documentLoader: DocumentLoader,
): Promise<SubmissionGraph> {
  const nodes = new Map<string, NodeLocation>();
  const quads: Quad[] = [];
  const findings: Finding[] = [];
  const labelled: unknown[] = [];
  let blankNodes = 0;
  for (const [index, credential] of credentials.entries()) {
    // Before label() copies it and jsonld expands it: a context outside the pinned set (a DID
    // above all, which the loader would never resolve anyway) or a prototype key is a finding, and
    // the credential is not turned into RDF.
    const fault = jsonLdInputFaults(credential, { base: [index], loader: documentLoader })[0];
    if (fault !== undefined) {
      findings.push(inputFinding(fault, index));
      labelled.push(credential);
      continue;
    }
    const document = label(credential, index, [index], nodes);
    labelled.push(document);
    if (!isObject(document)) {
      findings.push({
        rule: 'submission/credential-object',
        severity: 'violation',
        pointer: jsonPointer([index]),
        path: '',
        message: `credential ${index} is not a JSON object`,
        hint: 'Send each credential (or unsigned claims graph) as a JSON-LD object',
        credentialIndex: index,
      });
      continue;
    }
    try {
      const dataset = (await jsonld.toRDF(document, { documentLoader, safe: true })) as JsonLdQuad[];
      const blank = new Set<string>();
      for (const q of dataset) {
        if (q.graph.termType !== 'DefaultGraph') continue;
        if (q.subject.termType === 'BlankNode') blank.add(q.subject.value);
        if (q.object.termType === 'BlankNode') blank.add(q.object.value);
        quads.push(
          quad(toTerm(q.subject, index) as never, toTerm(q.predicate, index) as never, toTerm(q.object, index) as never, defaultGraph()),
        );
      }
      blankNodes += blank.size;
    } catch (error) {
      findings.push(jsonLdFinding(error, index));
    }
    if (quads.length > SUBMISSION_LIMITS.triples) throw graphTooLarge('triples', `more than ${SUBMISSION_LIMITS.triples}`, jsonPointer([index]));
    if (blankNodes > SUBMISSION_LIMITS.blankNodes) throw graphTooLarge('blankNodes', `more than ${SUBMISSION_LIMITS.blankNodes}`, jsonPointer([index]));
  }
  return { quads: withoutEnvelopeTypes(quads), nodes, findings, labelled };
}

const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
const ENVELOPE_TYPES = new Set([
  'https://www.w3.org/2018/credentials#VerifiableCredential',
  'https://www.w3.org/2018/credentials#VerifiablePresentation',
]);

/**
 * Loire/Danube notaries type the credential itself with the subject's class (`"type":
 * ["VerifiableCredential", "gx:LeiCode"]`). That type labels the kind of credential; the claims are
 * on the credentialSubject. Left in, the closed gx:LeiCode shape would judge the credential's own
 * `issuer` and `validFrom`, so the envelope keeps only its VC type.
 */
function withoutEnvelopeTypes(quads: Quad[]): Quad[] {
  const envelopes = new Set(
    quads.filter((q) => q.predicate.value === RDF_TYPE && ENVELOPE_TYPES.has(q.object.value)).map((q) => q.subject.value),
  );
  if (envelopes.size === 0) return quads;
  return quads.filter(
    (q) => !(q.predicate.value === RDF_TYPE && envelopes.has(q.subject.value) && !ENVELOPE_TYPES.has(q.object.value)),
  );
}

function inputFinding(fault: ProblemDetail, credentialIndex: number): Finding {
  const notAllowed = fault.code === 'CONTEXT_NOT_ALLOWED';
  return {
    rule: notAllowed ? 'jsonld/context-not-allowed' : fault.code === 'FORBIDDEN_KEY' ? 'json/forbidden-key' : 'json/input',
    severity: 'violation',
    pointer: fault.pointer ?? jsonPointer([credentialIndex]),
    path: '',
    message: fault.detail,
    hint: notAllowed ? CONTEXT_HINT : fault.hint ?? 'Fix the credential and send it again',
    credentialIndex,
  };
}

const CONTEXT_HINT = 'Reference only the contexts gx-trust serves (the W3C credentials contexts and https://w3id.org/gaia-x/development#), or inline term definitions';

/** jsonld wraps a loader's error ("loading remote context failed") in details.cause. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== null && typeof current === 'object' && chain.length < 5) {
    chain.push(current);
    const record = current as { cause?: unknown; details?: { cause?: unknown } };
    current = record.details?.cause ?? record.cause;
  }
  return chain;
}

function jsonLdFinding(error: unknown, credentialIndex: number): Finding {
  const message = error instanceof Error ? error.message : String(error);
  const details = (error as { details?: { event?: { details?: { property?: unknown; term?: unknown } } } }).details;
  const term = details?.event?.details?.property ?? details?.event?.details?.term;
  const notAllowed = causes(error).some((cause) => (cause as { code?: unknown }).code === 'CONTEXT_NOT_ALLOWED');
  return {
    rule: notAllowed ? 'jsonld/context-not-allowed' : 'jsonld/safe-mode',
    severity: 'violation',
    pointer: jsonPointer([credentialIndex]),
    path: '',
    message: typeof term === 'string' ? `${message} (term ${JSON.stringify(term)})` : message,
    hint: notAllowed
      ? CONTEXT_HINT
      : 'Every property must be defined by a context or be a compact IRI with a defined prefix (gx:, schema:, vcard:); undefined terms would be dropped from what is signed',
    credentialIndex,
  };
}
