// Local declarations for RDF/JS packages that ship no types; narrowed where src/danube calls them.
declare module 'shacl-engine' {
  export class Validator {
    constructor(dataset: import('@rdfjs/types').DatasetCore, options: { factory: unknown; details?: boolean });
    validate(data: { dataset: import('@rdfjs/types').DatasetCore }): Promise<unknown>;
  }
}
declare module '@rdfjs/dataset' {
  const factory: { dataset(quads?: Iterable<import('@rdfjs/types').Quad>): import('@rdfjs/types').DatasetCore };
  export default factory;
}
declare module '@rdfjs/data-model' {
  const factory: import('@rdfjs/types').DataFactory;
  export default factory;
}
