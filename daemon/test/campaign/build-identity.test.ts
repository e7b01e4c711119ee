/**
 * Build identity per epoch on real campaigns: a library in a git work tree records its commit and whether
 * the tree was dirty; the plan's build label wins over ALLOCSOAK_BUILD; a library outside any work tree
 * (or no library) records no commit. git is asked once per library build and campaign, not per epoch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CampaignController } from '../../src/campaign/index.js';
import { BuildIdentifier, buildLabelFromEnv, gitBuildOf } from '../../src/host/index.js';
import { openStore } from '../../src/storage/index.js';
import { LAUNCHER, LEANMALLOC } from '../helpers/native.js';
import { memoryLogger, planFrom, tempDir } from '../helpers/env.js';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.invalid',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.invalid',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: dir,
    },
  }).trim();
}

test('a campaign whose library lies in a git work tree records the commit and the dirty flag; the plan label wins over ALLOCSOAK_BUILD', async () => {
  const { dir, cleanup } = tempDir('build-identity');
  const repo = join(dir, 'repo');
  const outside = join(dir, 'outside');
  execFileSync('mkdir', ['-p', join(repo, 'lib'), outside]);
  git(repo, 'init', '-q');
  const library = join(repo, 'lib', 'libmine.so');
  copyFileSync(LEANMALLOC, library);
  writeFileSync(join(repo, 'README'), 'an allocator\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'first build');
  const head = git(repo, 'rev-parse', 'HEAD');
  const loose = join(outside, 'libloose.so');
  copyFileSync(LEANMALLOC, loose);

  const store = openStore(join(dir, 'b.db'));
  const saved = process.env['ALLOCSOAK_BUILD'];
  process.env['ALLOCSOAK_BUILD'] = 'nightly-42';
  try {
    const { log } = memoryLogger();
    const controller = new CampaignController({ store, launcher: LAUNCHER, log });
    const resolved = planFrom({
      name: 'builds',
      epoch: '500ms',
      warmup: '100ms',
      interval: '100ms',
      variants: [
        { name: 'mine', allocator: library, args: ['--ws', '100'], build: 'v1.0-rc1' },
        { name: 'loose', allocator: loose, args: ['--ws', '100'] },
        { name: 'glibc', allocator: 'glibc', args: ['--ws', '100'] },
      ],
    });
    const campaign = async (): Promise<number> => {
      const started = controller.start({ resolved, source: 'test', epochsPerVariant: 1 });
      assert.equal(await started.done, 'completed');
      return started.id;
    };
    const row = (c: number, variant: string) => {
      const r = store.epochs.listRows({ campaign: c, variant })[0];
      assert.ok(r, `${variant} ran in campaign ${c}`);
      return r;
    };

    const c1 = await campaign();
    assert.deepEqual(
      { label: row(c1, 'mine').build_label, commit: row(c1, 'mine').build_commit, dirty: row(c1, 'mine').build_dirty },
      { label: 'v1.0-rc1', commit: head, dirty: 0 },
      'the plan label, the commit of the work tree, clean',
    );
    assert.deepEqual(
      { label: row(c1, 'loose').build_label, commit: row(c1, 'loose').build_commit, dirty: row(c1, 'loose').build_dirty },
      { label: 'nightly-42', commit: null, dirty: null },
      'no plan label: ALLOCSOAK_BUILD; outside a work tree: no commit',
    );
    assert.deepEqual(
      { label: row(c1, 'glibc').build_label, commit: row(c1, 'glibc').build_commit, dirty: row(c1, 'glibc').build_dirty },
      { label: 'nightly-42', commit: null, dirty: null },
      'no library: no commit',
    );

    writeFileSync(join(repo, 'README'), 'an allocator, changed\n');
    const c2 = await campaign();
    assert.equal(row(c2, 'mine').build_commit, head);
    assert.equal(row(c2, 'mine').build_dirty, 1, 'a modified file makes the tree dirty');
    assert.equal(row(c2, 'mine').allocator_sha256, row(c1, 'mine').allocator_sha256, 'the same library bytes');
  } finally {
    if (saved === undefined) delete process.env['ALLOCSOAK_BUILD'];
    else process.env['ALLOCSOAK_BUILD'] = saved;
    store.close();
    cleanup();
  }
});

test('git is asked once per library path and sha256; a missing git or a non-repository gives null', async () => {
  const { dir, cleanup } = tempDir('build-cache');
  try {
    const lib = join(dir, 'libx.so');
    copyFileSync(LEANMALLOC, lib);
    const builds = new BuildIdentifier();
    assert.equal(await builds.gitBuild(lib, 'a'.repeat(64)), null);
    assert.equal(await builds.gitBuild(lib, 'a'.repeat(64)), null);
    assert.equal(builds.lookups, 1, 'the second epoch of the same build does not run git');
    await builds.gitBuild(lib, 'b'.repeat(64));
    assert.equal(builds.lookups, 2, 'a rebuilt library is looked up again');
    const savedPath = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      assert.equal(await gitBuildOf(LEANMALLOC), null, 'no git on the PATH: unknown');
    } finally {
      process.env['PATH'] = savedPath;
    }
    assert.equal(buildLabelFromEnv({ ALLOCSOAK_BUILD: '  r7  ' }), 'r7');
    assert.equal(buildLabelFromEnv({ ALLOCSOAK_BUILD: '' }), null);
    assert.equal(buildLabelFromEnv({}), null);
  } finally {
    cleanup();
  }
});
