import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aggregate,
  EPOCH_ANALYSIS_COLUMNS,
  EPOCH_COLUMNS,
  EPOCH_FIELDS,
  EPOCH_GAUGES,
  EPOCH_SUMMARY_COLUMNS,
  type EpochFieldSpec,
} from '../../src/domain/epoch-fields.js';
import { EpochDetail, EpochSummary } from '../../src/http/schemas/epochs.js';
import { METRICS } from '../../src/metrics/names.js';
import { openStore } from '../../src/storage/index.js';
import { tempDbPath } from '../storage/helpers.js';

interface ColumnInfo {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}

function schemaColumns(): ColumnInfo[] {
  const store = openStore(tempDbPath('allocsoak-fields-'));
  try {
    return store.db.prepare<[string], ColumnInfo>('SELECT name, type, "notnull", pk FROM pragma_table_info(?)').all('epochs');
  } finally {
    store.close();
  }
}

test('the field list and the schema after every migration name the same columns, both ways', () => {
  const columns = schemaColumns();
  const inSchema = new Set(columns.map((c) => c.name));
  const listed = new Set<string>(EPOCH_COLUMNS);
  assert.deepEqual(
    [...inSchema].filter((c) => !listed.has(c)),
    [],
    'columns a migration added but domain/epoch-fields.ts does not list',
  );
  assert.deepEqual(
    [...listed].filter((c) => !inSchema.has(c)),
    [],
    'fields domain/epoch-fields.ts lists but no migration created',
  );
});

test('each field has the SQL type and nullability of its column', () => {
  for (const c of schemaColumns()) {
    const spec = (EPOCH_FIELDS as Record<string, EpochFieldSpec>)[c.name];
    assert.ok(spec, c.name);
    assert.equal(spec.sql, c.type, `${c.name}: SQL type`);
    // INTEGER PRIMARY KEY is never NULL without saying NOT NULL.
    const notNull = c.notnull === 1 || c.pk === 1;
    assert.equal(spec.nullable, !notNull, `${c.name}: nullable`);
    // A TEXT column is never a number in JSON, nor a numeric column a string.
    assert.equal(spec.sql === 'TEXT', spec.json === 'string' || spec.json === 'outcome', `${c.name}: JSON type`);
  }
});

test('the REST schemas are the field lists: summary fields in the list, every field but counters_json in the detail', () => {
  assert.deepEqual(Object.keys(EpochSummary.properties), [...EPOCH_SUMMARY_COLUMNS]);
  const detail = Object.keys(EpochDetail.properties);
  assert.deepEqual(
    detail.filter((k) => k !== 'host' && k !== 'counters'),
    EPOCH_COLUMNS.filter((c) => c !== 'counters_json'),
  );
  for (const [name, schema] of Object.entries(EpochDetail.properties)) {
    if (name === 'host' || name === 'counters') continue;
    assert.equal(typeof (schema as { description?: unknown }).description, 'string', `${name} has a description`);
  }
});

test('every gauge of an epoch field is a metric of the exporter, and every analysis field is written by the analysis', () => {
  const names = new Set(METRICS.map((m) => m.name));
  for (const g of EPOCH_GAUGES) assert.ok(names.has(g.name), g.name);
  for (const f of EPOCH_ANALYSIS_COLUMNS) assert.equal(EPOCH_FIELDS[f].writer, 'analysis');
  assert.ok(EPOCH_ANALYSIS_COLUMNS.length > 30, 'the analysis writes most of the columns');
});

test('aggregate folds only finite values and is null without any', () => {
  assert.equal(aggregate('sum', [1, null, 2, Number.NaN]), 3);
  assert.equal(aggregate('mean', [1, 2, 6]), 3);
  assert.equal(aggregate('median', [5, 1, 3, 100]), 4);
  assert.equal(aggregate('median', [5, 1, 3]), 3);
  assert.equal(aggregate('max', [-1, -5]), -1);
  assert.equal(aggregate('max', [null, null]), null);
});
