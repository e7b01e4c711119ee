/** `allocsoak drift`: a variant's RSS drift and leak judgement from a database (same JSON as GET /api/v1/drift). */
import { driftText } from '../../report/index.js';
import { drift } from '../../verdicts/index.js';
import { helpText, parseOrHelp, type OptionSpecs } from '../args.js';
import { readDatabase } from '../database.js';

const OPTIONS = {
  db: { type: 'string', value: 'FILE', description: 'SQLite database file', required: true },
  variant: { type: 'string', value: 'VARIANT', description: 'variant to judge', required: true },
  since: { type: 'string', value: 'TIME', description: 'only epochs started at or after this ISO-8601 time' },
  campaign: { type: 'string', value: 'ID', description: 'only epochs of this campaign (default: every campaign)' },
  json: { type: 'boolean', description: 'print the JSON of GET /api/v1/drift' },
} satisfies OptionSpecs;

export const DRIFT_HELP = helpText(
  'allocsoak drift --db FILE --variant V [--since TIME] [--campaign ID] [--json]',
  "A variant's RSS drift and leak judgement: per-epoch robust RSS slopes with their intervals, and across epochs\n" +
    'the trend and change point of final/initial RSS. See docs/judgement.md.',
  OPTIONS,
);

export async function driftCommand(argv: readonly string[]): Promise<number> {
  const opts = parseOrHelp('drift', argv, OPTIONS, DRIFT_HELP);
  if (opts === undefined) return 0;
  return readDatabase('drift', opts, (store, campaign) => {
    const result = drift(store, {
      variant: opts.variant,
      ...(opts.since !== undefined ? { since: opts.since } : {}),
      ...(campaign !== undefined ? { campaign } : {}),
    });
    process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : driftText(result));
    return 0;
  });
}
