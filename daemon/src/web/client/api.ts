/**
 * The REST API as the page reads it (and nothing else: anything shown here can be fetched by hand).
 *
 * The answers have the server's own types, imported type-only from its schemas (tsc erases the imports:
 * nothing of the server runs here), and every answer is checked against the server's own schemas of those
 * routes (served by the web plugin, read once) before the page uses it: a mismatch is an error naming where.
 */
import type { BisectDetail, BisectSummary } from '../../http/schemas/bisects.js';
import type { CampaignDetail, CampaignSeriesResponse, CampaignSummary, DuetIntervalsResponse } from '../../http/schemas/campaigns.js';
import type { EPOCH_LIST_MAX, EpochDetail, EpochSummary, SamplesResponse } from '../../http/schemas/epochs.js';
import type { HistoryResponse } from '../../http/schemas/history.js';
import type { CompareResponse, DriftResponse } from '../../http/schemas/judgement.js';
import type { PAGE_SCHEMAS_URL, PageResponses, PageRoute } from '../../http/schemas/page.js';
import type { StatusResponse } from '../../http/schemas/status.js';
import { firstMismatch, unsupported, type JsonSchema } from './schema-check.js';

export type {
  BisectDetail,
  BisectSummary,
  CampaignDetail,
  CampaignSeriesResponse,
  CampaignSummary,
  CompareResponse,
  DriftResponse,
  DuetIntervalsResponse,
  EpochDetail,
  EpochSummary,
  HistoryResponse,
  SamplesResponse,
  StatusResponse,
};
export type Sample = SamplesResponse['samples'][number];
export type RatioEstimate = NonNullable<CompareResponse['throughput']>;
export type Reason = CompareResponse['reasons'][number];

export const API = '/api/v1';

/** Where the daemon serves the response schemas of the routes below (its own constant's type keeps them equal). */
const SCHEMAS_URL: typeof PAGE_SCHEMAS_URL = '/assets/api-schemas.json';

/** A failed request: `status` null means no answer at all (daemon down, network). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get unreachable(): boolean {
    return this.status === null;
  }
}

const REQUEST_TIMEOUT_MS = 10_000;

type Query = Record<string, string | number | undefined>;

/** GET a JSON document of this origin; an error answer becomes an ApiError with the daemon's message. */
async function getJson(url: string): Promise<unknown> {
  // Not an inline literal: Node's RequestInit, under which the unit tests compile this module, has no `cache`.
  const init = { cache: 'no-store' as const, headers: { accept: 'application/json' }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    throw new ApiError(`daemon unreachable (${(err as Error).message})`, url, null);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    if (res.ok) throw new ApiError(`GET ${url}: the answer is not JSON`, url, res.status);
  }
  if (!res.ok) {
    const message = typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string' ? body.message : '';
    throw new ApiError(`${res.status}: ${message || text.slice(0, 200) || res.statusText}`, url, res.status);
  }
  return body;
}

let schemas: Promise<Record<string, JsonSchema>> | null = null;

/** The response schemas of the routes the page reads, fetched once (again after a failure). */
function responseSchemas(): Promise<Record<string, JsonSchema>> {
  schemas ??= loadSchemas().catch((err: unknown) => {
    schemas = null;
    throw err;
  });
  return schemas;
}

async function loadSchemas(): Promise<Record<string, JsonSchema>> {
  const body = await getJson(SCHEMAS_URL);
  const problems = typeof body === 'object' && body !== null ? Object.values(body).flatMap((s) => unsupported(s)) : ['#'];
  if (problems.length > 0)
    throw new ApiError(`${SCHEMAS_URL}: schema keywords this page cannot check: ${problems.join(', ')}`, SCHEMAS_URL, 200);
  return body as Record<string, JsonSchema>;
}

/**
 * GET one of the routes the page reads (`route` as the server declares it, `:id` filled from `params`),
 * checked against that route's schema.
 */
export async function get<R extends PageRoute>(
  route: R,
  params: Record<string, number> = {},
  query: Query = {},
): Promise<PageResponses[R]> {
  const path = route.replace(/:(\w+)/g, (_, name: string) => String(params[name]));
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') search.set(k, String(v));
  const url = `${API}${path}${search.size ? `?${search.toString()}` : ''}`;
  const [all, body] = await Promise.all([responseSchemas(), getJson(url)]);
  const schema = all[route];
  if (schema === undefined) throw new ApiError(`${SCHEMAS_URL} has no schema for GET ${API}${route}`, url, 200);
  const mismatch = firstMismatch(schema, body);
  if (mismatch) throw new ApiError(`GET ${url}: the answer does not match the daemon's schema: ${mismatch.message}`, url, 200);
  // Checked against the schema whose static type PageResponses[R] is.
  return body as PageResponses[R];
}

// ---- endpoints --------------------------------------------------------------------------------

/** The newest campaigns (the route's default limit). */
export async function fetchCampaigns(): Promise<CampaignSummary[]> {
  return (await get('/campaigns')).campaigns;
}

export async function fetchCampaign(id: number): Promise<CampaignDetail> {
  return get('/campaigns/:id', { id });
}

/** Each variant's series as of the campaign: since which epoch, its last change and what changed. */
export async function fetchSeries(id: number): Promise<CampaignSeriesResponse> {
  return get('/campaigns/:id/series', { id });
}

/** A duet campaign's per-interval paired ratios (one round with `round`). */
export async function fetchDuetIntervals(id: number, round?: number): Promise<DuetIntervalsResponse> {
  return get('/campaigns/:id/duet-intervals', { id }, { round });
}

/** The route's most: a campaign of more epochs than this is listed from its newest. */
const EPOCHS_AT_MOST: typeof EPOCH_LIST_MAX = 10_000;

/** A campaign's epochs, newest first; with `since` (ISO), only those started at or after it. */
export async function fetchEpochs(campaign: number, since?: string): Promise<EpochSummary[]> {
  return (await get('/epochs', {}, { campaign, since, limit: EPOCHS_AT_MOST })).epochs;
}

export async function fetchEpoch(id: number): Promise<EpochDetail> {
  return get('/epochs/:id', { id });
}

/** An epoch's samples in time order (thinned by the daemon to at most ~1000 points), or only those after `afterTms`. */
export async function fetchSamples(epochId: number, afterTms?: number): Promise<SamplesResponse> {
  return get('/epochs/:id/samples', { id: epochId }, { after_t_ms: afterTms });
}

export async function fetchStatus(): Promise<StatusResponse> {
  return get('/status');
}

/** The verdict of candidate vs baseline over the epochs of this campaign. */
export async function fetchCompare(baseline: string, candidate: string, campaign: number): Promise<CompareResponse> {
  return get('/compare', {}, { baseline, candidate, campaign });
}

/** A variant's drift and leak judgement over the epochs of this campaign. */
export async function fetchDrift(variant: string, campaign: number): Promise<DriftResponse> {
  return get('/drift', {}, { variant, campaign });
}

/** A variant's builds across every campaign, each judged against the one before. */
export async function fetchHistory(variant: string): Promise<HistoryResponse> {
  return get('/history', {}, { variant });
}

/** `allocsoak bisect` runs, newest first (the route's default limit). */
export async function fetchBisects(): Promise<BisectSummary[]> {
  return (await get('/bisects')).bisects;
}

/** One bisect run: its range with what is known of each commit, and its steps in order. */
export async function fetchBisect(id: number): Promise<BisectDetail> {
  return get('/bisects/:id', { id });
}
