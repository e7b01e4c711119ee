import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockDatabase } from '../../src/cli/db-lock.js';
import { UsageError } from '../../src/cli/args.js';
import { tempDir } from '../helpers/env.js';

test('a database locked by a live process is refused; a stale lock is taken over; release removes it', async () => {
  const { dir, cleanup } = tempDir('lock');
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const db = join(dir, 'sub', 'x.db');
    const lock = lockDatabase(db);
    assert.equal(readFileSync(`${db}.lock`, 'utf8').trim(), String(process.pid));
    lock.release();
    assert.equal(existsSync(`${db}.lock`), false);

    writeFileSync(`${db}.lock`, `${other.pid}\n`);
    assert.throws(
      () => lockDatabase(db),
      (err: unknown) =>
        err instanceof UsageError && new RegExp(`in use by another allocsoak process \\(pid ${other.pid}`).test(err.message),
    );
    other.kill('SIGKILL');
    await new Promise((r) => other.once('exit', r));
    const taken = lockDatabase(db); // the holder is gone: stale
    assert.equal(readFileSync(`${db}.lock`, 'utf8').trim(), String(process.pid));
    taken.release();
  } finally {
    other.kill('SIGKILL');
    cleanup();
  }
});
