export * from './data.js';
export * from './extensions.js';
export * from './render.js';
export * from './stderr.js';
export * from './verdict-text.js';
export * from './history-text.js';
