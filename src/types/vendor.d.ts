// The Digital Bazaar credential libraries ship JavaScript without type declarations. Each module is
// typed loosely here and narrowed at the one place gx-trust calls it.
declare module '@digitalbazaar/data-integrity';
declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
declare module '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
declare module '@digitalbazaar/ecdsa-sd-2023-cryptosuite';
declare module '@digitalbazaar/bbs-2023-cryptosuite';
declare module '@digitalbazaar/bls12-381-multikey';
declare module '@digitalbazaar/ed25519-signature-2020';
declare module '@digitalbazaar/credentials-context';
declare module '@digitalbazaar/data-integrity-context';
declare module '@digitalbazaar/multikey-context';
declare module '@digitalbazaar/vc-bitstring-status-list-context';
declare module 'ed25519-signature-2020-context';
declare module 'did-context';
declare module 'jsonld';
declare module 'jsonld-signatures';
