export * from './types.js';
export * from './epoch-analysis.js';
