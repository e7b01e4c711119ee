/**
 * The registry's epoch fields (domain/epoch-fields.ts) as the page's tables show them: the epoch table's
 * columns are the fields marked `epochTable`, the per-variant summary's those marked `perVariant`, folded
 * by their aggregate; every value is formatted by its field's unit. A field added to the registry with
 * those marks and listed by GET /epochs (`summary`) appears on the page with no change here.
 *
 * The page reads only the epoch list. The compiler makes every marked field that the list lacks a
 * decision here: derived from the list (DERIVED) or not shown (NOT_SHOWN).
 */
import {
  aggregate,
  EPOCH_FIELDS,
  EPOCH_TABLE_COLUMNS,
  PER_VARIANT_COLUMNS,
  type Aggregate,
  type EpochField,
  type EpochFieldSpec,
  type EpochRow,
  type FieldsWhere,
  type FieldUnit,
  type PerVariantField,
  type SummaryField,
} from '../../domain/epoch-fields.js';
import type { EpochSummary } from './api.js';
import { spanMs } from '../../domain/format.js';

const spec = (f: EpochField): EpochFieldSpec => EPOCH_FIELDS[f];

export type EpochTableField = FieldsWhere<'epochTable', string>;

/** Epoch-table fields that GET /epochs does not list. */
type DerivedField = Exclude<EpochTableField, SummaryField>;

/** An epoch as listed by GET /epochs, with the epoch-table fields the page derives from the list. */
export type ListedEpoch = EpochSummary & Pick<EpochRow, DerivedField>;

interface ListContext {
  /** Each epoch's rank among its variant's epochs of the list, oldest first, from 1. */
  rank: ReadonlyMap<number, number>;
}

const DERIVED: { [F in DerivedField]: (e: EpochSummary, list: ListContext) => ListedEpoch[F] } = {
  // The epoch's span, start to end: the workload's run time plus its start-up.
  elapsed_ms: (e) => spanMs(e.started_at, e.ended_at),
};

/** A campaign's complete epoch list with the derived fields. */
export function withDerivedFields(epochs: readonly EpochSummary[]): ListedEpoch[] {
  const seen = new Map<string, number>();
  const rank = new Map<number, number>();
  for (const e of [...epochs].sort((a, b) => a.id - b.id)) {
    const n = (seen.get(e.variant) ?? 0) + 1;
    seen.set(e.variant, n);
    rank.set(e.id, n);
  }
  const derive = Object.entries(DERIVED) as Array<[DerivedField, (e: EpochSummary, list: ListContext) => unknown]>;
  return epochs.map((e) => ({ ...e, ...Object.fromEntries(derive.map(([f, fn]) => [f, fn(e, { rank })])) }) as ListedEpoch);
}

/** Per-variant fields GET /epochs does not list: not in the page's summary (the Markdown report has them). */
const NOT_SHOWN = { adj_rss_drift_pct: 'not in the epoch list; the Markdown report has it' } satisfies {
  [F in Exclude<PerVariantField, SummaryField>]: string;
};

export interface FieldColumn<F extends EpochField> {
  field: F;
  header: string;
  unit: FieldUnit;
  /** Numbers are right-aligned. */
  numeric: boolean;
}

function column<F extends EpochField>(field: F, header: string): FieldColumn<F> {
  const s = spec(field);
  return { field, header, unit: s.unit, numeric: s.json === 'integer' || s.json === 'number' };
}

/** The epoch table's field columns, in registry order. */
export const EPOCH_TABLE: ReadonlyArray<FieldColumn<EpochTableField>> = (EPOCH_TABLE_COLUMNS as readonly EpochTableField[]).map((f) =>
  column(f, spec(f).epochTable ?? f),
);

export type SummaryTableField = Extract<PerVariantField, SummaryField>;

/** The per-variant summary's field columns, in registry order, each with its fold over completed epochs. */
export const SUMMARY_TABLE: ReadonlyArray<FieldColumn<SummaryTableField> & { aggregate: Aggregate }> = PER_VARIANT_COLUMNS.filter(
  (f): f is SummaryTableField => !Object.hasOwn(NOT_SHOWN, f),
).map((f) => {
  const pv = EPOCH_FIELDS[f].perVariant;
  return { ...column(f, pv.header), aggregate: pv.aggregate };
});

/** A field folded over epochs (null when none has a value). */
export function fold(col: (typeof SUMMARY_TABLE)[number], epochs: readonly EpochSummary[]): number | null {
  return aggregate(
    col.aggregate,
    epochs.map((e) => e[col.field]),
  );
}
