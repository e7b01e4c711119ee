/**
 * The report's extension seam. Other concerns (the verdicts: ratio to the reference, leak flags, verdict
 * sections) add variant columns and sections here without touching the renderers: add your extension to
 * `defaultReportExtensions` (render.ts), or pass `extensions` to `renderReport`.
 */
import type { ReportData, VariantReport } from './data.js';

export interface ReportVariantColumn {
  /** Key under `variants[].extra` in the JSON format. */
  key: string;
  /** Column header in the markdown per-variant table. */
  header: string;
  value(variant: VariantReport, data: ReportData): string | number | null;
  /** How the markdown shows the value (default: String, "–" for null). */
  format?(value: string | number | null): string;
}

export interface ReportSection {
  /** Key under `sections` in the JSON format. */
  key: string;
  /** Markdown heading (level 2). */
  title: string;
  /** Markdown body under the heading. */
  markdown: string;
  /** Structured form for the JSON format. */
  data: unknown;
}

export interface ReportExtension {
  name: string;
  variantColumns?: readonly ReportVariantColumn[];
  /** Sections shown after the per-variant results, in extension order. */
  sections?(data: ReportData): ReportSection[];
}
