export * from './epoch-analysis.js';
