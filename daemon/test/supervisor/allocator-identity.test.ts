/**
 * The allocator check on its own: start lines as random_mixed writes them, and a process described by a
 * stand-in probe (its mapped files and each library's symbols). Real processes: run-epoch.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAllocator, classifyLibrary, leanmallocMismatch, type IdentityProbe } from '../../src/supervisor/allocator-identity.js';

const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';
const LIBZ = '/lib/x86_64-linux-gnu/libz.so.1';
const LEAN = '/opt/allocsoak/native/build/libleanmalloc.so';
const MIMALLOC = '/usr/lib/x86_64-linux-gnu/libmimalloc.so.2';

const LEAN_KNOBS = {
  LEANMALLOC_PROFILE: 'lean',
  LEANMALLOC_LEAN: '1',
  LEANMALLOC_DECOMMIT: 'DONTNEED',
  LEANMALLOC_TARGET_MB: '10',
  LEANMALLOC_PURGE_DELAY_MS: '200',
  LEANMALLOC_STATS: '0',
};

function probe(maps: string[] | null, defines: Record<string, string[]> = {}): IdentityProbe {
  return {
    mappedFiles: () => maps,
    definedSymbols: (path) => {
      const s = defines[path];
      return s === undefined ? { ok: false, reason: `${path}: not an ELF file` } : { ok: true, symbols: new Set(s) };
    },
    sameFile: (a, b) => a === b,
  };
}

const glibcStart = { type: 'start', allocator: 'glibc', malloc_lib: LIBC, allocator_version: '2.36' };
const leanStart = (profile: string, knobs: Record<string, string>) => ({
  type: 'start',
  allocator: 'leanmalloc',
  malloc_lib: LEAN,
  allocator_profile: profile,
  allocator_knobs: knobs,
});

test('a library that is not an allocator: the plan names it, the workload reports glibc; both are named', () => {
  const c = checkAllocator({ allocator: LIBZ, library: LIBZ, env: {} }, glibcStart, 42, probe(null));
  assert.deepEqual(c, {
    done: true,
    identity: { allocator: 'glibc', library: LIBC, version: '2.36', profile: null, knobs: null, source: 'start line' },
    mismatch: `plan asks ${LIBZ}, the workload runs glibc's malloc (${LIBC})`,
  });
});

test('a named allocator the workload does not run', () => {
  const c = checkAllocator({ allocator: 'mimalloc', library: MIMALLOC, env: {} }, glibcStart, 42);
  assert.equal(c.done && c.mismatch, `plan asks mimalloc, the workload runs glibc's malloc (${LIBC})`);
  const unknown = checkAllocator({ allocator: 'jemalloc', library: null, env: {} }, { allocator: 'unknown', malloc_lib: '/x/libmy.so' }, 1);
  assert.equal(unknown.done && unknown.mismatch, 'plan asks jemalloc, the workload runs the malloc of /x/libmy.so');
});

test('the allocator the plan names, by name or by the same file', () => {
  for (const [expect, start] of [
    [{ allocator: 'glibc', library: null, env: {} }, glibcStart],
    [
      { allocator: 'mimalloc', library: MIMALLOC, env: {} },
      { allocator: 'mimalloc', malloc_lib: MIMALLOC, allocator_version: '2.0.9' },
    ],
    [
      { allocator: MIMALLOC, library: MIMALLOC, env: {} },
      { allocator: 'mimalloc', malloc_lib: MIMALLOC },
    ],
    [
      { allocator: '/x/libmine.so', library: '/x/libmine.so', env: {} },
      { allocator: 'unknown', malloc_lib: '/x/libmine.so' },
    ],
  ] as const) {
    const c = checkAllocator(expect, start, 7, probe(null));
    assert.ok(c.done && c.mismatch === null, JSON.stringify(c));
    assert.equal(c.done && c.identity?.library, start.malloc_lib);
  }
});

test('without an expectation the start line is recorded and nothing is checked', () => {
  const c = checkAllocator(null, glibcStart, null);
  assert.equal(c.done && c.identity?.allocator, 'glibc');
  assert.equal(c.done && c.mismatch, null);
  assert.deepEqual(checkAllocator(null, { type: 'start' }, null), { done: true, identity: null, mismatch: null });
});

test('leanmalloc: the profile and every knob the plan sets, as leanmalloc reads them', () => {
  const lean = { allocator: 'leanmalloc', library: LEAN };
  const ok = (env: Record<string, string>, profile: string, knobs: Record<string, string>): void => {
    const c = checkAllocator({ ...lean, env }, leanStart(profile, knobs), 1);
    assert.ok(c.done && c.mismatch === null, JSON.stringify(c));
    assert.deepEqual(c.done && c.identity?.knobs, knobs);
  };
  ok({ LEANMALLOC_PROFILE: 'lean' }, 'lean', LEAN_KNOBS);
  ok({ LEANMALLOC_PROFILE: 'LEAN', LEANMALLOC_TARGET_MB: '010' }, 'lean', LEAN_KNOBS);
  ok({ LEANMALLOC_PROFILE: 'lean', LEANMALLOC_DECOMMIT: 'free' }, 'custom', { ...LEAN_KNOBS, LEANMALLOC_DECOMMIT: 'FREE' });
  ok({ LEANMALLOC_PROFILE: '' }, 'speed', { ...LEAN_KNOBS, LEANMALLOC_PROFILE: 'speed' });

  const bad = (env: Record<string, string>, profile: string, knobs: Record<string, string>): string | null => {
    const c = checkAllocator({ ...lean, env }, leanStart(profile, knobs), 1);
    assert.ok(c.done);
    return c.mismatch;
  };
  // leanmalloc refused the value (it warned on stderr) and runs speed
  assert.equal(
    bad({ LEANMALLOC_PROFILE: 'superfast' }, 'speed', { ...LEAN_KNOBS, LEANMALLOC_PROFILE: 'speed' }),
    'plan asks leanmalloc profile superfast, the workload runs leanmalloc profile speed',
  );
  // no profile asked: speed, leanmalloc's default
  assert.equal(bad({}, 'lean', LEAN_KNOBS), 'plan asks leanmalloc profile speed, the workload runs leanmalloc profile lean');
  assert.equal(
    bad({ LEANMALLOC_PROFILE: 'lean', LEANMALLOC_DECOMMIT: 'FREE' }, 'lean', LEAN_KNOBS),
    'plan asks LEANMALLOC_DECOMMIT=FREE, the workload runs leanmalloc with LEANMALLOC_DECOMMIT=DONTNEED',
  );
  assert.match(
    bad({ LEANMALLOC_PROFILE: 'lean', LEANMALLOC_DECOMIT: 'FREE' }, 'lean', LEAN_KNOBS) ?? '',
    /^plan sets LEANMALLOC_DECOMIT=FREE, which the workload's leanmalloc does not read \(it reads LEANMALLOC_PROFILE, LEANMALLOC_LEAN, /,
  );
  // the plan sets no knob, yet one differs from the profile (the daemon's environment set it)
  assert.equal(
    bad({ LEANMALLOC_PROFILE: 'lean' }, 'custom', { ...LEAN_KNOBS, LEANMALLOC_TARGET_MB: '5' }),
    'plan asks leanmalloc profile lean, the workload runs leanmalloc profile custom (LEANMALLOC_PROFILE=lean, LEANMALLOC_LEAN=1, ' +
      'LEANMALLOC_DECOMMIT=DONTNEED, LEANMALLOC_TARGET_MB=5, LEANMALLOC_PURGE_DELAY_MS=200, LEANMALLOC_STATS=0)',
  );
});

test('a leanmalloc that reports its profile only (no knobs) is checked on the profile', () => {
  const mismatch = leanmallocMismatch(
    { LEANMALLOC_PROFILE: 'balanced' },
    { allocator: 'leanmalloc', library: LEAN, version: null, profile: 'speed', knobs: null, source: 'start line' },
  );
  assert.equal(mismatch, 'plan asks leanmalloc profile balanced, the workload runs leanmalloc profile speed');
});

test('a workload that reports nothing: the preloaded library must be mapped and define malloc', () => {
  const expectZ = { allocator: LIBZ, library: LIBZ, env: {} };
  const start = { type: 'start', workload: 'custom' };
  assert.deepEqual(checkAllocator(expectZ, start, null, probe([])), { done: false }, 'waits for the pid');

  const notAllocator = checkAllocator(expectZ, start, 9, probe(['/usr/bin/custom', LIBZ, LIBC], { [LIBZ]: ['deflate', 'inflate'] }));
  assert.equal(
    notAllocator.done && notAllocator.mismatch,
    `plan asks ${LIBZ}, the workload runs glibc's malloc (${LIBC}): ${LIBZ} is loaded but does not define malloc`,
  );
  assert.equal(notAllocator.done && notAllocator.identity?.allocator, 'glibc');
  assert.equal(notAllocator.done && notAllocator.identity?.source, 'maps');

  const notLoaded = checkAllocator(expectZ, start, 9, probe(['/usr/bin/static']));
  assert.match(
    (notLoaded.done && notLoaded.mismatch) || '',
    /^plan asks .*libz\.so\.1, the workload runs without it \(.* is not in \/proc\/9\/maps/,
  );

  const mi = checkAllocator(
    { allocator: 'mimalloc', library: MIMALLOC, env: {} },
    start,
    9,
    probe(['/usr/bin/custom', MIMALLOC, LIBC], { [MIMALLOC]: ['malloc', 'free', 'mi_malloc'] }),
  );
  assert.deepEqual(mi, {
    done: true,
    identity: { allocator: 'mimalloc', library: MIMALLOC, version: null, profile: null, knobs: null, source: 'maps' },
    mismatch: null,
  });

  // gone before its maps could be read, or a library whose symbols cannot be read: recorded as far as known, not failed
  assert.deepEqual(checkAllocator(expectZ, start, 9, probe(null)), { done: true, identity: null, mismatch: null });
  const unreadable = checkAllocator(expectZ, start, 9, probe([LIBZ, LIBC]));
  assert.equal(unreadable.done && unreadable.mismatch, null);
  // glibc: nothing preloaded, nothing to look for
  assert.deepEqual(checkAllocator({ allocator: 'glibc', library: null, env: {} }, start, 9, probe([])), {
    done: true,
    identity: null,
    mismatch: null,
  });
});

test('libraries are told apart by what they define, as the workload probe does', () => {
  assert.equal(classifyLibrary(new Set(['malloc', 'leanmalloc_get_stats'])), 'leanmalloc');
  assert.equal(classifyLibrary(new Set(['malloc', 'mi_malloc'])), 'mimalloc');
  assert.equal(classifyLibrary(new Set(['malloc', 'mallctl'])), 'jemalloc');
  assert.equal(classifyLibrary(new Set(['malloc', 'tc_malloc'])), 'tcmalloc');
  assert.equal(classifyLibrary(new Set(['malloc', 'gnu_get_libc_version'])), 'glibc');
  assert.equal(classifyLibrary(new Set(['malloc'])), 'unknown');
});
