// @digitalbazaar/vc ships JavaScript without type declarations. The service does not use it: the
// bench and the load driver (load/) verify with it as the reference to measure gx-trust against.
declare module '@digitalbazaar/vc';
// The same for the Ed25519 Multikey library the raw issuance baseline signs with (bench/issuance.ts).
declare module '@digitalbazaar/ed25519-multikey';
