/** Runs one benchmark program to its end and collects what it said: stdout JSON lines, the report lines
 * of a launcher on fd 3 (rusage-run or soak-launch), stderr and the exit. */
import { spawn } from 'node:child_process';

export interface ChildResult {
  stdout: Record<string, unknown>[];
  report: Record<string, unknown>[];
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the output broke the JSON-lines rule or the run timed out. */
  error: string | null;
}

function parseLines(text: string, where: string): { lines: Record<string, unknown>[]; error: string | null } {
  const lines: Record<string, unknown>[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    try {
      const v: unknown = JSON.parse(raw);
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        return { lines, error: `${where}: not a JSON object: ${raw.slice(0, 200)}` };
      lines.push(v as Record<string, unknown>);
    } catch {
      return { lines, error: `${where}: not JSON: ${raw.slice(0, 200)}` };
    }
  }
  return { lines, error: null };
}

/**
 * Starts `command args` with exactly `env` (plus PATH): nothing inherited from the caller's shell, so an
 * LD_PRELOAD or LEANMALLOC_* in the user's environment cannot silently change what is measured.
 * fd 3 is a pipe collected as report lines. The child is SIGKILLed after timeoutMs.
 */
export function runChild(command: string, args: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    });
    let out = '';
    let rep = '';
    let err = '';
    let timedOut = false;
    child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const fd3 = child.stdio[3];
    if (fd3 && 'on' in fd3) (fd3 as NodeJS.ReadableStream).on('data', (c: Buffer | string) => (rep += c.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ stdout: [], report: [], stderr: err, code: null, signal: null, error: `cannot start ${command}: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const o = parseLines(out, 'stdout');
      const r = parseLines(rep, 'report fd 3');
      let error = o.error ?? r.error;
      if (timedOut) error = `timed out after ${timeoutMs} ms`;
      else if (code !== 0) error = `exited with ${signal ?? `code ${code}`}: ${err.trim().slice(-400)}`;
      resolve({ stdout: o.lines, report: r.lines, stderr: err, code, signal, error });
    });
  });
}
