import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openStoreForDaemon } from '../../src/cli/database.js';
import { memoryLogger, tempDir } from '../helpers/env.js';

test('a missing directory is created for a new database; a start that fails removes it again, an earlier database stays', () => {
  const { dir, cleanup } = tempDir('database');
  const { log } = memoryLogger();
  try {
    // Created, as `npm start` relies on for data/allocsoak.db.
    const kept = join(dir, 'data', 'soak.db');
    const db = openStoreForDaemon('run', kept, log);
    assert.ok(existsSync(kept) && existsSync(`${kept}.lock`));
    db.close();
    assert.deepEqual(readdirSync(join(dir, 'data')), ['soak.db'], 'the lock is released, the database stays');

    // A daemon that cannot start after all (its port taken meanwhile) discards what it created, directories too.
    const fresh = join(dir, 'new', 'deeper', 'soak.db');
    openStoreForDaemon('daemon', fresh, log).discard();
    assert.deepEqual(readdirSync(dir), ['data']);

    // Discarding on an existing database leaves it be.
    openStoreForDaemon('daemon', kept, log).discard();
    assert.deepEqual(readdirSync(join(dir, 'data')), ['soak.db']);
  } finally {
    cleanup();
  }
});
