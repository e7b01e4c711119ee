/** What the benchmark ran on: recorded with every result file and printed under the table. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  logicalCpus: number;
  kernel: string;
  /** /sys/kernel/mm/transparent_hugepage/enabled and defrag, selected value in brackets. */
  thpEnabled: string;
  thpDefrag: string;
  memTotalMiB: number;
  /** 1-minute load average when the run started and ended: the machine is shared, this says how busy. */
  loadAvgStart: number;
  loadAvgEnd: number | null;
  node: string;
}

function readTrim(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return 'unreadable';
  }
}

export function machineInfo(): MachineInfo {
  const cpuinfo = readTrim('/proc/cpuinfo');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    cpuModel: model.trim(),
    logicalCpus: os.cpus().length,
    kernel: `${os.type()} ${os.release()}`,
    thpEnabled: readTrim('/sys/kernel/mm/transparent_hugepage/enabled'),
    thpDefrag: readTrim('/sys/kernel/mm/transparent_hugepage/defrag'),
    memTotalMiB: Math.round(os.totalmem() / 1024 / 1024),
    loadAvgStart: os.loadavg()[0] ?? 0,
    loadAvgEnd: null,
    node: process.version,
  };
}

export function describeMachine(m: MachineInfo): string {
  return (
    `${m.cpuModel}, ${m.logicalCpus} logical CPUs, ${m.memTotalMiB} MiB, ${m.kernel}, ` +
    `THP enabled: ${m.thpEnabled}, defrag: ${m.thpDefrag}, load average ${m.loadAvgStart.toFixed(2)} at start` +
    (m.loadAvgEnd !== null ? `, ${m.loadAvgEnd.toFixed(2)} at end` : '')
  );
}
