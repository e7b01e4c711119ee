/**
 * The daemon's table of leanmalloc knobs (daemon/src/plan/leanmalloc-knobs.ts) against leanmalloc itself:
 * the names it reads, and for a spread of values per knob, the daemon refuses exactly the values
 * leanmalloc warns about. Either side changing alone fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess } from '../../src/exec/index.js';
import { LEANMALLOC_KNOB_NAMES, LEANMALLOC_KNOBS, leanmallocKnobProblem, type LeanmallocKnob } from '../../src/plan/index.js';
import { packageRoot } from '../../src/paths/index.js';
import { LEANMALLOC, RANDOM_MIXED } from '../helpers/native.js';

const ROOT = packageRoot();

test('the knob table names exactly the LEANMALLOC_* variables leanmalloc reads', () => {
  const dir = join(ROOT, 'native', 'src', 'allocator');
  const source = readdirSync(dir)
    .filter((f) => f.endsWith('.c'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
  const read = new Set([...source.matchAll(/"(LEANMALLOC_[A-Z0-9_]+)"/g)].map((m) => m[1] as string));
  assert.ok(read.size > 0, 'no LEANMALLOC_ name found in native/src/allocator/*.c');
  for (const name of read)
    assert.ok(LEANMALLOC_KNOB_NAMES.includes(name), `leanmalloc reads ${name}: add it to daemon/src/plan/leanmalloc-knobs.ts`);
  for (const name of LEANMALLOC_KNOB_NAMES)
    assert.ok(read.has(name), `daemon/src/plan/leanmalloc-knobs.ts lists ${name}, which leanmalloc does not read`);
});

/** Values to try on a knob: the allowed ones in several spellings, the edges of ranges, and near misses. */
function probes(knob: LeanmallocKnob): string[] {
  const values =
    knob.kind === 'choice'
      ? [...knob.values, ...knob.values.map((v) => v.toUpperCase()), ...knob.values.map((v) => v.toLowerCase()), `${knob.values[0]}x`]
      : [
          String(knob.min),
          String(knob.max),
          String(knob.max + 1),
          '007',
          ...knob.words,
          ...knob.words.map((w) => w.toUpperCase()),
          'unlimitd',
          '1.5',
          '10MB',
          '+5',
        ];
  return [...new Set([...values, 'superfast', '-1', ' 1', 'true', '2'])];
}

/**
 * Runs random_mixed under `library` with rows of probe values (row r sets every knob to its r-th value: each
 * warning names its variable, so one process checks them all) and returns where leanmalloc and the plan
 * validator disagree.
 */
async function disagreements(library: string, knobs: readonly LeanmallocKnob[]): Promise<string[]> {
  const table = knobs.map((k) => ({ knob: k, values: probes(k) }));
  for (const { knob, values } of table) {
    const verdicts = values.map((v) => leanmallocKnobProblem(knob.name, v) === null);
    assert.ok(verdicts.includes(true) && verdicts.includes(false), `${knob.name}: probes must include accepted and refused values`);
  }
  const rows = Math.max(...table.map((t) => t.values.length));
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    const env: Record<string, string> = { LD_PRELOAD: library };
    for (const { knob, values } of table) {
      const value = values[r];
      if (value !== undefined) env[knob.name] = value;
    }
    const run = await runProcess({ command: RANDOM_MIXED, args: ['--ops', '2000'], env, timeoutMs: 30_000 });
    assert.equal(run.exitCode, 0, `random_mixed under ${library} with ${JSON.stringify(env)}: ${run.stderrTail}`);
    for (const { knob, values } of table) {
      const value = values[r];
      if (value === undefined) continue;
      const warned = run.stderrTail.split('\n').some((l) => l.startsWith(`leanmalloc: invalid ${knob.name}=`));
      const refused = leanmallocKnobProblem(knob.name, value) !== null;
      if (warned !== refused)
        out.push(
          `${knob.name}=${JSON.stringify(value)}: leanmalloc ${warned ? 'warns' : 'accepts'}, the plan validator ${refused ? 'refuses' : 'accepts'}`,
        );
    }
  }
  return out;
}

test('leanmalloc warns about exactly the knob values the plan validator refuses', { timeout: 120_000 }, async () => {
  assert.deepEqual(
    await disagreements(
      LEANMALLOC,
      LEANMALLOC_KNOBS.filter((k) => k.build === undefined),
    ),
    [],
  );
});

test('so does the PERTURB=1 build, for the knobs only it reads', { timeout: 600_000 }, async () => {
  const knobs = LEANMALLOC_KNOBS.filter((k) => k.build === 'perturb');
  const make = await runProcess({
    command: 'make',
    args: ['-s', '-C', join(ROOT, 'native'), 'PERTURB=1', 'build-perturb/libleanmalloc.so'],
    timeoutMs: 540_000,
  });
  assert.equal(make.exitCode, 0, `make PERTURB=1: ${make.stderrTail}`);
  assert.deepEqual(await disagreements(join(ROOT, 'native', 'build-perturb', 'libleanmalloc.so'), knobs), []);
});

test('knob messages: the allowed values, and did-you-mean for near misses', () => {
  assert.deepEqual(leanmallocKnobProblem('LEANMALLOC_PROFILE', 'superfast'), { what: 'value', expected: 'speed, balanced or lean' });
  assert.deepEqual(leanmallocKnobProblem('LEANMALLOC_PROFILE', 'balance'), {
    what: 'value',
    expected: 'speed, balanced or lean',
    hint: 'did you mean "balanced"?',
  });
  assert.equal(leanmallocKnobProblem('LEANMALLOC_PROFILE', 'Lean'), null, 'leanmalloc compares values case-insensitively');
  assert.deepEqual(leanmallocKnobProblem('LEANMALLOC_DECOMIT', 'FREE'), {
    what: 'name',
    expected:
      'a leanmalloc knob (LEANMALLOC_PROFILE, LEANMALLOC_LEAN, LEANMALLOC_DECOMMIT, LEANMALLOC_TARGET_MB, LEANMALLOC_PURGE_DELAY_MS, LEANMALLOC_STATS or LEANMALLOC_PERTURB_US)',
    hint: 'did you mean "LEANMALLOC_DECOMMIT"?',
  });
  assert.deepEqual(leanmallocKnobProblem('LEANMALLOC_TARGET_MB', 'unlimted'), {
    what: 'value',
    expected: 'a whole number of MB from 0 to 1073741824 or unlimited',
    hint: 'did you mean "unlimited"?',
  });
  assert.deepEqual(leanmallocKnobProblem('LEANMALLOC_PURGE_DELAY_MS', '3600001'), {
    what: 'value',
    expected: 'a whole number of milliseconds from 0 to 3600000',
  });
});
