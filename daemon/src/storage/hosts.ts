/** hosts: one row per distinct machine configuration. */
import type { HostInfo } from '../domain/types.js';
import type { Db } from './database.js';

export type { HostInfo };

export interface HostRow extends HostInfo {
  id: number;
}

export class HostStore {
  private readonly upsertStmt;
  private readonly getStmt;

  constructor(db: Db) {
    // The no-op update makes RETURNING give the id of an existing row too.
    this.upsertStmt = db.prepare<HostInfo, { id: number }>(
      `INSERT INTO hosts (hostname, kernel, cpu_model, cores, thp) VALUES (@hostname, @kernel, @cpu_model, @cores, @thp)
       ON CONFLICT (hostname, kernel, cpu_model, cores, thp) DO UPDATE SET hostname = excluded.hostname
       RETURNING id`,
    );
    this.getStmt = db.prepare<[number], HostRow>('SELECT id, hostname, kernel, cpu_model, cores, thp FROM hosts WHERE id = ?');
  }

  /** Returns the id of the row for this host configuration, inserting it if new. */
  upsert(host: HostInfo): number {
    const row = this.upsertStmt.get({
      hostname: host.hostname,
      kernel: host.kernel,
      cpu_model: host.cpu_model,
      cores: host.cores,
      thp: host.thp,
    });
    if (row === undefined) throw new Error('host upsert returned no id');
    return row.id;
  }

  get(id: number): HostRow | undefined {
    return this.getStmt.get(id);
  }
}
