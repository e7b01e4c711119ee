export * from './exporter.js';
export * from './names.js';
