import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sample } from '../../src/domain/types.js';
import { runEpoch, type EpochSpec } from '../../src/supervisor/run-epoch.js';
import { FIXTURE, LAUNCHER, RANDOM_MIXED } from '../helpers/native.js';
import { waitForDeath } from '../helpers/proc.js';

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

const fixture = (mode: string, ...args: string[]): EpochSpec['workload'] => ({
  kind: 'command',
  argv: [FIXTURE, '--mode', mode, ...args],
});

test('random_mixed under glibc completes with samples, /proc readings and syscall counts', async () => {
  const samples: Sample[] = [];
  let launched = null as { launcherPid: number; workloadPid: number } | null;
  const r = await runEpoch(spec({ workload: { kind: 'random_mixed', program: RANDOM_MIXED, args: ['--ws', '200'] } }), {
    onLaunched: (l) => (launched = l),
    onSample: (s) => samples.push(s),
  });
  assert.equal(r.outcome, 'completed', `${r.reason} ${r.stderrTail}`);
  assert.equal(r.reason, null);
  assert.equal(r.stderrTail, '');
  assert.equal(r.stderrLines, 0);
  assert.equal(r.exitCode, 0);
  assert.ok(launched);
  assert.equal(r.workloadPid, launched.workloadPid);
  assert.notEqual(launched.workloadPid, launched.launcherPid);
  assert.equal(r.startLine?.workload, 'random_mixed');
  assert.equal(r.startLine?.allocator, 'glibc');
  assert.deepEqual((r.startLine?.params as Record<string, unknown>).ws, 200);
  // At most one sample per 250 ms slot of the 1.5 s epoch; a busy machine may skip slots (not asserted).
  assert.ok(samples.length >= 1 && samples.length <= 7, `${samples.length} samples`);
  assert.equal(r.samples, samples.length);
  for (const s of samples) {
    assert.ok(s.rss_bytes! > 0 && s.hwm_bytes! >= s.rss_bytes!, JSON.stringify(s));
    assert.ok(s.pss_bytes! > 0 && s.rss_anon_bytes! > 0);
    assert.ok(s.ops_per_sec! > 0);
  }
  // ops/s is the rate over each interval
  const [a, b] = [samples[1]!, samples[2]!];
  assert.ok(Math.abs(b.ops_per_sec! - ((b.ops - a.ops) * 1000) / (b.t_ms - a.t_ms)) < 1e-6);
  assert.ok(r.endLine && r.endLine.ops >= samples.at(-1)!.ops);
  assert.ok(r.syscallsFinal && r.syscallsFinal.mmap > 0);
  assert.ok(r.syscallsAtWarmupEnd && r.syscallsAtWarmupEnd.t_ms >= 500);
  assert.ok(r.syscallsAtWarmupEnd.counts.mmap <= r.syscallsFinal.mmap);
  assert.ok(await waitForDeath(r.workloadPid, 1000), 'workload still alive after its epoch');
});

test('plan env and ALLOCSOAK_* reach a custom command', async () => {
  const script = [
    'echo "{\\"type\\":\\"start\\",\\"workload\\":\\"sh\\",\\"pid\\":$$,\\"who\\":\\"$WHO\\"}"',
    'echo "{\\"type\\":\\"sample\\",\\"t_ms\\":$ALLOCSOAK_INTERVAL_MS,\\"ops\\":7}"',
    'echo "{\\"type\\":\\"end\\",\\"ops\\":7,\\"elapsed_ms\\":$ALLOCSOAK_INTERVAL_MS,\\"counters\\":{\\"secs\\":$ALLOCSOAK_SECONDS}}"',
  ].join('; ');
  const r = await runEpoch(
    spec({ workload: { kind: 'command', argv: ['/bin/sh', '-c', script] }, env: { WHO: 'planned' }, epochMs: 2500, intervalMs: 300 }),
  );
  assert.equal(r.outcome, 'completed', `${r.reason} ${r.stderrTail}`);
  assert.equal(r.startLine?.who, 'planned');
  assert.equal(r.endLine?.elapsed_ms, 300);
  assert.equal(r.endLine?.counters.secs, 2.5);
});

test('the start line must name the workload and the pid allocsoak started; counters are optional', async () => {
  const bare = await runEpoch(spec({ workload: fixture('bare-start') }));
  assert.equal(bare.outcome, 'failed');
  assert.equal(
    bare.reason,
    'protocol violation: start: "workload" must be a non-empty string (the workload\'s name): "{\\"type\\":\\"start\\"}"',
  );

  // A wrapper whose child speaks the protocol: the daemon would measure the wrapper, not the workload.
  let launched = 0;
  const wrapped = await runEpoch(spec({ workload: fixture('child') }), { onLaunched: (l) => (launched = l.workloadPid) });
  assert.equal(wrapped.outcome, 'failed');
  const reported = wrapped.startLine?.pid;
  assert.ok(typeof reported === 'number' && reported !== launched);
  assert.equal(
    wrapped.reason,
    `protocol violation: start: "pid" is ${reported}, but the process allocsoak started and measures is ${launched}; ` +
      'a wrapper must exec the workload instead of running it as a child',
  );

  const plain = await runEpoch(spec({ workload: fixture('no-counters') }));
  assert.equal(plain.outcome, 'completed', `${plain.reason} ${plain.stderrTail}`);
  assert.ok(plain.samples >= 4);
  assert.deepEqual(plain.endLine?.counters, {});
});

test('a crashing workload is crashed, with the signal and its stderr', async () => {
  const r = await runEpoch(spec({ workload: fixture('crash', '--after-ms', '600') }));
  assert.equal(r.outcome, 'crashed');
  assert.equal(r.signal, 'SIGSEGV');
  assert.match(r.reason ?? '', /SIGSEGV/);
  assert.match(r.stderrTail ?? '', /crash line 3 before dying/);
  assert.ok(r.samples >= 1);
});

test('abort() is crashed with SIGABRT', async () => {
  const r = await runEpoch(spec({ workload: fixture('abort', '--after-ms', '300') }));
  assert.equal(r.outcome, 'crashed');
  assert.equal(r.signal, 'SIGABRT');
});

test('a workload that stops sampling and ignores SIGTERM is a timeout, and is gone afterwards', async () => {
  let pid = 0;
  const t0 = Date.now();
  const r = await runEpoch(spec({ epochMs: 20_000, workload: fixture('hang', '--after-ms', '300') }), {
    onLaunched: (l) => (pid = l.workloadPid),
  });
  assert.equal(r.outcome, 'timeout');
  assert.match(r.reason ?? '', /no protocol sample for 5000 ms/);
  assert.match(r.stderrTail ?? '', /ignoring SIGTERM/);
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(Date.now() - t0 < 20_000, 'ended by the stall, not at the end of its 20 s epoch');
  assert.ok(await waitForDeath(pid, 2000), 'hung workload survived');
});

test('a workload running well past the epoch end is a timeout', async () => {
  const r = await runEpoch(spec({ epochMs: 500, workload: fixture('overrun') }));
  assert.equal(r.outcome, 'timeout');
  assert.match(r.reason ?? '', /still running 5000 ms after the 500 ms epoch/);
  assert.ok(r.samples >= 15);
});

test('garbage on stdout is failed with the offending line', async () => {
  const r = await runEpoch(spec({ workload: fixture('garbage') }));
  assert.equal(r.outcome, 'failed');
  assert.match(r.reason ?? '', /protocol violation: not a JSON line: "this is not json: 1"/);
  assert.equal(typeof r.stderrTail, 'string');
});

test('ops going backwards is failed', async () => {
  const r = await runEpoch(spec({ workload: fixture('badline') }));
  assert.equal(r.outcome, 'failed');
  assert.match(r.reason ?? '', /cumulative ops went backwards \(5000 → 100\)/);
});

test('a non-zero exit is failed with the code', async () => {
  const r = await runEpoch(spec({ workload: fixture('exit', '--after-ms', '300') }));
  assert.equal(r.outcome, 'failed');
  assert.equal(r.exitCode, 3);
  assert.equal(r.reason, 'exit code 3');
  assert.match(r.stderrTail ?? '', /exiting with code 3/);
});

test('RSS past rss_limit is oom', async () => {
  const samples: Sample[] = [];
  const r = await runEpoch(spec({ epochMs: 10_000, rssLimitBytes: 48 << 20, workload: fixture('grow', '--grow-mb-per-s', '100') }), {
    onSample: (s) => samples.push(s),
  });
  assert.equal(r.outcome, 'oom');
  assert.match(r.reason ?? '', /above rss_limit 48\.0 MiB/);
  assert.ok(samples.at(-1)!.rss_bytes! > 48 << 20);
  assert.ok(samples.slice(0, -1).every((s) => s.rss_bytes! <= 48 << 20));
});

test('aborting (daemon stopping) kills the group: aborted, no workload left', async () => {
  const ac = new AbortController();
  let pid = 0;
  const p = runEpoch(spec({ epochMs: 20_000, signal: ac.signal }), {
    onSample: () => ac.abort(),
    onLaunched: (l) => (pid = l.workloadPid),
  });
  const r = await p;
  assert.equal(r.outcome, 'aborted');
  assert.equal(r.reason, 'the daemon was asked to stop');
  assert.ok(pid > 0 && (await waitForDeath(pid, 2000)));
});

test('a launcher that cannot exec the workload is failed, with its message', async () => {
  const r = await runEpoch(spec({ workload: { kind: 'command', argv: ['/nonexistent/bench'] } }));
  assert.equal(r.outcome, 'failed');
  assert.equal(r.exitCode, 127);
  assert.equal(r.reason, 'exit code 127 (the program could not be executed; see stderr)');
  assert.match(r.stderrTail ?? '', /nonexistent/);
});

test('a sample hook that throws stops the epoch and surfaces the error', async () => {
  await assert.rejects(
    runEpoch(spec({ epochMs: 20_000 }), {
      onSample: () => {
        throw new Error('disk full');
      },
    }),
    /disk full/,
  );
});

test('a workload SIGKILLed from outside (e.g. the OOM killer) is crashed, and says it was not us', async () => {
  let killed = false;
  const r = await runEpoch(spec({ epochMs: 20_000 }), {
    onLaunched: ({ workloadPid }) => {
      setTimeout(() => {
        killed = true;
        process.kill(workloadPid, 'SIGKILL');
      }, 300);
    },
  });
  assert.ok(killed);
  assert.equal(r.outcome, 'crashed');
  assert.equal(r.signal, 'SIGKILL');
  assert.match(r.reason ?? '', /killed by SIGKILL \(not sent by allocsoak/);
});

test('the workload peak (VmHWM) is reset at the first sample at or after the warm-up end', async () => {
  const samples: Sample[] = [];
  const r = await runEpoch(spec({ workload: { kind: 'random_mixed', program: RANDOM_MIXED, args: ['--ws', '200'] } }), {
    onSample: (s) => samples.push(s),
  });
  assert.equal(r.outcome, 'completed', `${r.reason} ${r.stderrTail}`);
  assert.ok(r.peakReset, 'no peak reset');
  assert.equal(r.peakReset.refused, null);
  assert.equal(r.peakReset.t_ms, samples.find((s) => s.t_ms >= 500)?.t_ms);
});
