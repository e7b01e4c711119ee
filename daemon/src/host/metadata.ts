/**
 * What machine an epoch ran on: recorded per epoch so that results from different kernels, CPUs or
 * transparent-hugepage settings are never compared unknowingly. Field names = columns of `hosts`.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { HostInfo } from '../domain/types.js';

export type { HostInfo };

export interface LoadAverage {
  load_avg_1m: number;
  load_avg_5m: number;
  load_avg_15m: number;
}

export const THP_ENABLED_PATH = '/sys/kernel/mm/transparent_hugepage/enabled';

/** The bracketed word of a sysfs choice file: "always [madvise] never" → "madvise". */
export function parseBracketedChoice(text: string): string | null {
  const m = /\[([^\]]+)\]/.exec(text);
  return m ? (m[1] as string) : null;
}

/** The CPU model from /proc/cpuinfo text ("model name" on x86, "Model"/"CPU part" elsewhere). */
export function parseCpuModel(cpuinfo: string): string | null {
  for (const key of ['model name', 'Model', 'cpu model', 'Hardware']) {
    const m = new RegExp(`^${key}\\s*:\\s*(.+)$`, 'm').exec(cpuinfo);
    if (m && (m[1] as string).trim() !== '') return (m[1] as string).trim();
  }
  return null;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

export function readHostInfo(): HostInfo {
  const cpus = os.cpus();
  const cpuModel = parseCpuModel(readOr('/proc/cpuinfo', '')) ?? cpus[0]?.model ?? 'unknown';
  return {
    hostname: os.hostname(),
    kernel: os.release(),
    cpu_model: cpuModel,
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    thp: parseBracketedChoice(readOr(THP_ENABLED_PATH, '')) ?? 'unknown',
  };
}

export function readLoadAverage(): LoadAverage {
  const [one, five, fifteen] = os.loadavg();
  return { load_avg_1m: one ?? 0, load_avg_5m: five ?? 0, load_avg_15m: fifteen ?? 0 };
}
