/** What verdict answers served by the daemon (REST, the reader) add to the service's own: `judged`. */
import assert from 'node:assert/strict';
import type { Judged } from '../../src/verdicts/index.js';

/**
 * The answer without `judged`, i.e. what the service (and the CLI) return; asserts that it was judged at the
 * current state of the store (`fresh`), as any answer is when nothing changed since it was asked for.
 */
export function freshJudgement<T extends object>(served: T): Omit<T, 'judged'> {
  const { judged, ...rest } = served as T & { judged?: Judged };
  assert.equal(judged?.fresh, true, `judged: ${JSON.stringify(judged)}`);
  return rest;
}
