/**
 * Turns an engine's SHACL result into a message and hint a member can act on, reading the
 * constraint's parameters (sh:minCount, sh:class, sh:description ...) from the shapes graph. The
 * same result gives the same words whichever engine or shapes file produced it.
 */
import { DataFactory } from 'n3';
import type { DatasetCore, Quad, Term } from '@rdfjs/types';
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
      // A Tagus (22.10) or Loire property names its 25.11 successor.
      hint = tagusProperty(result.path ?? '') ?? `Remove ${path}, or check its name and namespace against the 25.11 vocabulary`;
      break;
    }
    case 'Class': {
      const cls = compact(first(shapes, shape, `${SH}class`) ?? '');
      const valueTypes = result.value === undefined ? [] : typesOf(result.value.value).map(compact);
      message = `${path}${on} must link a ${cls}, but ${show(result.value)} is ${valueTypes.length > 0 ? `a ${valueTypes.join(', ')}` : 'not described in this submission'}`;
      hint = `Link the id of a ${cls} and include its credential in the same submission`;
      break;
    }
    case 'In':
      message = `${show(result.value)} is not an allowed value of ${path}${on}`;
      break;
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
