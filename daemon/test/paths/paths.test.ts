import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativePaths } from '../../src/plan/index.js';
import { nativeBuildDir, packageRoot } from '../../src/paths/index.js';

test('the package root is the repository root, whichever compiled file asks', () => {
  // This file runs as dist/daemon/test/paths/paths.test.js: the root is four levels up.
  const expected = fileURLToPath(new URL('../../../../', import.meta.url)).replace(/\/$/, '');
  assert.equal(packageRoot(), expected);
  assert.equal((JSON.parse(readFileSync(join(expected, 'package.json'), 'utf8')) as { name: string }).name, 'allocsoak');
  assert.ok(existsSync(join(packageRoot(), 'migrations', '001_initial_schema.sql')));
  assert.equal(nativeBuildDir(), join(expected, 'native', 'build'));
  assert.equal(nativePaths().launcher, join(expected, 'native', 'build', 'soak-launch'));
  assert.ok(existsSync(nativePaths().workload), 'npm test builds random_mixed first');
});
