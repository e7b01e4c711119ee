/** `allocsoak report`: the stored results as Markdown, JSON or CSV on stdout. */
import { renderReport } from '../../report/index.js';
import { helpText, oneOf, parseOrHelp, type OptionSpecs } from '../args.js';
import { readDatabase } from '../database.js';

const FORMATS = ['md', 'json', 'csv'] as const;

const OPTIONS = {
  db: { type: 'string', value: 'FILE', description: 'SQLite database file', required: true },
  format: { type: 'string', value: 'md|json|csv', description: 'output format', default: 'md' },
  campaign: { type: 'string', value: 'ID', description: 'campaign to report (default: the most recent)' },
} satisfies OptionSpecs;

export const REPORT_HELP = helpText(
  'allocsoak report --db FILE [--format md|json|csv] [--campaign ID]',
  'Print the results of a campaign stored in the database (default: the most recent one).',
  OPTIONS,
);

export async function reportCommand(argv: readonly string[]): Promise<number> {
  const opts = parseOrHelp('report', argv, OPTIONS, REPORT_HELP);
  if (opts === undefined) return 0;
  const format = oneOf('report', 'format', opts.format, FORMATS);
  return readDatabase('report', opts, (store, campaign) => {
    const text = renderReport(store, { format, ...(campaign !== undefined ? { campaign } : {}) });
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  });
}
