/**
 * allocsoak's Prometheus exporter: its own prom-client Registry (never the global one) holding the
 * default process metrics and the metric set of names.ts.
 *
 * - Counters and last-epoch gauges are computed from SQLite at scrape time (SqliteSnapshotReader), so a
 *   restarted daemon exports the right values at once. Every variant x outcome counter series exists from
 *   the first scrape, at 0, so a quiet variant reads 0 instead of "no data" and the first failure is an
 *   increase that rate()/increase() can see.
 * - The campaign being run (variants, epoch lengths) and the live gauges follow the campaign controller's
 *   events (follow()); live series exist only while a child of that variant runs.
 * - Labels are bounded: variant names (plan and database), the fixed outcome and state lists, never ids.
 */
import type { EventEmitter } from 'node:events';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CampaignEvents, StorageStatus } from '../campaign/index.js';
import { EPOCH_COUNTERS, EPOCH_GAUGES } from '../domain/epoch-fields.js';
import type { Sample } from '../domain/types.js';
import { STORAGE_FAULT_KINDS, type Store } from '../storage/index.js';
import { COUNTED_OUTCOMES, DAEMON_STATES, METRICS, VERDICT_METRIC, type DaemonState, type MetricName } from './names.js';
import { SqliteSnapshotReader, type ScrapeSnapshot } from './sqlite-snapshot.js';
import { VerdictCache } from './verdict-cache.js';
import type { VerdictReader } from '../verdicts/index.js';

export interface MetricsDeps {
  /** The daemon's store (migrated SQLite file). Only read. */
  readonly store: Store;
  /** What the daemon is doing now (CampaignController.status().state), read at every scrape. */
  readonly state?: () => DaemonState;
  /** Whether the daemon's database takes writes (CampaignController.status().storage), read at every scrape. */
  readonly storage?: () => Pick<StorageStatus, 'ok' | 'errors_total'>;
  /** Register prom-client's default process metrics (process_start_time_seconds is used by the rules). */
  readonly defaultMetrics?: boolean;
  /** Told about an error inside an event listener (which must never throw into the campaign loop). */
  readonly onListenerError?: (err: unknown, event: keyof CampaignEvents) => void;
  /**
   * What judges the verdict gauge: the daemon passes its reader (a worker thread), so a scrape never holds
   * the event loop; without it the verdicts are judged in the scrape's thread.
   */
  readonly verdicts?: VerdictReader;
}

/** The fields of a protocol sample the live gauges show. */
export type LiveSample = Pick<Sample, 't_ms' | 'rss_bytes' | 'ops_per_sec'>;

/** The campaign being run, as far as the metrics need it. */
interface RunningCampaign {
  readonly variants: readonly string[];
  /** Known from the first epoch-started event (lengths are the same for every variant of a plan). */
  lengths: { planned_seconds: number; warmup_seconds: number } | null;
}

const LINT_FAILING_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

const help = (name: MetricName): string => {
  const spec = METRICS.find((m) => m.name === name);
  if (!spec) throw new Error(`metric ${name} is not in daemon/src/metrics/names.ts`);
  return spec.help;
};

export class AllocsoakMetrics {
  readonly registry = new Registry();
  private readonly reader: SqliteSnapshotReader;
  private readonly state: () => DaemonState;
  private readonly onListenerError: NonNullable<MetricsDeps['onListenerError']>;
  /** The snapshot of the scrape in progress, shared by every collect() of that scrape. */
  private scrape: ScrapeSnapshot | undefined;
  private campaign: RunningCampaign | null = null;
  /** The variant whose child currently feeds the live gauges. */
  private liveVariant: string | undefined;

  private readonly liveRss: Gauge<'variant'>;
  private readonly liveThroughput: Gauge<'variant'>;
  private readonly liveElapsed: Gauge<'variant'>;

  constructor(deps: MetricsDeps) {
    this.reader = new SqliteSnapshotReader(deps.store);
    this.state = deps.state ?? (() => 'idle');
    this.onListenerError = deps.onListenerError ?? (() => undefined);
    if (deps.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      // prom-client exports these as gauges named *_total, which `promtool check metrics` rejects
      // ("non-counter metrics should not have _total suffix"); they are Node internals nobody alerts on.
      for (const name of LINT_FAILING_DEFAULT_METRICS) this.registry.removeSingleMetric(name);
    }

    const registers = [this.registry];
    // collect() runs with `this` bound to the metric; the exporter's state is reached through closures.
    const snapshot = (): ScrapeSnapshot => this.scrape ?? this.reader.read();
    const variants = (): string[] => [...new Set([...(this.campaign?.variants ?? []), ...snapshot().variants])].sort();

    new Counter({
      name: 'allocsoak_epochs_total',
      help: help('allocsoak_epochs_total'),
      labelNames: ['variant', 'outcome'] as const,
      registers,
      collect(this: Counter<'variant' | 'outcome'>) {
        const counts = snapshot().epochCounts;
        this.reset();
        for (const variant of variants()) {
          for (const outcome of COUNTED_OUTCOMES) this.inc({ variant, outcome }, counts.get(variant)?.get(outcome) ?? 0);
        }
      },
    });

    // The epoch fields' counters: each field summed over the variant's ended epochs.
    for (const c of EPOCH_COUNTERS) {
      new Counter({
        name: c.name,
        help: c.help,
        labelNames: ['variant'] as const,
        registers,
        collect(this: Counter<'variant'>) {
          const sums = snapshot().counterSums.get(c.field);
          this.reset();
          for (const variant of variants()) this.inc({ variant }, sums?.get(variant) ?? 0);
        },
      });
    }

    // Per-variant gauges from SQLite, absent for a variant without a value (a variant that has not
    // completed an epoch has no drift; 0 % or a 1970 timestamp would be a lie, and the rules handle absence).
    const variantGauge = (name: MetricName, values: (s: ScrapeSnapshot) => Iterable<readonly [string, number | null]>): void => {
      new Gauge({
        name,
        help: help(name),
        labelNames: ['variant'] as const,
        registers,
        collect(this: Gauge<'variant'>) {
          this.reset();
          const sorted = [...values(snapshot())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
          for (const [variant, value] of sorted) {
            if (value !== null && Number.isFinite(value)) this.set({ variant }, value);
          }
        },
      });
    };
    const last = (pick: (e: ScrapeSnapshot['lastCompleted'][number]) => number | null) => (s: ScrapeSnapshot) =>
      s.lastCompleted.map((e): [string, number | null] => [e.variant, pick(e)]);
    // The epoch fields' gauges: the value of the variant's latest completed epoch, scaled to its unit.
    for (const g of EPOCH_GAUGES) {
      variantGauge(
        g.name,
        last((e) => {
          const v = e.row[g.field];
          return typeof v === 'number' ? v * g.scale : null;
        }),
      );
    }
    variantGauge(
      'allocsoak_last_epoch_completed_timestamp_seconds',
      last((e) => e.ended_at_seconds),
    );
    variantGauge('allocsoak_last_epoch_started_timestamp_seconds', (s) => s.lastStarted);

    // Epoch lengths of the variants being run: the followed campaign's, else (e.g. no events yet) those of
    // the latest epochs of running campaigns in SQLite. A finished campaign's variants get none, so the
    // stall alert only ever uses the plan being run.
    const lengths = (): Map<string, { planned_seconds: number; warmup_seconds: number }> => {
      const out = new Map(snapshot().runningLengths);
      const c = this.campaign;
      if (c?.lengths) for (const v of c.variants) out.set(v, c.lengths);
      return out;
    };
    variantGauge('allocsoak_epoch_planned_seconds', () => [...lengths()].map(([v, l]) => [v, l.planned_seconds]));
    variantGauge('allocsoak_epoch_warmup_seconds', () => [...lengths()].map(([v, l]) => [v, l.warmup_seconds]));

    const state = this.state;
    new Gauge({
      name: 'allocsoak_daemon_state',
      help: help('allocsoak_daemon_state'),
      labelNames: ['state'] as const,
      registers,
      collect(this: Gauge<'state'>) {
        const now = state();
        for (const s of DAEMON_STATES) this.set({ state: s }, s === now ? 1 : 0);
      },
    });

    const storage = deps.storage ?? (() => ({ ok: true, errors_total: { full: 0, io: 0 } }));
    new Gauge({
      name: 'allocsoak_storage_failing',
      help: help('allocsoak_storage_failing'),
      registers,
      collect(this: Gauge) {
        this.set(storage().ok ? 0 : 1);
      },
    });
    new Counter({
      name: 'allocsoak_storage_errors_total',
      help: help('allocsoak_storage_errors_total'),
      labelNames: ['kind'] as const,
      registers,
      collect(this: Counter<'kind'>) {
        const errors = storage().errors_total;
        this.reset();
        for (const kind of STORAGE_FAULT_KINDS) this.inc({ kind }, errors[kind]);
      },
    });

    const verdicts = new VerdictCache(deps.store, deps.verdicts);
    new Gauge({
      name: VERDICT_METRIC.name,
      help: VERDICT_METRIC.help,
      labelNames: VERDICT_METRIC.labels,
      registers,
      async collect(this: Gauge<'baseline' | 'candidate'>) {
        const series = await verdicts.current();
        this.reset();
        for (const s of series) this.set({ baseline: s.baseline, candidate: s.candidate }, s.value);
      },
    });

    const liveGauge = (name: MetricName): Gauge<'variant'> =>
      new Gauge({ name, help: help(name), labelNames: ['variant'] as const, registers });
    this.liveRss = liveGauge('allocsoak_workload_rss_bytes');
    this.liveThroughput = liveGauge('allocsoak_workload_throughput_ops_per_second');
    this.liveElapsed = liveGauge('allocsoak_workload_elapsed_seconds');
  }

  /**
   * Follows a campaign controller (or any emitter of CampaignEvents). Listeners are cheap and never throw
   * into the campaign loop. Returns a function that stops following.
   */
  follow(emitter: EventEmitter<CampaignEvents>): () => void {
    const guard =
      <K extends keyof CampaignEvents>(event: K, fn: (...args: CampaignEvents[K]) => void) =>
      (...args: CampaignEvents[K]): void => {
        try {
          fn(...args);
        } catch (err) {
          this.onListenerError(err, event);
        }
      };
    const listeners = {
      'campaign-started': guard('campaign-started', (e) => this.campaignStarted(e.variants)),
      'epoch-started': guard('epoch-started', (e) => this.epochStarted(e.planned_ms, e.warmup_ms)),
      sample: guard('sample', (e) => this.observeSample(e.variant, e.sample)),
      'epoch-finished': guard('epoch-finished', (e) => this.epochEnded(e.variant)),
      'campaign-finished': guard('campaign-finished', () => this.campaignFinished()),
    };
    emitter.on('campaign-started', listeners['campaign-started']);
    emitter.on('epoch-started', listeners['epoch-started']);
    emitter.on('sample', listeners.sample);
    emitter.on('epoch-finished', listeners['epoch-finished']);
    emitter.on('campaign-finished', listeners['campaign-finished']);
    return () => {
      emitter.off('campaign-started', listeners['campaign-started']);
      emitter.off('epoch-started', listeners['epoch-started']);
      emitter.off('sample', listeners.sample);
      emitter.off('epoch-finished', listeners['epoch-finished']);
      emitter.off('campaign-finished', listeners['campaign-finished']);
    };
  }

  /** A campaign of these variants starts: they are exported (at 0) from now on. */
  campaignStarted(variants: readonly string[]): void {
    this.campaign = { variants: [...variants], lengths: null };
    this.clearLive();
  }

  /** An epoch starts (one child at a time: any previous child is gone). Lengths in ms, as planned. */
  epochStarted(plannedMs: number, warmupMs: number): void {
    if (this.campaign) this.campaign.lengths = { planned_seconds: plannedMs / 1000, warmup_seconds: warmupMs / 1000 };
    this.clearLive();
  }

  /** Every sample of the running child. */
  observeSample(variant: string, sample: LiveSample): void {
    if (this.liveVariant !== undefined && this.liveVariant !== variant) this.clearLive();
    this.liveVariant = variant;
    this.liveElapsed.set({ variant }, sample.t_ms / 1000);
    if (sample.rss_bytes !== null) this.liveRss.set({ variant }, sample.rss_bytes);
    if (sample.ops_per_sec !== null && Number.isFinite(sample.ops_per_sec)) {
      this.liveThroughput.set({ variant }, sample.ops_per_sec);
    }
  }

  /** The child of `variant` is gone, whatever the outcome: its live series disappear. */
  epochEnded(variant: string): void {
    if (this.liveVariant === variant) this.clearLive();
  }

  /** The campaign ended (completed, stopped, interrupted): no variant is being run any more. */
  campaignFinished(): void {
    this.campaign = null;
    this.clearLive();
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

  private clearLive(): void {
    const variant = this.liveVariant;
    if (variant === undefined) return;
    for (const g of [this.liveRss, this.liveThroughput, this.liveElapsed]) g.remove({ variant });
    this.liveVariant = undefined;
  }
}
