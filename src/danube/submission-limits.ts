/**
 * How large a self-description may be before the Danube validator refuses to look at it. SHACL's
 * cost grows faster than the graph: one LegalPerson carrying 1000 address nodes (70 KB, well under
 * the body limit) held the event loop about 2 s, and shacl-engine took 11 ms for 50 addresses on
 * one property, 131 ms for 400 and 287 ms for 800 (one core, warm). So the size is bounded before
 * any JSON-LD or SHACL work, by counts that are cheap to take: the credentials, the JSON node
 * objects (each becomes one RDF node, see submission-graph.ts), and after toRDF the triples and
 * the blank nodes.
 *
 * The limits leave wide room over real submissions. The largest we know, measured with this
 * validator: the IPCEI-AI service offering of the test fixtures (LegalPerson, VAT id, Issuer,
 * ServiceOffering, SoftwareResource and its AI model profile: 6 credentials, 26 JSON nodes,
 * 78 triples, no blank node); the Gaia-X 25.11 sample claims for a DataProduct and a
 * ServiceOffering (19 nodes, 45 triples) and for a LegalPerson (4 nodes, 18 triples). A full
 * offering with a handful of data, software and infrastructure resources stays near 250 triples
 * and 60 nodes. The limits are 8-10x that (20-30x the fixtures). The costliest submission they
 * admit that we found, one LegalPerson with 492 minimal addresses on gx:legalAddress (500 nodes,
 * 23 KB), validates in about 0.25 s of one core, on a pool thread (benchmark.ts,
 * largestAcceptedSubmission); with fuller addresses the triple limit stops at 352 of them (0.18 s).
 *
 * Over a limit: 400 GRAPH_TOO_LARGE, not 422. The submission is refused by policy before any rule
 * looked at it; a 422 would read as "validated and found wanting", and 413 is for bodies over the
 * byte limit, which this one is not.
 */
import { GxTrustError, jsonPointer } from '../errors.js';
import { isObject } from '../json-input.js';

export const SUBMISSION_LIMITS = {
  /** Credentials in one submission (as many as a presentation may hold for verification). */
  credentials: 64,
  /** JSON node objects (= RDF nodes described), over all credentials. */
  nodes: 500,
  /** Triples of the merged claims graph (the default graph; proofs are not counted). */
  triples: 2500,
  /** Blank nodes of that graph: every node object gets an IRI, so only @list cells are blank. */
  blankNodes: 100,
} as const;

export type SubmissionLimit = keyof typeof SUBMISSION_LIMITS;

const NOUNS: Readonly<Record<SubmissionLimit, string>> = {
  credentials: 'credentials',
  nodes: 'JSON-LD node objects',
  triples: 'RDF triples',
  blankNodes: 'blank nodes',
};

export function limitsText(): string {
  const { credentials, nodes, triples, blankNodes } = SUBMISSION_LIMITS;
  return `at most ${credentials} credentials, ${nodes} node objects, ${triples} triples and ${blankNodes} blank nodes`;
}

/** The refusal, pointing at the credential or node where the count passed the limit. */
export function graphTooLarge(limit: SubmissionLimit, count: number | string, pointer: string): GxTrustError {
  return new GxTrustError('GRAPH_TOO_LARGE', `the submission holds ${count} ${NOUNS[limit]}, more than the ${SUBMISSION_LIMITS[limit]} a self-description may hold`, {
    pointer,
    hint: `A submission may hold ${limitsText()}; the largest real Danube submissions are a tenth of that. Send the credentials of one participant or one offering at a time`,
  });
}

/**
 * Value objects and lists are not nodes; neither is a top-level `@graph` wrapper (as in
 * submission-graph.ts, which gives every other object an `@id`).
 */
export function isNodeObject(value: Readonly<Record<string, unknown>>): boolean {
  return !('@value' in value) && !('@list' in value) && !('@set' in value) && !('@graph' in value);
}

export interface SubmissionSize {
  credentials: number;
  nodes: number;
}

/**
 * Counts the credentials and their node objects, refusing at the first one over a limit (its
 * pointer names it). A walk over the parsed JSON: about a microsecond per object, so it runs on
 * the event loop before any work is queued, and its count prices the validation (weightOf).
 */
export function measureSubmission(credentials: readonly unknown[]): SubmissionSize {
  if (credentials.length > SUBMISSION_LIMITS.credentials) {
    throw graphTooLarge('credentials', credentials.length, jsonPointer([SUBMISSION_LIMITS.credentials]));
  }
  let nodes = 0;
  // Iterative, so a deeply nested document cannot overflow the stack here.
  // Children are pushed last first, so nodes are counted in document order and the pointer names
  // the first node past the limit.
  type Entry = { value: unknown; path: Entry | undefined; token: string | number };
  const tokensOf = (entry: Entry): (string | number)[] => (entry.path === undefined ? [entry.token] : [...tokensOf(entry.path), entry.token]);
  const stack: Entry[] = credentials.map((value, index) => ({ value, path: undefined, token: index })).reverse();
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const { value } = entry;
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--) stack.push({ value: value[index], path: entry, token: index });
      continue;
    }
    if (!isObject(value)) continue;
    if (isNodeObject(value) && ++nodes > SUBMISSION_LIMITS.nodes) throw graphTooLarge('nodes', `more than ${SUBMISSION_LIMITS.nodes}`, jsonPointer(tokensOf(entry)));
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      if (key !== '@context') stack.push({ value: value[key], path: entry, token: key });
    }
  }
  return { credentials: credentials.length, nodes };
}

/**
 * What a validation costs in the anonymous callers' share, in canonicalization units. A unit is
 * what a Data Integrity canonicalization costs, a millisecond or two of a core; validating the
 * 3-credential LegalPerson submission (9 node objects) costs 2 ms, and the cost per node grows with
 * the graph (244 ms for a LegalPerson with 492 addresses, 500 nodes). One unit per 10 node
 * objects, so every small submission costs one and a large one the whole share of a second (the
 * budget caps a weight at the share).
 */
export function weightOf(size: SubmissionSize): number {
  return Math.max(1, Math.ceil(size.nodes / 10));
}

/**
 * The validator's refusal points into the list of credentials it was given (`/2/credentialSubject`);
 * callers answer with a pointer into what they were sent. `origin(i)` is where credential `i` came
 * from (`/verifiableCredential/2`); anything else passes through unchanged.
 */
export function pointedIntoRequest(error: unknown, origin: (index: number) => string | undefined): unknown {
  if (!(error instanceof GxTrustError) || error.pointer === undefined) return error;
  const match = /^\/(\d+)(.*)$/.exec(error.pointer);
  const base = match === null ? undefined : origin(Number(match[1]));
  if (base === undefined) return error;
  return new GxTrustError(error.code, error.message, {
    pointer: base + (match?.[2] ?? ''),
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    cause: error,
  });
}
