import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ControllerStatus } from '../../campaign/index.js';
import { slotAt } from '../../campaign/index.js';
import type { AppDeps } from '../app.js';
import { StatusResponse } from '../schemas/status.js';

/** The variant of the epoch after the current one (round-robin), null when none will follow. */
function nextVariant(status: ControllerStatus): string | null {
  const c = status.campaign;
  if (c === null || status.state === 'stopping' || c.variants.length === 0) return null;
  if (c.epochs_total !== null && c.epochs_started >= c.epochs_total) return null;
  return c.variants[slotAt(c.epochs_started, c.variants.length).variantIndex] ?? null;
}

export function statusView(status: ControllerStatus, now: Date = new Date()): StatusResponse {
  const c = status.campaign;
  const e = c?.current_epoch ?? null;
  return {
    now: now.toISOString(),
    state: status.state,
    campaign:
      c === null
        ? null
        : {
            id: c.campaign_id,
            name: c.name,
            source: c.source,
            variants: c.variants,
            epochs_per_variant: c.epochs_per_variant,
            epochs_started: c.epochs_started,
            epochs_total: c.epochs_total,
            next_round_at: c.next_round_at,
            resumed: c.resumed,
          },
    current_epoch:
      e === null
        ? null
        : {
            id: e.epoch_id,
            variant: e.variant,
            round: e.round,
            index: e.index,
            started_at: e.started_at,
            elapsed_ms: e.elapsed_ms,
            planned_ms: e.planned_ms,
            workload_pid: e.workload_pid,
            last_sample: e.last_sample,
          },
    next_variant: nextVariant(status),
    last_campaign: status.last === null ? null : { id: status.last.campaign_id, status: status.last.status },
    storage: status.storage,
  };
}

const statusRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (fastify, { controller }) => {
  fastify.get(
    '/status',
    {
      schema: {
        tags: ['daemon'],
        summary: 'The running campaign, the current epoch (elapsed, last sample) and the next variant',
        response: { 200: StatusResponse },
      },
    },
    async () => statusView(controller.status()),
  );
};

export default statusRoutes;
