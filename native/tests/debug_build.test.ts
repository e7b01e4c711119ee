// leanmalloc's C tests once more in the DEBUG=1 build (native/build-debug): every assertion tier
// on (lm_assert, lm_assert_internal, lm_assert_expensive), in all three profiles. An assertion
// that fails aborts with "leanmalloc: assertion failed: ..." and fails the test like any crash.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEBUG, PROFILES, assertOk, leanmallocSo, make, run, testBin } from './fixtures/leanmalloc.js';

const bin = (name: string): string => testBin(DEBUG, name);

before(() => make(DEBUG, ['tests']));

test('the debug build really has its assertions: an interior pointer to a small block aborts at free', () => {
  const r = run(bin('alloc_invalid'), ['interior-small']);
  assert.equal(r.signal, 'SIGABRT', `expected abort, got status ${r.status} signal ${r.signal}: ${r.stderr}`);
  assert.match(
    r.stderr,
    /^leanmalloc: assertion failed: .*lm_is_block_of\(s, p\) \(src\/allocator\/internal\.h:\d+, lm_free_inline\); aborting$/m,
  );
});

test('configuration read before main, in every profile', () => {
  for (const p of PROFILES) {
    const r = run(bin('alloc_config'), [], p.env);
    assertOk(r, 'alloc_config');
    assert.equal(r.stdout, `profile=${p.expectProfile}\n`);
    assert.equal(r.stderr, '');
  }
});

test('invalid pointers still get their one-line message', () => {
  const r = run(bin('alloc_invalid'), ['foreign']);
  assert.equal(r.signal, 'SIGABRT');
  assert.match(r.stderr, /^leanmalloc: free\(0x[0-9a-f]{16}\): invalid pointer: not allocated by leanmalloc/m);
  assertOk(run(bin('alloc_invalid'), ['ok']), 'alloc_invalid ok');
});

for (const p of PROFILES) {
  describe(`debug build, profile ${p.name}`, () => {
    test('a freed burst of small blocks: lean gives it back, the others keep it', () => {
      const r = run(bin('alloc_lean'), ['idle', '64', '1000'], p.env);
      assertOk(r, 'alloc_lean idle');
      const res = JSON.parse(r.stdout.trim()) as { base_kb: number; end_kb: number; lean_retire: number };
      if (p.name === 'lean') assert.ok(res.end_kb <= res.base_kb + 8 * 1024 && res.lean_retire > 0, r.stdout);
      else assert.ok(res.end_kb > res.base_kb + 32 * 1024, r.stdout);
    });

    test('API: sizes, patterns, calloc, realloc, alignment', () => {
      const r = run(bin('alloc_api'), [], p.env);
      assertOk(r, 'alloc_api');
      assert.match(r.stdout, new RegExp(`^leanmalloc profile=${p.expectProfile} `, 'm'));
      assert.equal(r.stderr, '');
    });

    test('API under LD_PRELOAD of the debug libleanmalloc.so', () => {
      const r = run(bin('plain_alloc_api'), [], { ...p.env, LD_PRELOAD: leanmallocSo(DEBUG) });
      assertOk(r, 'plain_alloc_api');
      assert.match(r.stdout, new RegExp(`^leanmalloc profile=${p.expectProfile} `, 'm'));
    });

    test('API edges: overflow, realloc across class boundaries, calloc of reused memory', () => {
      const r = run(bin('alloc_edges'), ['all'], p.env);
      assertOk(r, 'alloc_edges');
      assert.match(r.stdout, /^ok calloc_reused$/m);
    });

    test('threads: cross-thread frees and thread churn', () => {
      const r = run(bin('alloc_threads'), ['10000'], p.env);
      assertOk(r, 'alloc_threads');
      assert.match(r.stdout, /^ok churn superslabs_mapped=\d+/m);
    });

    test('fork in a threaded process', () => {
      const r = run(bin('alloc_fork'), [], p.env);
      assertOk(r, 'alloc_fork');
      assert.match(r.stdout, /^ok fork 10 children$/m);
    });

    test('memory of exited threads freed by main', () => {
      const r = run(bin('alloc_exited'), ['100', p.name === 'lean' ? '1500' : '100'], p.env);
      assertOk(r, 'alloc_exited');
      const res = JSON.parse(r.stdout.trim()) as { peak_kb: number; after_kb: number };
      if (p.name === 'lean') assert.ok(res.after_kb * 10 <= res.peak_kb, `lean purged it: ${r.stdout}`);
    });

    test('stress suite: churn, rounds, pingpong', () => {
      const r = run(bin('alloc_stress'), ['all', '2'], p.env);
      assertOk(r, 'alloc_stress all');
      for (const part of ['churn', 'rounds', 'pingpong']) assert.match(r.stdout, new RegExp(`^ok ${part} `, 'm'));
    });
  });
}
