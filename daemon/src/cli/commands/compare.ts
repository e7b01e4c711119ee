/** `allocsoak compare`: the verdict of baseline → candidate from a database (same JSON as GET /api/v1/compare). */
import { GOALS, type Goal } from '../../judgement/index.js';
import { compareText } from '../../report/index.js';
import { compare } from '../../verdicts/index.js';
import { helpText, oneOf, parseOrHelp, type OptionSpecs } from '../args.js';
import { readDatabase } from '../database.js';

const OPTIONS = {
  db: { type: 'string', value: 'FILE', description: 'SQLite database file', required: true },
  baseline: { type: 'string', value: 'VARIANT', description: 'baseline variant', required: true },
  candidate: { type: 'string', value: 'VARIANT', description: 'candidate variant', required: true },
  campaign: { type: 'string', value: 'ID', description: 'campaign (default: the most recent in which both ran)' },
  goal: { type: 'string', value: 'speed|memory', description: "goal (default: the plan comparison's, else speed)" },
  json: { type: 'boolean', description: 'print the JSON of GET /api/v1/compare' },
} satisfies OptionSpecs;

export const COMPARE_HELP = helpText(
  'allocsoak compare --db FILE --baseline A --candidate B [--campaign ID] [--goal speed|memory] [--json]',
  'Judge candidate against baseline from the stored epochs: GO, NEUTRAL, NO-GO or INSUFFICIENT, with the reasons\n' +
    '(criteria, measured values, intervals, p-values). See docs/judgement.md.',
  OPTIONS,
);

export async function compareCommand(argv: readonly string[]): Promise<number> {
  const opts = parseOrHelp('compare', argv, OPTIONS, COMPARE_HELP);
  if (opts === undefined) return 0;
  const goal: Goal | undefined = opts.goal === undefined ? undefined : oneOf('compare', 'goal', opts.goal, GOALS);
  return readDatabase('compare', opts, (store, campaign) => {
    const result = compare(store, {
      baseline: opts.baseline,
      candidate: opts.candidate,
      ...(campaign !== undefined ? { campaign } : {}),
      ...(goal !== undefined ? { goal } : {}),
    });
    process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : compareText(result));
    return 0;
  });
}
