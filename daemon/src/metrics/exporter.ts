/**
 * allocsoak's Prometheus exporter: its own prom-client Registry (never the global one) holding the
 * default process metrics and the metric set of names.ts.
 *
 * - Counters and last-epoch gauges are computed from SQLite at scrape time (SqliteSnapshotReader), so a
 *   restarted daemon exports the right values at once. Every variant x outcome counter series exists from
 *   the first scrape, at 0, so a quiet variant reads 0 instead of "no data" and the first failure is an
 *   increase that rate()/increase() can see.
 * - Live gauges are fed by the campaign loop (observeSample / epochEnded) and exist only while a child of
 *   that variant runs: one child at a time, so a sample of one variant clears the others' live series.
 * - Labels are bounded: variant names (plan and database) and the fixed outcome list, never ids.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Sample } from '../domain/types.js';
import type { Plan } from '../plan/types.js';
import type { Store } from '../storage/index.js';
import { COUNTED_OUTCOMES, METRICS, type MetricName } from './names.js';
import { SqliteSnapshotReader, type ScrapeSnapshot } from './sqlite-snapshot.js';

/** What the exporter needs of the plan being run: its variants' names and the epoch lengths. */
export type RunningPlan = Pick<Plan, 'epoch_ms' | 'warmup_ms'> & { readonly variants: readonly { readonly name: string }[] };

export interface MetricsDeps {
  /** The daemon's store (migrated SQLite file). Only read. */
  readonly store: Store;
  /**
   * The plan being run now (after resolvePlan: skipped variants removed), or null when idle. Called at every
   * scrape, so it may change (POST /campaigns).
   */
  readonly plan?: () => RunningPlan | null | undefined;
  /** Register prom-client's default process metrics (process_start_time_seconds is used by the rules). */
  readonly defaultMetrics?: boolean;
}

/** The fields of a protocol sample the live gauges show. */
export type LiveSample = Pick<Sample, 't_ms' | 'rss_bytes' | 'ops_per_sec'>;

const LINT_FAILING_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

const help = (name: MetricName): string => {
  const spec = METRICS.find((m) => m.name === name);
  if (!spec) throw new Error(`metric ${name} is not in daemon/src/metrics/names.ts`);
  return spec.help;
};

export class AllocsoakMetrics {
  readonly registry = new Registry();
  private readonly reader: SqliteSnapshotReader;
  private readonly plan: () => RunningPlan | null | undefined;
  /** The snapshot of the scrape in progress, shared by every collect() of that scrape. */
  private scrape: ScrapeSnapshot | undefined;
  /** The variant whose child currently feeds the live gauges. */
  private liveVariant: string | undefined;

  private readonly liveRss: Gauge<'variant'>;
  private readonly liveThroughput: Gauge<'variant'>;
  private readonly liveElapsed: Gauge<'variant'>;

  constructor(deps: MetricsDeps) {
    this.reader = new SqliteSnapshotReader(deps.store);
    this.plan = deps.plan ?? (() => null);
    if (deps.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      // prom-client exports these as gauges named *_total, which `promtool check metrics` rejects
      // ("non-counter metrics should not have _total suffix"); they are Node internals nobody alerts on.
      for (const name of LINT_FAILING_DEFAULT_METRICS) this.registry.removeSingleMetric(name);
    }

    const registers = [this.registry];
    // `this` inside collect() is the metric; the snapshot comes from the exporter (arrow functions).
    const snapshot = (): ScrapeSnapshot => this.scrape ?? this.reader.read();
    const plannedNames = (): string[] => (this.plan()?.variants ?? []).map((v) => v.name);

    new Counter({
      name: 'allocsoak_epochs_total',
      help: help('allocsoak_epochs_total'),
      labelNames: ['variant', 'outcome'] as const,
      registers,
      collect: function (this: Counter<'variant' | 'outcome'>) {
        const s = snapshot();
        this.reset();
        for (const variant of knownVariants(s, plannedNames())) {
          for (const outcome of COUNTED_OUTCOMES) {
            this.inc({ variant, outcome }, s.epochCounts.get(variant)?.get(outcome) ?? 0);
          }
        }
      },
    });

    const leanCounter = (name: 'allocsoak_lean_decommit_total' | 'allocsoak_lean_retire_total', pick: (s: ScrapeSnapshot) => ReadonlyMap<string, number>) =>
      new Counter({
        name,
        help: help(name),
        labelNames: ['variant'] as const,
        registers,
        collect: function (this: Counter<'variant'>) {
          const s = snapshot();
          this.reset();
          for (const variant of knownVariants(s, plannedNames())) this.inc({ variant }, pick(s).get(variant) ?? 0);
        },
      });
    leanCounter('allocsoak_lean_decommit_total', (s) => s.leanDecommit);
    leanCounter('allocsoak_lean_retire_total', (s) => s.leanRetire);

    // Last completed epoch: absent for a variant that has not completed one yet (a 0 % drift or a
    // 1970 timestamp would be a lie; the rules treat absence explicitly).
    type LastField = 'throughput_mean' | 'throughput_cv' | 'rss_drift_ratio' | 'rss_peak_bytes' | 'syscalls_per_op' | 'ended_at_seconds';
    const lastEpochGauge = (name: MetricName, field: LastField) =>
      new Gauge({
        name,
        help: help(name),
        labelNames: ['variant'] as const,
        registers,
        collect: function (this: Gauge<'variant'>) {
          this.reset();
          for (const epoch of snapshot().lastCompleted) {
            const value = epoch[field];
            if (value !== null && Number.isFinite(value)) this.set({ variant: epoch.variant }, value);
          }
        },
      });
    lastEpochGauge('allocsoak_epoch_throughput_ops_per_second', 'throughput_mean');
    lastEpochGauge('allocsoak_epoch_throughput_cv_ratio', 'throughput_cv');
    lastEpochGauge('allocsoak_epoch_rss_drift_ratio', 'rss_drift_ratio');
    lastEpochGauge('allocsoak_epoch_rss_peak_bytes', 'rss_peak_bytes');
    lastEpochGauge('allocsoak_epoch_syscalls_per_op', 'syscalls_per_op');
    lastEpochGauge('allocsoak_last_epoch_completed_timestamp_seconds', 'ended_at_seconds');

    new Gauge({
      name: 'allocsoak_campaigns_running',
      help: help('allocsoak_campaigns_running'),
      registers,
      collect: function (this: Gauge) {
        this.set(snapshot().campaignsRunning);
      },
    });

    // Epoch lengths: the plan being run; for variants of a running campaign that the plan callback does
    // not know (e.g. started before a restart), their latest epoch's lengths.
    const lengths = (): Map<string, { planned: number; warmup: number }> => {
      const out = new Map<string, { planned: number; warmup: number }>();
      for (const [variant, l] of snapshot().runningLengths) {
        out.set(variant, { planned: l.planned_seconds, warmup: l.warmup_seconds });
      }
      const plan = this.plan();
      for (const v of plan?.variants ?? []) {
        out.set(v.name, { planned: (plan?.epoch_ms ?? 0) / 1000, warmup: (plan?.warmup_ms ?? 0) / 1000 });
      }
      return out;
    };
    const lengthGauge = (name: MetricName, pick: (l: { planned: number; warmup: number }) => number) =>
      new Gauge({
        name,
        help: help(name),
        labelNames: ['variant'] as const,
        registers,
        collect: function (this: Gauge<'variant'>) {
          this.reset();
          for (const [variant, l] of lengths()) this.set({ variant }, pick(l));
        },
      });
    lengthGauge('allocsoak_epoch_planned_seconds', (l) => l.planned);
    lengthGauge('allocsoak_epoch_warmup_seconds', (l) => l.warmup);

    const liveGauge = (name: MetricName) =>
      new Gauge({ name, help: help(name), labelNames: ['variant'] as const, registers });
    this.liveRss = liveGauge('allocsoak_workload_rss_bytes');
    this.liveThroughput = liveGauge('allocsoak_workload_throughput_ops_per_second');
    this.liveElapsed = liveGauge('allocsoak_workload_elapsed_seconds');
  }

  /** The campaign loop calls this for every sample of the running child. */
  observeSample(variant: string, sample: LiveSample): void {
    if (this.liveVariant !== undefined && this.liveVariant !== variant) this.clearLive(this.liveVariant);
    this.liveVariant = variant;
    this.liveElapsed.set({ variant }, sample.t_ms / 1000);
    if (sample.rss_bytes !== null) this.liveRss.set({ variant }, sample.rss_bytes);
    if (sample.ops_per_sec !== null && Number.isFinite(sample.ops_per_sec)) {
      this.liveThroughput.set({ variant }, sample.ops_per_sec);
    }
  }

  /** The campaign loop calls this when a child of `variant` is gone (any outcome): its live series disappear. */
  epochEnded(variant: string): void {
    this.clearLive(variant);
    if (this.liveVariant === variant) this.liveVariant = undefined;
  }

  /** The exposition text of one scrape; every SQLite-backed metric sees the same snapshot. */
  async metrics(): Promise<string> {
    this.scrape = this.reader.read();
    try {
      return await this.registry.metrics();
    } finally {
      this.scrape = undefined;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private clearLive(variant: string): void {
    for (const g of [this.liveRss, this.liveThroughput, this.liveElapsed]) g.remove({ variant });
  }
}

/** Variants exported with zeroed counters: those of the plan and every one the database knows. */
function knownVariants(s: ScrapeSnapshot, planned: readonly string[]): string[] {
  return [...new Set([...planned, ...s.variants])].sort();
}
