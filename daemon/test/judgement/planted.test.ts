/**
 * Planted effects in real short campaigns (real child processes, the real native build, a real SQLite
 * file), judged through every form — REST, CLI --json, the gauge and the report — which must agree.
 *
 * The host is shared and noisy: identical 400 ms epochs differ by about 5 % even when it is quiet, and
 * by 14 % per wall-clock second when other jobs load both cores (docs/judgement.md, Calibration). The
 * verdict is judged on ops per CPU-second (the workload reports its CPU time), which loaded cores do not
 * move, and the planted slowdown is fixed busy work (--spin-iters, the same in every process, unlike the
 * per-process calibration of --spin-ns): 12 % more iterations, a slowdown of about 10 %, which 24
 * interleaved pairs settle with a wide margin. The A/A twin is judged with ±5 % equivalence margins: with
 * the default 0.25 %, far below this noise, an A/A twin falls back to the interval's nominal few-percent
 * false-verdict rate (measured by bench/judgement-calibration.ts), which would make this test flaky.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { CampaignController } from '../../src/campaign/index.js';
import { buildApp } from '../../src/http/index.js';
import { AllocsoakMetrics } from '../../src/metrics/exporter.js';
import { compare, drift } from '../../src/verdicts/index.js';
import { renderReport } from '../../src/report/index.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { CLI, FIXTURE, LAUNCHER } from '../helpers/native.js';
import { memoryLogger, planFrom, tempDir } from '../helpers/env.js';
import { freshJudgement } from '../helpers/judged.js';

const run = promisify(execFile);

async function campaign(store: Store, plan: Record<string, unknown>, epochsPerVariant: number): Promise<number> {
  const { log } = memoryLogger();
  const controller = new CampaignController({ store, launcher: LAUNCHER, log, killGraceMs: 300 });
  const started = controller.start({ resolved: planFrom(plan), source: 'planted.test', epochsPerVariant });
  assert.equal(await started.done, 'completed');
  return started.id;
}

const { dir, cleanup } = tempDir('judgement');
process.on('exit', cleanup);

test(
  'speed: a planted slowdown is NO-GO, an A/A twin is neither GO nor NO-GO; REST, CLI, gauge and report agree',
  { timeout: 180_000 },
  async () => {
    const db = join(dir, 'speed.db');
    const store = openStore(db);
    try {
      const id = await campaign(
        store,
        {
          name: 'planted-speed',
          epoch: '400ms',
          warmup: '100ms',
          interval: '50ms',
          variants: [
            { name: 'base', allocator: 'glibc', args: ['--ws', '400', '--spin-iters', '100'] },
            { name: 'twin', allocator: 'glibc', args: ['--ws', '400', '--spin-iters', '100'] },
            { name: 'slow', allocator: 'glibc', args: ['--ws', '400', '--spin-iters', '112'] },
          ],
          comparisons: [
            { baseline: 'base', candidate: 'slow', goal: 'speed' },
            { baseline: 'base', candidate: 'twin', goal: 'speed', criteria: { slowdown_tolerance_pct: 5, speedup_min_pct: 5 } },
          ],
        },
        24,
      );
      const slow = compare(store, { baseline: 'base', candidate: 'slow' });
      assert.equal(slow.campaign, id);
      assert.equal(slow.criteria_source, 'plan');
      assert.equal(slow.verdict, 'NO-GO', JSON.stringify(slow.reasons, null, 1));
      assert.equal(slow.decided_by, 'slowdown_tolerance_pct');
      assert.equal(slow.throughput?.analysis, 'paired');
      assert.equal(slow.throughput_basis, 'cpu');
      assert.ok((slow.throughput?.high ?? 1) < 1);
      // Both ratios are reported; the wall-clock one is for reference.
      assert.ok(slow.throughput_wall !== null && slow.throughput_wall.ratio < 1);
      assert.match(slow.reasons.find((r) => r.criterion === 'throughput_per_cpu_second')?.message ?? '', /ops per CPU-second/);
      const twin = compare(store, { baseline: 'base', candidate: 'twin' });
      assert.equal(twin.criteria.slowdown_tolerance_pct, 5);
      assert.ok(twin.verdict === 'NEUTRAL' || twin.verdict === 'INSUFFICIENT', JSON.stringify(twin.reasons, null, 1));
      // On the wall-clock basis the verdict reads ops per second instead.
      assert.equal(
        compare(store, { baseline: 'base', candidate: 'slow', criteria: { throughput_per_cpu_second: 0 } }).throughput_basis,
        'wall',
      );
      if (twin.verdict === 'INSUFFICIENT') assert.ok((twin.epochs_needed_per_arm ?? 0) > 0);

      // REST
      const { log } = memoryLogger();
      const controller = new CampaignController({ store, launcher: LAUNCHER, log });
      const metrics = new AllocsoakMetrics({ store, defaultMetrics: false });
      const app = await buildApp({ store, controller, metrics, options: { version: 'test', token: null, allowCommands: false } });
      try {
        const rest = await app.inject({ method: 'GET', url: '/api/v1/compare?baseline=base&candidate=slow' });
        assert.equal(rest.statusCode, 200, rest.body);
        assert.deepEqual(freshJudgement(rest.json<object>()), JSON.parse(JSON.stringify(slow)));
        const restTwin = await app.inject({ method: 'GET', url: '/api/v1/compare?baseline=base&candidate=twin' });
        assert.deepEqual(freshJudgement(restTwin.json<object>()), JSON.parse(JSON.stringify(twin)));
        const missing = await app.inject({ method: 'GET', url: '/api/v1/compare?baseline=base' });
        assert.equal(missing.statusCode, 400);
        assert.match(missing.json<{ message: string }>().message, /candidate is required/);
        const unknown = await app.inject({ method: 'GET', url: '/api/v1/compare?baseline=base&candidate=nope' });
        assert.equal(unknown.statusCode, 400);
        assert.match(unknown.json<{ message: string }>().message, /candidate: unknown variant "nope"; expected one of base, slow, twin/);

        // CLI --json prints the same document; the readable form names the verdict and the decisive reason.
        const cli = await run(process.execPath, [CLI, 'compare', '--db', db, '--baseline', 'base', '--candidate', 'slow', '--json']);
        assert.deepEqual(JSON.parse(cli.stdout), freshJudgement(rest.json<object>()));
        const text = await run(process.execPath, [CLI, 'compare', '--db', db, '--baseline', 'base', '--candidate', 'slow']);
        assert.match(text.stdout, /verdict: NO-GO {2}\(decided by slowdown_tolerance_pct\)/);
        assert.match(text.stdout, /\[decisive\] NO-GO: a real slowdown/);
        await assert.rejects(
          run(process.execPath, [CLI, 'compare', '--db', db, '--baseline', 'base', '--candidate', 'nope']),
          (err: { code: number; stderr: string }) => {
            assert.equal(err.code, 2);
            assert.match(err.stderr, /compare: option --candidate: unknown variant "nope"/);
            return true;
          },
        );

        // The gauge on the daemon's GET /metrics, computed at scrape time: −1 NO-GO, 0 NEUTRAL/INSUFFICIENT.
        const scrape = await app.inject({ method: 'GET', url: '/metrics' });
        assert.equal(scrape.statusCode, 200);
        const exposition = scrape.body;
        assert.match(exposition, /^# TYPE allocsoak_verdict gauge$/m);
        assert.match(exposition, /^allocsoak_verdict\{baseline="base",candidate="slow"\} -1$/m);
        assert.match(exposition, /^allocsoak_verdict\{baseline="base",candidate="twin"\} 0$/m);

        // The report's verdict sections say the same.
        const md = renderReport(store, { format: 'md' });
        assert.match(md, /^### base → slow: NO-GO$/m);
        assert.match(md, new RegExp(`^### base → twin: ${twin.verdict}$`, 'm'));
        assert.match(md, /^## Leaks and drift$/m);
      } finally {
        await app.close();
      }
    } finally {
      store.close();
    }
  },
);

test(
  'a planted leak is flagged within one epoch, a clean variant is not; a crashing candidate is NO-GO',
  { timeout: 120_000 },
  async () => {
    const db = join(dir, 'leak.db');
    const store = openStore(db);
    try {
      await campaign(
        store,
        {
          name: 'planted-leak',
          epoch: '1500ms',
          warmup: '300ms',
          interval: '100ms',
          variants: [
            { name: 'clean', allocator: 'glibc', args: ['--ws', '400'] },
            { name: 'leaky', allocator: 'glibc', args: ['--ws', '400', '--leak-bytes-per-sec', '2000000'] },
            { name: 'crashy', command: [FIXTURE, '--mode', 'crash', '--after-ms', '500'] },
          ],
          comparisons: [
            { baseline: 'clean', candidate: 'leaky', goal: 'memory' },
            { baseline: 'clean', candidate: 'crashy', goal: 'speed' },
          ],
        },
        1,
      );
      const leaky = drift(store, { variant: 'leaky' });
      assert.equal(leaky.leak, true, JSON.stringify(leaky, null, 1));
      assert.equal(leaky.verdict, 'LEAK');
      assert.equal(leaky.epochs.length, 1);
      assert.equal(leaky.epochs[0]?.leak, true);
      // 2 MB/s planted: the slope is of that order (RSS grows by pages as the leaked blocks are written).
      assert.ok((leaky.slope_bytes_per_hour ?? 0) > 1e9, String(leaky.slope_bytes_per_hour));
      const clean = drift(store, { variant: 'clean' });
      assert.equal(clean.leak, false, JSON.stringify(clean, null, 1));
      assert.equal(clean.epochs[0]?.leak, false);

      const { log } = memoryLogger();
      const controller = new CampaignController({ store, launcher: LAUNCHER, log });
      const app = await buildApp({ store, controller, options: { version: 'test', token: null, allowCommands: false } });
      try {
        const rest = await app.inject({ method: 'GET', url: '/api/v1/drift?variant=leaky' });
        assert.equal(rest.statusCode, 200, rest.body);
        assert.deepEqual(freshJudgement(rest.json<object>()), JSON.parse(JSON.stringify(leaky)));
        for (const key of ['id', 'started_at', 'rss_initial_bytes', 'rss_final_bytes', 'rss_drift_pct', 'rss_slope_bytes_per_hour']) {
          assert.ok(key in (rest.json<{ epochs: object[] }>().epochs[0] as object), key);
        }
        const cli = await run(process.execPath, [CLI, 'drift', '--db', db, '--variant', 'leaky', '--json']);
        assert.deepEqual(JSON.parse(cli.stdout), freshJudgement(rest.json<object>()));
        const noVariant = await app.inject({ method: 'GET', url: '/api/v1/drift' });
        assert.equal(noVariant.statusCode, 400);
        assert.match(noVariant.json<{ message: string }>().message, /variant is required/);
        const unknown = await app.inject({ method: 'GET', url: '/api/v1/drift?variant=ghost' });
        assert.equal(unknown.statusCode, 400);
        assert.match(unknown.json<{ message: string }>().message, /variant: unknown variant "ghost"/);
        const badSince = await app.inject({ method: 'GET', url: '/api/v1/drift?variant=leaky&since=yesterday' });
        assert.equal(badSince.statusCode, 400);
        assert.match(badSince.json<{ message: string }>().message, /since: expected an ISO-8601 time/);
        const future = await app.inject({ method: 'GET', url: '/api/v1/drift?variant=leaky&since=2999-01-01T00:00:00Z' });
        assert.equal(future.json<{ epochs: unknown[] }>().epochs.length, 0);
        assert.equal(future.json<{ verdict: string }>().verdict, 'UNDECIDED');
      } finally {
        await app.close();
      }

      // The leaking candidate is NO-GO by the leak guardrail even with one epoch; the crashing one by the crash guardrail.
      const leakVerdict = compare(store, { baseline: 'clean', candidate: 'leaky' });
      assert.equal(leakVerdict.verdict, 'NO-GO', JSON.stringify(leakVerdict.reasons, null, 1));
      assert.equal(leakVerdict.decided_by, 'guard.leak');
      const crash = compare(store, { baseline: 'clean', candidate: 'crashy' });
      assert.equal(crash.verdict, 'NO-GO');
      assert.equal(crash.decided_by, 'guard.crash');
      assert.match(crash.reasons.find((r) => r.decisive)?.message ?? '', /crashed/);
    } finally {
      store.close();
    }
  },
);
