import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSensible, runVariants } from '../helpers/analysis.js';

test('random_mixed under glibc (no preload) completes with a sensible analysis', async () => {
  const { rows, samples } = await runVariants([{ name: 'glibc', allocator: 'glibc', args: ['--ws', '300'] }]);
  const e = rows.get('glibc')!;
  assertSensible('glibc', e, samples.get('glibc')!);
  assert.equal(e.allocator_sha256, null);
  assert.equal(e.lean_decommit, null, 'glibc has no leanmalloc counters');
});
