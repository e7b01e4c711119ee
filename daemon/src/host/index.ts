export { readHostInfo, readLoadAverage, parseBracketedChoice, parseCpuModel, THP_ENABLED_PATH } from './metadata.js';
export type { HostInfo, LoadAverage } from './metadata.js';
export { LibraryHasher, sha256File } from './library-hash.js';
export { allowedCpus, parseCpuList } from './cpus.js';
