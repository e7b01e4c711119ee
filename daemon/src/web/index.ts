export { webPage, webAssetDirs, PAGE_CSP } from './plugin.js';
export type { WebAssetDirs, WebPageOptions } from './plugin.js';
