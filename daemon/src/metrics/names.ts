/**
 * The metric set of allocsoak's Prometheus exporter (GET /metrics): the single list that the exporter,
 * the Prometheus rules, the Grafana dashboards and their tests agree on. The overview dashboard shows every
 * metric but the few marked "addition": those are there for the alerts (documented in docs/observability.md).
 */

import type { ControllerStatus } from '../campaign/index.js';
import { EPOCH_COUNTERS, EPOCH_GAUGES } from '../domain/epoch-fields.js';
import { OUTCOMES, type Outcome } from '../domain/types.js';

export type MetricType = 'counter' | 'gauge';

/** Where a metric's value comes from. */
export type MetricSource =
  /** Computed from SQLite at scrape time: right again immediately after a daemon restart. */
  | 'sqlite'
  /** From the campaign being run (its plan's variants and epoch lengths). */
  | 'plan'
  /** The daemon's own state (the campaign controller's). */
  | 'daemon'
  /** Fed by the campaign loop's sample events while a child runs; absent while no child of the variant runs. */
  | 'live';

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  readonly source: MetricSource;
  readonly help: string;
  /** Exported for the alerts (RSS growing after the warm-up, a daemon that stalls); no dashboard needs to show it. */
  readonly addition?: true;
}

/** The epoch fields' own metrics (domain/epoch-fields.ts): counters summed over ended epochs, last-epoch gauges. */
const EPOCH_FIELD_METRICS: readonly MetricSpec[] = [
  ...EPOCH_COUNTERS.map((c) => ({ name: c.name, type: 'counter' as const, labels: ['variant'], source: 'sqlite' as const, help: c.help })),
  ...EPOCH_GAUGES.map((g) => ({ name: g.name, type: 'gauge' as const, labels: ['variant'], source: 'sqlite' as const, help: g.help })),
];

const OTHER_METRICS = [
  {
    name: 'allocsoak_epochs_total',
    type: 'counter',
    labels: ['variant', 'outcome'],
    source: 'sqlite',
    help: 'Epochs that ended, by variant and outcome (every ended outcome of every known variant is exported, from 0).',
  },
  {
    name: 'allocsoak_last_epoch_completed_timestamp_seconds',
    type: 'gauge',
    labels: ['variant'],
    source: 'sqlite',
    help: 'Unix time at which the latest completed epoch of the variant ended.',
  },
  {
    name: 'allocsoak_last_epoch_started_timestamp_seconds',
    type: 'gauge',
    labels: ['variant'],
    source: 'sqlite',
    help: 'Unix time at which the latest epoch of the variant started (any outcome, also the running one).',
    addition: true,
  },
  {
    name: 'allocsoak_daemon_state',
    type: 'gauge',
    labels: ['state'],
    source: 'daemon',
    help: 'What the daemon is doing: 1 for the current state (running: epochs back to back; waiting: between scheduled rounds; idle; stopping), 0 for the others.',
    addition: true,
  },
  {
    name: 'allocsoak_storage_failing',
    type: 'gauge',
    labels: [],
    source: 'daemon',
    help: '1 while the daemon cannot write its database (disk full or I/O error): the epoch in progress ended as failed and no epoch starts until a write succeeds again; 0 otherwise.',
    addition: true,
  },
  {
    name: 'allocsoak_storage_errors_total',
    type: 'counter',
    labels: ['kind'],
    source: 'daemon',
    help: 'Writes the database refused since the daemon started, by kind (full: disk, quota or SQLite page limit; io: an I/O error).',
    addition: true,
  },
  {
    name: 'allocsoak_epoch_planned_seconds',
    type: 'gauge',
    labels: ['variant'],
    source: 'plan',
    help: 'Planned epoch length of the variant, in seconds.',
    addition: true,
  },
  {
    name: 'allocsoak_epoch_warmup_seconds',
    type: 'gauge',
    labels: ['variant'],
    source: 'plan',
    help: 'Planned warm-up of each epoch of the variant, in seconds (excluded from the epoch statistics).',
    addition: true,
  },
  {
    name: 'allocsoak_workload_rss_bytes',
    type: 'gauge',
    labels: ['variant'],
    source: 'live',
    help: 'VmRSS of the running workload child, in bytes, at its latest sample.',
  },
  {
    name: 'allocsoak_workload_throughput_ops_per_second',
    type: 'gauge',
    labels: ['variant'],
    source: 'live',
    help: 'Throughput (ops/s) of the running workload child over its latest interval.',
  },
  {
    name: 'allocsoak_workload_elapsed_seconds',
    type: 'gauge',
    labels: ['variant'],
    source: 'live',
    help: 'Seconds since the running workload child started, at its latest sample.',
    addition: true,
  },
] as const satisfies readonly MetricSpec[];

export type MetricName =
  (typeof OTHER_METRICS)[number]['name'] | (typeof EPOCH_GAUGES)[number]['name'] | (typeof EPOCH_COUNTERS)[number]['name'];

export const METRICS: readonly MetricSpec[] = [...OTHER_METRICS, ...EPOCH_FIELD_METRICS];

/**
 * The verdict of each comparison of the latest campaign's plan, judged at scrape time. Not in METRICS:
 * its series exist only for plans with comparisons, while the dashboards' and the stack's tests expect
 * a sample of every METRICS entry from any plan.
 */
export const VERDICT_METRIC = {
  name: 'allocsoak_verdict',
  type: 'gauge',
  labels: ['baseline', 'candidate'],
  source: 'sqlite',
  help: 'Verdict of each plan comparison (latest campaign): 1 GO, 0 NEUTRAL or INSUFFICIENT, -1 NO-GO.',
} as const satisfies MetricSpec;

/** The campaign controller's states (CampaignController.status().state), each exported as a series. */
export type DaemonState = ControllerStatus['state'];
export const DAEMON_STATES = ['idle', 'running', 'waiting', 'stopping'] as const satisfies readonly DaemonState[];
// Compile-time check that the list names every state the controller can be in.
const everyState: Exclude<DaemonState, (typeof DAEMON_STATES)[number]> extends never ? true : never = true;
void everyState;

/** Outcomes counted by allocsoak_epochs_total: every outcome of an ended epoch (not `running`). */
export const COUNTED_OUTCOMES: readonly Exclude<Outcome, 'running'>[] = OUTCOMES.filter(
  (o): o is Exclude<Outcome, 'running'> => o !== 'running',
);
