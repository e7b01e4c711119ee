/** Locates the allocsoak package root from this file, compiled (dist/daemon/src/plan/) or not (daemon/src/plan/). */
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
