/**
 * The CPUs this process may run on (its affinity, as /proc/self/status lists it): duet epochs pin each arm
 * to CPUs of its own from this set, so a daemon started under `taskset` keeps its workloads inside it.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** "0-2,5" → [0, 1, 2, 5]; null when the text is not such a list. */
export function parseCpuList(text: string): number[] | null {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m === null) return null;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return null;
    for (let cpu = from; cpu <= to; cpu++) out.push(cpu);
  }
  return out;
}

/** The CPUs allowed to this process, ascending. Falls back to 0..n-1 where /proc says nothing. */
export function allowedCpus(): number[] {
  try {
    const m = /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    const cpus = m === null ? null : parseCpuList(m[1] as string);
    if (cpus !== null && cpus.length > 0) return cpus;
  } catch {
    // not Linux, or no /proc: fall through
  }
  return Array.from({ length: availableParallelism() }, (_, i) => i);
}
