// @digitalbazaar/vc ships JavaScript without type declarations. The service does not use it: the
// bench and the load driver (load/) verify with it as the reference to measure gx-trust against.
declare module '@digitalbazaar/vc';
