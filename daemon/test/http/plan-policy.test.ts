import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusedOverHttp } from '../../src/http/plan-policy.js';
import { thinSamples } from '../../src/http/routes/epochs.js';
import { validatePlan } from '../../src/plan/index.js';

test('refusedOverHttp: named allocators, args and allocator knobs pass; commands, paths and other env do not', () => {
  const plan = (variants: unknown[]) => validatePlan({ epoch: '1s', warmup: '0s', interval: '100ms', variants }, 'api');
  assert.deepEqual(
    refusedOverHttp(
      plan([
        { name: 'a', allocator: 'leanmalloc', env: { LEANMALLOC_PROFILE: 'lean' }, args: ['--ws', '800', '--burst-mb', '64'] },
        { name: 'b', allocator: 'mimalloc', env: { MIMALLOC_PURGE_DELAY: '0' }, optional: true },
        { name: 'c', allocator: 'jemalloc', env: { MALLOC_CONF: 'dirty_decay_ms:0' }, optional: true },
        { name: 'd', allocator: 'glibc', env: { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=0', MALLOC_ARENA_MAX: '2' } },
        { name: 'e', allocator: 'tcmalloc', env: { TCMALLOC_RELEASE_RATE: '10' }, optional: true },
      ]),
    ),
    [],
  );
  assert.deepEqual(
    refusedOverHttp(
      plan([
        { name: 'a', command: ['/bin/true'] },
        { name: 'b', allocator: '/tmp/lib.so', env: { LD_LIBRARY_PATH: '/tmp', PATH: '/tmp', LEANMALLOC_PROFILE: 'balanced' } },
      ]),
    ).sort(),
    ['variants[0].command', 'variants[1].allocator', 'variants[1].env.LD_LIBRARY_PATH', 'variants[1].env.PATH'],
  );
});

test('thinSamples: step stride, last kept, then bounded by max points', () => {
  const xs = Array.from({ length: 23 }, (_, i) => i);
  assert.deepEqual(thinSamples(xs, 1, 100), xs);
  assert.deepEqual(thinSamples(xs, 5, 100), [0, 5, 10, 15, 20, 22]);
  assert.deepEqual(thinSamples(xs, 11, 100), [0, 11, 22]);
  assert.deepEqual(thinSamples(xs, 100, 100), [0, 22]);
  assert.deepEqual(thinSamples(xs, 5, 3), [0, 15, 22]); // [0,5,10,15,20,22] decimated evenly
  assert.deepEqual(thinSamples(xs, 1, 1), [22]);
  assert.deepEqual(thinSamples([], 5, 10), []);
  assert.deepEqual(thinSamples([7], 5, 10), [7]);
});
