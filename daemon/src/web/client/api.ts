/**
 * The REST API as the page reads it (and nothing else: anything shown here can be fetched by hand).
 * Responses are checked and narrowed into the shapes below, tolerating optional fields, so a daemon
 * that lacks a route or a field makes the page say "not available" instead of breaking.
 */

export const API = '/api/v1';

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
  /** The route itself does not exist on this daemon (older build), as opposed to a missing record. */
  get missingRoute(): boolean {
    return this.status === 404 && /no route|not found: (GET|get) /i.test(this.message);
  }
}

const REQUEST_TIMEOUT_MS = 10_000;

type Query = Record<string, string | number | undefined | null>;

export async function getJson(path: string, query: Query = {}): Promise<unknown> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const url = `${API}${path}${params.size ? `?${params.toString()}` : ''}`;
  let res: Response;
  try {
    res = await fetch(url, { cache: 'no-store', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
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
    const message = isObj(body) && typeof body.message === 'string' ? body.message : text.slice(0, 200) || res.statusText;
    throw new ApiError(`${res.status}: ${message}`, url, res.status);
  }
  return body;
}

// ---- narrowing helpers -----------------------------------------------------------------------

type Obj = Record<string, unknown>;
function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function obj(v: unknown): Obj | null {
  return isObj(v) ? v : null;
}
function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function bool(v: unknown): boolean | null {
  return typeof v === 'boolean' ? v : null;
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
/** `{key: [...]}` or a bare array. */
function listOf(body: unknown, key: string): unknown[] {
  if (Array.isArray(body)) return body;
  const o = obj(body);
  return o ? arr(o[key]) : [];
}
function need<T>(v: T | null, what: string): T {
  if (v === null) throw new Error(`unexpected API answer: ${what} is missing`);
  return v;
}

// ---- shapes -----------------------------------------------------------------------------------

export interface EpochSummary {
  id: number;
  campaign_id: number | null;
  variant: string;
  outcome: string;
  round: number | null;
  started_at: string;
  ended_at: string | null;
  ops: number | null;
  throughput_mean: number | null;
  throughput_cv: number | null;
  rss_initial_bytes: number | null;
  rss_final_bytes: number | null;
  rss_peak_bytes: number | null;
  rss_drift_pct: number | null;
  rss_slope_bytes_per_hour: number | null;
  syscalls_per_op: number | null;
  lean_decommit: number | null;
  lean_retire: number | null;
}

function epochSummary(v: unknown): EpochSummary {
  const o = need(obj(v), 'epoch');
  return {
    id: need(num(o.id), 'epoch id'),
    campaign_id: num(o.campaign_id),
    variant: need(str(o.variant), 'epoch variant'),
    outcome: str(o.outcome) ?? 'unknown',
    round: num(o.round),
    started_at: str(o.started_at) ?? '',
    ended_at: str(o.ended_at),
    ops: num(o.ops),
    throughput_mean: num(o.throughput_mean),
    throughput_cv: num(o.throughput_cv),
    rss_initial_bytes: num(o.rss_initial_bytes),
    rss_final_bytes: num(o.rss_final_bytes),
    rss_peak_bytes: num(o.rss_peak_bytes),
    rss_drift_pct: num(o.rss_drift_pct),
    rss_slope_bytes_per_hour: num(o.rss_slope_bytes_per_hour),
    syscalls_per_op: num(o.syscalls_per_op),
    lean_decommit: num(o.lean_decommit),
    lean_retire: num(o.lean_retire),
  };
}

export interface EpochDetail extends EpochSummary {
  outcome_reason: string | null;
  exit_code: number | null;
  signal: string | null;
  stderr_tail: string | null;
  stderr_lines: number | null;
  allocator_reported: string | null;
  allocator_library_reported: string | null;
  allocator_version: string | null;
  allocator_profile: string | null;
  allocator_knobs: string | null;
  planned_ms: number | null;
  warmup_ms: number | null;
  analysis_note: string | null;
  host: string | null;
}

export interface Sample {
  t_ms: number;
  ops_per_sec: number | null;
  rss_bytes: number | null;
}

function sample(v: unknown): Sample | null {
  const o = obj(v);
  const t = o ? num(o.t_ms) : null;
  if (!o || t === null) return null;
  return { t_ms: t, ops_per_sec: num(o.ops_per_sec), rss_bytes: num(o.rss_bytes) };
}

export interface Comparison {
  baseline: string;
  candidate: string;
  goal: string | null;
}

export interface CampaignInfo {
  id: number;
  name: string;
  status: string;
  started_at: string | null;
  ended_at: string | null;
  /** Variant names in plan order (empty when the API does not list them). */
  variants: string[];
  comparisons: Comparison[];
  reference: string | null;
}

/** The plan as stored with the campaign: an object, or the JSON text of `plan_json`. */
function planOf(o: Obj): Obj | null {
  const p = obj(o.plan);
  if (p) return p;
  const text = str(o.plan_json);
  if (text) {
    try {
      return obj(JSON.parse(text));
    } catch {
      return null;
    }
  }
  return null;
}

function names(list: unknown[]): string[] {
  return list.map((v) => str(v) ?? str(obj(v)?.name)).filter((n): n is string => n !== null);
}

function campaign(v: unknown): CampaignInfo {
  const o = need(obj(v), 'campaign');
  const plan = planOf(o);
  const variants = names(arr(o.variants));
  const comparisons = arr(o.comparisons ?? plan?.comparisons)
    .map((c) => {
      const co = obj(c);
      const baseline = str(co?.baseline);
      const candidate = str(co?.candidate);
      return baseline && candidate ? { baseline, candidate, goal: str(co?.goal) } : null;
    })
    .filter((c): c is Comparison => c !== null);
  return {
    id: need(num(o.id ?? o.campaign_id), 'campaign id'),
    name: str(o.name) ?? str(plan?.name) ?? '(unnamed)',
    status: str(o.status) ?? 'unknown',
    started_at: str(o.started_at),
    ended_at: str(o.ended_at),
    variants: variants.length ? variants : names(arr(plan?.variants)),
    comparisons,
    reference: str(o.reference) ?? str(plan?.reference),
  };
}

export interface LiveEpoch {
  epoch_id: number;
  variant: string;
  round: number | null;
  started_at: string | null;
  planned_ms: number | null;
  elapsed_ms: number | null;
  last_sample: Sample | null;
}

export interface DaemonStatus {
  state: string;
  campaign_id: number | null;
  campaign_name: string | null;
  epochs_done: number | null;
  epochs_total: number | null;
  current: LiveEpoch | null;
  next_variant: string | null;
  next_round_at: string | null;
}

function liveEpoch(v: unknown): LiveEpoch | null {
  const o = obj(v);
  if (!o) return null;
  const id = num(o.epoch_id ?? o.id);
  const variant = str(o.variant);
  if (id === null || variant === null) return null;
  return {
    epoch_id: id,
    variant,
    round: num(o.round),
    started_at: str(o.started_at),
    planned_ms: num(o.planned_ms),
    elapsed_ms: num(o.elapsed_ms),
    last_sample: sample(o.last_sample),
  };
}

function status(v: unknown): DaemonStatus {
  const o = need(obj(v), 'status');
  const c = obj(o.campaign) ?? obj(o.running_campaign);
  return {
    state: str(o.state) ?? str(c?.state) ?? 'unknown',
    campaign_id: num(c?.campaign_id ?? c?.id ?? o.campaign_id),
    campaign_name: str(c?.name),
    epochs_done: num(c?.epochs_started ?? c?.epochs_done ?? o.epochs_done),
    epochs_total: num(c?.epochs_total ?? o.epochs_total),
    current: liveEpoch(o.current_epoch ?? c?.current_epoch ?? o.epoch),
    next_variant: str(o.next_variant ?? c?.next_variant),
    next_round_at: str(o.next_round_at ?? c?.next_round_at),
  };
}

export interface Reason {
  message: string;
  status: string | null;
  decisive: boolean;
}

function reasons(v: unknown): Reason[] {
  return arr(v).map((r) => {
    if (typeof r === 'string') return { message: r, status: null, decisive: false };
    const o = obj(r);
    return { message: str(o?.message) ?? JSON.stringify(r), status: str(o?.status), decisive: bool(o?.decisive) ?? false };
  });
}

export interface RatioEstimate {
  ratio: number | null;
  low: number | null;
  high: number | null;
}

function ratio(v: unknown): RatioEstimate | null {
  if (typeof v === 'number') return { ratio: v, low: null, high: null };
  const o = obj(v);
  if (!o) return null;
  const r = num(o.ratio ?? o.estimate);
  return r === null ? null : { ratio: r, low: num(o.low), high: num(o.high) };
}

export interface Verdict {
  verdict: string;
  decided_by: string | null;
  epochs_needed_per_arm: number | null;
  reasons: Reason[];
  /** 'cpu': ops per CPU-second of the workload; 'wall': per wall-clock second; null from an older daemon. */
  throughput_basis: string | null;
  throughput: RatioEstimate | null;
  rss_peak: RatioEstimate | null;
  rss_held: RatioEstimate | null;
  /** 'held' when the memory criteria read held RSS (judge_held_rss), else 'peak' (or null from an older daemon). */
  rss_basis: string | null;
}

function verdict(v: unknown): Verdict {
  const o = need(obj(v), 'comparison');
  return {
    verdict: need(str(o.verdict), 'verdict'),
    decided_by: str(o.decided_by),
    epochs_needed_per_arm: num(o.epochs_needed_per_arm),
    reasons: reasons(o.reasons),
    throughput_basis: str(o.throughput_basis),
    throughput: ratio(o.throughput ?? o.throughput_ratio),
    rss_peak: ratio(o.rss_peak ?? o.rss_peak_ratio),
    rss_held: ratio(o.rss_held),
    rss_basis: str(o.rss_basis),
  };
}

export interface Drift {
  variant: string;
  leak: boolean | null;
  drift: boolean | null;
  verdict: string | null;
  reasons: Reason[];
  slope_bytes_per_hour: number | null;
}

function drift(v: unknown, variant: string): Drift {
  const o = need(obj(v), 'drift');
  return {
    variant: str(o.variant) ?? variant,
    leak: bool(o.leak),
    drift: bool(o.drift),
    verdict: str(o.verdict),
    reasons: reasons(o.reasons),
    slope_bytes_per_hour: num(o.slope_bytes_per_hour),
  };
}

// ---- endpoints --------------------------------------------------------------------------------

export async function fetchCampaigns(): Promise<CampaignInfo[]> {
  return listOf(await getJson('/campaigns'), 'campaigns').map(campaign);
}

export async function fetchCampaign(id: number): Promise<CampaignInfo> {
  const body = await getJson(`/campaigns/${id}`);
  return campaign(obj(body)?.campaign ?? body);
}

/** A campaign's epochs, newest first; with `since` (ISO), only those started at or after it. */
export async function fetchEpochs(campaignId: number, since?: string, limit = 10_000): Promise<EpochSummary[]> {
  return listOf(await getJson('/epochs', { campaign: campaignId, since, limit }), 'epochs').map(epochSummary);
}

export async function fetchEpoch(id: number): Promise<EpochDetail> {
  const body = await getJson(`/epochs/${id}`);
  const o = need(obj(obj(body)?.epoch ?? body), 'epoch');
  const host = obj(o.host);
  return {
    ...epochSummary(o),
    outcome_reason: str(o.outcome_reason),
    exit_code: num(o.exit_code),
    signal: str(o.signal),
    stderr_tail: str(o.stderr_tail),
    stderr_lines: num(o.stderr_lines),
    allocator_reported: str(o.allocator_reported),
    allocator_library_reported: str(o.allocator_library_reported),
    allocator_version: str(o.allocator_version),
    allocator_profile: str(o.allocator_profile),
    allocator_knobs: str(o.allocator_knobs),
    planned_ms: num(o.planned_ms),
    warmup_ms: num(o.warmup_ms),
    analysis_note: str(o.analysis_note),
    host: host ? [str(host.hostname), str(host.kernel), str(host.cpu_model)].filter(Boolean).join(', ') : null,
  };
}

export interface SampleSeries {
  samples: Sample[];
  warmup_ms: number | null;
  /** The epoch's outcome when the samples were read (running while it runs). */
  outcome: string | null;
}

/** An epoch's samples (thinned by the daemon to at most ~1000 points), or only those after `afterTms`. */
export async function fetchSamples(epochId: number, afterTms?: number): Promise<SampleSeries> {
  const body = await getJson(`/epochs/${epochId}/samples`, { after_t_ms: afterTms });
  const o = obj(body);
  return {
    samples: listOf(body, 'samples')
      .map(sample)
      .filter((s): s is Sample => s !== null)
      .sort((a, b) => a.t_ms - b.t_ms),
    warmup_ms: num(o?.warmup_ms),
    outcome: str(o?.outcome),
  };
}

export async function fetchStatus(): Promise<DaemonStatus> {
  return status(await getJson('/status'));
}

/** The verdict of candidate vs baseline over the epochs of this campaign. */
export async function fetchCompare(baseline: string, candidate: string, campaign: number): Promise<Verdict> {
  return verdict(await getJson('/compare', { baseline, candidate, campaign }));
}

/** A variant's drift and leak judgement over the epochs of this campaign. */
export async function fetchDrift(variant: string, campaign: number): Promise<Drift> {
  return drift(await getJson('/drift', { variant, campaign }), variant);
}
