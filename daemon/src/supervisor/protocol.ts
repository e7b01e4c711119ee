/**
 * The workload protocol (docs/protocol.md): stdout JSON lines — one `start` (`workload`, `pid`), then a
 * `sample` every interval (`t_ms`, cumulative `ops`, optional `counters`), then one `end`. Every way a
 * workload can break it becomes a reason string naming the field; the supervisor ends such an epoch as
 * `failed` with that reason.
 */

export interface StartMessage {
  type: 'start';
  /** The workload's name. */
  workload: string;
  /** The process that reports, which must be the one the daemon started and measures. */
  pid: number;
  /** Every field of the line, the optional and unknown ones included. */
  fields: Record<string, unknown>;
}
export interface SampleMessage {
  type: 'sample';
  t_ms: number;
  ops: number;
  counters: Record<string, number>;
  /** Optional: CPU time the workload has used so far (ms, same origin as t_ms). */
  cpu_ms: number | null;
}
export interface EndMessage {
  type: 'end';
  ops: number;
  elapsed_ms: number;
  counters: Record<string, number>;
  cpu_ms: number | null;
}
export type ProtocolMessage = StartMessage | SampleMessage | EndMessage;

export type ParseResult = { ok: true; message: ProtocolMessage } | { ok: false; reason: string };

const MAX_QUOTED = 120;
function quote(line: string): string {
  return JSON.stringify(line.length > MAX_QUOTED ? `${line.slice(0, MAX_QUOTED)}…` : line);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonNegative(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function parseCounters(v: unknown, where: string): { ok: true; counters: Record<string, number> } | { ok: false; reason: string } {
  if (v === undefined) return { ok: true, counters: {} };
  if (!isRecord(v)) return { ok: false, reason: `${where}: "counters" must be an object of numbers` };
  const counters: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'number' || !Number.isFinite(x)) return { ok: false, reason: `${where}: counter "${k}" must be a finite number` };
    counters[k] = x;
  }
  return { ok: true, counters };
}

/** The optional `cpu_ms` field: absent or null is null; anything else must be a non-negative number. */
function parseCpuMs(v: unknown, where: string, line: string): { ok: true; cpu_ms: number | null } | { ok: false; reason: string } {
  if (v === undefined || v === null) return { ok: true, cpu_ms: null };
  if (!nonNegative(v)) return { ok: false, reason: `${where}: "cpu_ms" must be a non-negative number when present: ${quote(line)}` };
  return { ok: true, cpu_ms: v };
}

/** What samples and the end line both carry besides their numbers: the counters and `cpu_ms`. */
function parseMeasures(
  v: Record<string, unknown>,
  where: string,
  line: string,
): { ok: true; counters: Record<string, number>; cpu_ms: number | null } | { ok: false; reason: string } {
  const c = parseCounters(v.counters, where);
  if (!c.ok) return c;
  const cpu = parseCpuMs(v.cpu_ms, where, line);
  if (!cpu.ok) return cpu;
  return { ok: true, counters: c.counters, cpu_ms: cpu.cpu_ms };
}

/** Parse one stdout line on its own (no ordering rules). */
export function parseProtocolLine(line: string): ParseResult {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { ok: false, reason: `not a JSON line: ${quote(line)}` };
  }
  if (!isRecord(v)) return { ok: false, reason: `not a JSON object: ${quote(line)}` };
  switch (v.type) {
    case 'start': {
      if (typeof v.workload !== 'string' || v.workload.trim() === '')
        return { ok: false, reason: `start: "workload" must be a non-empty string (the workload's name): ${quote(line)}` };
      if (typeof v.pid !== 'number' || !Number.isSafeInteger(v.pid) || v.pid <= 0)
        return { ok: false, reason: `start: "pid" must be the workload's process id (a positive integer): ${quote(line)}` };
      if (v.allocator !== undefined && typeof v.allocator !== 'string')
        return { ok: false, reason: `start: "allocator" must be a string when present: ${quote(line)}` };
      if (v.params !== undefined && !isRecord(v.params))
        return { ok: false, reason: `start: "params" must be an object when present: ${quote(line)}` };
      return { ok: true, message: { type: 'start', workload: v.workload, pid: v.pid, fields: v } };
    }
    case 'sample': {
      if (!nonNegative(v.t_ms)) return { ok: false, reason: `sample: "t_ms" must be a non-negative number: ${quote(line)}` };
      if (!nonNegative(v.ops)) return { ok: false, reason: `sample: "ops" must be a non-negative number: ${quote(line)}` };
      const m = parseMeasures(v, 'sample', line);
      if (!m.ok) return m;
      return { ok: true, message: { type: 'sample', t_ms: v.t_ms, ops: v.ops, counters: m.counters, cpu_ms: m.cpu_ms } };
    }
    case 'end': {
      if (!nonNegative(v.ops)) return { ok: false, reason: `end: "ops" must be a non-negative number: ${quote(line)}` };
      if (!nonNegative(v.elapsed_ms)) return { ok: false, reason: `end: "elapsed_ms" must be a non-negative number: ${quote(line)}` };
      const m = parseMeasures(v, 'end', line);
      if (!m.ok) return m;
      return { ok: true, message: { type: 'end', ops: v.ops, elapsed_ms: v.elapsed_ms, counters: m.counters, cpu_ms: m.cpu_ms } };
    }
    default:
      return { ok: false, reason: `unknown message type ${JSON.stringify(v.type)}: ${quote(line)}` };
  }
}

/**
 * The protocol's ordering rules (docs/protocol.md) on top of single-line parsing: start first and once,
 * samples whose t_ms and cumulative ops never decrease, one end, nothing after it.
 */
export class ProtocolValidator {
  private seenStart = false;
  private seenEnd = false;
  private lastT = -1;
  private lastOps = 0;
  samples = 0;

  accept(line: string): ParseResult {
    if (line.trim() === '') return { ok: false, reason: 'empty line' };
    const parsed = parseProtocolLine(line);
    if (!parsed.ok) return parsed;
    const m = parsed.message;
    if (this.seenEnd) return { ok: false, reason: `"${m.type}" after the end line` };
    switch (m.type) {
      case 'start':
        if (this.seenStart) return { ok: false, reason: 'a second start line' };
        this.seenStart = true;
        break;
      case 'sample':
        if (!this.seenStart) return { ok: false, reason: 'sample before the start line' };
        if (m.t_ms < this.lastT) return { ok: false, reason: `sample t_ms went backwards (${this.lastT} → ${m.t_ms})` };
        if (m.ops < this.lastOps) return { ok: false, reason: `cumulative ops went backwards (${this.lastOps} → ${m.ops})` };
        this.lastT = m.t_ms;
        this.lastOps = m.ops;
        this.samples++;
        break;
      case 'end':
        if (!this.seenStart) return { ok: false, reason: 'end before the start line' };
        if (m.ops < this.lastOps) return { ok: false, reason: `end ops ${m.ops} below the last sample's ${this.lastOps}` };
        this.seenEnd = true;
        break;
    }
    return parsed;
  }

  /** What is missing once the workload has exited normally; null when the conversation was complete. */
  missingAtExit(): string | null {
    if (!this.seenStart) return 'exited without printing the start line';
    if (this.samples === 0) return 'exited without printing any sample';
    if (!this.seenEnd) return 'exited without printing the end line';
    return null;
  }
}
