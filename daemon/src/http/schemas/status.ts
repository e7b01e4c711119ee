/** Schema of `GET /api/v1/status`: what the daemon is doing right now (the web page polls it). */
import Type, { type Static } from 'typebox';
import { NullableInteger, Sample } from './common.js';

export const StatusResponse = Type.Object({
  now: Type.String({ description: "the daemon's clock (ISO-8601 UTC), to compute ages client-side" }),
  state: Type.Union([Type.Literal('idle'), Type.Literal('running'), Type.Literal('waiting'), Type.Literal('stopping')], {
    description:
      'idle: no campaign; running: an epoch is in progress; waiting: a scheduled campaign between rounds; stopping: a stop was asked',
  }),
  campaign: Type.Union([
    Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      source: Type.String(),
      variants: Type.Array(Type.String()),
      epochs_per_variant: NullableInteger,
      epochs_started: Type.Integer({ description: 'slots started so far (including the running one)' }),
      epochs_total: Type.Union([Type.Integer(), Type.Null()], { description: 'null: continuous' }),
      next_round_at: Type.Union([Type.String(), Type.Null()], { description: 'scheduled campaigns while waiting' }),
      resumed: Type.Boolean(),
    }),
    Type.Null(),
  ]),
  current_epoch: Type.Union([
    Type.Object({
      id: Type.Integer(),
      variant: Type.String(),
      round: Type.Integer(),
      index: Type.Integer({ description: '0-based slot in the campaign' }),
      started_at: Type.String(),
      elapsed_ms: Type.Number(),
      planned_ms: Type.Integer(),
      workload_pid: NullableInteger,
      last_sample: Type.Union([Sample, Type.Null()], { description: 'the newest sample: ops_per_sec and rss_bytes for a progress line' }),
    }),
    Type.Null(),
  ]),
  next_variant: Type.Union([Type.String(), Type.Null()], { description: 'variant of the next epoch; null when none will follow' }),
  last_campaign: Type.Union([Type.Object({ id: Type.Integer(), status: Type.String() }), Type.Null()], {
    description: 'the last campaign that ended in this daemon process',
  }),
  storage: Type.Object(
    {
      ok: Type.Boolean({ description: 'false while the database refuses writes (disk full, I/O error): no epoch starts' }),
      failing_since: Type.Union([Type.String(), Type.Null()], { description: 'when the current failing period began' }),
      last_error: Type.Union([
        Type.Object({
          at: Type.String(),
          kind: Type.Union([Type.Literal('full'), Type.Literal('io')]),
          code: Type.String({ description: 'SQLITE_FULL, SQLITE_IOERR_WRITE, ENOSPC, ...' }),
          message: Type.String(),
          what: Type.String({ description: 'the write that failed' }),
        }),
        Type.Null(),
      ]),
      recovered_at: Type.Union([Type.String(), Type.Null()], { description: 'when writes succeeded again after the latest fault' }),
      errors_total: Type.Object({ full: Type.Integer(), io: Type.Integer() }),
      pending_epochs: Type.Array(Type.Integer(), {
        description: 'epochs whose end is kept in memory until the database takes it',
      }),
    },
    { description: "the daemon's database: disk full and I/O errors since the daemon started (docs/daemon.md)" },
  ),
});
export type StatusResponse = Static<typeof StatusResponse>;
