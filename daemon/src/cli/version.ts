import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths/index.js';

let cached: string | undefined;

/** allocsoak's version from package.json. */
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
