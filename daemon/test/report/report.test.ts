import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sample } from '../../src/domain/types.js';
import { analyzeEpoch } from '../../src/analysis/index.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { validatePlan } from '../../src/plan/validate.js';
import { renderReport, type ReportExtension } from '../../src/report/index.js';
import { stderrSectionMarkdown } from '../../src/report/stderr-section.js';
import { tempDbPath } from '../storage/helpers.js';

const NOW = new Date('2026-11-23T21:00:00.000Z');

/** A campaign with two variants: speed (2 completed epochs, 1 crashed), glibc (1 completed, 1 running). */
function seed(): { store: Store; campaign: number } {
  const store = openStore(tempDbPath('allocsoak-report-'));
  const plan = validatePlan(
    {
      name: 'nightly',
      epoch: '10s',
      warmup: '2s',
      interval: '1s',
      rss_limit: '1GiB',
      variants: [
        { name: 'speed', allocator: 'leanmalloc', env: { LEANMALLOC_PROFILE: 'speed' }, args: ['--burst-mb', '64'] },
        { name: 'glibc', allocator: 'glibc' },
        { name: 'mimalloc', allocator: 'mimalloc', optional: true },
      ],
      comparisons: [{ baseline: 'speed', candidate: 'glibc', goal: 'speed' }],
    },
    'plans/nightly.yaml',
  );
  const campaign = store.campaigns.create({
    source: 'plans/nightly.yaml',
    plan,
    epochs_per_variant: 3,
    started_at: '2026-11-23T20:00:00.000Z',
  });
  const host = store.hosts.upsert({ hostname: 'box', kernel: '6.1.0', cpu_model: 'Test CPU', cores: 2, thp: 'madvise' });
  const ids = {
    speed: store.variants.upsert(campaign, plan.variants[0]!, '/pkg/native/build/libleanmalloc.so'),
    glibc: store.variants.upsert(campaign, plan.variants[1]!, null),
  };
  const run = (variant: 'speed' | 'glibc', rate: number, rssGrowthPerS: number, decommit: number): number => {
    const e = store.epochs.start({
      campaign_id: campaign,
      variant_id: ids[variant],
      variant,
      round: store.epochs.nextRound(campaign, variant),
      planned_ms: 10_000,
      warmup_ms: 2000,
      interval_ms: 1000,
      host_id: host,
    });
    const samples: Sample[] = [];
    for (let t = 1000; t <= 10_000; t += 1000) {
      samples.push({
        t_ms: t,
        ops: rate * (t / 1000),
        ops_per_sec: rate,
        rss_bytes: 8_000_000 + rssGrowthPerS * (t / 1000),
        hwm_bytes: 9_000_000,
        rss_anon_bytes: null,
        pss_bytes: null,
        lazyfree_bytes: 0,
        cpu_ms: null,
        counters: variant === 'speed' ? { lean_decommit: decommit * (t / 1000), lean_retire: 0 } : {},
      });
    }
    for (const s of samples) store.samples.add(e, s);
    store.epochs.finish(e, {
      outcome: 'completed',
      ...(variant === 'speed'
        ? {
            allocator_reported: 'leanmalloc',
            allocator_profile: 'speed',
            stderr_tail: "leanmalloc: invalid LEANMALLOC_STATS='yes' (expected 0 or 1); using 0\n",
            stderr_lines: 1,
          }
        : { allocator_reported: 'glibc', allocator_version: '2.36', stderr_tail: '', stderr_lines: 0 }),
      ...analyzeEpoch(
        samples,
        // VmHWM reset at the first sample at the warm-up end, as the supervisor does: the true peak is 9 MB.
        { warmupMs: 2000, intervalMs: 1000, peakReset: { t_ms: 2000, refused: null } },
        {
          at_warmup_end: { mmap: 2, munmap: 0, madvise: 0, mremap: 0, brk: 1 },
          at_end: { mmap: 2 + rate / 1000, munmap: 0, madvise: 0, mremap: 0, brk: 1 },
        },
      ),
    });
    return e;
  };
  run('speed', 1_000_000, 0, 1);
  const glibc1 = run('glibc', 800_000, 8_000, 0);
  run('speed', 1_200_000, 0, 2);
  const crashed = store.epochs.start({
    campaign_id: campaign,
    variant_id: ids.speed,
    variant: 'speed',
    round: 3,
    planned_ms: 10_000,
    warmup_ms: 2000,
    interval_ms: 1000,
    host_id: host,
  });
  store.epochs.finish(crashed, {
    outcome: 'crashed',
    signal: 'SIGSEGV',
    outcome_reason: 'killed by SIGSEGV, "core", dumped\nline 2',
    exit_code: null,
    stderr_tail: 'a ```fenced``` word\n\nsegfault at 0x0\n',
    stderr_lines: 3,
  });
  store.epochs.start({
    campaign_id: campaign,
    variant_id: ids.glibc,
    variant: 'glibc',
    round: 2,
    planned_ms: 10_000,
    warmup_ms: 2000,
    interval_ms: 1000,
    host_id: host,
  });
  assert.ok(glibc1 > 0);
  return { store, campaign };
}

test('markdown: configuration, host, per-variant table with the measured values, failed epochs', () => {
  const { store } = seed();
  const md = renderReport(store, { format: 'md', now: NOW, extensions: [] });
  assert.match(md, /^# allocsoak report: nightly\n/);
  assert.match(
    md,
    /Campaign 1 from `plans\/nightly\.yaml`, running; started 2026-11-23T20:00:00\.000Z, 3 epochs per variant\. Generated 2026-11-23T21:00:00\.000Z\./,
  );
  assert.match(md, /\| epoch \| 10s \|/);
  assert.match(md, /\| warm-up \| 2s \|/);
  assert.match(md, /\| RSS limit \| 1\.0 GiB \|/);
  assert.match(md, /\| comparisons \| speed → glibc \(speed\) \|/);
  assert.match(
    md,
    /\| speed \| leanmalloc \| \/pkg\/native\/build\/libleanmalloc\.so \| args: `--burst-mb 64`; env: `LEANMALLOC_PROFILE=speed` \|/,
  );
  assert.match(md, /\| glibc \| glibc \| – \| – \| glibc 2\.36 \|/, 'what the epochs reported running');
  assert.match(md, /LEANMALLOC_PROFILE=speed` \| leanmalloc profile speed \|/);
  assert.match(md, /\| box \| 6\.1\.0 \| Test CPU \| 2 \| madvise \|/);
  assert.doesNotMatch(md, /mimalloc/, 'a skipped optional variant is not listed');
  // No epoch reports CPU time: throughput leads per wall-clock second (the per-CPU column empty).
  assert.match(md, /\| throughput, ops\/s wall \(median\) \| ops per CPU-s \(median\) \|/);
  assert.match(md, /Fastest first: speed, glibc\./);
  // speed: median of 1.0M and 1.2M = 1.1M ops/s, CV 0 in epoch, across epochs sd(1.0M,1.2M)/1.1M = 12.86 %.
  // RSS 8 MB flat → drift 0, largest sample 7.6 MiB; true peak (VmHWM after the reset) 9 MB = 8.6 MiB; syscalls/op = 1000/1e6 ... per epoch (rate/1000 mmaps over rate*8 ops) = 1.25e-4; decommit 8 + 16.
  assert.match(
    md,
    /\| speed \| 2\/3 \| 1,100,000 \| – \| 0\.00 % \| 8\.6 MiB \| 7\.6 MiB \| \+0\.00 % \| \+0 B\/h \| 1\.25e-4 \| 24 \| 0 \| 12\.86 % \| \+0\.00 % \| completed 2, crashed 1 \|/,
  );
  // glibc: 8 kB/s growth: initial 8.016 MB at 2 s, final 8.08 MB at 10 s → +0.80 % (held memory grows along a line: the same); slope 28.8 MB/h; no lean counters.
  assert.match(
    md,
    /\| glibc \| 1\/2 \| 800,000 \| – \| 0\.00 % \| 8\.6 MiB \| 7\.7 MiB \| \+0\.80 % \| \+27\.5 MiB\/h \| 1\.25e-4 \| – \| – \| – \| \+0\.80 % \| running 1, completed 1 \|/,
  );
  assert.match(
    md,
    /## Epochs that did not complete\n\n\| epoch \| variant \| round \| outcome \| reason \| started \|\n\| --- .*\n\| 4 \| speed \| 3 \| crashed \| killed by SIGSEGV, "core", dumped line 2 \|/,
  );
  store.close();
});

test('markdown: the warnings of completed epochs, the same lines shown once; a crash keeps its stderr with its reason', () => {
  const { store } = seed();
  const md = renderReport(store, { format: 'md', now: NOW, extensions: [] });
  const heading = '## Warnings: stderr of completed epochs';
  assert.ok(md.includes(heading), md);
  const section = md.slice(md.indexOf(heading));
  // the two completed speed epochs printed the same warning: one block
  assert.match(
    section,
    /\nEpochs 1 and 3 \(speed, completed\): 1 line each\.\n\n```\nleanmalloc: invalid LEANMALLOC_STATS='yes' \(expected 0 or 1\); using 0\n```\n/,
  );
  assert.doesNotMatch(section, /segfault/, 'the crash is shown with its reason, above, not again here');
  assert.match(md, /## Epochs that did not complete[\s\S]*segfault at 0x0[\s\S]*## Warnings: stderr of completed epochs/);
  assert.doesNotMatch(section, /glibc/, 'epochs that wrote nothing are not listed');
  store.close();
});

test('the stderr section: epochs grouped by their last lines, counted lines, a fence its backticks cannot close', () => {
  const e = (id: number, variant: string, tail: string | null, lines: number | null) => ({
    id,
    variant,
    round: id,
    outcome: 'completed' as const,
    stderr_tail: tail,
    stderr_lines: lines,
  });
  const md = stderrSectionMarkdown([
    e(1, 'a', 'same\n', 1),
    e(2, 'b', 'same\n', 2),
    e(3, 'a', 'a ```fenced``` word\n\nlast\n', 3),
    e(4, 'a', '', 0),
    e(5, 'c', 'before v4\n', null),
    ...Array.from({ length: 14 }, (_, i) => e(10 + i, 'd', 'every night\n', 1)),
  ]);
  assert.match(md ?? '', /\nEpochs 1 and 2 \(a and b, completed\): 1–2 lines each\.\n\n```\nsame\n```\n/);
  assert.match(md ?? '', /\nEpoch 3 \(a, round 3, completed\): 3 lines\.\n\n````\na ```fenced``` word\nlast\n````/);
  assert.match(md ?? '', /\nEpoch 5 \(c, round 5, completed\): lines not counted \(recorded before schema v4\)\./);
  assert.match(md ?? '', /\nEpochs 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21 and 2 more \(d, completed\): 1 line each\./);
  assert.doesNotMatch(md ?? '', /Epoch 4/, 'an epoch that wrote nothing');
  assert.equal(stderrSectionMarkdown([e(4, 'a', '', 0), e(6, 'a', null, null)]), null);
});

test('json: the same data structured, with every epoch and parsed counters', () => {
  const { store, campaign } = seed();
  const j = JSON.parse(renderReport(store, { format: 'json', campaign, now: NOW, extensions: [] })) as {
    generated_at: string;
    campaign: { id: number; status: string };
    plan: { epoch_ms: number };
    hosts: { hostname: string }[];
    variants: {
      name: string;
      epochs_total: number;
      epochs_completed: number;
      throughput: number;
      throughput_cv_between_epochs: number;
      outcomes: Record<string, number>;
      lean_decommit: number | null;
      extra: object;
    }[];
    epochs: { id: number; outcome: string; counters: unknown }[];
    sections: object;
  };
  assert.equal(j.generated_at, NOW.toISOString());
  assert.equal(j.campaign.id, campaign);
  assert.equal(j.plan.epoch_ms, 10_000);
  assert.deepEqual(
    j.hosts.map((h) => h.hostname),
    ['box'],
  );
  assert.deepEqual(
    j.variants.map((v) => [v.name, v.epochs_completed, v.epochs_total, v.throughput, v.lean_decommit]),
    [
      ['speed', 2, 3, 1_100_000, 24],
      ['glibc', 1, 2, 800_000, null],
    ],
  );
  assert.ok(Math.abs((j.variants[0]?.throughput_cv_between_epochs ?? 0) - (Math.SQRT2 * 100_000) / 1_100_000) < 1e-12);
  assert.deepEqual(j.variants[0]?.outcomes, {
    running: 0,
    completed: 2,
    crashed: 1,
    timeout: 0,
    oom: 0,
    failed: 0,
    interrupted: 0,
    aborted: 0,
  });
  assert.deepEqual(
    j.epochs.map((e) => e.outcome),
    ['completed', 'completed', 'completed', 'crashed', 'running'],
  );
  assert.deepEqual(j.epochs[0]?.counters, { delta: { lean_decommit: 8, lean_retire: 0 }, per_op: { lean_decommit: 1e-6, lean_retire: 0 } });
  assert.deepEqual(j.sections, {});
  store.close();
});

test('csv: a header and one row per epoch, quoted where needed, parseable back', () => {
  const { store } = seed();
  const csv = renderReport(store, { format: 'csv' });
  // Minimal RFC 4180 parser: enough to prove the quoting round-trips.
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const ch = csv[i] as string;
    if (quoted) {
      if (ch === '"' && csv[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  // The header is every column of the epochs table as the migrations left it, but the stderr tail: read from
  // the database itself, not from the list the CSV writer uses.
  const schemaColumns = store.db
    .prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)')
    .all('epochs')
    .map((c) => c.name)
    .filter((c) => c !== 'stderr_tail');
  const header = rows[0] ?? [];
  assert.deepEqual([...header].sort(), [...schemaColumns].sort());
  assert.equal(new Set(header).size, header.length, 'no column twice');
  assert.equal(rows.length, 6);
  const col = (name: string): number => header.indexOf(name);
  assert.deepEqual(
    rows.slice(1).map((r) => r[col('variant')]),
    ['speed', 'glibc', 'speed', 'speed', 'glibc'],
  );
  assert.equal(rows[1]?.[col('throughput_mean')], '1000000');
  assert.equal(rows[4]?.[col('outcome_reason')], 'killed by SIGSEGV, "core", dumped\nline 2');
  assert.equal(rows[5]?.[col('throughput_mean')], '', 'NULL is an empty field');
  assert.deepEqual(JSON.parse(rows[1]?.[col('counters_json')] ?? ''), {
    delta: { lean_decommit: 8, lean_retire: 0 },
    per_op: { lean_decommit: 1e-6, lean_retire: 0 },
  });
  assert.ok(rows.every((r) => r.length === header.length));
  store.close();
});

test('extensions add variant columns and sections to md and json (the judgement seam)', () => {
  const { store } = seed();
  const ext: ReportExtension = {
    name: 'test-verdicts',
    variantColumns: [
      {
        key: 'ratio',
        header: 'ratio to speed',
        value: (v, data) => (v.throughput ?? 0) / (data.variants[0]?.throughput ?? 1),
        format: (x) => `${(Number(x) * 100).toFixed(1)} %`,
      },
    ],
    sections: (data) => [
      {
        key: 'verdicts',
        title: 'Verdicts',
        markdown: `speed → glibc: NO-GO (${data.variants.length} variants)`,
        data: [{ verdict: 'NO-GO' }],
      },
    ],
  };
  const md = renderReport(store, { format: 'md', extensions: [ext] });
  assert.match(md, /\| worst held drift \| ratio to speed \| outcomes \|/);
  assert.match(md, /\| glibc \| 1\/2 \| 800,000 .*\| 72\.7 % \| running 1, completed 1 \|/);
  assert.match(md, /## Verdicts\n\nspeed → glibc: NO-GO \(2 variants\)/);
  const j = JSON.parse(renderReport(store, { format: 'json', extensions: [ext] })) as {
    variants: { extra: { ratio: number } }[];
    sections: unknown;
  };
  assert.equal(j.variants[0]?.extra.ratio, 1);
  assert.deepEqual(j.sections, { verdicts: { title: 'Verdicts', data: [{ verdict: 'NO-GO' }] } });
  store.close();
});

test('an empty database, an unknown campaign and an unknown format', () => {
  const store = openStore(tempDbPath('allocsoak-report-empty-'));
  assert.match(renderReport(store, { format: 'md' }), /No campaign has been recorded in this database yet/);
  assert.equal(renderReport(store, { format: 'csv' }).split('\n').length, 2);
  assert.throws(() => renderReport(store, { format: 'md', campaign: 9 }), /campaign 9 does not exist/);
  assert.throws(() => renderReport(store, { format: 'xml' as 'md' }), /report format: expected md, json, csv, got "xml"/);
  store.close();
});
