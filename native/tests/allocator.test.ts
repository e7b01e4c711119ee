// leanmalloc's tests: runs the C test programs (native/tests/alloc_*.c) under every profile,
// checks lean-mode memory release, configuration errors, invalid pointers, and real programs
// under LD_PRELOAD. Everything runs as real child processes against the real native build.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LEANMALLOC_COUNTERS } from '../../daemon/src/domain/types.js';
import { PROFILES, RELEASE, assertOk, leanmallocSo, make, run, testBin as variantBin, type Profile } from './fixtures/leanmalloc.js';

const lib = leanmallocSo(RELEASE);
const testBin = (name: string): string => variantBin(RELEASE, name);

const profiles: Profile[] = [
  ...PROFILES,
  { name: 'lean+DECOMMIT=FREE', expectProfile: 'custom', env: { LEANMALLOC_PROFILE: 'lean', LEANMALLOC_DECOMMIT: 'FREE' } },
];

before(() => {
  make(RELEASE, ['all', 'tests']);
  assert.ok(existsSync(lib), `${lib} was not built`);
});

for (const p of profiles) {
  describe(`leanmalloc C tests, profile ${p.name}`, () => {
    test('API: every size, patterns, calloc zeroing, realloc grow/shrink, every alignment API', () => {
      const r = run(testBin('alloc_api'), [], p.env);
      assertOk(r, 'alloc_api');
      for (const part of ['sizes_and_patterns', 'calloc_zeroes', 'realloc_grow_shrink', 'alignment_apis']) {
        assert.match(r.stdout, new RegExp(`^ok ${part}$`, 'm'));
      }
      assert.match(r.stdout, new RegExp(`leanmalloc profile=${p.expectProfile.replace('+', '\\+')} `));
      assert.equal(r.stderr, '', 'no allocator messages on stderr');
    });

    test('same API test in a plain binary with LD_PRELOAD of libleanmalloc.so', () => {
      const r = run(testBin('plain_alloc_api'), [], { ...p.env, LD_PRELOAD: lib });
      assertOk(r, 'plain_alloc_api under LD_PRELOAD');
      assert.match(r.stdout, new RegExp(`leanmalloc profile=${p.expectProfile.replace('+', '\\+')} `));
    });

    test('threads: cross-thread frees with pattern checks, then thread churn returns memory', () => {
      const r = run(testBin('alloc_threads'), ['20000'], p.env);
      assertOk(r, 'alloc_threads');
      const m = /ok stress cross_thread_frees=(\d+)/.exec(r.stdout);
      assert.ok(m && Number(m[1]) > 5000, `cross-thread frees happened: ${r.stdout}`);
      assert.match(r.stdout, /^ok churn superslabs_mapped=\d+/m);
    });

    test('API edges: overflowing sizes fail with ENOMEM everywhere, realloc across every class boundary, calloc of reused memory', () => {
      const r = run(testBin('alloc_edges'), ['all'], p.env);
      assertOk(r, 'alloc_edges');
      for (const part of ['overflow', 'realloc_boundaries', 'calloc_reused', 'usable'])
        assert.match(r.stdout, new RegExp(`^ok ${part}\\b`, 'm'));
      assert.equal(r.stderr, '');
    });

    test('stress suite: thread churn, rounds with survivors, producer/consumer, every block checked', () => {
      const r = run(testBin('alloc_stress'), ['all', '2'], p.env);
      assertOk(r, 'alloc_stress all');
      for (const part of ['churn', 'rounds', 'pingpong']) assert.match(r.stdout, new RegExp(`^ok ${part} `, 'm'));
      assert.equal(r.stderr, '');
    });

    test('fork in a threaded process leaves a usable allocator in the child', () => {
      const r = run(testBin('alloc_fork'), [], p.env);
      assertOk(r, 'alloc_fork');
      assert.match(r.stdout, /^ok fork 10 children$/m);
    });

    // Blocks above 16 KiB: medium/large classes in spans, huge blocks in units (alloc_medium.c).
    const medium = (mode: string): string => {
      const r = run(testBin('alloc_medium'), [mode], p.env);
      assertOk(r, `alloc_medium ${mode}`);
      assert.match(r.stdout, new RegExp(`^allocator=leanmalloc profile=${p.expectProfile.replace('+', '\\+')}$`, 'm'));
      assert.equal(r.stderr, '', 'no allocator messages on stderr');
      return r.stdout;
    };

    // In the three profiles; the DECOMMIT=FREE variant of lean runs the same path (2 GB of page faults).
    if (p.name !== 'lean+DECOMMIT=FREE') {
      test('100,000 live 20 KB blocks: all allocated, intact, reused after free, in few mappings', () => {
        const m = /^ok many blocks=100000 new_maps=(\d+)$/m.exec(medium('many'));
        assert.ok(m, 'alloc_medium many reported');
      });
    }

    test('realloc to sizes near SIZE_MAX: NULL with ENOMEM, the block intact (also malloc, calloc, aligned APIs)', () => {
      assert.match(medium('realloc-overflow'), /^ok realloc-overflow$/m);
    });

    test('alignments of 4, 8 and 16 MiB through posix_memalign, aligned_alloc and memalign', () => {
      assert.match(medium('huge-align'), /^ok huge-align$/m);
    });

    test('realloc keeps contents across every class boundary from 16 KiB to huge; calloc of reused memory is zero', () => {
      assert.match(medium('realloc-classes'), /^ok realloc-classes boundaries=33$/m);
    });

    test('20 KB producer/consumer: cross-thread frees of medium blocks are reused', () => {
      assert.match(medium('xthread'), /^ok xthread blocks=200000$/m);
    });

    test("four threads allocate, resize and free each other's large and huge blocks, patterns intact", () => {
      assert.match(medium('huge-threads'), /^ok huge-threads$/m);
    });
  });
}

test('huge blocks under contention while the purger decommits and retires at once (lean, purge delay 0)', () => {
  const r = run(testBin('alloc_medium'), ['huge-threads'], { LEANMALLOC_PROFILE: 'lean', LEANMALLOC_PURGE_DELAY_MS: '0' });
  assertOk(r, 'alloc_medium huge-threads');
  assert.match(r.stdout, /^ok huge-threads$/m);
  assert.equal(r.stderr, '');
});

test("the API edge checks hold for glibc too: they test the contract, not leanmalloc's choices", () => {
  const r = run(testBin('plain_alloc_edges'), ['all']);
  assertOk(r, 'plain_alloc_edges under glibc');
  assert.match(r.stdout, /^ok usable$/m);
});

interface LeanResult {
  mode: string;
  profile: string;
  leanmalloc: boolean;
  base_kb: number;
  peak_kb: number;
  end_kb: number;
  fell_after_ms: number;
  lean_decommit: number;
  lean_retire: number;
  madvise_calls: number;
}

function runLean(p: Profile, mode: 'idle' | 'trickle', watchMs = 1500, sizes: [number, number] = [16, 1024]): LeanResult {
  const r = run(testBin('alloc_lean'), [mode, '64', String(watchMs), String(sizes[0]), String(sizes[1])], p.env);
  assertOk(r, `alloc_lean ${mode}`);
  return JSON.parse(r.stdout.trim()) as LeanResult;
}

describe('lean mode: a 64 MB burst of small objects is freed, then the program idles or trickles', () => {
  for (const p of profiles) {
    for (const mode of ['idle', 'trickle'] as const) {
      test(`${p.name}, ${mode}`, () => {
        const res = runLean(p, mode);
        const detail = JSON.stringify(res);
        assert.ok(res.leanmalloc, detail);
        assert.ok(res.peak_kb - res.base_kb > 64 * 1024, `the burst was resident: ${detail}`);
        if (p.name.startsWith('lean')) {
          assert.ok(res.lean_decommit > 0, `lean_decommit moved: ${detail}`);
          assert.ok(res.lean_retire > 0, `lean_retire moved: ${detail}`);
          // "falls back": within 8 MB of the pre-burst level, within the 1.5 s watch window
          assert.ok(res.fell_after_ms >= 0, `RSS minus LazyFree fell back within 1.5 s: ${detail}`);
          assert.ok(res.end_kb <= res.base_kb + 8 * 1024, `RSS stays down: ${detail}`);
        } else {
          assert.equal(res.lean_decommit, 0, detail);
          assert.equal(res.lean_retire, 0, detail);
          assert.equal(res.madvise_calls, 0, detail);
          // speed and balanced keep the memory for reuse: it is still resident
          assert.ok(res.end_kb > res.base_kb + 32 * 1024, `${p.name} keeps the freed burst cached: ${detail}`);
        }
      });
    }
  }
});

describe('lean mode: a 64 MB burst of medium, large or huge blocks is freed, then the program idles', () => {
  const bursts: Array<[string, [number, number]]> = [
    ['medium and large classes (16 KiB - 2 MiB)', [16385, 2 << 20]],
    ['huge blocks (2 - 20 MB)', [(2 << 20) + 1, 20_000_000]],
  ];
  for (const p of profiles) {
    for (const [what, sizes] of bursts) {
      test(`${p.name}, ${what}`, () => {
        // lean must give the memory back within a second; the others only have to keep it
        const res = runLean(p, 'idle', p.name.startsWith('lean') ? 1000 : 300, sizes);
        const detail = JSON.stringify(res);
        assert.ok(res.leanmalloc, detail);
        assert.ok(res.peak_kb - res.base_kb > 56 * 1024, `the burst was resident: ${detail}`);
        if (p.name.startsWith('lean')) {
          assert.ok(res.lean_decommit + res.lean_retire > 0, `lean_decommit or lean_retire moved: ${detail}`);
          // given back within the purge delay (200 ms) plus the purger's tick, well inside 1 s
          assert.ok(res.fell_after_ms >= 0 && res.fell_after_ms < 1000, `RSS minus LazyFree fell back: ${detail}`);
          assert.ok(res.end_kb <= res.base_kb + 8 * 1024, `RSS stays down: ${detail}`);
        } else {
          assert.equal(res.lean_decommit + res.lean_retire + res.madvise_calls, 0, detail);
          assert.ok(res.end_kb > res.base_kb + 32 * 1024, `${p.name} keeps the freed burst cached: ${detail}`);
        }
      });
    }
  }
});

interface ExitedResult {
  profile: string;
  leanmalloc: boolean;
  blocks: number;
  base_kb: number;
  peak_kb: number;
  after_kb: number;
  fell_to_10pct_ms: number;
  superslabs_mapped: number;
  lean_decommit: number;
  lean_retire: number;
}

describe('memory of exited threads: workers allocate 300 MB of small blocks and exit, main frees it all', () => {
  for (const p of profiles) {
    const lean = p.name.startsWith('lean');
    test(`${p.name}: ${lean ? 'RSS two seconds after the free is at most 10 % of the peak, no new thread needed' : 'every block intact'}`, () => {
      const r = run(testBin('alloc_exited'), ['300', lean ? '2000' : '300'], p.env);
      assertOk(r, 'alloc_exited');
      const res = JSON.parse(r.stdout.trim()) as ExitedResult;
      const detail = JSON.stringify(res);
      assert.ok(res.leanmalloc && res.blocks > 50_000, detail);
      assert.ok(res.peak_kb - res.base_kb > 250 * 1024, `the workers' blocks were resident: ${detail}`);
      if (lean) {
        assert.ok(res.after_kb * 10 <= res.peak_kb, `RSS minus LazyFree 2 s after the free <= 10 % of the peak: ${detail}`);
        assert.ok(res.lean_retire > 0 && res.lean_decommit > 0, `the purger retired and decommitted: ${detail}`);
      }
    });
  }
});

describe('configuration', () => {
  test('defaults to the speed profile, also when first entered from a constructor', () => {
    const r = run(testBin('alloc_config'), []);
    assertOk(r, 'alloc_config');
    assert.equal(r.stdout, 'profile=speed\n');
    assert.equal(r.stderr, '');
  });

  for (const name of ['speed', 'balanced', 'lean']) {
    test(`LEANMALLOC_PROFILE=${name} is honoured before main`, () => {
      const r = run(testBin('alloc_config'), [], { LEANMALLOC_PROFILE: name });
      assertOk(r, 'alloc_config');
      assert.equal(r.stdout, `profile=${name}\n`);
      assert.equal(r.stderr, '');
    });
  }

  test('an individual variable overriding the profile makes it custom', () => {
    const r = run(testBin('alloc_config'), [], { LEANMALLOC_PROFILE: 'speed', LEANMALLOC_DECOMMIT: 'DONTNEED' });
    assertOk(r, 'alloc_config');
    assert.equal(r.stdout, 'profile=custom\n');
  });

  const bad: Array<[Record<string, string>, string, string]> = [
    [
      { LEANMALLOC_PROFILE: 'fast' },
      "leanmalloc: invalid LEANMALLOC_PROFILE='fast' (expected speed, balanced or lean); using speed",
      'speed',
    ],
    [
      { LEANMALLOC_PROFILE: 'lean', LEANMALLOC_DECOMMIT: 'sometimes' },
      "leanmalloc: invalid LEANMALLOC_DECOMMIT='sometimes' (expected OFF, FREE or DONTNEED); using DONTNEED",
      'lean',
    ],
    [{ LEANMALLOC_LEAN: 'yes' }, "leanmalloc: invalid LEANMALLOC_LEAN='yes' (expected 0 or 1); using 0", 'speed'],
    [
      { LEANMALLOC_PROFILE: 'lean', LEANMALLOC_TARGET_MB: '-3' },
      "leanmalloc: invalid LEANMALLOC_TARGET_MB='-3' (expected a whole number of MB or unlimited); using 10",
      'lean',
    ],
    [
      { LEANMALLOC_PURGE_DELAY_MS: 'soon' },
      "leanmalloc: invalid LEANMALLOC_PURGE_DELAY_MS='soon' (expected 0..3600000 milliseconds); using 200",
      'speed',
    ],
    [{ LEANMALLOC_STATS: 'verbose' }, "leanmalloc: invalid LEANMALLOC_STATS='verbose' (expected 0 or 1); using 0", 'speed'],
  ];
  for (const [env, message, profile] of bad) {
    test(`bad value ${JSON.stringify(env)} gives one clear line and falls back`, () => {
      const r = run(testBin('alloc_config'), [], env);
      assertOk(r, 'alloc_config');
      assert.equal(r.stderr, `${message}\n`);
      assert.equal(r.stdout, `profile=${profile}\n`);
    });
  }

  test("LEANMALLOC_STATS=1 prints every counter at exit, the daemon's list in its order", () => {
    const r = run(testBin('alloc_config'), [], { LEANMALLOC_STATS: '1' });
    assertOk(r, 'alloc_config');
    const printed = [...r.stderr.matchAll(/^leanmalloc: (\w+)=\d+$/gm)].map((m) => m[1]);
    assert.deepEqual(printed, [...LEANMALLOC_COUNTERS]);
    assert.match(r.stderr, /^leanmalloc: superslabs_mapped=[1-9]\d*$/m);
  });
});

describe('counters through the allocator probe (what random_mixed reports)', () => {
  /** The one JSON line probe_counters prints: allocator fields and the counters object. */
  function probe(
    bin: string,
    env: Record<string, string> = {},
  ): { line: Record<string, unknown>; counters: Record<string, unknown>; stderr: string } {
    const r = run(testBin(bin), [], env);
    assertOk(r, bin);
    const line = JSON.parse(r.stdout) as Record<string, unknown>;
    return { line, counters: line['counters'] as Record<string, unknown>, stderr: r.stderr };
  }

  test("built against the library's header: every counter, by name, in order", () => {
    const { line, counters, stderr } = probe('probe_counters');
    assert.equal(line['allocator'], 'leanmalloc');
    assert.deepEqual(Object.keys(counters), [...LEANMALLOC_COUNTERS]);
    for (const v of Object.values(counters)) assert.ok(Number.isInteger(v), JSON.stringify(counters));
    assert.ok(Number(counters['superslabs_mapped']) >= 1, JSON.stringify(counters));
    assert.equal(stderr, '');
  });

  test('the same probe finds a preloaded libleanmalloc.so', () => {
    const { line, counters } = probe('plain_probe_counters', { LD_PRELOAD: lib });
    assert.equal(line['allocator'], 'leanmalloc');
    assert.deepEqual(Object.keys(counters), [...LEANMALLOC_COUNTERS]);
  });

  /** Every knob's documented value in each profile (README's knob table). */
  const knobs = (profile: string, over: Record<string, string> = {}): Record<string, string> => ({
    LEANMALLOC_PROFILE: profile,
    LEANMALLOC_LEAN: profile === 'speed' ? '0' : '1',
    LEANMALLOC_DECOMMIT: profile === 'lean' ? 'DONTNEED' : 'OFF',
    LEANMALLOC_TARGET_MB: profile === 'lean' ? '10' : 'unlimited',
    LEANMALLOC_PURGE_DELAY_MS: '200',
    LEANMALLOC_STATS: '0',
    ...over,
  });
  const configs: Array<[string, Record<string, string>, string, Record<string, string>]> = [
    ['no variable', {}, 'speed', knobs('speed')],
    ['balanced', { LEANMALLOC_PROFILE: 'balanced' }, 'balanced', knobs('balanced')],
    ['lean', { LEANMALLOC_PROFILE: 'LEAN' }, 'lean', knobs('lean')],
    [
      'lean with two overrides',
      { LEANMALLOC_PROFILE: 'lean', LEANMALLOC_DECOMMIT: 'free', LEANMALLOC_TARGET_MB: '007' },
      'custom',
      knobs('lean', { LEANMALLOC_DECOMMIT: 'FREE', LEANMALLOC_TARGET_MB: '7' }),
    ],
    ['an override equal to the profile', { LEANMALLOC_PROFILE: 'balanced', LEANMALLOC_LEAN: '1' }, 'balanced', knobs('balanced')],
    ['an invalid profile (speed is used)', { LEANMALLOC_PROFILE: 'superfast' }, 'speed', knobs('speed')],
    [
      'an invalid value (the profile value is used)',
      { LEANMALLOC_PROFILE: 'lean', LEANMALLOC_PURGE_DELAY_MS: 'soon', LEANMALLOC_STATS: '1' },
      'lean',
      knobs('lean', { LEANMALLOC_STATS: '1' }),
    ],
  ];
  for (const [what, env, profile, expected] of configs) {
    test(`the start line reports the knobs leanmalloc runs with: ${what}`, () => {
      const { line } = probe('probe_counters', env);
      assert.equal(line['allocator_profile'], profile);
      assert.deepEqual(line['allocator_knobs'], expected);
      assert.equal(line['allocator_version'], undefined, 'leanmalloc has no release version');
    });
  }

  test('the knobs of a preloaded libleanmalloc.so too', () => {
    const { line } = probe('plain_probe_counters', { LD_PRELOAD: lib, LEANMALLOC_PROFILE: 'balanced' });
    assert.deepEqual(line['allocator_knobs'], knobs('balanced'));
  });

  const skews: Array<[string, string, Record<string, string>, RegExp]> = [
    [
      'another LEANMALLOC_STATS_VERSION',
      'probe_counters_skew_version',
      {},
      /^alloc_probe: leanmalloc_get_stats has stats version \d+ \(\d+ bytes\), this program was built for version 9999 \(\d+ bytes\); leanmalloc counters are not reported$/m,
    ],
    [
      'a counter the library does not have',
      'probe_counters_skew_size',
      {},
      /^alloc_probe: leanmalloc_get_stats has stats version (\d+) \((\d+) bytes\), this program was built for version \1 \((?!\2 )\d+ bytes\); leanmalloc counters are not reported$/m,
    ],
    [
      'a library whose stats have no size and version',
      'plain_probe_counters',
      { LD_PRELOAD: testBin('libstats_v1.so') },
      /^alloc_probe: leanmalloc_get_stats does not state its stats layout/m,
    ],
  ];
  for (const [what, bin, env, message] of skews) {
    test(`a probe built against ${what} reports the mismatch and no counters`, () => {
      const { line, counters, stderr } = probe(bin, env);
      assert.equal(line['allocator'], 'leanmalloc');
      assert.deepEqual(counters, {}, 'no counter read from a layout the probe does not know');
      assert.match(stderr, message);
      assert.equal(stderr.trim().split('\n').length, 1, `one line: ${stderr}`);
    });
  }
});

describe('invalid pointers: one clear message, then abort', () => {
  const cases: Array<[string, RegExp]> = [
    [
      'foreign',
      /^leanmalloc: free\(0x[0-9a-f]{16}\): invalid pointer: not allocated by leanmalloc \(foreign or corrupted pointer\); aborting$/m,
    ],
    ['interior-large', /^leanmalloc: free\(0x[0-9a-f]{16}\): invalid pointer: not the start of a leanmalloc allocation; aborting$/m],
    ['interior-huge', /^leanmalloc: free\(0x[0-9a-f]{16}\): invalid pointer: not the start of a leanmalloc allocation; aborting$/m],
    ['interior-huge-unit', /^leanmalloc: free\(0x[0-9a-f]{16}\): invalid pointer: not the start of a leanmalloc allocation; aborting$/m],
    [
      'double-free-huge',
      /^leanmalloc: free\(0x[0-9a-f]{16}\): invalid pointer: not allocated by leanmalloc \(foreign or corrupted pointer\); aborting$/m,
    ],
    ['usable-foreign', /^leanmalloc: malloc_usable_size\(0x[0-9a-f]{16}\): invalid pointer: not allocated by leanmalloc/m],
    ['realloc-foreign', /^leanmalloc: realloc\(0x[0-9a-f]{16}\): invalid pointer: not allocated by leanmalloc/m],
  ];
  for (const [what, message] of cases) {
    test(what, () => {
      const r = run(testBin('alloc_invalid'), [what]);
      assert.equal(r.signal, 'SIGABRT', `expected abort, got status ${r.status} signal ${r.signal}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, `exactly one line: ${r.stderr}`);
    });
  }
  test('valid pointers do not trip the check', () => {
    const r = run(testBin('alloc_invalid'), ['ok']);
    assertOk(r, 'alloc_invalid ok');
    assert.equal(r.stdout, 'survived ok\n');
  });
});

/** Runs a command with and without LD_PRELOAD=libleanmalloc.so under each profile; output must match.
 * Proof that leanmalloc really was loaded: an invalid LEANMALLOC_STATS value makes it print its
 * one-line complaint at initialisation (exit-time stats would not do: sort closes stderr first). */
function sameOutput(cmd: string, args: string[], input?: string): void {
  const plain = run(cmd, args, {}, input);
  assertOk(plain, `${cmd} without leanmalloc`);
  for (const p of profiles) {
    const r = run(cmd, args, { ...p.env, LD_PRELOAD: lib, LEANMALLOC_STATS: 'loaded?' }, input);
    assertOk(r, `${cmd} with leanmalloc (${p.name})`);
    assert.equal(r.stdout, plain.stdout, `${cmd} output differs under leanmalloc (${p.name})`);
    assert.match(r.stderr, /^leanmalloc: invalid LEANMALLOC_STATS='loaded\?'/m, 'leanmalloc was really preloaded');
  }
}

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

describe('real programs under LD_PRELOAD give the same output', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'leanmalloc-test-'));
  process.on('exit', () => rmSync(work, { recursive: true, force: true }));

  test('python3 running a dict/json-heavy script', () => {
    const py = which('python3');
    assert.ok(py, 'python3 is required');
    // resolve shims (pyenv) to the real interpreter so LD_PRELOAD reaches the process under test
    const exe = run(py, ['-c', 'import sys; print(sys.executable)']).stdout.trim();
    const script = path.join(work, 'heavy.py');
    writeFileSync(
      script,
      [
        'import json, random, hashlib',
        'random.seed(7)',
        'data = {}',
        'for i in range(20000):',
        '    data[f"key{i}"] = {"n": i, "s": "x" * random.randint(1, 300), "l": list(range(random.randint(0, 40)))}',
        'text = json.dumps(data, sort_keys=True)',
        'back = json.loads(text)',
        'assert back == data',
        'words = sorted(set(text.split(",")))',
        'big = [bytearray(random.randint(1, 200000)) for _ in range(100)]',
        'del big',
        'print(len(text), len(words), hashlib.sha256(text.encode()).hexdigest())',
        'print(sum(len(v["l"]) for v in back.values()))',
      ].join('\n'),
    );
    sameOutput(exe, [script]);
  });

  test('sort of 200k random lines', () => {
    const sort = which('sort');
    assert.ok(sort, 'sort is required');
    let s = 1;
    const lines: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      lines.push(`${s.toString(36)} ${i}`);
    }
    sameOutput(sort, [], lines.join('\n') + '\n');
  });

  test('sqlite3 with a table, an index and aggregates', (t) => {
    const sqlite = which('sqlite3');
    if (!sqlite) {
      t.skip('sqlite3 not installed');
      return;
    }
    const sql = [
      'CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v REAL);',
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 50000)',
      "INSERT INTO t(k, v) SELECT printf('k%05d', (x * 7919) % 50000), x * 0.5 FROM c;",
      'CREATE INDEX ik ON t(k);',
      'SELECT count(*), sum(v), min(k), max(k) FROM t;',
      "SELECT k, v FROM t WHERE k BETWEEN 'k01000' AND 'k01010' ORDER BY k;",
    ].join('\n');
    sameOutput(sqlite, [':memory:'], sql);
  });
});
