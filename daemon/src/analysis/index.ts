export * from './epoch-analysis.js';
export * from './duet-intervals.js';
