/**
 * Where the launcher cannot trace (a restrictive container profile), the daemon finds out at start-up and
 * runs epochs without syscall counting instead of failing every one. A refusing launcher is simulated by a
 * wrapper script around the real one that fails --count-syscalls the way soak-launch does when seccomp or
 * ptrace is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CampaignController } from '../../src/campaign/index.js';
import { syscallCountingOrWarn } from '../../src/cli/setup.js';
import { openStore } from '../../src/storage/index.js';
import { probeSyscallCounting } from '../../src/supervisor/syscall-probe.js';
import { LAUNCHER } from '../helpers/native.js';
import { memoryLogger, planFrom, tempDir } from '../helpers/env.js';

const { dir, cleanup } = tempDir('syscall-probe');
process.on('exit', cleanup);

const refusing = join(dir, 'refusing-launcher.sh');
writeFileSync(
  refusing,
  `#!/bin/sh
for a in "$@"; do
  if [ "$a" = "--count-syscalls" ]; then
    echo "soak-launch: cannot install the seccomp filter for --count-syscalls: Operation not permitted" >&2
    exit 125
  fi
  [ "$a" = "--" ] && break
done
exec ${JSON.stringify(LAUNCHER)} "$@"
`,
);
chmodSync(refusing, 0o755);

test('the real launcher can count syscalls here', async () => {
  assert.deepEqual(await probeSyscallCounting(LAUNCHER), { ok: true });
});

test(
  'a launcher that cannot trace: the probe says why, the daemon warns once and its epochs complete without counting',
  { timeout: 60_000 },
  async () => {
    const probe = await probeSyscallCounting(refusing);
    assert.equal(probe.ok, false);
    if (!probe.ok) {
      assert.match(probe.reason, /exit code 125/);
      assert.match(probe.reason, /cannot install the seccomp filter for --count-syscalls: Operation not permitted/);
    }
    const { log, lines } = memoryLogger();
    const countSyscalls = await syscallCountingOrWarn(refusing, log);
    assert.equal(countSyscalls, false);
    const warning = lines.find((l) => l.level === 40);
    assert.match(String(warning?.msg), /memory syscall counting is not possible here/);
    assert.match(String(warning?.reason), /Operation not permitted/);

    const store = openStore(join(dir, 'probe.db'));
    try {
      const plan = planFrom({
        name: 'no-tracing',
        epoch: '1s',
        warmup: '200ms',
        interval: '100ms',
        variants: [{ name: 'glibc', allocator: 'glibc' }],
      });
      // With counting, every epoch fails before its workload starts…
      const failing = new CampaignController({ store, launcher: refusing, log });
      assert.equal(await failing.start({ resolved: plan, source: 'test', epochsPerVariant: 1 }).done, 'completed');
      const [failed] = store.epochs.listRows({ campaign: 1 });
      assert.equal(failed?.outcome, 'failed');
      // …without it, they measure everything but syscalls.
      const controller = new CampaignController({ store, launcher: refusing, log, countSyscalls });
      const started = controller.start({ resolved: plan, source: 'test', epochsPerVariant: 2, resume: false });
      assert.equal(await started.done, 'completed');
      const rows = store.epochs.listRows({ campaign: started.id });
      assert.equal(rows.length, 2);
      for (const e of rows) {
        assert.equal(e.outcome, 'completed', e.outcome_reason ?? '');
        assert.ok((e.throughput_mean ?? 0) > 0 && (e.throughput_cpu ?? 0) > 0 && (e.rss_peak_bytes ?? 0) > 0);
        assert.equal(e.syscalls_per_op, null);
        assert.equal(e.syscalls_total, null);
      }
    } finally {
      store.close();
    }
  },
);
