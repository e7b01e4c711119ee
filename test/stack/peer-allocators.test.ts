import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { nativePaths, resolveAllocator, SYSTEM_ALLOCATORS } from '../../daemon/src/plan/index.js';

// The Debian peer allocators that comparisons are run against (installed by .ci/run), found where the daemon finds them.
const PEERS = Object.keys(SYSTEM_ALLOCATORS);

function peerLibrary(name: string): string {
  const found = resolveAllocator(name);
  if (!found.ok || found.library === null)
    assert.fail(found.ok ? `${name} resolved to no library` : `${found.expected} missing: ${found.hint}`);
  return found.library;
}

for (const name of PEERS) {
  test(`${name} is installed and preloads into a real program`, () => {
    const lib = peerLibrary(name);
    assert.ok(existsSync(lib), `${lib} missing`);
    const out = execFileSync('python3', ['-c', 'import json; print(json.dumps({"k": list(range(5))}))'], {
      env: { ...process.env, LD_PRELOAD: lib },
      encoding: 'utf8',
    });
    assert.equal(out.trim(), '{"k": [0, 1, 2, 3, 4]}');
  });
}

// random_mixed under each peer allocator: the protocol names it, and its own stats API fills `counters`.
const { workload: RANDOM_MIXED, launcher: SOAK_LAUNCH } = nativePaths();
const PEER_COUNTERS: Record<string, string[]> = {
  mimalloc: ['mimalloc.current_rss', 'mimalloc.peak_rss', 'mimalloc.current_commit', 'mimalloc.peak_commit', 'mimalloc.page_faults'],
  jemalloc: ['jemalloc.allocated', 'jemalloc.active', 'jemalloc.resident', 'jemalloc.mapped', 'jemalloc.retained'],
  tcmalloc: ['tcmalloc.current_allocated_bytes', 'tcmalloc.heap_size', 'tcmalloc.pageheap_free_bytes', 'tcmalloc.pageheap_unmapped_bytes'],
};

const PEER_VERSIONS: Record<string, RegExp> = {
  mimalloc: /^\d\.\d\.\d$/,
  jemalloc: /^\d+\.\d+\.\d+-/,
  tcmalloc: /^gperftools \d+\.\d+/,
};

for (const name of PEERS) {
  test(`random_mixed under LD_PRELOAD of ${name} speaks the protocol with allocator ${name} and its stats`, () => {
    const lib = peerLibrary(name);
    const out = execFileSync(RANDOM_MIXED, ['--seconds', '0.6', '--interval-ms', '150', '--burst-mb', '8', '--burst-every-s', '0.2'], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LD_PRELOAD: lib },
      encoding: 'utf8',
    });
    const lines = out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const start = lines[0];
    const end = lines[lines.length - 1];
    assert.equal(start?.['type'], 'start');
    assert.equal(start?.['allocator'], name);
    assert.equal(start?.['malloc_lib'], lib);
    // The version its own API gives (mi_version, mallctl "version", tc_version).
    assert.match(String(start?.['allocator_version']), PEER_VERSIONS[name] ?? /^$/);
    assert.equal(end?.['type'], 'end');
    const samples = lines.slice(1, -1);
    assert.ok(samples.length >= 3, `samples: ${samples.length}`);
    let lastOps = 0;
    for (const s of samples) {
      assert.equal(s['type'], 'sample');
      assert.ok(typeof s['ops'] === 'number' && s['ops'] >= lastOps, 'cumulative ops never decrease');
      lastOps = s['ops'];
    }
    assert.ok(lastOps > 0 && (end?.['ops'] as number) >= lastOps);
    for (const line of [...samples, end]) {
      const counters = line?.['counters'] as Record<string, unknown>;
      assert.deepEqual(Object.keys(counters).sort(), [...(PEER_COUNTERS[name] ?? [])].sort());
      for (const v of Object.values(counters)) assert.ok(typeof v === 'number' && Number.isInteger(v) && v >= 0);
    }
    // The allocator's own view of memory in use must reflect the ring plus the 8 MiB bursts somewhere.
    const endCounters = end?.['counters'] as Record<string, number>;
    const biggest = Math.max(...Object.values(endCounters));
    assert.ok(biggest > 1024 * 1024, `largest ${name} counter ${biggest}`);
  });
}

// The daemon's path: the launcher preloads the peer allocator for the workload and counts its syscalls.
for (const name of PEERS) {
  test(`soak-launch --preload ${name} --count-syscalls runs random_mixed under ${name} and counts its memory syscalls`, () => {
    const lib = peerLibrary(name);
    const result = spawnSync(
      SOAK_LAUNCH,
      [
        '--count-syscalls',
        '--preload',
        lib,
        '--report-fd',
        '3',
        '--',
        RANDOM_MIXED,
        '--seconds',
        '0.4',
        '--interval-ms',
        '100',
        '--burst-mb',
        '8',
        '--burst-every-s',
        '0.1',
      ],
      { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
    );
    assert.equal(result.status, 0, result.stderr);
    const start = JSON.parse(result.stdout.split('\n')[0] ?? '') as Record<string, unknown>;
    assert.equal(start['allocator'], name);
    const report = String(result.output[3] ?? '')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(report[0]?.['type'], 'launched');
    assert.equal(report[0]?.['pid'], start['pid']);
    assert.deepEqual(report[report.length - 1], { type: 'exit', code: 0 });
    const syscalls = report.filter((l) => l['type'] === 'syscalls').pop();
    assert.ok(syscalls, 'a syscalls line');
    // The loader maps the preloaded library and the allocator maps its own arenas/segments.
    assert.ok(Number(syscalls['mmap']) > 10, `mmap ${String(syscalls['mmap'])}`);
  });
}
