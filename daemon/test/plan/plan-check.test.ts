/**
 * Plans checked before anything runs, in one pass: what the plan says, and what it names on this system
 * (libraries, commands, random_mixed's arguments, checked by random_mixed itself), every problem at once,
 * each once, without follow-on errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths/index.js';
import { checkPlan, loadPlan, PlanError, preparePlan, validatePlan } from '../../src/plan/index.js';
import { tempDir } from '../helpers/env.js';
import { FIXTURE } from '../helpers/native.js';

function problemsOf(err: unknown): string[] {
  assert.ok(err instanceof PlanError, String(err));
  return err.message.split('\n');
}

async function rejection(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (err) {
    return problemsOf(err);
  }
  assert.fail('the plan was accepted');
}

test('a plan file with problems of every kind: all of them in one error, in plan order, with lines', async () => {
  const { dir, cleanup } = tempDir('plan-check');
  try {
    const notExecutable = join(dir, 'bench.sh');
    writeFileSync(notExecutable, '#!/bin/sh\n');
    chmodSync(notExecutable, 0o644);
    const emptyLibDir = join(dir, 'lib');
    mkdirSync(emptyLibDir);
    const file = join(dir, 'plan.yaml');
    writeFileSync(
      file,
      [
        'epoch: 10s', // 1
        'warmup: true', // 2: one error, not also "longer than the epoch"
        'interval: 500ms', // 3
        'variants:', // 4
        '  - name: speed', // 5
        '    allocator: leanmalloc', // 6
        '    env: { LEANMALLOC_PROFILE: superfast, LEANMALLOC_DECOMIT: FREE }', // 7
        '    args: ["--wss", "400", "--burst-mb", "8"]', // 8
        '  - { name: peer, allocator: mimalloc }', // 9: not in the (empty) library directory
        `  - { name: mine, allocator: ${join(dir, 'libmine.so')} }`, // 10
        '  - { name: bench, command: [/no/such/bench, --flag] }', // 11
        `  - { name: script, command: [${notExecutable}] }`, // 12
        '  - { name: fine, allocator: glibc, args: ["--ws", "100"] }', // 13
        'comparisons:', // 14
        '  - { baseline: speed, candidate: fine, goal: memory }', // 15
        '  - { baseline: speed, candidate: fine, goal: speed }', // 16: the same pair for another goal is a question of its own
        '  - { baseline: speed, candidate: fine, goal: memory }', // 17
      ].join('\n'),
    );
    const problems = await rejection(loadPlan(file, { libraryDirs: [emptyLibDir] }));
    assert.deepEqual(problems, [
      `${file}: warmup: expected a duration such as "250ms", "4s", "60m", "1h" or a number of seconds, got true (line 2)`,
      `${file}: variants[0].env.LEANMALLOC_PROFILE: expected speed, balanced or lean, got "superfast" (line 7)`,
      `${file}: variants[0].env.LEANMALLOC_DECOMIT: expected a leanmalloc knob (LEANMALLOC_PROFILE, LEANMALLOC_LEAN, LEANMALLOC_DECOMMIT, LEANMALLOC_TARGET_MB, LEANMALLOC_PURGE_DELAY_MS, LEANMALLOC_STATS or LEANMALLOC_PERTURB_US), got unknown name "LEANMALLOC_DECOMIT" (line 7); did you mean "LEANMALLOC_DECOMMIT"?`,
      `${file}: variants[0].args: expected arguments random_mixed accepts (see random_mixed --help), got unknown option '--wss' (see --help); did you mean --ws? (line 8)`,
      `${file}: variants[0].args: expected arguments random_mixed accepts (see random_mixed --help), got --burst-mb and --burst-every-s must be given together (got only --burst-mb) (line 8)`,
      `${file}: variants[1].allocator: expected libmimalloc.so.2 in ${emptyLibDir}, got nothing for variant "peer" (line 9); install the Debian package libmimalloc2.0 (apt-get install libmimalloc2.0), or mark the variant optional: true`,
      `${file}: variants[2].allocator: expected an existing library file at ${join(dir, 'libmine.so')}, got nothing for variant "mine" (line 10); check the path, or mark the variant optional: true`,
      `${file}: variants[3].command[0]: expected a program that exists and may be executed (a path, or a name found in PATH), got "/no/such/bench" (no such file) (line 11)`,
      `${file}: variants[4].command[0]: expected a program that exists and may be executed (a path, or a name found in PATH), got "${notExecutable}" (not executable) (line 12)`,
      `${file}: comparisons[2]: expected a comparison not made before (comparisons[0] already compares speed → fine for memory), got speed → fine for memory (line 17)`,
    ]);
  } finally {
    cleanup();
  }
});

test('no follow-on errors: a broken field is reported once and not compared with the rest', async () => {
  // No variants list: comparisons and reference cannot name a variant, but that is the same error.
  assert.deepEqual(
    await rejection(checkPlan({ variants: 'x', comparisons: [{ baseline: 'a', candidate: 'b', goal: 'speed' }], reference: 'a' }, 'api')),
    ['api: variants: expected a non-empty list of variants, got "x"'],
  );
  // An invalid epoch: warmup and interval are not also "longer than the epoch".
  assert.deepEqual(
    await rejection(checkPlan({ epoch: 'soon', warmup: '2h', interval: '3h', variants: [{ name: 'a', allocator: 'glibc' }] }, 'api')),
    ['api: epoch: expected a duration such as "250ms", "4s", "60m", "1h" or a number of seconds, got "soon"'],
  );
  // Bad items in args: random_mixed is not asked about a list that is already wrong.
  assert.deepEqual(
    await rejection(
      checkPlan({ epoch: '4s', warmup: '1s', variants: [{ name: 'a', allocator: 'glibc', args: ['--ws', { n: 4 }] }] }, 'api'),
    ),
    ['api: variants[0].args[1]: expected a string, got {"n":4}'],
  );
  // A wrong goal does not hide what is wrong in the criteria (they would come in a second round).
  const both = await rejection(
    checkPlan(
      {
        epoch: '4s',
        warmup: '1s',
        variants: [
          { name: 'a', allocator: 'glibc' },
          { name: 'b', allocator: 'glibc' },
        ],
        comparisons: [{ baseline: 'a', candidate: 'b', goal: 'fast', criteria: { typo_pct: 1 } }],
      },
      'api',
    ),
  );
  assert.equal(both.length, 2, both.join('\n'));
  assert.match(both[0] ?? '', /comparisons\[0\]\.goal: expected speed or memory, got "fast"/);
  assert.match(both[1] ?? '', /comparisons\[0\]\.criteria\.typo_pct: expected a known criterion/);
});

test('a good plan passes every check; optional variants with a missing library are skipped, not refused', async () => {
  const { dir, cleanup } = tempDir('plan-check');
  try {
    const resolved = await preparePlan(
      {
        epoch: '4s',
        warmup: '1s',
        variants: [
          { name: 'lean', allocator: 'leanmalloc', env: { LEANMALLOC_PROFILE: 'lean', LEANMALLOC_TARGET_MB: 10 }, args: ['--ws', '300'] },
          { name: 'peer', allocator: 'jemalloc', optional: true },
          { name: 'fixture', command: [FIXTURE, '--mode', 'ok'] },
          { name: 'by-name', command: ['true'] },
        ],
        comparisons: [{ baseline: 'lean', candidate: 'fixture', goal: 'speed' }],
      },
      'api',
      { libraryDirs: [dir] },
    );
    assert.deepEqual(
      resolved.variants.map((v) => v.name),
      ['lean', 'fixture', 'by-name'],
    );
    assert.deepEqual(resolved.skipped, ['peer']);
    assert.deepEqual(resolved.plan.variants[0]?.env, { LEANMALLOC_PROFILE: 'lean', LEANMALLOC_TARGET_MB: '10' });
  } finally {
    cleanup();
  }
});

test('checkFiles: false (a REST plan without --allow-commands) does not look at commands or library paths', async () => {
  const plan = await checkPlan(
    {
      epoch: '4s',
      warmup: '1s',
      variants: [
        { name: 'c', command: ['/no/such/program'] },
        { name: 'p', allocator: '/no/such/lib.so' },
      ],
    },
    'api',
    { checkFiles: false },
  );
  assert.equal(plan.variants.length, 2);
  // validatePlan alone (no system checks) stays synchronous for callers that build plans in code.
  assert.equal(validatePlan({ variants: [{ name: 'a', allocator: 'glibc', args: ['--wss'] }] }).variants[0]?.args[0], '--wss');
});

test('the shipped plans pass every check, random_mixed arguments included', async () => {
  for (const name of ['default.yaml', 'quick.yaml']) {
    const resolved = await loadPlan(join(packageRoot(), 'plans', name));
    assert.ok(resolved.variants.length >= 4, name);
    assert.ok(
      resolved.variants.every((v) => v.command !== null || v.args.length > 0),
      `${name}: every variant has churn args`,
    );
  }
});
