/**
 * Memory of a process, read from outside through /proc — once per protocol sample, two small reads.
 * LazyFree matters: pages freed with MADV_FREE stay in RSS until the kernel reclaims them, so RSS alone
 * misjudges an allocator that uses MADV_FREE. A process that has already gone yields null, not an error.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface ProcMemory {
  rss_bytes: number | null;
  hwm_bytes: number | null;
  rss_anon_bytes: number | null;
  pss_bytes: number | null;
  lazyfree_bytes: number | null;
}

/** Value of a "Key:   1234 kB" line in bytes, or null when the key is missing. */
export function kbField(text: string, key: string): number | null {
  let at = text.indexOf(`\n${key}:`);
  if (at === -1) {
    if (!text.startsWith(`${key}:`)) return null;
    at = 0;
  } else {
    at += 1;
  }
  const lineEnd = text.indexOf('\n', at);
  const line = text.slice(at + key.length + 1, lineEnd === -1 ? undefined : lineEnd);
  const m = /^\s*(\d+)\s*kB/.exec(line);
  return m ? Number(m[1]) * 1024 : null;
}

export function parseStatus(text: string): Pick<ProcMemory, 'rss_bytes' | 'hwm_bytes' | 'rss_anon_bytes'> {
  return { rss_bytes: kbField(text, 'VmRSS'), hwm_bytes: kbField(text, 'VmHWM'), rss_anon_bytes: kbField(text, 'RssAnon') };
}

export function parseSmapsRollup(text: string): Pick<ProcMemory, 'pss_bytes' | 'lazyfree_bytes'> {
  return { pss_bytes: kbField(text, 'Pss'), lazyfree_bytes: kbField(text, 'LazyFree') };
}

function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null; // ENOENT / ESRCH: the process is gone; EACCES: not ours — either way, no reading
  }
}

/** Read the memory of `pid`; null when the process has vanished. */
export function readProcMemory(pid: number): ProcMemory | null {
  const status = readProc(`/proc/${pid}/status`);
  if (status === null) return null;
  const rollup = readProc(`/proc/${pid}/smaps_rollup`);
  const s = parseStatus(status);
  // A zombie (exited, not yet reaped) has a status file without Vm* lines: treat as vanished.
  if (s.rss_bytes === null) return null;
  const r = rollup === null ? { pss_bytes: null, lazyfree_bytes: null } : parseSmapsRollup(rollup);
  return { ...s, ...r };
}

/** Whether the peak (VmHWM) of a process was reset, and if not, why. */
export type HwmReset = { ok: true } | { ok: false; reason: string };

/**
 * Resets the process's peak resident set size (VmHWM) to its current RSS by writing "5" to
 * /proc/PID/clear_refs (Linux ≥ 4.0). Refused where the file is missing or not ours (EACCES, EPERM,
 * ENOENT): the caller then says which peak it used instead.
 */
export function resetPeak(pid: number): HwmReset {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return { ok: true };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, reason: `writing 5 to /proc/${pid}/clear_refs failed (${code})` };
  }
}
