/**
 * What the daemon does when its database cannot take a write (disk full, quota, SQLite's page limit, an I/O
 * error: storage/faults.ts). The epoch in progress stops and is stored as `failed` with the reason; when even
 * that cannot be stored, its end is kept in memory and written as soon as the database takes writes again.
 * No epoch starts meanwhile: the campaign loop waits here, probing every `retryMs`, and carries on at its
 * next slot when a probe succeeds. Completed epochs are never touched. The state is shown by
 * GET /api/v1/status (the page) and the allocsoak_storage_* metrics, and logged once when it starts and once
 * when it ends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log/index.js';
import {
  probeWritable,
  STORAGE_FAULT_KINDS,
  storageFault,
  StorageFaultError,
  type StorageFault,
  type StorageFaultKind,
} from '../storage/index.js';
import type { Store } from '../storage/index.js';

export interface StorageStatus {
  /** false while the database refuses writes (from the first fault until a probe succeeds). */
  ok: boolean;
  /** When the current failing period began (ISO), null while ok. */
  failing_since: string | null;
  /** The fault that began the latest failing period (kept after recovery; retries do not replace it), null if none. */
  last_error: { at: string; kind: StorageFaultKind; code: string; message: string; what: string } | null;
  /** When writes succeeded again after the latest failing period (ISO), null if none ended. */
  recovered_at: string | null;
  /** Writes refused in this process, by kind (the retries of a waiting daemon not counted). */
  errors_total: Record<StorageFaultKind, number>;
  /** Epochs that ended but whose end is not stored yet (kept in memory, written when writes succeed). */
  pending_epochs: number[];
}

export interface StorageHealthOptions {
  log: Logger;
  /** How often a waiting daemon tries to write again (default 10 s). */
  retryMs?: number;
  /** Free space (and a committed row of that size) a probe needs before epochs start again (default 1 MiB). */
  probeBytes?: number;
}

export class StorageHealth {
  private failingSince: string | null = null;
  private lastError: StorageStatus['last_error'] = null;
  private recoveredAt: string | null = null;
  private readonly errors: Record<StorageFaultKind, number> = { full: 0, io: 0 };
  /** Writes of ended epochs that failed, retried in order. */
  private readonly pending = new Map<number, () => void>();
  private readonly retryMs: number;
  private readonly probeBytes: number;

  constructor(private readonly opts: StorageHealthOptions) {
    this.retryMs = opts.retryMs ?? 10_000;
    this.probeBytes = opts.probeBytes ?? 2 ** 20;
  }

  get ok(): boolean {
    return this.failingSince === null;
  }

  /**
   * Classifies `err`: a storage fault is recorded (and logged when it starts a failing period) and returned;
   * anything else returns null, for the caller to rethrow.
   */
  record(err: unknown, what: string, context: Record<string, unknown> = {}): StorageFault | null {
    const fault = err instanceof StorageFaultError ? err.fault : storageFault(err);
    if (fault === null) return null;
    const at = new Date().toISOString();
    this.errors[fault.kind]++;
    if (this.failingSince === null) {
      this.failingSince = at;
      this.lastError = { at, kind: fault.kind, code: fault.code, message: fault.message, what };
      this.opts.log.error(
        { ...context, kind: fault.kind, code: fault.code, err: fault.message, what },
        `the database cannot be written (${fault.kind === 'full' ? 'disk full' : 'I/O error'}) ${what}: the epoch in progress ends as failed, ` +
          `no epoch starts until a write succeeds again (tried every ${this.retryMs / 1000} s)`,
      );
    }
    return fault;
  }

  /** An ended epoch whose end could not be stored: `write` is retried until it succeeds. */
  defer(epochId: number, write: () => void): void {
    this.pending.set(epochId, write);
  }

  /**
   * Waits until the database takes writes again: stores what was kept in memory, then probes. Resolves
   * true when writes succeed (logged), false when `signal` aborted the wait first.
   */
  async waitUntilWritable(store: Store, signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (this.tryRecover(store)) return true;
      if (signal.aborted) return false;
      try {
        await sleep(this.retryMs, undefined, { signal });
      } catch {
        return false;
      }
    }
  }

  /** One attempt: the pending writes, then the probe. True when everything succeeded. */
  tryRecover(store: Store): boolean {
    try {
      for (const [epochId, write] of this.pending) {
        write();
        this.pending.delete(epochId);
        this.opts.log.info({ epoch: epochId }, 'the end of the epoch kept in memory is stored');
      }
      probeWritable(store.db, this.probeBytes);
    } catch (err) {
      // Still refused: a retry, not news (the fault that began the period stays the one reported).
      if (!(err instanceof StorageFaultError) && storageFault(err) === null) throw err;
      return false;
    }
    if (this.failingSince !== null) {
      const seconds = (Date.now() - Date.parse(this.failingSince)) / 1000;
      this.recoveredAt = new Date().toISOString();
      this.failingSince = null;
      this.opts.log.info({ failed_for_s: Math.round(seconds) }, 'the database takes writes again: epochs resume');
    }
    return true;
  }

  /** The epochs still kept in memory (a daemon stopping while the disk is full logs them). */
  pendingEpochs(): number[] {
    return [...this.pending.keys()];
  }

  status(): StorageStatus {
    return {
      ok: this.ok,
      failing_since: this.failingSince,
      last_error: this.lastError,
      recovered_at: this.recoveredAt,
      errors_total: Object.fromEntries(STORAGE_FAULT_KINDS.map((k) => [k, this.errors[k]])) as Record<StorageFaultKind, number>,
      pending_epochs: this.pendingEpochs(),
    };
  }
}
