/** `allocsoak report`: the stored results as Markdown, JSON or CSV on stdout. */
import { existsSync } from 'node:fs';
import { renderReport } from '../../report/index.js';
import { openStore } from '../../storage/index.js';
import { helpText, oneOf, parseOptions, UsageError, type OptionSpecs } from '../args.js';

const FORMATS = ['md', 'json', 'csv'] as const;

const OPTIONS = {
  db: { type: 'string', value: 'FILE', description: 'SQLite database file', required: true },
  format: { type: 'string', value: 'md|json|csv', description: 'output format', default: 'md' },
} satisfies OptionSpecs;

export const REPORT_HELP = helpText(
  'allocsoak report --db FILE [--format md|json|csv]',
  'Print the results stored in the database.',
  OPTIONS,
);

export async function reportCommand(argv: readonly string[]): Promise<number> {
  const opts = parseOptions('report', argv, OPTIONS);
  if (opts.help) {
    process.stdout.write(REPORT_HELP);
    return 0;
  }
  const format = oneOf('report', 'format', opts.format, FORMATS);
  if (!existsSync(opts.db))
    throw new UsageError(`report: option --db expects an existing database file, got ${JSON.stringify(opts.db)} (no such file)`);
  const store = openStore(opts.db);
  try {
    const text = renderReport(store, { format });
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  } finally {
    store.close();
  }
}
