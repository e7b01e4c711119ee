/**
 * Query filters that need more than a schema: a variant or campaign must exist (a typo should be a
 * 400, not a silently empty list), `since` must be an ISO-8601 time.
 */
import type { Store } from '../storage/index.js';
import { badRequest } from './plugins/errors.js';

const ISO_TIME_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An ISO-8601 date or date-time → the stored form (`toISOString()`, UTC, ms), which compares correctly
 * as text with `started_at`. A time without zone is taken as UTC.
 */
export function parseSince(value: string, param = 'since'): string {
  const v = value.trim();
  if (ISO_TIME_RE.test(v)) {
    const hasTime = /[T ]/i.test(v);
    const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(v) && hasTime;
    const normalised = v.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
    const ms = Date.parse(hasTime && !hasZone ? `${normalised}Z` : normalised);
    if (Number.isFinite(ms)) return new Date(ms).toISOString();
  }
  throw badRequest(
    `querystring/${param} must be an ISO-8601 time such as 2026-11-23 or 2026-11-23T22:00:00Z, got ${JSON.stringify(value)}`,
  );
}

/** Throws a 400 naming the parameter if no campaign ever planned this variant. */
export function requireKnownVariant(store: Store, variant: string, param = 'variant'): void {
  const names = store.variants.names();
  if (names.includes(variant)) return;
  const known =
    names.length === 0
      ? 'no variant has been planned yet'
      : `known variants: ${names.slice(0, 50).join(', ')}${names.length > 50 ? ', ...' : ''}`;
  throw badRequest(`querystring/${param}: unknown variant ${JSON.stringify(variant)} (${known})`);
}

export function requireKnownCampaign(store: Store, id: number, param = 'campaign'): void {
  if (store.campaigns.get(id) === undefined) throw badRequest(`querystring/${param}: no campaign ${id}`);
}
