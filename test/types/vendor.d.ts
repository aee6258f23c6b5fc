// Development dependencies the tests use as independent implementations; they ship JavaScript
// without type declarations, and each test narrows what it calls.
declare module '@digitalbazaar/ed25519-signature-2018';
declare module '@digitalbazaar/ed25519-verification-key-2018';
