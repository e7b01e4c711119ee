import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlanFile, parsePlanText, PlanError, validatePlan } from '../../src/plan/index.js';
import { packageRoot } from '../../src/paths/index.js';
import { tempDir } from '../storage/helpers.js';

function planError(fn: () => unknown): PlanError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PlanError, `expected a PlanError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a PlanError, got a valid plan');
}

test('a full plan is normalised: durations in ms, size in bytes, defaults filled', () => {
  const plan = parsePlanText(
    `
name: nightly
epoch: 60m
warmup: 2m
interval: 250ms
schedule: "0 22 * * *"
rss_limit: 4GiB
variants:
  - name: speed
    allocator: leanmalloc
    env: { LEANMALLOC_PROFILE: speed, LEANMALLOC_TARGET_MB: 10 }
    args: ["--ws", 400]
  - name: custom
    command: ["/bin/bench", "--flag"]
  - name: mine
    allocator: /opt/lib/libmine.so.1
    optional: true
comparisons:
  - { baseline: speed, candidate: mine, goal: memory, criteria: { throughput_cost_max_pct: 7.5 } }
reference: speed
`,
    'plans/nightly.yaml',
  );
  assert.deepEqual(plan, {
    name: 'nightly',
    mode: 'sequential',
    epoch_ms: 3_600_000,
    warmup_ms: 120_000,
    interval_ms: 250,
    schedule: '0 22 * * *',
    rss_limit_bytes: 4 * 1024 ** 3,
    variants: [
      {
        name: 'speed',
        allocator: 'leanmalloc',
        env: { LEANMALLOC_PROFILE: 'speed', LEANMALLOC_TARGET_MB: '10' },
        args: ['--ws', '400'],
        command: null,
        optional: false,
      },
      { name: 'custom', allocator: null, env: {}, args: [], command: ['/bin/bench', '--flag'], optional: false },
      { name: 'mine', allocator: '/opt/lib/libmine.so.1', env: {}, args: [], command: null, optional: true },
    ],
    comparisons: [{ baseline: 'speed', candidate: 'mine', goal: 'memory', criteria: { throughput_cost_max_pct: 7.5 } }],
    reference: 'speed',
  });
});

test('defaults: name from the file, 60m/2m/1s, no schedule, no limit, plain seconds accepted', () => {
  const plan = parsePlanText('variants: [{name: a, allocator: glibc}]\n', 'somewhere/overnight.yml');
  assert.equal(plan.name, 'overnight');
  assert.equal(plan.epoch_ms, 3_600_000);
  assert.equal(plan.warmup_ms, 120_000);
  assert.equal(plan.interval_ms, 1000);
  assert.equal(plan.schedule, null);
  assert.equal(plan.rss_limit_bytes, null);
  const plain = validatePlan({ epoch: 30, warmup: 5, interval: 0.5, variants: [{ name: 'a', allocator: 'glibc' }] });
  assert.equal(plain.name, 'api');
  assert.deepEqual([plain.epoch_ms, plain.warmup_ms, plain.interval_ms], [30_000, 5000, 500]);
});

test('the example error of the brief, with the line number appended', () => {
  const err = planError(() =>
    parsePlanText(
      'epoch: 10s\nwarmup: 2s\nvariants:\n  - name: a\n    allocator: glibc\n  - name: b\n    allocator: foo\n',
      'plans/x.yaml',
    ),
  );
  assert.equal(
    err.message,
    'plans/x.yaml: variants[1].allocator: expected leanmalloc, glibc, mimalloc, jemalloc or tcmalloc or a path to a .so, got "foo" (line 7)',
  );
  assert.equal(err.problems.length, 1);
  assert.equal(err.problems[0]?.line, 7);
});

test('every problem of a bad plan is listed, each with file, path, expectation and value', () => {
  const err = planError(() =>
    parsePlanText(
      [
        'epoch: ten minutes',
        'warmup: 2s',
        'interval: 1s',
        'schedule: "every night"',
        'rss_limit: 4 gigs',
        'variants:',
        '  - name: "bad name!"',
        '    allocator: glibc',
        '  - name: ok',
        '    alocator: leanmalloc',
        '  - name: ok',
        '    allocator: glibc',
        '    env: { LD_PRELOAD: /x.so }',
        '    optional: yes please',
        '  - name: cmd',
        '    command: []',
        '    args: ["--ws"]',
        'comparisons:',
        '  - { baseline: ok, candidate: ghost, goal: speedy, criteria: { max_cv: high } }',
        'reference: nobody',
        'extra: 1',
      ].join('\n'),
      'plans/bad.yaml',
    ),
  );
  const lines = err.message.split('\n');
  const expected = [
    'plans/bad.yaml: extra: expected one of the keys name, mode, epoch, warmup, interval, schedule, rss_limit, variants, comparisons, reference, got unknown key "extra" (line 21)',
    'plans/bad.yaml: epoch: expected a duration such as "250ms", "4s", "60m", "1h" or a number of seconds, got "ten minutes" (line 1)',
    'plans/bad.yaml: schedule: expected "adaptive" or a cron expression such as "0 22 * * *", got "every night" (line 4)',
    'plans/bad.yaml: rss_limit: expected a size above 0 such as "4GiB", "512MiB", "100MB" or a number of bytes, got "4 gigs" (line 5)',
    'plans/bad.yaml: variants[0].name: expected a name made of letters, digits, "_", "." or "-", got "bad name!" (line 7)',
    'plans/bad.yaml: variants[1].alocator: expected one of the keys name, allocator, env, args, command, optional, build, got unknown key "alocator" (line 10); did you mean "allocator"?',
    'plans/bad.yaml: variants[1]: expected an allocator or a command, got neither (line 9)',
    'plans/bad.yaml: variants[2].name: expected a name not used by another variant (variants[1] is "ok"), got "ok" (line 11)',
    'plans/bad.yaml: variants[2].env.LD_PRELOAD: expected no LD_PRELOAD (the allocator field sets the preload), got "/x.so" (line 13)',
    'plans/bad.yaml: variants[2].optional: expected true or false, got "yes please" (line 14)',
    'plans/bad.yaml: variants[3].command: expected a non-empty list: the program, then its arguments, got [] (line 16)',
    'plans/bad.yaml: variants[3].args: expected no args with command (put the arguments in command), got ["--ws"] (line 17)',
    'plans/bad.yaml: comparisons[0].candidate: expected the name of a variant (bad name!, ok, cmd), got "ghost" (line 19)',
    'plans/bad.yaml: comparisons[0].goal: expected speed or memory, got "speedy" (line 19)',
    'plans/bad.yaml: comparisons[0].criteria.max_cv: expected a number, got "high" (line 19)',
    'plans/bad.yaml: reference: expected the name of a variant (bad name!, ok, cmd), got "nobody" (line 20)',
  ];
  assert.deepEqual(lines, expected);
});

test('duration relations: warm-up shorter than the epoch (defaults named), interval bounds', () => {
  const err = planError(() => validatePlan({ epoch: '90s', variants: [{ name: 'a', allocator: 'glibc' }] }, 'api'));
  assert.equal(err.message, 'api: warmup: expected a duration shorter than the epoch (90s), got 2m (the default)');
  const err2 = planError(() =>
    validatePlan({ epoch: '4s', warmup: '1s', interval: '5ms', variants: [{ name: 'a', allocator: 'glibc' }] }, 'api'),
  );
  assert.equal(err2.message, 'api: interval: expected a duration of at least 10ms, got 5ms');
  const err3 = planError(() =>
    validatePlan({ epoch: '4s', warmup: 0, interval: '5s', variants: [{ name: 'a', allocator: 'glibc' }] }, 'api'),
  );
  assert.equal(err3.message, 'api: interval: expected a duration no longer than the epoch (4s), got 5s');
});

test('a REST body is validated the same way, with source "api" and no line numbers', () => {
  const err = planError(() => validatePlan({ variants: [{ name: 'a', allocator: 'glibc', args: '--ws 4' }], comparisons: {} }, 'api'));
  assert.deepEqual(err.message.split('\n'), [
    'api: variants[0].args: expected a list of random_mixed arguments, got "--ws 4"',
    'api: comparisons: expected a list of comparisons, got {}',
  ]);
  assert.equal(planError(() => validatePlan(null)).message, 'api: expected a mapping with at least a "variants" list, got null');
  assert.equal(planError(() => validatePlan({ variants: [] })).message, 'api: variants: expected a non-empty list of variants, got []');
});

test('YAML syntax errors and unreadable files are PlanErrors naming the file', () => {
  const err = planError(() => parsePlanText('epoch: 1s\nepoch: 2s\n', 'plans/dup.yaml'));
  assert.match(err.message, /^plans\/dup\.yaml: expected valid YAML, got Map keys must be unique.*\(line 2\)$/);
  assert.equal(
    planError(() => parsePlanText('a: 1\n---\nb: 2\n', 'p.yaml')).message,
    'p.yaml: expected valid YAML, got more than one YAML document (line 2)',
  );
  assert.equal(
    planError(() => parsePlanText('# nothing\n', 'p.yaml')).message,
    'p.yaml: expected a mapping with at least a "variants" list, got an empty document',
  );
  const missing = planError(() => loadPlanFile('/nonexistent/plan.yaml'));
  assert.match(missing.message, /^\/nonexistent\/plan\.yaml: expected a readable plan file, got ENOENT/);
});

test('loadPlanFile reads a real file', () => {
  const dir = tempDir('allocsoak-plan-');
  const file = join(dir, 'p.yaml');
  writeFileSync(file, 'epoch: 4s\nwarmup: 1s\nvariants:\n  - { name: g, allocator: glibc }\n');
  assert.equal(loadPlanFile(file).epoch_ms, 4000);
});

test('the shipped plans are valid and say what the brief asks', () => {
  const root = packageRoot();
  const def = loadPlanFile(join(root, 'plans', 'default.yaml'));
  const quick = loadPlanFile(join(root, 'plans', 'quick.yaml'));
  // The night plan: duet rounds under the adaptive schedule, 120 five-minute rounds in 10 h.
  assert.deepEqual([def.epoch_ms, def.warmup_ms, def.interval_ms, def.mode, def.schedule], [300_000, 30_000, 1000, 'duet', 'adaptive']);
  assert.ok(quick.epoch_ms <= 10_000 && quick.warmup_ms < quick.epoch_ms);
  for (const plan of [def, quick]) {
    assert.deepEqual(
      plan.variants.map((v) => v.name),
      ['speed', 'balanced', 'lean', 'glibc', 'mimalloc', 'jemalloc'],
    );
    assert.deepEqual(
      plan.variants.filter((v) => v.optional).map((v) => v.name),
      ['mimalloc', 'jemalloc'],
    );
    assert.deepEqual(
      plan.comparisons.slice(0, 2).map((c) => [c.baseline, c.candidate, c.goal]),
      [
        ['speed', 'balanced', 'memory'],
        ['speed', 'lean', 'memory'],
      ],
    );
    assert.equal(plan.reference, 'mimalloc');
  }
  // Every variant of the duet plan is an arm of some comparison; the peers are judged against speed.
  assert.deepEqual(
    def.comparisons.slice(2).map((c) => [c.baseline, c.candidate, c.goal]),
    [
      ['mimalloc', 'speed', 'speed'],
      ['glibc', 'speed', 'speed'],
      ['jemalloc', 'speed', 'speed'],
    ],
  );
  for (const plan of [def, quick]) {
    assert.ok(
      plan.variants.every((v) => v.args.includes('--burst-mb')),
      'every variant runs the same churn workload',
    );
  }
  assert.deepEqual(
    quick.variants.map((v) => v.env),
    def.variants.map((v) => v.env),
  );
});

test('variants[i].build: a label of 1 to 100 characters, kept in the plan; anything else refused naming the field', () => {
  const ok = validatePlan(
    {
      variants: [
        { name: 'a', allocator: 'glibc', build: 'v2.1-rc1' },
        { name: 'b', allocator: 'glibc' },
      ],
    },
    'api',
  );
  assert.equal(ok.variants[0]?.build, 'v2.1-rc1');
  assert.equal('build' in (ok.variants[1] ?? {}), false, 'absent when not given');
  for (const [bad, got] of [
    ['', '""'],
    ['x'.repeat(101), 'a string of 101 characters'],
    [42, '42'],
  ] as const) {
    const err = planError(() => validatePlan({ variants: [{ name: 'a', allocator: 'glibc', build: bad }] }, 'api'));
    assert.equal(err.message, `api: variants[0].build: expected a build label: a string of 1 to 100 characters, got ${got}`);
  }
});
