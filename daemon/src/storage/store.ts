/** The allocsoak store: one database connection and the table-group APIs built on it. */
import { BisectStore } from './bisects.js';
import { CampaignStore } from './campaigns.js';
import { DuetIntervalStore } from './duet-intervals.js';
import { openDatabase, type Db, type OpenOptions } from './database.js';
import { EpochStore } from './epochs.js';
import { HostStore } from './hosts.js';
import { MetricsQueries } from './metrics-queries.js';
import { migrate, type MigrationResult } from './migrate.js';
import { SampleRetention } from './retention.js';
import { SampleStore } from './samples.js';
import { SeriesQueries } from './series.js';
import { VariantStore } from './variants.js';

export class Store {
  readonly hosts: HostStore;
  readonly campaigns: CampaignStore;
  readonly variants: VariantStore;
  readonly epochs: EpochStore;
  readonly samples: SampleStore;
  readonly metrics: MetricsQueries;
  readonly duetIntervals: DuetIntervalStore;
  readonly series: SeriesQueries;
  readonly retention: SampleRetention;
  readonly bisects: BisectStore;

  /** `db` must already be migrated (see `openStore`); `migration` says what opening it applied. */
  constructor(
    readonly db: Db,
    readonly migration: MigrationResult | null = null,
  ) {
    this.hosts = new HostStore(db);
    this.campaigns = new CampaignStore(db);
    this.variants = new VariantStore(db);
    this.epochs = new EpochStore(db, (id) => this.hosts.get(id));
    this.samples = new SampleStore(db);
    this.metrics = new MetricsQueries(db);
    this.duetIntervals = new DuetIntervalStore(db);
    this.series = new SeriesQueries(db);
    this.retention = new SampleRetention(db);
    this.bisects = new BisectStore(db);
  }

  /**
   * `read` in one read transaction: every query it makes sees the same committed state (one WAL snapshot),
   * however much the daemon writes meanwhile. Within a transaction already open, part of that one.
   */
  snapshot<T>(read: () => T): T {
    return this.db.transaction(read)();
  }

  /**
   * Bytes each table and index takes in the file (SQLite's dbstat: pages in use, without free pages), by
   * name: what retention's disk figures are computed from.
   */
  tableBytes(): Map<string, number> {
    const rows = this.db.prepare<[], { name: string; bytes: number }>('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name').all();
    return new Map(rows.map((r) => [r.name, r.bytes]));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export interface OpenStoreOptions extends OpenOptions {
  /** Migrations directory (default `<package root>/migrations`). */
  migrationsDir?: string;
}

/** Opens the database file and applies pending migrations (`store.migration` says which). */
export function openStore(file: string, opts: OpenStoreOptions = {}): Store {
  const db = openDatabase(file, opts);
  try {
    return new Store(db, migrate(db, opts.migrationsDir));
  } catch (err) {
    db.close();
    throw err;
  }
}
