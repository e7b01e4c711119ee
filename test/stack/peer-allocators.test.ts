import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

// The Debian peer allocators that comparisons are run against (installed by .ci/run).
const PEERS: Record<string, string> = {
  mimalloc: '/usr/lib/x86_64-linux-gnu/libmimalloc.so.2',
  jemalloc: '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
  tcmalloc: '/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4',
};

for (const [name, lib] of Object.entries(PEERS)) {
  test(`${name} is installed and preloads into a real program`, () => {
    assert.ok(existsSync(lib), `${lib} missing: apt-get install the ${name} package`);
    const out = execFileSync('python3', ['-c', 'import json; print(json.dumps({"k": list(range(5))}))'], {
      env: { ...process.env, LD_PRELOAD: lib },
      encoding: 'utf8',
    });
    assert.equal(out.trim(), '{"k": [0, 1, 2, 3, 4]}');
  });
}
