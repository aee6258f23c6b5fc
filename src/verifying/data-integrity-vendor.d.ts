// jsonld-signatures ships JavaScript without declarations and is not (yet) in src/types/vendor.d.ts.
// Typed loosely here and narrowed where data-integrity-suites.ts calls it.
declare module 'jsonld-signatures';
