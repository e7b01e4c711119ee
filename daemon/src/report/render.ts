/** renderReport: a campaign's results as a markdown document, JSON, or CSV (one row per epoch). */
import { EPOCH_CSV_COLUMNS, EPOCH_FIELDS, PER_VARIANT_COLUMNS } from '../domain/epoch-fields.js';
import { bytes, formatField, MISSING, percent, signedPercent } from '../domain/format.js';
import { BASIS_LABEL, throughputHeaders } from '../domain/measures.js';
import { OUTCOMES } from '../domain/types.js';
import { formatDuration } from '../plan/index.js';
import type { EpochRow, Store } from '../storage/index.js';
import { buildReportData, type ReportData, type VariantReport } from './data.js';
import type { ReportExtension, ReportSection } from './extensions.js';
import { table } from './markdown.js';
import { stderrSectionMarkdown } from './stderr-section.js';
import { fencedBlock, stderrExcerpt } from './stderr.js';
import { verdictReportExtension } from './verdict-sections.js';

/** Lines of stderr shown per epoch that did not complete (the store keeps its last 4 KiB). */
const STDERR_LINES = 12;

export const REPORT_FORMATS = ['md', 'json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportOptions {
  format: ReportFormat;
  /** Campaign id; default the most recent campaign. */
  campaign?: number;
  /** Default `defaultReportExtensions(store)`. */
  extensions?: readonly ReportExtension[];
  /** Fixed "generated at" time (tests). */
  now?: Date;
}

interface Extended {
  data: ReportData;
  sections: ReportSection[];
  columns: NonNullable<ReportExtension['variantColumns']>[number][];
}

function applyExtensions(data: ReportData, extensions: readonly ReportExtension[]): Extended {
  const columns = extensions.flatMap((e) => [...(e.variantColumns ?? [])]);
  for (const v of data.variants) for (const c of columns) v.extra[c.key] = c.value(v, data);
  const sections = extensions.flatMap((e) => e.sections?.(data) ?? []);
  return { data, sections, columns };
}

function outcomesText(v: VariantReport): string {
  const parts = OUTCOMES.filter((o) => v.outcomes[o] > 0).map((o) => `${o} ${v.outcomes[o]}`);
  return parts.length === 0 ? MISSING : parts.join(', ');
}

function variantSetup(v: VariantReport): string {
  if (v.config === null) return MISSING;
  const parts: string[] = [];
  if (v.config.command !== null) parts.push(`command: \`${v.config.command.join(' ')}\``);
  if (v.config.args.length > 0) parts.push(`args: \`${v.config.args.join(' ')}\``);
  const env = Object.entries(v.config.env).map(([k, val]) => `${k}=${val}`);
  if (env.length > 0) parts.push(`env: \`${env.join(' ')}\``);
  return parts.length === 0 ? MISSING : parts.join('; ');
}

function renderMarkdown({ data, sections, columns }: Extended): string {
  const out: string[] = [];
  const c = data.campaign;
  if (c === null || data.plan === null) {
    return `# allocsoak report\n\nGenerated ${data.generated_at}. No campaign has been recorded in this database yet.\n`;
  }
  const plan = data.plan;
  out.push(`# allocsoak report: ${c.name}`);
  out.push('');
  out.push(
    `Campaign ${c.id} from \`${c.source}\`, ${c.status}; started ${c.started_at}${c.ended_at !== null ? `, ended ${c.ended_at}` : ''}` +
      `${c.epochs_per_variant !== null ? `, ${c.epochs_per_variant} epochs per variant` : ', continuous'}. Generated ${data.generated_at}.`,
  );
  out.push('');
  out.push('## Configuration');
  out.push('');
  out.push(
    table(
      ['setting', 'value'],
      [
        ['epoch', formatDuration(plan.epoch_ms)],
        ['warm-up', formatDuration(plan.warmup_ms)],
        ['interval', formatDuration(plan.interval_ms)],
        ['RSS limit', plan.rss_limit_bytes === null ? 'none' : bytes(plan.rss_limit_bytes)],
        ['schedule', plan.schedule ?? 'continuous'],
        ['reference', plan.reference ?? 'none'],
        [
          'comparisons',
          plan.comparisons.length === 0 ? 'none' : plan.comparisons.map((x) => `${x.baseline} → ${x.candidate} (${x.goal})`).join(', '),
        ],
      ],
    ),
  );
  out.push('');
  out.push(
    table(
      ['variant', 'allocator', 'library', 'setup', 'ran (as reported)'],
      data.variants.map((v) => [
        v.name,
        v.allocator ?? (v.config?.command !== null ? 'custom command' : MISSING),
        v.allocator_library ?? MISSING,
        variantSetup(v),
        v.allocators_reported.length === 0 ? MISSING : v.allocators_reported.join('; '),
      ]),
    ),
  );
  out.push('');
  out.push('## Host');
  out.push('');
  if (data.hosts.length === 0) out.push('No host metadata recorded.');
  else
    out.push(
      table(
        ['hostname', 'kernel', 'CPU', 'cores', 'THP'],
        data.hosts.map((h) => [h.hostname, h.kernel, h.cpu_model, String(h.cores), h.thp]),
      ),
    );
  out.push('');
  out.push('## Results per variant');
  out.push('');
  const heads = throughputHeaders({ basis: data.throughput_basis, other: data.throughput_basis === 'cpu' ? 'wall' : 'cpu' });
  out.push(
    'Statistics over completed epochs, after warm-up, each folded over the epochs as its column says ' +
      `(mean, median, max or sum). Throughput leads ${BASIS_LABEL[data.throughput_basis]}, the basis the verdicts use, ` +
      `with the other beside it; CV across epochs is the CV of the epochs' throughputs on that basis. ` +
      `Fastest first: ${data.fastest_first.join(', ') || MISSING}. Drift is held memory's (RSS − LazyFree along its robust line), the one judged.`,
  );
  out.push('');
  const headers = [
    'variant',
    'epochs (completed/total)',
    heads.lead,
    heads.other,
    ...PER_VARIANT_COLUMNS.map((f) => `${EPOCH_FIELDS[f].perVariant.header} (${EPOCH_FIELDS[f].perVariant.aggregate})`),
    'CV across epochs',
    'worst held drift',
    ...columns.map((col) => col.header),
    'outcomes',
  ];
  const rows = data.variants.map((v) => [
    v.name,
    `${v.epochs_completed}/${v.epochs_total}`,
    formatField('ops/s', v.throughput, 'fixed'),
    formatField('ops/s', v.throughput_other, 'fixed'),
    ...PER_VARIANT_COLUMNS.map((f) => formatField(EPOCH_FIELDS[f].unit, v[f], 'fixed')),
    percent(v.throughput_cv_between_epochs, 2),
    signedPercent(v.drift_pct_max, 2),
    ...columns.map((col) => {
      const val = v.extra[col.key] ?? null;
      return col.format !== undefined ? col.format(val) : val === null ? MISSING : String(val);
    }),
    outcomesText(v),
  ]);
  out.push(data.variants.length === 0 ? 'No variant has run yet.' : table(headers, rows));
  for (const s of sections) {
    out.push('');
    out.push(`## ${s.title}`);
    out.push('');
    out.push(s.markdown.trimEnd());
  }
  const bad = data.epochs.filter((e) => e.outcome !== 'completed' && e.outcome !== 'running');
  if (bad.length > 0) {
    out.push('');
    out.push('## Epochs that did not complete');
    out.push('');
    out.push(
      table(
        ['epoch', 'variant', 'round', 'outcome', 'reason', 'started'],
        bad.map((e) => [String(e.id), e.variant, String(e.round), e.outcome, e.outcome_reason ?? e.signal ?? MISSING, e.started_at]),
      ),
    );
    // The reason says how the workload ended; its own last words usually say why.
    for (const e of bad) {
      const lines = stderrExcerpt(e.stderr_tail, STDERR_LINES);
      if (lines.length === 0) continue;
      out.push('');
      out.push(`Epoch ${e.id} (${e.variant}, round ${e.round}, ${e.outcome}), last lines of stderr:`);
      out.push('');
      out.push(fencedBlock(lines));
    }
  }
  // Warnings of epochs that ran to the end (those that did not show their stderr above).
  const stderr = stderrSectionMarkdown(data.epochs.filter((e) => e.outcome === 'completed'));
  if (stderr !== null) {
    out.push('');
    out.push('## Warnings: stderr of completed epochs');
    out.push('');
    out.push(stderr);
  }
  out.push('');
  return out.join('\n');
}

function epochForJson(e: EpochRow): Omit<EpochRow, 'counters_json'> & { counters: unknown } {
  const { counters_json, ...rest } = e;
  return { ...rest, counters: counters_json === null ? null : (JSON.parse(counters_json) as unknown) };
}

function renderJson({ data, sections }: Extended): string {
  return `${JSON.stringify(
    {
      ...data,
      epochs: data.epochs.map(epochForJson),
      sections: Object.fromEntries(sections.map((s) => [s.key, { title: s.title, data: s.data }])),
    },
    null,
    2,
  )}\n`;
}

/** CSV columns: every epoch column except the multi-line stderr tail. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function renderCsv({ data }: Extended): string {
  const lines = [EPOCH_CSV_COLUMNS.join(',')];
  for (const e of data.epochs) lines.push(EPOCH_CSV_COLUMNS.map((c) => csvField(e[c])).join(','));
  return `${lines.join('\n')}\n`;
}

/** Extensions `renderReport` applies when the caller passes none. */
export function defaultReportExtensions(store: Store): ReportExtension[] {
  return [verdictReportExtension(store)];
}

/** Renders the report of one campaign (default: the most recent) in the given format. */
export function renderReport(store: Store, opts: ReportOptions): string {
  if (!(REPORT_FORMATS as readonly string[]).includes(opts.format)) {
    throw new Error(`report format: expected ${REPORT_FORMATS.join(', ')}, got ${JSON.stringify(opts.format)}`);
  }
  const data = buildReportData(store, {
    ...(opts.campaign !== undefined ? { campaign: opts.campaign } : {}),
    ...(opts.now !== undefined ? { now: opts.now } : {}),
  });
  const extended = applyExtensions(data, opts.extensions ?? defaultReportExtensions(store));
  switch (opts.format) {
    case 'md':
      return renderMarkdown(extended);
    case 'json':
      return renderJson(extended);
    case 'csv':
      return renderCsv(extended);
  }
}
