/**
 * The identity of what ran, with real workloads under the real launcher: the allocator the start line
 * reports (or the daemon finds in /proc/PID/maps) against the one the plan names, and leanmalloc's
 * effective profile and knobs against the variant's env. And stderr, kept for every epoch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EpochSpec } from '../../src/supervisor/run-epoch.js';
import { runEpoch } from '../../src/supervisor/run-epoch.js';
import { LIBZ } from '../helpers/libraries.js';
import { LAUNCHER, LEANMALLOC, RANDOM_MIXED } from '../helpers/native.js';

function spec(over: Partial<EpochSpec>): EpochSpec {
  return {
    launcher: LAUNCHER,
    workload: { kind: 'random_mixed', program: RANDOM_MIXED, args: [] },
    preload: null,
    env: {},
    epochMs: 1500,
    intervalMs: 250,
    warmupMs: 500,
    rssLimitBytes: null,
    killGraceMs: 500,
    ...over,
  };
}

/** The daemon's environment without anything that would change the allocator. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LEANMALLOC_') && k !== 'LD_PRELOAD') env[k] = v;
  return { ...env, ...extra };
}

/** A custom workload that speaks the protocol but does not say which allocator it runs. */
const silentWorkload: EpochSpec['workload'] = {
  kind: 'command',
  argv: [
    '/bin/sh',
    '-c',
    [
      'echo "{\\"type\\":\\"start\\",\\"workload\\":\\"sh\\",\\"pid\\":$$}"',
      'for t in 250 500 750 1000; do sleep 0.25; echo "{\\"type\\":\\"sample\\",\\"t_ms\\":$t,\\"ops\\":$t}"; done',
      'echo "{\\"type\\":\\"end\\",\\"ops\\":1000,\\"elapsed_ms\\":1000}"',
    ].join('; '),
  ],
};

test('zlib as the allocator: failed at the start line, naming the plan’s library and the malloc that runs', async () => {
  const t0 = Date.now();
  const r = await runEpoch(spec({ preload: LIBZ, allocator: LIBZ, epochMs: 30_000, baseEnv: cleanEnv() }));
  assert.equal(r.outcome, 'failed', `${r.reason} ${r.stderrTail}`);
  assert.match(
    r.reason ?? '',
    new RegExp(`^plan asks ${LIBZ.replace(/\./g, '\\.')}, the workload runs glibc's malloc \\(/.*libc\\.so\\.6\\)$`),
  );
  assert.equal(r.allocator?.allocator, 'glibc');
  assert.equal(r.allocator?.source, 'start line');
  assert.ok(Date.now() - t0 < 15_000, 'stopped when the start line said so, not at the end of a 30 s epoch');
});

test('a silent workload with zlib preloaded: found in its maps, and zlib does not define malloc', async () => {
  const r = await runEpoch(spec({ workload: silentWorkload, preload: LIBZ, allocator: LIBZ, epochMs: 1000, baseEnv: cleanEnv() }));
  assert.equal(r.outcome, 'failed', `${r.reason} ${r.stderrTail}`);
  assert.match(
    r.reason ?? '',
    /^plan asks .*libz\.so\.1, the workload runs glibc's malloc \(.*libc\.so\.6\): .*libz\.so\.1[.0-9]* is loaded but does not define malloc$/,
  );
  assert.equal(r.allocator?.source, 'maps');
});

test('a silent workload with leanmalloc preloaded: found in its maps, completed', async () => {
  const r = await runEpoch(
    spec({ workload: silentWorkload, preload: LEANMALLOC, allocator: 'leanmalloc', epochMs: 1000, baseEnv: cleanEnv() }),
  );
  assert.equal(r.outcome, 'completed', `${r.reason} ${r.stderrTail}`);
  assert.deepEqual(r.allocator, {
    allocator: 'leanmalloc',
    library: LEANMALLOC,
    version: null,
    profile: null,
    knobs: null,
    source: 'maps',
  });
});

test('glibc as planned: completed, with glibc’s version recorded', async () => {
  const r = await runEpoch(spec({ allocator: 'glibc', baseEnv: cleanEnv() }));
  assert.equal(r.outcome, 'completed', `${r.reason} ${r.stderrTail}`);
  assert.equal(r.allocator?.allocator, 'glibc');
  assert.match(r.allocator?.version ?? '', /^\d+\.\d+/);
  assert.match(r.allocator?.library ?? '', /libc\.so\.6$/);
});

test('leanmalloc lean as asked: completed with its profile and knobs; its stderr kept though it completed', async () => {
  const r = await runEpoch(
    spec({ preload: LEANMALLOC, allocator: 'leanmalloc', env: { LEANMALLOC_PROFILE: 'lean', LEANMALLOC_STATS: '1' }, baseEnv: cleanEnv() }),
  );
  assert.equal(r.outcome, 'completed', `${r.reason} ${r.stderrTail}`);
  assert.equal(r.allocator?.profile, 'lean');
  assert.deepEqual(r.allocator?.knobs, {
    LEANMALLOC_PROFILE: 'lean',
    LEANMALLOC_LEAN: '1',
    LEANMALLOC_DECOMMIT: 'DONTNEED',
    LEANMALLOC_TARGET_MB: '10',
    LEANMALLOC_PURGE_DELAY_MS: '200',
    LEANMALLOC_STATS: '1',
  });
  assert.equal(r.allocator?.library, LEANMALLOC);
  assert.match(r.stderrTail, /^leanmalloc: stats \(profile lean\)$/m);
  assert.ok(r.stderrLines >= 9, `${r.stderrLines} lines: the header and one per counter`);
});

test('a variant asking leanmalloc lean whose workload gets another knob from the daemon’s environment fails, naming both', async () => {
  const r = await runEpoch(
    spec({
      preload: LEANMALLOC,
      allocator: 'leanmalloc',
      env: { LEANMALLOC_PROFILE: 'lean' },
      baseEnv: cleanEnv({ LEANMALLOC_TARGET_MB: '5' }),
      epochMs: 30_000,
    }),
  );
  assert.equal(r.outcome, 'failed', `${r.reason} ${r.stderrTail}`);
  assert.match(
    r.reason ?? '',
    /^plan asks leanmalloc profile lean, the workload runs leanmalloc profile custom \(.*LEANMALLOC_TARGET_MB=5[,)]/,
  );
  assert.equal(r.allocator?.profile, 'custom');
});

test('a profile leanmalloc refuses: failed naming the asked and the effective profile; the warning is in the stderr tail', async () => {
  const r = await runEpoch(
    spec({ preload: LEANMALLOC, allocator: 'leanmalloc', env: { LEANMALLOC_PROFILE: 'superfast' }, baseEnv: cleanEnv(), epochMs: 30_000 }),
  );
  assert.equal(r.outcome, 'failed', `${r.reason} ${r.stderrTail}`);
  assert.equal(r.reason, 'plan asks leanmalloc profile superfast, the workload runs leanmalloc profile speed');
  assert.match(r.stderrTail, /leanmalloc: invalid LEANMALLOC_PROFILE='superfast'/);
});

test('without a planned allocator the identity is recorded and nothing is checked', async () => {
  const r = await runEpoch(spec({ preload: LIBZ, baseEnv: cleanEnv() }));
  assert.equal(r.outcome, 'completed', `${r.reason} ${r.stderrTail}`);
  assert.equal(r.allocator?.allocator, 'glibc');
});
