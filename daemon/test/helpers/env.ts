/** Temp dirs, quiet loggers, plans built from objects — the pieces every daemon test needs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log/index.js';
import { resolvePlan, validatePlan, type ResolvedPlan } from '../../src/plan/index.js';

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `allocsoak-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A logger whose JSON lines are kept in memory (tests can look at them). */
export function memoryLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger({ destination: stream, pretty: false, level: 'debug' }), lines };
}

/** Validate and resolve a plan given as a plain object (as YAML would give it). */
export function planFrom(raw: Record<string, unknown>): ResolvedPlan {
  return resolvePlan(validatePlan(raw, 'test'), 'test');
}
