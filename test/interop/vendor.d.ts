// The peers' JavaScript ships without type declarations: each module is typed loosely here and
// narrowed where a test calls it (as src/types/vendor.d.ts does for the service's own libraries).
declare module '@digitalbazaar/vc';
declare module '@digitalbazaar/ed25519-multikey';
declare module '@digitalbazaar/ecdsa-multikey';
declare module '@digitalbazaar/ed25519-verification-key-2020';
declare module '@digitalcredentials/vc';
declare module '@digitalcredentials/vc-bitstring-status-list';
declare module '@digitalcredentials/data-integrity';
declare module '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
declare module '@digitalcredentials/ed25519-signature-2020';
declare module '@digitalcredentials/ed25519-verification-key-2020';
