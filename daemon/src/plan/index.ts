export * from './types.js';
export * from './errors.js';
export * from './units.js';
export * from './validate.js';
export * from './load.js';
export * from './allocators.js';
export * from './privileged.js';
