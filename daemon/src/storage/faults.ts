/**
 * Storage faults: the database cannot take a write because the disk (or the file system, or a quota, or
 * SQLite's own page limit) is full, or the device failed to read or write. The daemon survives them: the epoch
 * in progress is stored as `failed` (or kept in memory until it can be), and it waits until `probeWritable`
 * succeeds before it starts the next epoch (campaign/storage-health.ts).
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Db } from './database.js';

export type StorageFaultKind = 'full' | 'io';
export const STORAGE_FAULT_KINDS: readonly StorageFaultKind[] = ['full', 'io'];

export interface StorageFault {
  kind: StorageFaultKind;
  /** SQLite's extended code (SQLITE_FULL, SQLITE_IOERR_WRITE, ...) or the system's (ENOSPC, EIO, ...). */
  code: string;
  /** What went wrong, in words, with the code. */
  message: string;
}

const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT', 'EFBIG']);
const IO_CODES = new Set(['EIO']);

/** The storage fault an error is, or null when it is something else (a bug, a constraint, a busy lock...). */
export function storageFault(err: unknown): StorageFault | null {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const text = typeof e?.message === 'string' ? e.message : String(err);
  if (FULL_CODES.has(code)) return { kind: 'full', code, message: `${text} (${code})` };
  if (code.startsWith('SQLITE_IOERR') || IO_CODES.has(code)) return { kind: 'io', code, message: `${text} (${code})` };
  return null;
}

/** A storage fault, thrown where a caller must tell it from every other error (campaign/storage-health.ts). */
export class StorageFaultError extends Error {
  constructor(
    readonly fault: StorageFault,
    options?: ErrorOptions,
  ) {
    super(fault.message, options);
    this.name = 'StorageFaultError';
  }
}

/**
 * Whether the database takes a write of `bytes` again: the file system holds at least that much free space,
 * and a row of that size can be committed (and is then deleted) — the same path every sample takes, so
 * SQLite's own limits (max_page_count) count too. Throws StorageFaultError when it cannot.
 */
export function probeWritable(db: Db, bytes: number): void {
  if (db.name !== ':memory:') {
    let free: number;
    try {
      const fs = statfsSync(dirname(db.name));
      free = fs.bavail * fs.bsize;
    } catch {
      free = Infinity; // no statfs here: the commit below decides
    }
    if (free < bytes) {
      throw new StorageFaultError({
        kind: 'full',
        code: 'ENOSPC',
        message: `${free} bytes free on the file system of ${db.name}, less than the ${bytes} the daemon waits for (ENOSPC)`,
      });
    }
  }
  try {
    const id = Number(db.prepare('INSERT INTO storage_probe (payload) VALUES (zeroblob(?))').run(bytes).lastInsertRowid);
    db.prepare('DELETE FROM storage_probe WHERE id = ?').run(id);
  } catch (err) {
    const fault = storageFault(err);
    if (fault === null) throw err;
    // A row committed before the delete failed is removed by the next probe that succeeds.
    throw new StorageFaultError(fault, { cause: err });
  } finally {
    try {
      db.prepare('DELETE FROM storage_probe').run();
    } catch {
      /* still full: the next probe tries again */
    }
  }
}
