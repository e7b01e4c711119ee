/** Paths of the real native build (npm test builds it first). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'allocsoak') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('allocsoak package root not found');
    dir = parent;
  }
}

export const ROOT = findRoot();
export const BUILD = join(ROOT, 'native', 'build');
export const LAUNCHER = join(BUILD, 'soak-launch');
export const RANDOM_MIXED = join(BUILD, 'random_mixed');
export const FIXTURE = join(BUILD, 'fixtures', 'protocol_fixture');
export const LEANMALLOC = join(BUILD, 'libleanmalloc.so');
export const CLI = join(ROOT, 'dist', 'daemon', 'src', 'cli', 'main.js');
