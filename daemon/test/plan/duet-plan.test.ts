/** A duet plan: two variants, whose threads fit the CPUs allocsoak may use; clear errors otherwise. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPlan, PlanError, variantThreads } from '../../src/plan/index.js';

const variant = (name: string, args: string[] = []) => ({ name, allocator: 'glibc', args });

async function problems(raw: Record<string, unknown>, cpus: number[]): Promise<string[]> {
  try {
    await checkPlan(raw, 'plan.yaml', { cpus });
  } catch (err) {
    assert.ok(err instanceof PlanError, String(err));
    return err.message.split('\n');
  }
  return [];
}

test('mode: sequential by default; duet needs exactly two variants whose threads fit the CPUs', async () => {
  const two = [variant('a'), variant('b')];
  assert.equal((await checkPlan({ variants: two }, 'plan.yaml')).mode, 'sequential');
  assert.equal((await checkPlan({ mode: 'duet', variants: two }, 'plan.yaml', { cpus: [0, 1] })).mode, 'duet');
  assert.deepEqual(await problems({ mode: 'duo', variants: two }, [0, 1]), ['plan.yaml: mode: expected sequential or duet, got "duo"']);
  assert.deepEqual(await problems({ mode: 'duet', variants: [...two, variant('c')] }, [0, 1, 2]), [
    'plan.yaml: mode: expected a plan of exactly two variants for a duet (both run at the same time), got duet with 3 variants',
  ]);
  assert.deepEqual(await problems({ mode: 'duet', variants: [variant('a', ['--threads', '2']), variant('b')] }, [0, 1]), [
    'plan.yaml: mode: expected arms whose threads fit the 2 CPUs allocsoak may use (0,1), one CPU per thread, got duet of 2 + 1 threads; run it with mode: sequential, or give the variants fewer --threads',
  ]);
});

test("a variant's threads: random_mixed's last --threads, else 1", () => {
  assert.equal(variantThreads([]), 1);
  assert.equal(variantThreads(null), 1);
  assert.equal(variantThreads(['--ws', '100', '--threads', '3']), 3);
  assert.equal(variantThreads(['--threads', '3', '--threads=2']), 2);
});
