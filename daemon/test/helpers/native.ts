/** Paths of the real native build (npm test builds it first) and of the compiled CLI. */
import { join } from 'node:path';
import { nativePaths } from '../../src/plan/index.js';
import { nativeBuildDir, packageRoot } from '../../src/paths/index.js';

const BUILD = nativeBuildDir();
export const { launcher: LAUNCHER, workload: RANDOM_MIXED, leanmalloc: LEANMALLOC } = nativePaths();
export const FIXTURE = join(BUILD, 'fixtures', 'protocol_fixture');
export const CLI = join(packageRoot(), 'dist', 'daemon', 'src', 'cli', 'main.js');
