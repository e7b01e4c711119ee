/**
 * Checks of the parameters that REST, the CLI and the judgement service share (a variant, a campaign, a start
 * time), made once here so that each is accepted and refused alike everywhere. A refusal is an InputError that
 * names the parameter: REST answers it with a 400 ("querystring/<message>"), the CLI exits 2 naming the option.
 */

export class InputError extends Error {
  constructor(
    /** The parameter as REST names it (`variant`, `baseline`, `since`, ...); the CLI's option has the same name. */
    readonly parameter: string,
    /** What was wrong, without the parameter's name. */
    readonly detail: string,
  ) {
    super(`${parameter}: ${detail}`);
    this.name = 'InputError';
  }
}

/** How many known names a refusal lists at most (a database may hold many variants). */
const LISTED_NAMES_MAX = 50;

/** Refuses a variant that no campaign of this database ever planned: a typo is an error, not an empty answer. */
export function requireKnownVariant(known: readonly string[], name: string, parameter = 'variant'): void {
  if (known.includes(name)) return;
  const sorted = [...known].sort();
  const list =
    sorted.length === 0 ? 'none yet' : `${sorted.slice(0, LISTED_NAMES_MAX).join(', ')}${sorted.length > LISTED_NAMES_MAX ? ', ...' : ''}`;
  throw new InputError(parameter, `unknown variant ${JSON.stringify(name)}; expected one of ${list}`);
}

/** Refuses a campaign id that is not in the database. */
export function requireKnownCampaign(exists: boolean, id: number, parameter = 'campaign'): void {
  if (!exists) throw new InputError(parameter, `no campaign ${id}`);
}

const ISO_TIME_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An ISO-8601 date or date-time → the stored form (`toISOString()`, UTC, ms), which compares correctly as
 * text with `started_at`. A time without a zone is UTC, as every stored time is, whatever the host's zone.
 */
export function parseSince(value: string, parameter = 'since'): string {
  const v = value.trim();
  if (ISO_TIME_RE.test(v)) {
    const hasTime = /[T ]/i.test(v);
    const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(v) && hasTime;
    const normalised = v.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
    const ms = Date.parse(hasTime && !hasZone ? `${normalised}Z` : normalised);
    if (Number.isFinite(ms)) return new Date(ms).toISOString();
  }
  throw new InputError(parameter, `expected an ISO-8601 time such as 2026-11-23 or 2026-11-23T22:00:00Z, got ${JSON.stringify(value)}`);
}
