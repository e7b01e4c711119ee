/** REST schemas of epoch fields, derived from their one definition (domain/epoch-fields.ts). */
import Type, { type TInteger, type TNull, type TNumber, type TObject, type TString, type TUnion } from 'typebox';
import { EPOCH_FIELDS, type EpochField, type EpochFields, type EpochFieldSpec } from '../../domain/epoch-fields.js';
import { Outcome } from './common.js';

type BaseSchema<S extends EpochFieldSpec> = S['json'] extends 'integer'
  ? TInteger
  : S['json'] extends 'number'
    ? TNumber
    : S['json'] extends 'outcome'
      ? typeof Outcome
      : TString;

/** The schema of one field: its JSON type, or that type or null. */
export type FieldSchema<S extends EpochFieldSpec> = S['nullable'] extends true ? TUnion<[BaseSchema<S>, TNull]> : BaseSchema<S>;

/** Units worth saying in a description (the others are in the meaning already, or have none). */
const SHOWN_UNITS = new Set(['ms', 'ops/s', 'ratio', 'percent', 'bytes', 'bytes/h', 'per op']);

function fieldSchema<S extends EpochFieldSpec>(s: S): FieldSchema<S> {
  const description = SHOWN_UNITS.has(s.unit) ? `${s.meaning} (${s.unit})` : s.meaning;
  const base = s.json === 'integer' ? Type.Integer() : s.json === 'number' ? Type.Number() : s.json === 'outcome' ? Outcome : Type.String();
  return (s.nullable ? Type.Union([base, Type.Null()], { description }) : { ...base, description }) as FieldSchema<S>;
}

/** The properties of an object holding these epoch fields, in the given order. */
export function epochFieldProperties<K extends EpochField>(keys: readonly K[]): { [P in K]: FieldSchema<EpochFields[P]> } {
  return Object.fromEntries(keys.map((k) => [k, fieldSchema(EPOCH_FIELDS[k])])) as { [P in K]: FieldSchema<EpochFields[P]> };
}

/** An object schema of exactly these epoch fields. */
export function epochFieldsObject<K extends EpochField>(keys: readonly K[]): TObject<{ [P in K]: FieldSchema<EpochFields[P]> }> {
  return Type.Object(epochFieldProperties(keys));
}
