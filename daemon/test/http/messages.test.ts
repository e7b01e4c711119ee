/** REST error messages name the allowed values of an enumeration and report each problem of a posted plan once. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auth, makeApp, seed, TOKEN } from './helpers.js';

test('an enumeration parameter names its allowed values', async () => {
  const t = await makeApp();
  try {
    seed(t.store);
    for (const [url, message] of [
      ['/api/v1/compare?baseline=speed&candidate=lean&goal=fast', 'querystring/goal must be one of speed, memory'],
      [
        '/api/v1/epochs?outcome=done',
        'querystring/outcome must be one of running, completed, crashed, timeout, oom, failed, interrupted, aborted',
      ],
      ['/api/v1/campaigns?status=over', 'querystring/status must be one of running, completed, stopped, interrupted'],
    ] as const) {
      const r = await t.app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 400, url);
      assert.equal(r.json<{ message: string }>().message, message);
    }
  } finally {
    await t.close();
  }
});

test('a posted plan: every problem once, in plan order, random_mixed arguments and knobs included', async () => {
  const t = await makeApp({ token: TOKEN });
  try {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: auth(),
      payload: {
        plan: {
          epoch: '10s',
          warmup: true,
          variants: [
            { name: 'a', allocator: 'leanmalloc', env: { LEANMALLOC_PROFILE: 'superfast' }, args: ['--wss', '4'] },
            { name: 'b', allocator: 'glibc' },
          ],
          comparisons: [
            { baseline: 'a', candidate: 'b', goal: 'fast' },
            { baseline: 'a', candidate: 'b', goal: 'speed' },
            { baseline: 'a', candidate: 'b', goal: 'memory' },
            { baseline: 'a', candidate: 'b', goal: 'speed' },
          ],
        },
      },
    });
    assert.equal(r.statusCode, 400);
    const body = r.json<{ message: string; problems: Array<{ path: string; expected: string; got: string }> }>();
    assert.deepEqual(
      body.problems.map((p) => `${p.path}: ${p.expected} / ${p.got}`),
      [
        'warmup: a duration such as "250ms", "4s", "60m", "1h" or a number of seconds / true',
        'variants[0].env.LEANMALLOC_PROFILE: speed, balanced or lean / "superfast"',
        "variants[0].args: arguments random_mixed accepts (see random_mixed --help) / unknown option '--wss' (see --help); did you mean --ws?",
        'comparisons[0].goal: speed or memory / "fast"',
        'comparisons[3]: a comparison not made before (comparisons[1] already compares a → b for speed) / a → b for speed',
      ],
    );
    // The message says each of them once too.
    for (const p of body.problems) assert.equal(body.message.split(`api: ${p.path}: `).length - 1, 1, p.path);
    assert.equal(t.store.campaigns.list().length, 0, 'nothing started');
  } finally {
    await t.close();
  }
});
