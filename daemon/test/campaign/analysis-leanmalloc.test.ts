import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { assertSensible, runVariants } from '../helpers/analysis.js';
import { LEANMALLOC } from '../helpers/native.js';

test('random_mixed under leanmalloc completes with a sensible analysis, its counters and the library hash', async () => {
  const { rows, samples } = await runVariants([
    {
      name: 'lean',
      allocator: 'leanmalloc',
      env: { LEANMALLOC_PROFILE: 'lean' },
      args: ['--ws', '300', '--burst-mb', '8', '--burst-every-s', '0.5'],
    },
  ]);
  const e = rows.get('lean')!;
  assertSensible('lean', e, samples.get('lean')!);
  assert.equal(e.allocator_sha256, createHash('sha256').update(readFileSync(LEANMALLOC)).digest('hex'));
  assert.ok(e.lean_decommit !== null && e.lean_retire !== null, 'leanmalloc counters missing');
  const counters = JSON.parse(e.counters_json!) as { delta: Record<string, number> };
  assert.ok('lean_decommit' in counters.delta && 'committed_bytes' in counters.delta, e.counters_json!);
});
