/**
 * JUDGED_COLUMNS (what verdicts select) names exactly the fields of JudgedEpoch (what the judgement may read):
 * checked by the compiler, so that a field added to the type is selected too; and the store accepts the list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JUDGED_COLUMNS, type JudgedEpoch } from '../../src/judgement/index.js';
import { openStore } from '../../src/storage/index.js';

type JudgedColumn = (typeof JUDGED_COLUMNS)[number];
type SameKeys<A, B> = [Exclude<A, B>, Exclude<B, A>] extends [never, never] ? true : false;

test('JUDGED_COLUMNS names the fields of JudgedEpoch, each once, and every one is a column of epochs', () => {
  // Fails to compile when the list and the type differ.
  const same: SameKeys<keyof JudgedEpoch, JudgedColumn> = true;
  assert.equal(same, true);
  assert.equal(new Set(JUDGED_COLUMNS).size, JUDGED_COLUMNS.length);
  const store = openStore(':memory:');
  try {
    assert.deepEqual(store.epochs.listColumns(JUDGED_COLUMNS), []);
    assert.throws(() => store.epochs.listColumns(['id; DROP TABLE epochs' as 'id']), /no column/);
  } finally {
    store.close();
  }
});
