/**
 * Where allocsoak's own files are, for the daemon, the benchmark and every test: the package root (the
 * repository root) is found from this file, whether it runs compiled (dist/daemon/src/paths/) or not.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The nearest ancestor directory holding allocsoak's package.json. Throws if there is none. */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
        if (pkg.name === 'allocsoak') {
          cached = dir;
          return dir;
        }
      } catch {
        // An unreadable or foreign package.json (e.g. dist/ of a bundler): keep walking up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`allocsoak package root not found above ${start}`);
    dir = parent;
  }
}

/** The native build outputs (leanmalloc, random_mixed, the launcher, test programs): `<package root>/native/build`. */
export function nativeBuildDir(root: string = packageRoot()): string {
  return join(root, 'native', 'build');
}
