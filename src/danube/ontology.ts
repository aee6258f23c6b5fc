/**
 * The part of the 25.11 class hierarchy that sh:class needs. SHACL 1.0 section 2.1.3.1: "A node n
 * is a SHACL instance of a class C if one of the SHACL types of n is C" where the SHACL types
 * follow rdfs:subClassOf *in the data graph*, so these triples are added to every submission
 * graph: a gx:VatID is then a gx:RegistrationNumber for `sh:class gx:RegistrationNumber`.
 * shacl-engine 1.1 resolves subclasses in the shapes graph instead (lib/resolveClasses.js, at
 * compile time), so the same triples go into every shapes graph as well.
 * @see https://www.w3.org/TR/shacl/#shaclClass
 */
import { DataFactory } from 'n3';
import type { Quad } from '@rdfjs/types';
import { GX, RDFS } from './namespaces.js';

/**
 * The gx:RegistrationNumber classes gx-trust builds from a participant's data and notarises (local
 * names under GX). Onboarding and the compliance rules read the lists from here: they are the
 * vocabulary's, not theirs.
 */
export const NOTARISED_REGISTRATION_NUMBER_CLASSES = ['VatID', 'LeiCode', 'EORI', 'EUID', 'TaxID', 'LocalRegistrationNumber'] as const;

/** Every gx:RegistrationNumber class of 25.11: a gx:CountryCompanyNumber is submitted, never built here. */
export const REGISTRATION_NUMBER_CLASSES = [...NOTARISED_REGISTRATION_NUMBER_CLASSES, 'CountryCompanyNumber'] as const;

type Compacted<T extends readonly string[]> = { readonly [K in keyof T]: `gx:${T[K]}` };
const compacted = <T extends readonly string[]>(locals: T): Compacted<T> => locals.map((local) => `gx:${local}`) as unknown as Compacted<T>;

/** The same classes as compact `gx:` terms, as credentials written against the Gaia-X context name them. */
export const NOTARISED_REGISTRATION_NUMBER_TYPES = compacted(NOTARISED_REGISTRATION_NUMBER_CLASSES);
export const REGISTRATION_NUMBER_TYPES = compacted(REGISTRATION_NUMBER_CLASSES);

const SUBCLASS_OF: readonly (readonly [string, string])[] = [
  ['LegalPerson', 'Participant'],
  ...REGISTRATION_NUMBER_CLASSES.map((local) => [local, 'RegistrationNumber'] as const),
  ['ServiceTermsAndConditions', 'TermsAndConditions'],
  ['UsageTermsAndConditions', 'TermsAndConditions'],
  ['VirtualResource', 'Resource'],
  ['PhysicalResource', 'Resource'],
  ['SoftwareResource', 'VirtualResource'],
  ['DataResource', 'VirtualResource'],
];

export const GX_ONTOLOGY_QUADS: readonly Quad[] = SUBCLASS_OF.map(([sub, sup]) =>
  DataFactory.quad(
    DataFactory.namedNode(GX + sub),
    DataFactory.namedNode(`${RDFS}subClassOf`),
    DataFactory.namedNode(GX + sup),
  ),
);
