import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  defaultLibraryDirs,
  nativePaths,
  PlanError,
  privilegedFeatures,
  resolveAllocator,
  resolvePlan,
  validatePlan,
} from '../../src/plan/index.js';
import { tempDir } from '../storage/helpers.js';

/** A fake package root and library directory made of real files. */
function fixture(libs: string[], withLeanmalloc: boolean): { root: string; libDir: string } {
  const root = tempDir('allocsoak-alloc-');
  const libDir = join(root, 'lib');
  mkdirSync(libDir);
  for (const lib of libs) writeFileSync(join(libDir, lib), '');
  mkdirSync(join(root, 'native', 'build'), { recursive: true });
  if (withLeanmalloc) writeFileSync(join(root, 'native', 'build', 'libleanmalloc.so'), '');
  return { root, libDir };
}

test('native programs are looked for in <package root>/native/build', () => {
  assert.deepEqual(nativePaths('/pkg'), {
    workload: '/pkg/native/build/random_mixed',
    launcher: '/pkg/native/build/soak-launch',
    leanmalloc: '/pkg/native/build/libleanmalloc.so',
  });
});

test('named allocators resolve to libraries in the searched directories; glibc needs none', () => {
  const { root, libDir } = fixture(['libmimalloc.so.2', 'libjemalloc.so.2', 'libtcmalloc_minimal.so.4'], true);
  const opts = { root, libraryDirs: ['/nonexistent', libDir] };
  assert.deepEqual(resolveAllocator('glibc', opts), { ok: true, library: null });
  assert.deepEqual(resolveAllocator(null, opts), { ok: true, library: null });
  assert.deepEqual(resolveAllocator('leanmalloc', opts), { ok: true, library: join(root, 'native', 'build', 'libleanmalloc.so') });
  assert.deepEqual(resolveAllocator('mimalloc', opts), { ok: true, library: join(libDir, 'libmimalloc.so.2') });
  assert.deepEqual(resolveAllocator('jemalloc', opts), { ok: true, library: join(libDir, 'libjemalloc.so.2') });
  assert.deepEqual(resolveAllocator('tcmalloc', opts), { ok: true, library: join(libDir, 'libtcmalloc_minimal.so.4') });
  assert.deepEqual(resolveAllocator(join(libDir, 'libmimalloc.so.2'), opts), { ok: true, library: join(libDir, 'libmimalloc.so.2') });
  assert.equal(resolveAllocator('/nonexistent/libx.so', opts).ok, false);
});

test('a missing library of a required variant is an error naming variant, library and Debian package', () => {
  const { root, libDir } = fixture([], false);
  const plan = validatePlan(
    {
      epoch: '4s',
      warmup: '1s',
      variants: [
        { name: 'g', allocator: 'glibc' },
        { name: 'mi', allocator: 'mimalloc' },
        { name: 'lm', allocator: 'leanmalloc' },
      ],
    },
    'plans/t.yaml',
  );
  let err: unknown;
  try {
    resolvePlan(plan, 'plans/t.yaml', { root, libraryDirs: [libDir] });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof PlanError);
  assert.deepEqual(err.message.split('\n'), [
    `plans/t.yaml: variants[1].allocator: expected libmimalloc.so.2 in ${libDir}, got nothing for variant "mi"; install the Debian package libmimalloc2.0 (apt-get install libmimalloc2.0), or mark the variant optional: true`,
    `plans/t.yaml: variants[2].allocator: expected leanmalloc's library at ${join(root, 'native', 'build', 'libleanmalloc.so')}, got nothing for variant "lm"; build it with \`make -C native\` (or \`npm run build\`), or mark the variant optional: true`,
  ]);
});

test('optional variants with a missing library are skipped with a warning; their comparisons and reference go too', () => {
  const { root, libDir } = fixture(['libjemalloc.so.2'], true);
  const plan = validatePlan({
    epoch: '4s',
    warmup: '1s',
    variants: [
      { name: 'speed', allocator: 'leanmalloc', args: ['--ws', '10'] },
      { name: 'mimalloc', allocator: 'mimalloc', optional: true },
      { name: 'jemalloc', allocator: 'jemalloc', optional: true },
      { name: 'bench', command: ['/bin/true', '-x'] },
    ],
    comparisons: [
      { baseline: 'speed', candidate: 'mimalloc', goal: 'speed' },
      { baseline: 'speed', candidate: 'jemalloc', goal: 'speed' },
    ],
    reference: 'mimalloc',
  });
  const r = resolvePlan(plan, 'api', { root, libraryDirs: [libDir] });
  assert.deepEqual(r.skipped, ['mimalloc']);
  assert.deepEqual(
    r.variants.map((v) => [v.name, v.library, v.argv]),
    [
      ['speed', join(root, 'native', 'build', 'libleanmalloc.so'), [join(root, 'native', 'build', 'random_mixed'), '--ws', '10']],
      ['jemalloc', join(libDir, 'libjemalloc.so.2'), [join(root, 'native', 'build', 'random_mixed')]],
      ['bench', null, ['/bin/true', '-x']],
    ],
  );
  assert.deepEqual(
    r.plan.variants.map((v) => v.name),
    ['speed', 'jemalloc', 'bench'],
  );
  assert.deepEqual(
    r.plan.comparisons.map((c) => c.candidate),
    ['jemalloc'],
  );
  assert.equal(r.plan.reference, null);
  assert.equal(r.warnings.length, 3);
  assert.match(r.warnings[0] ?? '', /variant "mimalloc" skipped: .*libmimalloc\.so\.2.*install the Debian package libmimalloc2\.0/);
  assert.match(r.warnings[1] ?? '', /comparison speed → mimalloc dropped/);
  assert.match(r.warnings[2] ?? '', /reference "mimalloc" dropped/);
});

test('privileged features: commands, library paths and LD_* variables are listed', () => {
  const plan = validatePlan({
    variants: [
      { name: 'a', allocator: 'leanmalloc', env: { LEANMALLOC_PROFILE: 'lean' } },
      { name: 'b', command: ['/bin/x'], allocator: 'mimalloc' },
      { name: 'c', allocator: '/tmp/libevil.so', env: { LD_LIBRARY_PATH: '/tmp' } },
    ],
  });
  assert.deepEqual(privilegedFeatures(plan), ['variants[1].command', 'variants[2].allocator', 'variants[2].env.LD_LIBRARY_PATH']);
});

test("the default search path has the running architecture's multiarch directory and the usual ones, and finds the installed peers", () => {
  const dirs = defaultLibraryDirs();
  for (const d of ['/usr/lib64', '/usr/lib', '/usr/local/lib']) assert.ok(dirs.includes(d), d);
  if (process.arch === 'x64') assert.equal(dirs[0], '/usr/lib/x86_64-linux-gnu');
  // Whatever is installed here must resolve to a real file in one of those directories.
  for (const name of ['mimalloc', 'jemalloc', 'tcmalloc']) {
    const r = resolveAllocator(name);
    if (r.ok) assert.ok(r.library !== null && dirs.some((d) => r.library?.startsWith(`${d}/`)), `${name}: ${r.library}`);
    else assert.match(r.hint, /install the Debian package lib/);
  }
});
