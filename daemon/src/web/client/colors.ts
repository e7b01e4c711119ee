/**
 * One colour per variant, the same in every plot, table and legend of the page. Assigned in the order
 * variants are first seen (the plan's order), so a campaign's variants get well-separated colours.
 */

// Okabe–Ito-like qualitative palette, readable for the common colour-vision deficiencies, then extras.
const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#D55E00',
  '#56B4E9',
  '#7F7F7F',
  '#B8860B',
  '#6A3D9A',
  '#1B9E77',
  '#E7298A',
  '#666666',
];

const assigned = new Map<string, string>();

export function colorOf(variant: string): string {
  let c = assigned.get(variant);
  if (c === undefined) {
    c = PALETTE[assigned.size % PALETTE.length] ?? '#333333';
    assigned.set(variant, c);
  }
  return c;
}

/** Make sure these variants (in this order) have their colours before anything is drawn. */
export function registerVariants(names: readonly string[]): void {
  for (const n of names) colorOf(n);
}

/** The colour with an alpha channel (bands, fills). */
export function withAlpha(hex: string, alpha: number): string {
  const a = Math.round(Math.max(0, Math.min(1, alpha)) * 255)
    .toString(16)
    .padStart(2, '0');
  return `${hex}${a}`;
}
