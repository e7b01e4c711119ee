/**
 * Every column of `epochs`, once: its SQL and JSON types, unit, meaning, who writes it and where it is shown.
 * The row and analysis types, the store's column lists, the REST schemas of the epoch routes, the CSV and the
 * report's columns, the per-epoch Prometheus gauges and the page's tables are all derived from this list.
 *
 * Adding a field: a migration (the only way the schema changes), an entry here, and the code that computes
 * it (analysis/epoch-analysis.ts for a statistic, or whatever fills EpochStart/EpochFinish). A test checks
 * this list against the schema after every migration, both ways.
 *
 * Pure data and types (no Node imports): the browser loads it too.
 */
import type { Outcome } from './types.js';

export type SqlType = 'INTEGER' | 'REAL' | 'TEXT';
/** The JSON type in REST answers; 'outcome' is a string from OUTCOMES. */
export type JsonType = 'integer' | 'number' | 'string' | 'outcome';

/** How a value is read and formatted: domain/format.ts formats by unit. */
export type FieldUnit =
  'id' | 'count' | 'ms' | 'time' | 'ops/s' | 'ratio' | 'percent' | 'bytes' | 'bytes/h' | 'per op' | 'load' | 'text' | 'json' | 'sha256';

/**
 * When a field is written: with the row ('insert': the key), when the epoch starts, when it ends, or by
 * the analysis of its samples (EpochAnalysis) when it ends.
 */
export type FieldWriter = 'insert' | 'start' | 'finish' | 'analysis';

/** How the per-variant summaries (report, page) fold a field over a variant's completed epochs. */
export type Aggregate = 'mean' | 'median' | 'max' | 'sum';

export interface EpochFieldSpec {
  readonly sql: SqlType;
  readonly json: JsonType;
  readonly nullable: boolean;
  readonly unit: FieldUnit;
  /** One line: what the value is. Used as the REST schema's description. */
  readonly meaning: string;
  readonly writer: FieldWriter;
  /** Listed by GET /api/v1/epochs (the summary); every field is in GET /api/v1/epochs/:id. */
  readonly summary?: true;
  /** Left out of the CSV export (long free text). */
  readonly notInCsv?: true;
  /** A column of the page's epoch table, with this header. */
  readonly epochTable?: string;
  /** A column of the per-variant summaries (Markdown report and the page), with this header and fold. */
  readonly perVariant?: { readonly header: string; readonly aggregate: Aggregate };
  /**
   * A per-variant gauge of the latest completed epoch: `value × scale` (scale converts e.g. percent to the
   * ratio Prometheus conventions want).
   */
  readonly gauge?: { readonly name: `allocsoak_epoch_${string}`; readonly help: string; readonly scale?: number };
  /** A per-variant counter: the field summed over the variant's ended epochs. */
  readonly counter?: { readonly name: `allocsoak_${string}_total`; readonly help: string };
}

export const EPOCH_FIELDS = {
  id: {
    sql: 'INTEGER',
    json: 'integer',
    nullable: false,
    unit: 'id',
    meaning: 'epoch id',
    writer: 'insert',
    summary: true,
    epochTable: '#',
  },
  campaign_id: { sql: 'INTEGER', json: 'integer', nullable: false, unit: 'id', meaning: 'campaign id', writer: 'start', summary: true },
  variant_id: { sql: 'INTEGER', json: 'integer', nullable: false, unit: 'id', meaning: 'variant id (variants table)', writer: 'start' },
  variant: {
    sql: 'TEXT',
    json: 'string',
    nullable: false,
    unit: 'text',
    meaning: 'variant name',
    writer: 'start',
    summary: true,
    epochTable: 'variant',
  },
  round: {
    sql: 'INTEGER',
    json: 'integer',
    nullable: false,
    unit: 'count',
    meaning: "1-based index of this variant's epoch in the campaign (both arms of a duet round share it)",
    writer: 'start',
    summary: true,
    epochTable: 'round',
  },
  outcome: {
    sql: 'TEXT',
    json: 'outcome',
    nullable: false,
    unit: 'text',
    meaning: 'running, or how the epoch ended',
    writer: 'finish',
    summary: true,
    epochTable: 'outcome',
  },
  outcome_reason: {
    sql: 'TEXT',
    json: 'string',
    nullable: true,
    unit: 'text',
    meaning: 'why, for every outcome other than completed',
    writer: 'finish',
  },
  exit_code: { sql: 'INTEGER', json: 'integer', nullable: true, unit: 'count', meaning: 'exit status of the workload', writer: 'finish' },
  signal: { sql: 'TEXT', json: 'string', nullable: true, unit: 'text', meaning: 'e.g. "SIGSEGV" when crashed', writer: 'finish' },
  stderr_tail: {
    sql: 'TEXT',
    json: 'string',
    nullable: true,
    unit: 'text',
    meaning:
      "last 4 KiB of the launcher's and the workload's stderr ('' when they printed nothing; before schema v4 kept only for epochs that did not complete)",
    writer: 'finish',
    notInCsv: true,
  },
  stderr_lines: {
    sql: 'INTEGER',
    json: 'integer',
    nullable: true,
    unit: 'count',
    meaning: 'lines written on stderr over the whole epoch (warnings of the allocator or the workload); 0 when none',
    writer: 'finish',
    summary: true,
    epochTable: 'stderr lines',
  },
  started_at: {
    sql: 'TEXT',
    json: 'string',
    nullable: false,
    unit: 'time',
    meaning: 'ISO-8601 UTC',
    writer: 'start',
    summary: true,
    epochTable: 'started',
  },
  ended_at: { sql: 'TEXT', json: 'string', nullable: true, unit: 'time', meaning: 'ISO-8601 UTC', writer: 'finish', summary: true },
  planned_ms: { sql: 'INTEGER', json: 'integer', nullable: false, unit: 'ms', meaning: 'planned epoch length', writer: 'start' },
  warmup_ms: { sql: 'INTEGER', json: 'integer', nullable: false, unit: 'ms', meaning: 'warm-up excluded from statistics', writer: 'start' },
  interval_ms: { sql: 'INTEGER', json: 'integer', nullable: false, unit: 'ms', meaning: 'sampling interval', writer: 'start' },
  pid: { sql: 'INTEGER', json: 'integer', nullable: true, unit: 'id', meaning: "the workload's process id", writer: 'start' },
  host_id: { sql: 'INTEGER', json: 'integer', nullable: true, unit: 'id', meaning: 'host id (hosts table)', writer: 'start' },
  load_avg_1m: { sql: 'REAL', json: 'number', nullable: true, unit: 'load', meaning: 'load average at start, 1 minute', writer: 'start' },
  load_avg_5m: { sql: 'REAL', json: 'number', nullable: true, unit: 'load', meaning: 'load average at start, 5 minutes', writer: 'start' },
  load_avg_15m: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'load',
    meaning: 'load average at start, 15 minutes',
    writer: 'start',
  },
  allocator_sha256: {
    sql: 'TEXT',
    json: 'string',
    nullable: true,
    unit: 'sha256',
    meaning: 'sha256 of the preloaded allocator library',
    writer: 'start',
  },
  series_sha256: {
    sql: 'TEXT',
    json: 'string',
    nullable: true,
    unit: 'sha256',
    meaning:
      'the series: sha256 over the workload program, the allocator library, env and arguments; epochs of a variant with the same series accumulate across campaigns',
    writer: 'start',
    summary: true,
  },
  build_label: {
    sql: 'TEXT',
    json: 'string',
    nullable: true,
    unit: 'text',
    meaning: "the build's label: the plan variant's `build`, else ALLOCSOAK_BUILD in the daemon's environment; null when neither is set",
    writer: 'start',
  },
  build_commit: {
    sql: 'TEXT',
    json: 'string',
    nullable: true,
    unit: 'text',
    meaning:
      'git commit (HEAD) of the work tree the allocator library lies in, read once per campaign and library build; null without a library, without git or outside a work tree',
    writer: 'start',
  },
  build_dirty: {
    sql: 'INTEGER',
    json: 'integer',
    nullable: true,
    unit: 'count',
    meaning:
      '1: that work tree had changes (git status --porcelain printed something, untracked files included); 0: clean; null when build_commit is',
    writer: 'start',
  },
  cpus: {
    sql: 'TEXT',
    json: 'string',
    nullable: true,
    unit: 'text',
    meaning: 'the CPUs the workload was pinned to, comma-separated (an arm of a duet); null when not pinned',
    writer: 'start',
  },
  allocator_reported: {
    sql: 'TEXT',
    json: 'string',
    nullable: true,
    unit: 'text',
    meaning:
      'the allocator serving malloc, as the workload reported it (leanmalloc, glibc, mimalloc, jemalloc, tcmalloc, unknown) or as the daemon found it in /proc/PID/maps',
    writer: 'finish',
    summary: true,
  },
  allocator_library_reported: {
    sql: 'TEXT',
    json: 'string',
    nullable: true,
    unit: 'text',
    meaning: 'the file of the shared object that provides malloc in the workload',
    writer: 'finish',
  },
  allocator_version: {
    sql: 'TEXT',
    json: 'string',
    nullable: true,
    unit: 'text',
    meaning: "the allocator's version as its own API gives it (glibc, mimalloc, jemalloc, tcmalloc); null when it exposes none",
    writer: 'finish',
  },
  allocator_profile: {
    sql: 'TEXT',
    json: 'string',
    nullable: true,
    unit: 'text',
    meaning: "leanmalloc's effective profile: speed, balanced, lean, or custom when a knob differs from the profile",
    writer: 'finish',
    summary: true,
  },
  allocator_knobs: {
    sql: 'TEXT',
    json: 'string',
    nullable: true,
    unit: 'json',
    meaning: 'leanmalloc\'s effective knobs: JSON {"LEANMALLOC_PROFILE": "lean", "LEANMALLOC_DECOMMIT": "DONTNEED", …}',
    writer: 'finish',
  },

  ops: {
    sql: 'INTEGER',
    json: 'number',
    nullable: true,
    unit: 'count',
    meaning: 'total ops of the epoch (end line, or the last sample), warm-up included',
    writer: 'analysis',
    summary: true,
  },
  elapsed_ms: {
    sql: 'INTEGER',
    json: 'number',
    nullable: true,
    unit: 'ms',
    meaning: "workload run time (end line, or the last sample's t_ms)",
    writer: 'analysis',
    epochTable: 'duration',
  },
  throughput_mean: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'ops/s',
    meaning: 'mean of the post-warm-up interval throughputs',
    writer: 'analysis',
    summary: true,
    epochTable: 'throughput',
    gauge: {
      name: 'allocsoak_epoch_throughput_ops_per_second',
      help: 'Mean throughput (ops/s) over the post-warm-up intervals of the latest completed epoch.',
    },
  },
  throughput_median: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'ops/s',
    meaning: 'median interval throughput',
    writer: 'analysis',
  },
  throughput_cv: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'ratio',
    meaning: 'coefficient of variation of the interval throughputs (0.02 = 2 %)',
    writer: 'analysis',
    summary: true,
    epochTable: 'CV',
    perVariant: { header: 'CV in epoch', aggregate: 'median' },
    gauge: {
      name: 'allocsoak_epoch_throughput_cv_ratio',
      help: 'Coefficient of variation of the interval throughput of the latest completed epoch (0.02 = 2 %).',
    },
  },
  throughput_p1: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'ops/s',
    meaning: '1st percentile of the interval throughputs (tail proxy)',
    writer: 'analysis',
    summary: true,
  },
  throughput_p5: { sql: 'REAL', json: 'number', nullable: true, unit: 'ops/s', meaning: '5th percentile', writer: 'analysis' },
  throughput_p50: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'ops/s',
    meaning: '50th percentile',
    writer: 'analysis',
    summary: true,
  },
  throughput_p95: { sql: 'REAL', json: 'number', nullable: true, unit: 'ops/s', meaning: '95th percentile', writer: 'analysis' },
  throughput_p99: { sql: 'REAL', json: 'number', nullable: true, unit: 'ops/s', meaning: '99th percentile', writer: 'analysis' },
  cpu_ms: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'ms',
    meaning: 'CPU time the workload used over the measured part; null when it does not report cpu_ms',
    writer: 'analysis',
  },
  throughput_cpu: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'ops/s',
    meaning: 'measured ops per CPU-second: unmoved by a busy host taking the core away (the judgement basis)',
    writer: 'analysis',
    summary: true,
  },
  throughput_cpu_cv: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'ratio',
    meaning: 'CV of the per-interval ops per CPU-second',
    writer: 'analysis',
  },
  rss_initial_bytes: {
    sql: 'INTEGER',
    json: 'number',
    nullable: true,
    unit: 'bytes',
    meaning: 'VmRSS at the first sample after warm-up',
    writer: 'analysis',
    summary: true,
  },
  rss_final_bytes: {
    sql: 'INTEGER',
    json: 'number',
    nullable: true,
    unit: 'bytes',
    meaning: 'VmRSS at the last sample',
    writer: 'analysis',
    summary: true,
  },
  rss_hwm_bytes: {
    sql: 'INTEGER',
    json: 'number',
    nullable: true,
    unit: 'bytes',
    meaning:
      'true peak RSS after warm-up: VmHWM at the end, reset at the warm-up end (bursts between samples included); ' +
      'what memory verdicts judge. Where the reset was refused (hwm_reset 0), VmHWM since the start (analysis_note says so)',
    writer: 'analysis',
    summary: true,
    epochTable: 'peak RSS',
    perVariant: { header: 'peak RSS', aggregate: 'max' },
    gauge: {
      name: 'allocsoak_epoch_rss_hwm_bytes',
      help: 'True peak RSS (VmHWM reset at the warm-up end) of the latest completed epoch, in bytes.',
    },
  },
  hwm_reset: {
    sql: 'INTEGER',
    json: 'integer',
    nullable: true,
    unit: 'count',
    meaning: "1: the workload's VmHWM was reset at the warm-up end; 0: the reset was refused (analysis_note says why); null: not tried",
    writer: 'analysis',
  },
  rss_peak_bytes: {
    sql: 'INTEGER',
    json: 'number',
    nullable: true,
    unit: 'bytes',
    meaning: 'largest VmRSS sample after warm-up (misses bursts between samples; rss_hwm_bytes is the true peak)',
    writer: 'analysis',
    summary: true,
    perVariant: { header: 'largest sample', aggregate: 'max' },
    gauge: { name: 'allocsoak_epoch_rss_peak_bytes', help: 'Largest RSS sample after warm-up of the latest completed epoch, in bytes.' },
  },
  hwm_bytes: {
    sql: 'INTEGER',
    json: 'number',
    nullable: true,
    unit: 'bytes',
    meaning: 'VmHWM at the last sample (includes warm-up)',
    writer: 'analysis',
  },
  rss_drift_pct: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'percent',
    meaning:
      'endpoint RSS drift: (final − initial) / initial × 100 of the first and last samples after warm-up; a burst live at either moves it ' +
      '(thousands of percent), so it is not judged (rss_held_drift_pct is) except for epochs stored before schema v8',
    writer: 'analysis',
    summary: true,
    gauge: {
      name: 'allocsoak_epoch_rss_drift_ratio',
      help: 'Endpoint RSS drift (final - initial) / initial after warm-up of the latest completed epoch, as a ratio (0.01 = 1 %); not judged (see allocsoak_epoch_rss_held_drift_ratio).',
      scale: 0.01,
    },
  },
  rss_held_drift_pct: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'percent',
    meaning:
      'held-memory drift: growth of RSS − LazyFree along its robust Theil–Sen line over the measured part, (fitted end − fitted start) / fitted start × 100; ' +
      'a burst at or between samples does not move it. The drift the judgement reads (drift_max_pct)',
    writer: 'analysis',
    summary: true,
    epochTable: 'held drift',
    perVariant: { header: 'held drift', aggregate: 'median' },
    gauge: {
      name: 'allocsoak_epoch_rss_held_drift_ratio',
      help: 'Held-memory drift (RSS - LazyFree along its robust line) of the latest completed epoch, as a ratio (0.01 = 1 %): the drift judged.',
      scale: 0.01,
    },
  },
  rss_slope_bytes_per_hour: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'bytes/h',
    meaning: 'Theil–Sen slope of RSS after warm-up',
    writer: 'analysis',
    summary: true,
    perVariant: { header: 'RSS slope', aggregate: 'median' },
  },
  rss_slope_low: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'bytes/h',
    meaning: 'lower bound of the slope confidence interval',
    writer: 'analysis',
  },
  rss_slope_high: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'bytes/h',
    meaning: 'upper bound of the slope confidence interval',
    writer: 'analysis',
  },
  rss_slope_late_bytes_per_hour: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'bytes/h',
    meaning: 'Theil–Sen slope over the later half of the measured part: does the growth persist?',
    writer: 'analysis',
  },
  adj_rss_initial_bytes: {
    sql: 'INTEGER',
    json: 'number',
    nullable: true,
    unit: 'bytes',
    meaning: 'RSS − LazyFree at the first sample after warm-up',
    writer: 'analysis',
  },
  adj_rss_final_bytes: {
    sql: 'INTEGER',
    json: 'number',
    nullable: true,
    unit: 'bytes',
    meaning: 'RSS − LazyFree at the last sample',
    writer: 'analysis',
  },
  adj_rss_peak_bytes: {
    sql: 'INTEGER',
    json: 'number',
    nullable: true,
    unit: 'bytes',
    meaning: 'largest RSS − LazyFree after warm-up',
    writer: 'analysis',
  },
  adj_rss_drift_pct: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'percent',
    meaning: 'endpoint drift of RSS − LazyFree (first and last samples after warm-up; not judged)',
    writer: 'analysis',
  },
  rss_held_bytes: {
    sql: 'INTEGER',
    json: 'number',
    nullable: true,
    unit: 'bytes',
    meaning: 'held memory: median of RSS − LazyFree after warm-up, which a burst does not move',
    writer: 'analysis',
  },
  syscalls_mmap: { sql: 'INTEGER', json: 'number', nullable: true, unit: 'count', meaning: 'mmap calls', writer: 'analysis' },
  syscalls_munmap: { sql: 'INTEGER', json: 'number', nullable: true, unit: 'count', meaning: 'munmap calls', writer: 'analysis' },
  syscalls_madvise: { sql: 'INTEGER', json: 'number', nullable: true, unit: 'count', meaning: 'madvise calls', writer: 'analysis' },
  syscalls_mremap: { sql: 'INTEGER', json: 'number', nullable: true, unit: 'count', meaning: 'mremap calls', writer: 'analysis' },
  syscalls_brk: { sql: 'INTEGER', json: 'number', nullable: true, unit: 'count', meaning: 'brk calls', writer: 'analysis' },
  syscalls_total: {
    sql: 'INTEGER',
    json: 'number',
    nullable: true,
    unit: 'count',
    meaning: 'memory syscalls of the workload after warm-up',
    writer: 'analysis',
  },
  syscalls_per_op: {
    sql: 'REAL',
    json: 'number',
    nullable: true,
    unit: 'per op',
    meaning: 'memory syscalls per op after warm-up',
    writer: 'analysis',
    summary: true,
    epochTable: 'syscalls/op',
    perVariant: { header: 'syscalls/op', aggregate: 'median' },
    gauge: {
      name: 'allocsoak_epoch_syscalls_per_op',
      help: 'Memory syscalls (mmap, munmap, madvise, mremap, brk) per op of the latest completed epoch.',
    },
  },
  lean_decommit: {
    sql: 'INTEGER',
    json: 'number',
    nullable: true,
    unit: 'count',
    meaning: 'leanmalloc decommit events over the measured part',
    writer: 'analysis',
    summary: true,
    perVariant: { header: 'lean_decommit', aggregate: 'sum' },
    counter: {
      name: 'allocsoak_lean_decommit_total',
      help: "leanmalloc lean_decommit events summed over the variant's ended epochs (advances when an epoch ends).",
    },
  },
  lean_retire: {
    sql: 'INTEGER',
    json: 'number',
    nullable: true,
    unit: 'count',
    meaning: 'leanmalloc retire events over the measured part',
    writer: 'analysis',
    summary: true,
    perVariant: { header: 'lean_retire', aggregate: 'sum' },
    counter: {
      name: 'allocsoak_lean_retire_total',
      help: "leanmalloc lean_retire events summed over the variant's ended epochs (advances when an epoch ends).",
    },
  },
  counters_json: {
    sql: 'TEXT',
    json: 'string',
    nullable: true,
    unit: 'json',
    meaning: '{"delta": {...}, "per_op": {...}} for every allocator counter reported',
    writer: 'analysis',
  },
  analysis_note: {
    sql: 'TEXT',
    json: 'string',
    nullable: true,
    unit: 'text',
    meaning: 'caveats about this analysis (e.g. the epoch ended before its warm-up did)',
    writer: 'analysis',
  },
} as const satisfies Record<string, EpochFieldSpec>;

export type EpochFields = typeof EPOCH_FIELDS;
export type EpochField = keyof EpochFields;

type JsonValue<S extends EpochFieldSpec> = S['json'] extends 'outcome' ? Outcome : S['json'] extends 'string' ? string : number;
/** The TypeScript type of a field's value. */
export type FieldValue<S extends EpochFieldSpec> = S['nullable'] extends true ? JsonValue<S> | null : JsonValue<S>;

/** The fields whose spec has property P equal to (a subtype of) V. */
export type FieldsWhere<P extends keyof EpochFieldSpec, V> = {
  [K in EpochField]: EpochFields[K] extends Record<P, V> ? K : never;
}[EpochField];

/** Every column of `epochs`. */
export type EpochRow = { [K in EpochField]: FieldValue<EpochFields[K]> };

export type AnalysisField = FieldsWhere<'writer', 'analysis'>;
export type SummaryField = FieldsWhere<'summary', true>;
export type StartField = FieldsWhere<'writer', 'start'>;
export type PerVariantField = FieldsWhere<'perVariant', EpochFieldSpec['perVariant'] & object>;

/** The analysis columns: what analyzeEpoch computes from an epoch's samples and the store saves. */
export type EpochAnalysis = Pick<EpochRow, AnalysisField>;
/** An epoch as listed by GET /api/v1/epochs. */
export type EpochSummary = Pick<EpochRow, SummaryField>;

const ALL = Object.keys(EPOCH_FIELDS) as EpochField[];
const spec = (f: EpochField): EpochFieldSpec => EPOCH_FIELDS[f];

export const EPOCH_COLUMNS: readonly EpochField[] = ALL;
export const EPOCH_ANALYSIS_COLUMNS = ALL.filter((f) => spec(f).writer === 'analysis') as readonly AnalysisField[];
export const EPOCH_SUMMARY_COLUMNS = ALL.filter((f) => spec(f).summary === true) as readonly SummaryField[];
export const EPOCH_START_COLUMNS = ALL.filter((f) => spec(f).writer === 'start') as readonly StartField[];
/** Written when the epoch ends: its outcome and bookkeeping, then the analysis. */
export const EPOCH_FINISH_COLUMNS = ALL.filter((f) => spec(f).writer === 'finish' || spec(f).writer === 'analysis');
export const EPOCH_CSV_COLUMNS = ALL.filter((f) => spec(f).notInCsv !== true);
export const EPOCH_TABLE_COLUMNS = ALL.filter((f) => spec(f).epochTable !== undefined);
export const PER_VARIANT_COLUMNS = ALL.filter((f) => spec(f).perVariant !== undefined) as readonly PerVariantField[];

/** The per-epoch gauges, in field order. */
export const EPOCH_GAUGES = ALL.flatMap((field) => {
  const g = spec(field).gauge;
  return g === undefined ? [] : [{ field, name: g.name, help: g.help, scale: g.scale ?? 1 }];
});
/** The per-variant counters summed over ended epochs, in field order. */
export const EPOCH_COUNTERS = ALL.flatMap((field) => {
  const c = spec(field).counter;
  return c === undefined ? [] : [{ field, name: c.name, help: c.help }];
});

/** Folds a field's values over a variant's completed epochs; null when no epoch has a value. */
export function aggregate(how: Aggregate, values: readonly (number | null)[]): number | null {
  const xs = values.filter((x): x is number => x !== null && Number.isFinite(x));
  if (xs.length === 0) return null;
  switch (how) {
    case 'sum':
      return xs.reduce((a, b) => a + b, 0);
    case 'mean':
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    case 'max':
      return Math.max(...xs);
    case 'median': {
      const s = [...xs].sort((a, b) => a - b);
      const m = Math.floor(s.length / 2);
      return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
    }
  }
}
