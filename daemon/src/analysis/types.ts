/** The analysis columns of `epochs` (migrations/001–003): what `analyzeEpoch` computes and the store saves. */
export interface EpochAnalysis {
  /** Total ops of the epoch (end line, or the last sample), warm-up included. */
  ops: number | null;
  /** Workload run time in ms (end line, or the last sample's t_ms). */
  elapsed_ms: number | null;
  throughput_mean: number | null;
  throughput_median: number | null;
  throughput_cv: number | null;
  throughput_p1: number | null;
  throughput_p5: number | null;
  throughput_p50: number | null;
  throughput_p95: number | null;
  throughput_p99: number | null;
  /** CPU ms the workload used over the measured part; null when it does not report cpu_ms. */
  cpu_ms: number | null;
  /** Measured ops per CPU-second: unmoved by a busy host taking the core away (the judgement's basis). */
  throughput_cpu: number | null;
  /** CV of the per-interval ops per CPU-second. */
  throughput_cpu_cv: number | null;
  rss_initial_bytes: number | null;
  rss_final_bytes: number | null;
  rss_peak_bytes: number | null;
  hwm_bytes: number | null;
  rss_drift_pct: number | null;
  rss_slope_bytes_per_hour: number | null;
  rss_slope_low: number | null;
  rss_slope_high: number | null;
  /** Theil–Sen slope over the later half of the measured part: does the growth persist? (bytes/hour) */
  rss_slope_late_bytes_per_hour: number | null;
  adj_rss_initial_bytes: number | null;
  adj_rss_final_bytes: number | null;
  adj_rss_peak_bytes: number | null;
  adj_rss_drift_pct: number | null;
  /** Held memory: median over the measured part of RSS − LazyFree (RSS alone where LazyFree is unknown). */
  rss_held_bytes: number | null;
  syscalls_mmap: number | null;
  syscalls_munmap: number | null;
  syscalls_madvise: number | null;
  syscalls_mremap: number | null;
  syscalls_brk: number | null;
  syscalls_total: number | null;
  syscalls_per_op: number | null;
  lean_decommit: number | null;
  lean_retire: number | null;
  /** JSON `{"delta": {...}, "per_op": {...}}` over the measured part, null when no counters were reported. */
  counters_json: string | null;
  /** Caveats about this analysis (e.g. the epoch ended before its warm-up did), null when there are none. */
  analysis_note: string | null;
}

export const EPOCH_ANALYSIS_COLUMNS = [
  'ops',
  'elapsed_ms',
  'throughput_mean',
  'throughput_median',
  'throughput_cv',
  'throughput_p1',
  'throughput_p5',
  'throughput_p50',
  'throughput_p95',
  'throughput_p99',
  'cpu_ms',
  'throughput_cpu',
  'throughput_cpu_cv',
  'rss_initial_bytes',
  'rss_final_bytes',
  'rss_peak_bytes',
  'hwm_bytes',
  'rss_drift_pct',
  'rss_slope_bytes_per_hour',
  'rss_slope_low',
  'rss_slope_high',
  'rss_slope_late_bytes_per_hour',
  'adj_rss_initial_bytes',
  'adj_rss_final_bytes',
  'adj_rss_peak_bytes',
  'adj_rss_drift_pct',
  'rss_held_bytes',
  'syscalls_mmap',
  'syscalls_munmap',
  'syscalls_madvise',
  'syscalls_mremap',
  'syscalls_brk',
  'syscalls_total',
  'syscalls_per_op',
  'lean_decommit',
  'lean_retire',
  'counters_json',
  'analysis_note',
] as const satisfies readonly (keyof EpochAnalysis)[];
