import Type, { type Static } from 'typebox';

export const HealthResponse = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  uptime_seconds: Type.Number(),
  /** What the daemon is doing: idle, running an epoch, waiting for a scheduled round, stopping. */
  state: Type.Union([Type.Literal('idle'), Type.Literal('running'), Type.Literal('waiting'), Type.Literal('stopping')]),
  campaign_id: Type.Union([Type.Integer(), Type.Null()]),
  current_variant: Type.Union([Type.String(), Type.Null()]),
});
export type HealthResponse = Static<typeof HealthResponse>;
