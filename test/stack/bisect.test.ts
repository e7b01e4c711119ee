/**
 * `allocsoak bisect` end to end, on this machine: the built CLI, real git, a real compiler, real duet epochs
 * of random_mixed under each commit's build of a wrapper allocator (test/stack/bisect/wrap.c), a real
 * SQLite file. Each repository has ten commits; the culprit (if any) is the seventh.
 *
 * Each test prints how long its bisect took: the closing note quotes those times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../daemon/src/paths/index.js';
import { openStore } from '../../daemon/src/storage/index.js';
import { makeWrapperRepo, type WrapperRepo, type WrapperRepoKind } from './bisect/wrapper-repo.js';

const MAIN = join(packageRoot(), 'dist', 'daemon', 'src', 'cli', 'main.js');

// The workload every step runs (bisect makes each step a duet of the good build and the step's, adaptive).
// Short duet rounds: 3-s epochs sampled every 250 ms after a 500-ms warm-up. The plan's comparison sets the
// criteria, key by key over bisect's own: with the culprit at about −4.3 %, a 2 % margin each way separates
// it from an unchanged commit at the first look (7 pairs). Bisect's default 1 % margin settles an unchanged
// commit too, but took 39 pairs on a busy CI machine: six minutes for this one test.
const SPEED_PLAN = `name: bisect-speed
epoch: 3s
warmup: 500ms
interval: 250ms
variants:
  - { name: wrap, allocator: glibc }
  - { name: other, allocator: glibc }
comparisons:
  - { baseline: wrap, candidate: other, goal: speed, criteria: { slowdown_tolerance_pct: 2, speedup_min_pct: 2 } }
`;

// The comment-only range runs under bisect's own criteria (a 1 % margin): no plan margin makes "no change"
// easier to reach than a user's first bisect would find it.
const COMMENT_PLAN = `name: bisect-comment
epoch: 3s
warmup: 500ms
interval: 250ms
variants:
  - { name: wrap, allocator: glibc }
`;

// Bursts of 32 MB every second: between them the good builds give the memory back (malloc_trim), the bad
// ones keep it. Held RSS (median RSS − LazyFree after warm-up) is what changes, not the peak.
const MEMORY_PLAN = `name: bisect-memory
epoch: 3s
warmup: 500ms
interval: 250ms
variants:
  - { name: wrap, allocator: glibc, args: ["--burst-mb", "32", "--burst-every-s", "1"] }
`;

interface Bisected {
  code: number | null;
  stdout: string;
  seconds: number;
  repo: WrapperRepo;
  /** The run as stored in the database. */
  run: { status: string; culprit: string | null; message: string | null; roles: string[]; outcomes: string[] };
}

/** Makes the repository, runs `allocsoak bisect` over all of it, reads the stored run, removes everything. */
async function bisect(kind: WrapperRepoKind, goal: 'speed' | 'memory', plan: string, maxRounds: number): Promise<Bisected> {
  const dir = mkdtempSync(join(tmpdir(), `allocsoak-bisect-${kind}-`));
  try {
    const repo = makeWrapperRepo(join(dir, 'repo'), kind);
    const planFile = join(dir, 'plan.yaml');
    writeFileSync(planFile, plan);
    const db = join(dir, 'bisect.db');
    const args = [
      ...['--repo', repo.dir, '--good', repo.good, '--bad', repo.bad, '--build', repo.buildCommand, '--library', repo.library],
      ...['--goal', goal, '--plan', planFile, '--db', db, '--max-rounds', String(maxRounds)],
    ];
    const started = Date.now();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const p = spawn(process.execPath, [MAIN, 'bisect', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('error', reject);
      p.on('exit', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    const seconds = (Date.now() - started) / 1000;
    // The time is for the closing note; the output is the evidence when an assertion fails.
    console.log(`# bisect of the ${kind} repository (goal ${goal}): exit ${code} after ${seconds.toFixed(1)} s`);
    for (const line of stdout.split('\n')) console.log(`#   ${line}`);
    if (stderr.trim() !== '') console.log(`# stderr: ${stderr.slice(-2000)}`);
    const store = openStore(db);
    try {
      const stored = store.bisects.list(1)[0];
      assert.ok(stored !== undefined, 'the bisect run is stored');
      const steps = store.bisects.steps(stored.id);
      const run = {
        status: stored.status,
        culprit: stored.culprit,
        message: stored.message,
        roles: steps.map((s) => s.role),
        outcomes: steps.map((s) => s.outcome),
      };
      return { code, stdout, seconds, repo, run };
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

test('a 5 % slowdown in the seventh of ten commits: bisect names that commit, with the evidence, and confirms its parent', async () => {
  const r = await bisect('speed', 'speed', SPEED_PLAN, 30);
  assert.equal(r.code, 0);
  assert.equal(r.run.status, 'found', `the run ended ${r.run.status}: ${r.run.message}`);
  assert.equal(r.run.culprit, r.repo.culprit);
  assert.match(r.stdout, new RegExp(`first bad commit[^\\n]*${(r.repo.culprit as string).slice(0, 10)}`, 'i'));
  assert.equal(r.run.roles[0], 'endpoint');
  assert.equal(r.run.outcomes[0], 'bad', 'the bad revision is shown bad first');
  assert.equal(r.run.roles.at(-1), 'confirm');
  assert.equal(r.run.outcomes.at(-1), 'good', "the culprit's parent re-tested is good");
});

test('ten commits that only change a comment (each build different in bytes): "no change found", no culprit', async () => {
  const r = await bisect('comment', 'speed', COMMENT_PLAN, 20);
  assert.equal(r.code, 0);
  assert.equal(r.run.status, 'no_change', `the run ended ${r.run.status}: ${r.run.message}`);
  assert.equal(r.run.culprit, null);
  assert.match(r.stdout, /no change found/i);
  assert.deepEqual(r.run.roles, ['endpoint'], 'only the bad end is judged');
  assert.notEqual(r.run.outcomes[0], 'bad');
});

test('a commit that stops giving freed memory back: found with goal memory', async () => {
  const r = await bisect('memory', 'memory', MEMORY_PLAN, 40);
  assert.equal(r.code, 0);
  assert.equal(r.run.status, 'found', `the run ended ${r.run.status}: ${r.run.message}`);
  assert.equal(r.run.culprit, r.repo.culprit);
  assert.equal(r.run.outcomes.at(-1), 'good', "the culprit's parent re-tested is good");
});
