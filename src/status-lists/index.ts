/** Revocation and suspension with W3C Bitstring Status List v1.0. */
export * from './allocator.js';
export * from './issuers.js';
export * from './credential.js';
export * from './check-status.js';
export * from './change-status.js';
