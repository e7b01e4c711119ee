/** `allocsoak history`: a variant's builds in order with their change points (same JSON as GET /api/v1/history). */
import { historyText } from '../../report/index.js';
import { history } from '../../verdicts/index.js';
import { helpText, parseOrHelp, type OptionSpecs } from '../args.js';
import { readDatabase } from '../database.js';

const OPTIONS = {
  db: { type: 'string', value: 'FILE', description: 'SQLite database file', required: true },
  variant: { type: 'string', value: 'VARIANT', description: 'variant whose builds to list', required: true },
  json: { type: 'boolean', description: 'print the JSON of GET /api/v1/history' },
} satisfies OptionSpecs;

export const HISTORY_HELP = helpText(
  'allocsoak history --db FILE --variant V [--json]',
  "A variant's builds (distinct allocator libraries, labelled by build label and git commit) in order of their first\n" +
    'epoch: per build throughput, held and peak RSS, drift and syscalls per op with intervals, and each build judged\n' +
    'against the one before (unpaired); change points are marked. See docs/judgement.md, "History across builds".',
  OPTIONS,
);

export async function historyCommand(argv: readonly string[]): Promise<number> {
  const opts = parseOrHelp('history', argv, OPTIONS, HISTORY_HELP);
  if (opts === undefined) return 0;
  return readDatabase('history', opts, (store) => {
    const result = history(store, { variant: opts.variant });
    process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : historyText(result));
    return 0;
  });
}
