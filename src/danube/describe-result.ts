/**
 * Turns an engine's SHACL result into a message and hint a member can act on, reading the
 * constraint's parameters (sh:minCount, sh:class, sh:description ...) from the shapes graph. The
 * same result gives the same words whichever engine or shapes file produced it.
 */
import { DataFactory } from 'n3';
import type { DatasetCore, Quad, Term } from '@rdfjs/types';
import { closestTerm } from '../closest-term.js';
import { compact, RDF, SH } from './namespaces.js';
import type { ShaclResult } from './shacl.js';
import { tagusProperty } from './vocabulary.js';

const { namedNode } = DataFactory;

function objects(dataset: DatasetCore, subject: Term | undefined, predicate: string): Term[] {
  if (subject === undefined) return [];
  return [...dataset.match(subject as Quad['subject'], namedNode(predicate))].map((q) => q.object);
}

function first(dataset: DatasetCore, subject: Term | undefined, predicate: string): string | undefined {
  return objects(dataset, subject, predicate)[0]?.value;
}

function show(term: Term | undefined): string {
  if (term === undefined) return 'the value';
  if (term.termType === 'Literal') return JSON.stringify(term.value);
  return term.value.startsWith('urn:gx-trust:node:') ? 'the linked node' : `<${term.value}>`;
}

export function describeResult(
  result: ShaclResult,
  shapes: DatasetCore,
  typesOf: (node: string) => string[],
): { rule: string; message: string; hint: string } {
  const component = result.sourceConstraintComponent.replace(SH, '').replace(/ConstraintComponent$/, '');
  const rule = `shacl:${component.charAt(0).toLowerCase()}${component.slice(1)}`;
  const path = result.path === undefined ? 'the node' : compact(result.path);
  const types = typesOf(result.focusNode.value).map(compact);
  const on = types.length > 0 ? ` on ${types.join(', ')}` : '';
  const shape = result.sourceShape;
  const description = first(shapes, shape, `${SH}description`);
  let message: string;
  let hint: string | undefined;
  switch (component) {
    case 'MinCount': {
      const min = first(shapes, shape, `${SH}minCount`) ?? '1';
      message = min === '1' ? `${path} is missing${on}` : `${path} needs at least ${min} values${on}`;
      break;
    }
    case 'MaxCount': {
      const max = first(shapes, shape, `${SH}maxCount`) ?? '1';
      message = `${path} has more than ${max} value${max === '1' ? '' : 's'}${on}`;
      hint = `Keep at most ${max}`;
      break;
    }
    case 'Closed': {
      const targets = objects(shapes, shape, `${SH}targetClass`).map((t) => compact(t.value));
      message = `${path} is not a property of ${targets.join(', ') || types.join(', ') || 'this node'} in Gaia-X 25.11 (the shape is closed)`;
      // A Tagus (22.10) or Loire property names its 25.11 successor; a slip (`gx:legalAdress`)
      // names the one property of this shape it is likely meant to be.
      const known = objects(shapes, shape, `${SH}property`).flatMap((property) => objects(shapes, property, `${SH}path`)).filter((p) => p.termType === 'NamedNode').map((p) => compact(p.value));
      const meant = closestTerm(path, known);
      if (meant !== undefined) message = `${message}; did you mean ${meant}?`;
      hint = tagusProperty(result.path ?? '') ?? (meant === undefined ? `Remove ${path}, or check its name and namespace against the 25.11 vocabulary` : `Rename ${path} to ${meant}`);
      break;
    }
    case 'Class': {
      const cls = compact(first(shapes, shape, `${SH}class`) ?? '');
      const valueTypes = result.value === undefined ? [] : typesOf(result.value.value).map(compact);
      message = `${path}${on} must link a ${cls}, but ${show(result.value)} is ${valueTypes.length > 0 ? `a ${valueTypes.join(', ')}` : 'not described in this submission'}`;
      hint = `Link the id of a ${cls} and include its credential in the same submission`;
      break;
    }
    case 'In': {
      const allowed = listAt(shapes, objects(shapes, shape, `${SH}in`)[0]);
      message = `${show(result.value)} is not an allowed value of ${path}${on}`;
      // The allowed values are named even where the shape has its own description: a unit or a
      // code list is what the member needs to see to fix it. A list too long to read (countries)
      // is left to the shape's description, which says what kind of code it wants.
      if (allowed.length > MAX_LISTED && description !== undefined) break;
      const named = allowed.slice(0, MAX_LISTED).map(show).join(', ');
      const more = allowed.length > MAX_LISTED ? ` and ${allowed.length - MAX_LISTED} more` : '';
      if (allowed.length > 0) return { rule, message: `${message}; allowed: ${named}${more}`, hint: `${description === undefined ? '' : `${description} `}Use one of ${named}${more}` };
      break;
    }
    case 'Node': {
      // The nested shape's first fault says what is wrong with the linked node (a unit outside
      // its list, a missing value); the rule and the place stay the outer result's.
      const detail = result.details?.[0];
      if (detail === undefined) {
        message = `${path}${on} violates ${rule}${result.value === undefined ? '' : ` with ${show(result.value)}`}`;
        break;
      }
      const inner = describeResult(detail, shapes, typesOf);
      return { rule, message: `${path}${on}: ${inner.message}`, hint: inner.hint };
    }
    case 'Datatype': {
      const datatype = compact(first(shapes, shape, `${SH}datatype`) ?? '');
      message = `${path}${on} must be a literal of type ${datatype}`;
      hint = datatype === 'xsd:anyURI' ? `Write it as {"@value": "https://...", "@type": "xsd:anyURI"}` : undefined;
      break;
    }
    case 'Pattern':
      message = `${show(result.value)} is not a well-formed ${path}${on}`;
      hint = `It must match ${first(shapes, shape, `${SH}pattern`) ?? 'the expected pattern'}`;
      break;
    case 'NodeKind':
      message = `${path}${on} must be ${compact(first(shapes, shape, `${SH}nodeKind`) ?? '').replace('sh:', 'a ')}`;
      break;
    case 'Xone':
    case 'Or':
      message = first(shapes, shape, `${SH}message`) ?? `${show(result.value)} of ${path}${on} matches none of the allowed forms`;
      break;
    default:
      message = `${path}${on} violates ${rule}${result.value === undefined ? '' : ` with ${show(result.value)}`}`;
  }
  return { rule, message, hint: description ?? hint ?? 'See the Gaia-X 25.11 shapes for this property' };
}

export const RDF_TYPE = `${RDF}type`;

/** How many values of a sh:in list a message names (a country list has some 250). */
const MAX_LISTED = 30;

/** The members of an RDF list (sh:in's value), bounded. */
function listAt(shapes: DatasetCore, head: Term | undefined): Term[] {
  const members: Term[] = [];
  let node = head;
  while (node !== undefined && node.value !== `${RDF}nil` && members.length < 1000) {
    const member = objects(shapes, node, `${RDF}first`)[0];
    if (member !== undefined) members.push(member);
    node = objects(shapes, node, `${RDF}rest`)[0];
  }
  return members;
}
