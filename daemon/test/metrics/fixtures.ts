/** A real SQLite file with the project's schema, and a writer of epoch rows for the exporter tests. */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Outcome } from '../../src/domain/types.js';

const MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../migrations');

export function openTestDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  for (const f of readdirSync(MIGRATIONS).filter((x) => /^\d+_.*\.sql$/.test(x)).sort()) {
    db.exec(readFileSync(path.join(MIGRATIONS, f), 'utf8'));
  }
  return db;
}

export interface EpochFields {
  ended_at?: string | null;
  throughput_mean?: number | null;
  throughput_cv?: number | null;
  rss_drift_pct?: number | null;
  rss_peak_bytes?: number | null;
  syscalls_per_op?: number | null;
  lean_decommit?: number | null;
  lean_retire?: number | null;
}

/** Writes one campaign (running unless told) with the given variants, then epochs of it. */
export class EpochWriter {
  private readonly campaignId: number;
  private readonly variantIds = new Map<string, number>();
  private readonly rounds = new Map<string, number>();

  constructor(
    private readonly db: Database.Database,
    variants: readonly string[],
    private readonly lengths = { planned_ms: 3000, warmup_ms: 1000 },
    status: 'running' | 'completed' | 'stopped' | 'interrupted' = 'running',
  ) {
    const now = new Date().toISOString();
    this.campaignId = Number(
      db
        .prepare(
          "INSERT INTO campaigns (name, source, plan_json, status, started_at) VALUES ('test', 'test', '{}', ?, ?)",
        )
        .run(status, now).lastInsertRowid,
    );
    for (const name of variants) {
      const id = db
        .prepare("INSERT INTO variants (campaign_id, name, allocator, config_json) VALUES (?, ?, 'glibc', '{}')")
        .run(this.campaignId, name).lastInsertRowid;
      this.variantIds.set(name, Number(id));
    }
  }

  epoch(variant: string, outcome: Outcome, f: EpochFields): number {
    const variantId = this.variantIds.get(variant);
    if (variantId === undefined) throw new Error(`variant ${variant} not created`);
    const round = (this.rounds.get(variant) ?? 0) + 1;
    this.rounds.set(variant, round);
    const row = {
      campaign_id: this.campaignId,
      variant_id: variantId,
      variant,
      round,
      outcome,
      started_at: new Date().toISOString(),
      ended_at: f.ended_at === undefined ? new Date().toISOString() : f.ended_at,
      planned_ms: this.lengths.planned_ms,
      warmup_ms: this.lengths.warmup_ms,
      interval_ms: 500,
      throughput_mean: f.throughput_mean ?? null,
      throughput_cv: f.throughput_cv ?? null,
      rss_drift_pct: f.rss_drift_pct ?? null,
      rss_peak_bytes: f.rss_peak_bytes ?? null,
      syscalls_per_op: f.syscalls_per_op ?? null,
      lean_decommit: f.lean_decommit ?? null,
      lean_retire: f.lean_retire ?? null,
    };
    const cols = Object.keys(row);
    return Number(
      this.db
        .prepare(`INSERT INTO epochs (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`)
        .run(row).lastInsertRowid,
    );
  }
}
