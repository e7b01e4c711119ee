import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/env.js';
import { makeRepo } from './fixture.js';

test('allocsoak bisect: every bad input exits 2 with one line naming the option, and leaves no database behind', async () => {
  const { dir, cleanup } = tempDir('bisect-args');
  try {
    const repo = join(dir, 'repo');
    const shas = makeRepo(repo, [
      { message: 'one', files: { f: '1' } },
      { message: 'two', files: { f: '2' } },
    ]);
    const db = join(dir, 'sub', 'b.db');
    const badPlan = join(dir, 'bad.yaml');
    writeFileSync(badPlan, 'epoch: 1s\nwarmpu: 1s\nvariants:\n  - { name: a, allocator: glibc }\n');
    const badArgs = join(dir, 'args.yaml');
    writeFileSync(badArgs, 'epoch: 1s\nwarmup: 300ms\nvariants:\n  - { name: a, allocator: glibc, args: ["--ws", "-4"] }\n');
    const base = (over: Record<string, string | null>): string[] => {
      const o: Record<string, string | null> = {
        repo,
        good: 'HEAD~1',
        bad: 'HEAD',
        build: 'true',
        library: 'out/lib.so',
        goal: 'speed',
        db,
        ...over,
      };
      return Object.entries(o).flatMap(([k, v]) => (v === null ? [] : [`--${k}`, v]));
    };
    const cases: Array<[string[], RegExp]> = [
      [base({ repo: null }), /^allocsoak bisect: option --repo DIR is required \(unless --resume\)$/],
      [base({ repo: dir }), /^allocsoak bisect: option --repo expects a git repository, got ".*" \(not a git work tree\)$/],
      [base({ good: 'nope' }), /^allocsoak bisect: option --good expects a revision of .*repo, got "nope" \(it names no commit there\)$/],
      [base({ bad: 'v9' }), /^allocsoak bisect: option --bad expects a revision of .*repo, got "v9" \(it names no commit there\)$/],
      [
        base({ good: 'HEAD', bad: 'HEAD~1' }),
        new RegExp(
          `^allocsoak bisect: option --good expects an ancestor of --bad, got "HEAD" \\(${shas[1]?.slice(0, 10)} is not an ancestor of ${shas[0]?.slice(0, 10)}\\)$`,
        ),
      ],
      [
        base({ good: 'HEAD', bad: shas[1] as string }),
        /^allocsoak bisect: option --bad expects a later commit than --good, got "[0-9a-f]{40}" \(the same commit [0-9a-f]{10}\)$/,
      ],
      [
        base({ library: '/usr/lib/libc.so' }),
        /^allocsoak bisect: option --library expects .* got "\/usr\/lib\/libc.so" \(an absolute path \(it must be relative to the work tree\)\)$/,
      ],
      [base({ library: '../x.so' }), /^allocsoak bisect: option --library expects .* \(a path that leaves the work tree\)$/],
      [base({ goal: 'fast' }), /^allocsoak bisect: option --goal expects one of speed, memory, got "fast"$/],
      [[...base({}), '--max-rounds', '0'], /^allocsoak bisect: option --max-rounds expects a positive integer, got "0"$/],
      [
        [...base({}), '--build-timeout', 'soon'],
        /^allocsoak bisect: option --build-timeout expects a duration such as 90s or 10m, got "soon"$/,
      ],
      [
        [...base({}), '--resume'],
        /^allocsoak bisect: option --resume takes the run's own settings; drop --repo, --good, --bad, --build, --library, --goal$/,
      ],
      [['--db', db, '--resume'], /^allocsoak bisect: option --resume finds no interrupted run in .*b\.db$/],
      [
        ['--db', db, '--resume', '3'],
        /^allocsoak bisect: option --resume expects the id of a bisect run in .*b\.db, got 3 \(no such run\)$/,
      ],
      [['--db', db, '--resume', 'x'], /^allocsoak bisect: option --resume expects a positive integer, got "x"$/],
      [base({ db: null }), /^allocsoak bisect: option --db FILE is required$/],
    ];
    for (const [args, expected] of cases) {
      const r = await runCli(['bisect', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr.trim(), expected, args.join(' '));
      assert.equal(existsSync(join(dir, 'sub')), false, `${args.join(' ')}: nothing created`);
    }
    const plan = await runCli(['bisect', ...base({ plan: badPlan })]);
    assert.equal(plan.code, 2);
    assert.match(plan.stderr, /invalid plan:\n.*bad\.yaml: warmpu: expected one of the keys/);
    const args = await runCli(['bisect', ...base({ plan: badArgs })]);
    assert.equal(args.code, 2);
    assert.match(args.stderr, /invalid plan:\n.*args\.yaml: variants\[\d\]\.args: expected arguments random_mixed accepts .*--ws/);
    assert.equal(existsSync(join(dir, 'sub')), false);
    const help = await runCli(['bisect', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: allocsoak bisect --repo DIR --good REV --bad REV/);
    const main = await runCli(['--help']);
    assert.match(main.stdout, /^ {2}bisect {3}find the first commit/m);
  } finally {
    cleanup();
  }
});
