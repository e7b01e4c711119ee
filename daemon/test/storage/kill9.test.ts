import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/storage/index.js';
import { tempDbPath } from './helpers.js';

const writer = fileURLToPath(new URL('./fixtures/sample-writer.js', import.meta.url));

test('samples survive a writer killed with SIGKILL: every sample reported committed is there', async () => {
  const file = tempDbPath('allocsoak-kill9-');
  const child = spawn(process.execPath, [writer, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let epoch: number | undefined;
  let lastCommitted = 0;
  let buffered = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.on('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [word, n] = line.split(' ');
        if (word === 'epoch') epoch = Number(n);
        if (word === 'committed') lastCommitted = Number(n);
      }
      // Kill mid-stream, while the writer is busy committing the next samples.
      if (lastCommitted >= 200 && child.exitCode === null && !child.killed) {
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  assert.equal(await exited, 'SIGKILL');
  // Lines that were already in the pipe when the child died are commitments too.
  for (const line of buffered.split('\n')) {
    const [word, n] = line.split(' ');
    if (word === 'committed') lastCommitted = Math.max(lastCommitted, Number(n));
  }
  assert.ok(epoch !== undefined);

  const store = openStore(file);
  const samples = store.samples.list(epoch);
  assert.ok(samples.length >= lastCommitted, `stored ${samples.length} samples, ${lastCommitted} were reported committed`);
  for (let t = 1; t <= lastCommitted; t++) {
    const s = samples[t - 1];
    assert.equal(s?.t_ms, t);
    assert.equal(s?.ops, t * 1000);
    assert.deepEqual(s?.counters, { n: t });
  }
  assert.equal(store.epochs.getRow(epoch)?.outcome, 'running');
  assert.equal(store.epochs.markRunningInterrupted(), 1);
  assert.equal(store.epochs.getRow(epoch)?.outcome, 'interrupted');
  assert.equal(store.epochs.getRow(epoch)?.ops, samples.at(-1)?.ops);
  store.close();
});
