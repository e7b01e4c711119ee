/** Schemas of `GET /api/v1/variants`. */
import Type, { type Static } from 'typebox';
import { NullableString } from './common.js';

export const VariantSummary = Type.Object({
  name: Type.String(),
  allocator: Type.Union([Type.String(), Type.Null()], {
    description: 'as planned most recently: leanmalloc, glibc, ... or a path; null for a custom command',
  }),
  allocator_library: Type.Union([Type.String(), Type.Null()], { description: 'the resolved library (null for glibc or a command)' }),
  campaigns: Type.Integer({ description: 'campaigns that planned this variant' }),
  epochs: Type.Integer({ description: 'epochs of any outcome' }),
  epochs_completed: Type.Integer(),
  last_started_at: NullableString,
  in_running_campaign: Type.Boolean({ description: 'part of the campaign running now' }),
});

export const VariantListResponse = Type.Object({ variants: Type.Array(VariantSummary) });
export type VariantListResponse = Static<typeof VariantListResponse>;
