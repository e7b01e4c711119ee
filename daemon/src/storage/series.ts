/**
 * Series history of a variant (epochs.series_sha256): which series it ran last in a campaign, since which
 * epoch that series runs, and where its series last changed and what changed there, as far as the stored
 * rows tell (the library's bytes, the allocator, env, arguments or command; else the workload program,
 * the one part of the series hash that no column records).
 */
import type { PlanVariant } from '../plan/index.js';
import type { Db } from './database.js';

export type SeriesChangePart = 'allocator library' | 'allocator' | 'env' | 'arguments' | 'command' | 'workload program';

export interface SeriesEpochRef {
  epoch_id: number;
  campaign_id: number;
  series_sha256: string;
  allocator_sha256: string | null;
}

export interface SeriesChange {
  /** The last epoch of the previous series, and the first of the new one. */
  from: SeriesEpochRef;
  to: SeriesEpochRef;
  /** What differs between the two epochs' recorded identities (never empty). */
  changed: SeriesChangePart[];
}

export interface VariantSeries {
  variant: string;
  /** The series the variant ran last in the campaign (null: no epoch, or epochs from before schema v6). */
  series_sha256: string | null;
  /** The first epoch of that series, in this campaign or an earlier one: verdicts count from there. */
  first: SeriesEpochRef | null;
  /** Epochs of that series up to this campaign (any outcome). */
  epochs: number;
  /** The last change of the variant's series up to this campaign, null when it never changed. */
  last_change: SeriesChange | null;
}

interface SeriesRefRow {
  id: number;
  campaign_id: number;
  series_sha256: string;
  allocator_sha256: string | null;
}

interface RefRow extends SeriesRefRow {
  allocator: string | null;
  config_json: string;
}

interface ChangeRow extends RefRow {
  prev_id: number;
  prev_campaign_id: number;
  prev_series: string;
  prev_allocator_sha256: string | null;
  prev_allocator: string | null;
  prev_config_json: string;
}

const ref = (r: SeriesRefRow): SeriesEpochRef => ({
  epoch_id: r.id,
  campaign_id: r.campaign_id,
  series_sha256: r.series_sha256,
  allocator_sha256: r.allocator_sha256,
});

function parseConfig(json: string): Partial<PlanVariant> {
  try {
    return JSON.parse(json) as Partial<PlanVariant>;
  } catch {
    return {};
  }
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Env as a sorted list of pairs: the order of keys in the plan is not part of the series. */
const sortedEnv = (env: Record<string, string> | undefined): Array<[string, string]> =>
  Object.entries(env ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** What differs between two epochs of a variant whose series differ. */
export function seriesChangeParts(
  before: { allocator_sha256: string | null; allocator: string | null; config: Partial<PlanVariant> },
  after: { allocator_sha256: string | null; allocator: string | null; config: Partial<PlanVariant> },
): SeriesChangePart[] {
  const parts: SeriesChangePart[] = [];
  if (before.allocator_sha256 !== after.allocator_sha256) parts.push('allocator library');
  if (before.allocator !== after.allocator) parts.push('allocator');
  if (!same(sortedEnv(before.config.env), sortedEnv(after.config.env))) parts.push('env');
  if (!same(before.config.args, after.config.args)) parts.push('arguments');
  if (!same(before.config.command, after.config.command)) parts.push('command');
  return parts.length > 0 ? parts : ['workload program'];
}

export class SeriesQueries {
  private readonly latestStmt;
  private readonly firstStmt;
  private readonly lastChangeStmt;
  private readonly countStmt;

  constructor(db: Db) {
    this.latestStmt = db.prepare<[string, number], { series: string | null }>(
      'SELECT series_sha256 AS series FROM epochs WHERE variant = ? AND campaign_id = ? ORDER BY id DESC LIMIT 1',
    );
    this.firstStmt = db.prepare<[string, string, number], SeriesRefRow>(
      `SELECT id, campaign_id, series_sha256, allocator_sha256 FROM epochs
       WHERE variant = ? AND series_sha256 = ? AND campaign_id <= ? ORDER BY id LIMIT 1`,
    );
    // The newest epoch (up to the campaign) whose series differs from the variant's epoch before it.
    this.lastChangeStmt = db.prepare<[string, number], ChangeRow>(
      `WITH seq AS (
         SELECT e.id, e.campaign_id, e.series_sha256, e.allocator_sha256, v.allocator, v.config_json,
                LAG(e.id) OVER w AS prev_id, LAG(e.campaign_id) OVER w AS prev_campaign_id,
                LAG(e.series_sha256) OVER w AS prev_series, LAG(e.allocator_sha256) OVER w AS prev_allocator_sha256,
                LAG(v.allocator) OVER w AS prev_allocator, LAG(v.config_json) OVER w AS prev_config_json
         FROM epochs e JOIN variants v ON v.id = e.variant_id
         WHERE e.variant = ? AND e.campaign_id <= ? AND e.series_sha256 IS NOT NULL
         WINDOW w AS (ORDER BY e.id)
       )
       SELECT * FROM seq WHERE prev_series IS NOT NULL AND prev_series <> series_sha256 ORDER BY id DESC LIMIT 1`,
    );
    this.countStmt = db.prepare<[string, string, number], { n: number }>(
      'SELECT COUNT(*) AS n FROM epochs WHERE variant = ? AND series_sha256 = ? AND campaign_id <= ?',
    );
  }

  /** `variant`'s series as of `campaignId` (see VariantSeries). */
  ofVariant(variant: string, campaignId: number): VariantSeries {
    const series = this.latestStmt.get(variant, campaignId)?.series ?? null;
    if (series === null) return { variant, series_sha256: null, first: null, epochs: 0, last_change: null };
    const first = this.firstStmt.get(variant, series, campaignId);
    const epochs = this.countStmt.get(variant, series, campaignId)?.n ?? 0;
    const c = this.lastChangeStmt.get(variant, campaignId);
    const last_change: SeriesChange | null =
      c === undefined
        ? null
        : {
            from: ref({
              id: c.prev_id,
              campaign_id: c.prev_campaign_id,
              series_sha256: c.prev_series,
              allocator_sha256: c.prev_allocator_sha256,
            }),
            to: ref(c),
            changed: seriesChangeParts(
              { allocator_sha256: c.prev_allocator_sha256, allocator: c.prev_allocator, config: parseConfig(c.prev_config_json) },
              { allocator_sha256: c.allocator_sha256, allocator: c.allocator, config: parseConfig(c.config_json) },
            ),
          };
    return { variant, series_sha256: series, first: first === undefined ? null : ref(first), epochs, last_change };
  }
}
