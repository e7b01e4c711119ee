/** A duet plan: comparisons whose arms' threads fit the CPUs allocsoak may use; the adaptive schedule; clear errors otherwise. */
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

test('mode: sequential by default; a duet runs comparisons whose arms fit the CPUs', async () => {
  const two = [variant('a'), variant('b')];
  const ab = [{ baseline: 'a', candidate: 'b', goal: 'speed' }];
  assert.equal((await checkPlan({ variants: two }, 'plan.yaml')).mode, 'sequential');
  assert.equal((await checkPlan({ mode: 'duet', variants: two, comparisons: ab }, 'plan.yaml', { cpus: [0, 1] })).mode, 'duet');
  assert.deepEqual(await problems({ mode: 'duo', variants: two }, [0, 1]), ['plan.yaml: mode: expected sequential or duet, got "duo"']);
  // Several comparisons: each round runs one of them.
  const three = [...two, variant('c')];
  const plan = await checkPlan(
    { mode: 'duet', variants: three, comparisons: [...ab, { baseline: 'a', candidate: 'c', goal: 'speed' }] },
    'plan.yaml',
    { cpus: [0, 1] },
  );
  assert.equal(plan.comparisons.length, 2);
  assert.deepEqual(await problems({ mode: 'duet', variants: two }, [0, 1]), [
    'plan.yaml: comparisons: expected at least one comparison (a duet runs the two arms of a comparison at once), got nothing',
  ]);
  assert.deepEqual(await problems({ mode: 'duet', variants: three, comparisons: ab }, [0, 1]), [
    'plan.yaml: variants[2].name: expected a variant of some comparison (a duet runs only the arms of its comparisons), got "c"',
  ]);
  assert.deepEqual(await problems({ mode: 'duet', variants: [variant('a', ['--threads', '2']), variant('b')], comparisons: ab }, [0, 1]), [
    'plan.yaml: comparisons[0]: expected arms whose threads fit the 2 CPUs allocsoak may use (0,1), one CPU per thread, got duet of a (2 threads) and b (1); run it with mode: sequential, or give the variants fewer --threads',
  ]);
});

test('schedule: adaptive, or a cron expression; adaptive needs comparisons', async () => {
  const two = [variant('a'), variant('b')];
  const ab = [{ baseline: 'a', candidate: 'b', goal: 'speed' }];
  assert.equal((await checkPlan({ schedule: 'adaptive', variants: two, comparisons: ab }, 'plan.yaml')).schedule, 'adaptive');
  assert.equal((await checkPlan({ schedule: '0 22 * * *', variants: two }, 'plan.yaml')).schedule, '0 22 * * *');
  assert.deepEqual(await problems({ schedule: 'adaptiv', variants: two, comparisons: ab }, [0, 1]), [
    'plan.yaml: schedule: expected "adaptive" or a cron expression such as "0 22 * * *", got "adaptiv"',
  ]);
  assert.deepEqual(await problems({ schedule: 'adaptive', variants: two, comparisons: [] }, [0, 1]), [
    'plan.yaml: comparisons: expected at least one comparison (the adaptive schedule gives rounds to comparisons), got []',
  ]);
});

test("a variant's threads: random_mixed's last --threads, else 1", () => {
  assert.equal(variantThreads([]), 1);
  assert.equal(variantThreads(null), 1);
  assert.equal(variantThreads(['--ws', '100', '--threads', '3']), 3);
  assert.equal(variantThreads(['--threads', '3', '--threads=2']), 2);
});
