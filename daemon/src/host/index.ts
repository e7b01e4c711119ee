export { readHostInfo, readLoadAverage, parseBracketedChoice, parseCpuModel, THP_ENABLED_PATH } from './metadata.js';
export type { HostInfo, LoadAverage } from './metadata.js';
export { LibraryHasher, sha256File } from './library-hash.js';
export { allowedCpus, parseCpuList } from './cpus.js';
export { BuildIdentifier, buildLabelFromEnv, gitBuildOf, GIT_TIMEOUT_MS } from './build-identity.js';
export type { GitBuild } from './build-identity.js';
