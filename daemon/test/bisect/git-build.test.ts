import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BuildAborted,
  buildCommit,
  firstParent,
  isAncestor,
  libraryPathProblem,
  removeStaleWorktrees,
  listRange,
  repositoryRoot,
  resolveCommit,
} from '../../src/bisect/index.js';
import { sha256File } from '../../src/host/index.js';
import { tempDir } from '../helpers/env.js';
import { gitIn, LEANMALLOC_WITH_HASH_BUILD, makeRepo, worktreeList } from './fixture.js';

/** Temp worktree directories this process's builds left behind (none, ever). */
const leftovers = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('allocsoak-bisect-'));

test('git: revisions resolve to commits, the range lists good first and bad last, ancestry is checked', async () => {
  const { dir, cleanup } = tempDir('bisect-git');
  try {
    const repo = join(dir, 'repo');
    const shas = makeRepo(repo, [
      { message: 'one', files: { f: '1' } },
      { message: 'two', files: { f: '2' } },
      { message: 'three', files: { f: '3' } },
    ]);
    assert.equal(await repositoryRoot(join(repo)), repo);
    assert.equal(await repositoryRoot(dir), null, 'not a repository');
    assert.equal(await resolveCommit(repo, 'HEAD~2'), shas[0]);
    assert.equal(await resolveCommit(repo, (shas[1] as string).slice(0, 8)), shas[1]);
    assert.equal(await resolveCommit(repo, 'no-such-rev'), null);
    assert.equal(await resolveCommit(repo, '--all'), null, 'never an option');
    assert.equal(await isAncestor(repo, shas[0] as string, shas[2] as string), true);
    assert.equal(await isAncestor(repo, shas[2] as string, shas[0] as string), false);
    assert.deepEqual(await listRange(repo, shas[0] as string, shas[2] as string), [
      { commit: shas[0], subject: 'one' },
      { commit: shas[1], subject: 'two' },
      { commit: shas[2], subject: 'three' },
    ]);
    assert.equal(await firstParent(repo, shas[2] as string), shas[1]);
    assert.equal(await firstParent(repo, shas[0] as string), null);
  } finally {
    cleanup();
  }
});

test('libraryPathProblem: relative paths inside the work tree only', () => {
  assert.equal(libraryPathProblem('out/lib.so'), null);
  assert.equal(libraryPathProblem('./build/../out/lib.so'), null);
  assert.match(libraryPathProblem('/usr/lib/lib.so') ?? '', /absolute/);
  assert.match(libraryPathProblem('../lib.so') ?? '', /leaves the work tree/);
  assert.match(libraryPathProblem('out/../../lib.so') ?? '', /leaves the work tree/);
  assert.match(libraryPathProblem('out/') ?? '', /directory/);
  assert.match(libraryPathProblem('') ?? '', /empty/);
});

test('buildCommit: the library is cached per commit and hashed; failures are notes; the worktree is always removed', async () => {
  const { dir, cleanup } = tempDir('bisect-build');
  const before = new Set(leftovers());
  try {
    const repo = join(dir, 'repo');
    const shas = makeRepo(repo, [
      { message: 'one', files: { 'build.sh': 'echo building; echo oops >&2; exit 3\n' } },
      { message: 'two', files: { 'build.sh': 'echo fine\n' } },
    ]);
    const cacheDir = join(dir, 'cache');
    const ok = await buildCommit({ repo, commit: shas[1] as string, command: LEANMALLOC_WITH_HASH_BUILD, library: 'out/lib.so', cacheDir });
    assert.ok(ok.ok);
    assert.equal(ok.library, join(cacheDir, `${shas[1]}.so`));
    assert.equal(ok.sha256, await sha256File(ok.library));
    assert.ok(readFileSync(ok.library).toString('latin1').endsWith(`${shas[1]}\n`), 'built in a checkout of that commit');
    assert.deepEqual(worktreeList(repo), [repo]);

    const failed = await buildCommit({ repo, commit: shas[0] as string, command: 'sh build.sh', library: 'out/lib.so', cacheDir });
    assert.equal(failed.ok, false);
    assert.match(!failed.ok ? failed.note : '', /^the build failed \(exit code 3\)\nstderr: …oops$/);

    const nothing = await buildCommit({
      repo,
      commit: shas[1] as string,
      command: 'sh build.sh',
      library: 'out/lib.so',
      cacheDir: join(dir, 'c2'),
    });
    assert.match(!nothing.ok ? nothing.note : '', /^the build succeeded but produced no file out\/lib\.so\nstdout: …fine$/);
    assert.equal(existsSync(join(dir, 'c2')), false, 'nothing cached');

    const slow = await buildCommit({
      repo,
      commit: shas[1] as string,
      command: 'sleep 30',
      library: 'out/lib.so',
      cacheDir,
      timeoutMs: 300,
    });
    assert.match(!slow.ok ? slow.note : '', /^the build took longer than 0\.3 s \(--build-timeout\) and was stopped$/);
    assert.deepEqual(worktreeList(repo), [repo], 'no worktree left after failures');

    // Ctrl-C during a build: the build's process group is stopped, nothing is cached, the worktree goes.
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const t0 = Date.now();
    await assert.rejects(
      buildCommit({
        repo,
        commit: shas[1] as string,
        command: 'sleep 30 & sleep 30; wait',
        library: 'out/lib.so',
        cacheDir: join(dir, 'c3'),
        signal: abort.signal,
      }),
      BuildAborted,
    );
    assert.ok(Date.now() - t0 < 10_000, 'stopped promptly');
    assert.deepEqual(worktreeList(repo), [repo], 'no worktree left after an abort');
    assert.equal(existsSync(join(dir, 'c3')), false);
    assert.deepEqual(
      leftovers().filter((n) => !before.has(n)),
      [],
      'no temporary directory left',
    );
    assert.equal(gitIn(repo, 'status', '--porcelain'), '', 'the user work tree is untouched');
    assert.equal(existsSync(join(repo, 'out')), false);
  } finally {
    cleanup();
  }
});

test('removeStaleWorktrees: the worktree of a build whose process died (kill -9) goes, a live one stays', async () => {
  const { dir, cleanup } = tempDir('bisect-stale');
  const made: string[] = [];
  try {
    const repo = join(dir, 'repo');
    const [sha] = makeRepo(repo, [{ message: 'one', files: { f: '1' } }]);
    // A pid that no longer exists: a process that has exited.
    const dead = Number(execFileSync('sh', ['-c', 'sh -c "echo \\$\\$"'], { encoding: 'utf8' }).trim());
    const worktree = (owner: number): string => {
      const tmp = mkdtempSync(join(tmpdir(), 'allocsoak-bisect-'));
      made.push(tmp);
      writeFileSync(join(tmp, 'owner.pid'), `${owner}\n`);
      gitIn(repo, 'worktree', 'add', '--detach', '--quiet', join(tmp, 'tree'), sha as string);
      return join(tmp, 'tree');
    };
    const stale = worktree(dead);
    const live = worktree(process.pid);
    // git lists the linked worktrees in the order of its admin directories, not always in the order they were added.
    assert.deepEqual(worktreeList(repo).sort(), [repo, stale, live].sort());
    assert.deepEqual(await removeStaleWorktrees(repo), [stale]);
    assert.deepEqual(worktreeList(repo), [repo, live]);
    assert.equal(existsSync(stale), false);
  } finally {
    for (const tmp of made) rmSync(tmp, { recursive: true, force: true });
    cleanup();
  }
});
