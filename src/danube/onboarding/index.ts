export * from './onboard.js';
export * from './participant.js';
export * from './request.js';
