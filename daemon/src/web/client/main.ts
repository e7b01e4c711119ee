/**
 * The page's entry point: pick a campaign, draw it, and keep it current by polling the REST API
 * (/status every interval; the running epoch's samples with it; the epoch list, verdicts and drift
 * whenever an epoch ends). The poll interval is 2 s, or `?poll=MS` (250 ms at least).
 */
import {
  ApiError,
  fetchCampaign,
  fetchCampaigns,
  fetchEpochs,
  fetchSeries,
  fetchStatus,
  type CampaignDetail,
  type CampaignSummary,
  type EpochSummary,
  type StatusResponse,
} from './api.js';
import { loadPlotting } from './charts.js';
import { registerVariants } from './colors.js';
import { byId, errorNote, h, note } from './dom.js';
import { withDerivedFields, type ListedEpoch } from './fields.js';
import { clockTime } from '../../domain/format.js';
import { BisectView } from './views/bisects.js';
import { unavailable } from './views/common.js';
import { renderEpochs, type DuetPairs, type SeriesMarks } from './views/epochs.js';
import { loadHistory } from './views/history.js';
import { LiveView } from './views/live.js';
import { renderProgress } from './views/progress.js';
import { SeriesView } from './views/series.js';
import { renderSeriesChanges, seriesMarks } from './views/series-changes.js';
import { loadDrifts, renderSummary, type DriftResult } from './views/summary.js';
import { renderComparisons, renderReference } from './views/verdicts.js';
import { judgedNote, judgedOf, STALE_RETRY_MS } from './judged.js';

const POLL_MS = Math.max(250, Number(new URLSearchParams(location.search).get('poll')) || 2000);

const JUDGE_EVERY_MS = 30_000;

/**
 * Bisect runs are written by `allocsoak bisect`, another process the daemon knows nothing of: nothing in
 * /status says a run moved, so the list is asked for again at this pace (cheap: rows, no judging).
 */
const BISECTS_EVERY_MS = 30_000;

const state = {
  campaigns: [] as CampaignSummary[],
  campaign: null as CampaignDetail | null,
  /** The shown campaign's epochs, newest first. */
  epochs: [] as ListedEpoch[],
  status: null as StatusResponse | null,
  /** Identifies the finished epochs the judgements were computed on (recomputed when it changes). */
  judgedKey: '',
  judgedCampaign: null as number | null,
  judgedAt: 0,
  /** Set when some verdict shown was being judged again: asked for again then, whatever JUDGE_EVERY_MS says. */
  staleRetryAt: null as number | null,
  drifts: new Map<string, DriftResult>(),
  /** The shown campaign's series marks (GET /campaigns/:id/series), null until fetched. */
  series: null as SeriesMarks | null,
  lastContact: null as Date | null,
  down: false,
};

/**
 * Polls and campaign switches run one at a time: a switch in the middle of a refresh would otherwise
 * draw one campaign's epochs into the other's plots.
 */
let queue: Promise<void> = Promise.resolve();
function serial(fn: () => Promise<void>): Promise<void> {
  const run = queue.then(fn);
  queue = run.catch(() => undefined);
  return run;
}

const live = new LiveView(byId('live'));
const bisects = new BisectView(byId('bisects'));
let bisectsAt = 0;

async function refreshBisects(): Promise<void> {
  bisectsAt = Date.now();
  await bisects.refresh();
}
const series = new SeriesView(byId('series'));
const picker = byId('campaign-picker') as HTMLSelectElement;
const historyPicker = byId('history-variant') as HTMLSelectElement;

/** The history picker offers the shown campaign's variants (keeping the one chosen, if it is among them). */
function offerHistoryVariants(variants: readonly string[]): void {
  const chosen = historyPicker.value;
  historyPicker.replaceChildren(...variants.map((v) => h('option', { value: v, selected: v === chosen }, v)));
  historyPicker.disabled = variants.length === 0;
  if (variants.includes(chosen)) historyPicker.value = chosen;
}

/** The chosen variant's builds across every campaign (GET /history). */
async function refreshHistory(): Promise<void> {
  const variant = historyPicker.value;
  if (historyPicker.disabled || variant === '') {
    byId('history').replaceChildren(note('no variants yet'));
    return;
  }
  await loadHistory(byId('history'), variant);
}

function setConnection(ok: boolean, message?: string): void {
  const el = byId('connection');
  const banner = byId('banner');
  el.classList.toggle('bad', !ok);
  document.body.dataset.connection = ok ? 'ok' : 'down';
  if (ok) {
    state.lastContact = new Date();
    el.textContent = `updated ${clockTime(state.lastContact.toISOString())} · every ${POLL_MS / 1000} s`;
    banner.hidden = true;
  } else {
    el.textContent = 'daemon unreachable';
    banner.hidden = false;
    banner.textContent =
      `The daemon at ${location.origin} does not answer (${message ?? 'no response'}). Retrying every ${POLL_MS / 1000} s` +
      (state.lastContact ? `; what is shown is from ${clockTime(state.lastContact.toISOString())}.` : '.');
  }
}

function showError(err: unknown, what: string): void {
  if (err instanceof ApiError && err.unreachable) {
    state.down = true;
    setConnection(false, err.message);
  } else {
    const banner = byId('banner');
    banner.hidden = false;
    banner.textContent = unavailable(what, err);
  }
}

/** The campaign to show: the one in the URL (#campaign=N), else the running one, else the newest. */
function initialCampaign(): number | null {
  const fromHash = /campaign=(\d+)/.exec(location.hash)?.[1];
  const wanted = fromHash ? Number(fromHash) : null;
  if (wanted !== null && state.campaigns.some((c) => c.id === wanted)) return wanted;
  const running = state.status?.campaign?.id ?? null;
  if (running !== null && state.campaigns.some((c) => c.id === running)) return running;
  return [...state.campaigns].sort((a, b) => b.id - a.id)[0]?.id ?? null;
}

async function refreshCampaigns(): Promise<void> {
  state.campaigns = await fetchCampaigns();
  const sorted = [...state.campaigns].sort((a, b) => b.id - a.id);
  const selected = state.campaign?.id ?? null;
  picker.replaceChildren(
    ...(sorted.length === 0
      ? [h('option', { value: '' }, 'no campaigns yet')]
      : sorted.map((c) =>
          h('option', { value: c.id, selected: c.id === selected }, `#${c.id} ${c.name} — ${c.status}, started ${clockTime(c.started_at)}`),
        )),
  );
  picker.disabled = sorted.length === 0;
  if (selected !== null) picker.value = String(selected);
}

/** Draw a campaign from scratch (picker change, first load). */
async function showCampaign(id: number | null): Promise<void> {
  state.judgedKey = '';
  state.staleRetryAt = null;
  state.judgedCampaign = null;
  state.drifts = new Map();
  state.series = null;
  if (id === null) {
    state.campaign = null;
    state.epochs = [];
    live.reset([]);
    series.reset([]);
    for (const s of ['summary', 'epochs', 'comparisons', 'reference', 'series-changes', 'history'])
      byId(s).replaceChildren(note('no epochs yet'));
    document.body.dataset.campaign = '';
    return;
  }
  const detail = await fetchCampaign(id);
  state.campaign = detail;
  picker.value = String(id);
  if (location.hash !== `#campaign=${id}`) history.replaceState(null, '', `#campaign=${id}`);
  document.body.dataset.campaign = String(id);
  state.epochs = await loadEpochs(id);
  const variants = variantsOf(detail, state.epochs);
  registerVariants(variants);
  offerHistoryVariants(variants);
  live.reset(variants);
  series.reset(variants);
  await redrawEpochs();
}

/**
 * The campaign's epoch list. After the first load only the tail is fetched: epochs started at or after
 * the oldest one still running in the list (or the newest one), merged in by id, so an overnight
 * campaign of thousands of epochs is not re-read at every epoch end.
 */
async function loadEpochs(campaignId: number, known: readonly ListedEpoch[] = []): Promise<ListedEpoch[]> {
  const open = known.filter((e) => e.outcome === 'running');
  const pivot = open.length ? open[open.length - 1] : known[0];
  if (!pivot || known.some((e) => e.campaign_id !== campaignId)) return withDerivedFields(await fetchEpochs(campaignId));
  const merged = new Map<number, ListedEpoch | EpochSummary>(known.map((e) => [e.id, e]));
  for (const e of await fetchEpochs(campaignId, pivot.started_at)) merged.set(e.id, e);
  // Derived again over the whole list (a round is a rank in it).
  return withDerivedFields([...merged.values()].sort((a, b) => b.id - a.id));
}

/** Plan order, plus any variant seen in the epochs but not in the plan. */
function variantsOf(c: CampaignDetail, epochs: readonly ListedEpoch[]): string[] {
  const out = [...c.variants];
  for (const e of [...epochs].reverse()) if (!out.includes(e.variant)) out.push(e.variant);
  return out;
}

function runningHere(): StatusResponse | null {
  const s = state.status;
  return s !== null && state.campaign !== null && s.campaign?.id === state.campaign.id ? s : null;
}

/** A duet campaign's comparisons, by which the epoch table pairs the arms of each round (baseline first). */
function duetPairs(c: CampaignDetail): DuetPairs | null {
  return c.plan.mode === 'duet' ? { comparisons: c.plan.comparisons } : null;
}

/** Each variant's series (where a changed variant started over), shown under the summary and marked in the epoch table. */
async function loadSeries(c: CampaignDetail): Promise<void> {
  try {
    const s = await fetchSeries(c.id);
    if (state.campaign?.id !== c.id) return;
    state.series = seriesMarks(s);
    renderSeriesChanges(byId('series-changes'), s);
  } catch (err) {
    byId('series-changes').replaceChildren(errorNote(unavailable('series', err)));
  }
}

/** Everything that depends on the epoch list. */
async function redrawEpochs(): Promise<void> {
  const c = state.campaign;
  if (!c) return;
  await loadSeries(c);
  renderEpochs(byId('epochs'), state.epochs, { pairs: duetPairs(c), series: state.series });
  renderSummary(byId('summary'), variantsOf(c, state.epochs), state.epochs, state.drifts);
  series.update(state.epochs);
  await live.update(state.epochs, runningHere());
  await maybeJudge();
}

/**
 * Verdicts, reference ratios and leak flags, when the finished epochs changed. Judging runs statistics
 * in the daemon, which shares the machine with the workload: with short epochs, at most every
 * JUDGE_EVERY_MS (a campaign's first judgement is immediate).
 */
async function maybeJudge(): Promise<void> {
  const c = state.campaign;
  if (!c) return;
  const finished = state.epochs.filter((e) => e.outcome !== 'running');
  const key = `${c.id}:${finished.length}:${finished[0]?.id ?? ''}`;
  const retry = state.staleRetryAt !== null && Date.now() >= state.staleRetryAt;
  const due = retry || state.judgedCampaign !== c.id || Date.now() - state.judgedAt >= JUDGE_EVERY_MS;
  if ((key === state.judgedKey && !retry) || !due) return;
  state.staleRetryAt = null;
  state.judgedKey = key;
  state.judgedCampaign = c.id;
  state.judgedAt = Date.now();
  const variants = variantsOf(c, state.epochs);
  if (finished.length === 0) {
    for (const id of ['comparisons', 'reference']) byId(id).replaceChildren(note('no epochs yet'));
    byId('judged-at').textContent = '';
    await refreshHistory(); // earlier campaigns may have builds of these variants
    return;
  }
  const drifts = loadDrifts(variants, c.id).then((d) => {
    if (state.campaign?.id !== c.id) return [];
    state.drifts = d;
    renderSummary(byId('summary'), variantsOf(c, state.epochs), state.epochs, d);
    return judgedOf(d.values());
  });
  const judged = await Promise.all([
    drifts,
    renderComparisons(byId('comparisons'), c),
    renderReference(byId('reference'), { ...c, variants }),
    refreshHistory().then(() => []),
  ]);
  if (state.campaign?.id !== c.id) return;
  const shown = judgedNote(judged.flat(), finished.length, JUDGE_EVERY_MS / 1000);
  byId('judged-at').textContent = shown.text;
  if (shown.stale) state.staleRetryAt = Date.now() + STALE_RETRY_MS;
}

/** The ids of the epochs running at the last poll (both arms of a duet round). */
let lastEpochSeen = '';
let lastEpochsDone: number | null = null;
let lastRunningCampaign: number | null = null;

async function tick(): Promise<void> {
  let status: StatusResponse;
  try {
    status = await fetchStatus();
  } catch (err) {
    if (err instanceof ApiError && err.unreachable) {
      state.down = true;
      setConnection(false, err.message);
      return;
    }
    state.status = null;
    renderProgress(null, unavailable('progress', err), state.campaign?.id ?? null, (id) => void pick(id));
    return;
  }
  const wasDown = state.down;
  state.down = false;
  setConnection(true);
  state.status = status;
  renderProgress(status, null, state.campaign?.id ?? null, (id) => void pick(id));

  // A campaign we do not know yet (started since the page loaded, or the first one of an empty database).
  const runningCampaign = status.campaign?.id ?? null;
  if (runningCampaign !== null && !state.campaigns.some((c) => c.id === runningCampaign)) {
    await refreshCampaigns();
    if (state.campaign === null) await showCampaign(initialCampaign());
  }
  const here = runningHere();
  const epochsStarted = status.campaign?.epochs_started ?? null;
  const runningIds = status.current_epochs.map((e) => e.id).join(',');
  const epochChanged = runningIds !== lastEpochSeen || epochsStarted !== lastEpochsDone;
  // The shown campaign was running at the last poll and no longer is: its last epoch and status changed.
  const justEnded = state.campaign !== null && lastRunningCampaign === state.campaign.id && here === null;
  lastEpochSeen = runningIds;
  lastEpochsDone = epochsStarted;
  lastRunningCampaign = runningCampaign;
  if (justEnded) await refreshCampaigns();
  if (state.campaign !== null && (wasDown || justEnded || (here !== null && epochChanged))) {
    state.epochs = await loadEpochs(state.campaign.id, state.epochs);
    await redrawEpochs();
  } else {
    if (here !== null) await live.update(state.epochs, here);
    await maybeJudge(); // a judgement held back by the rate limit
  }
  if (Date.now() - bisectsAt >= BISECTS_EVERY_MS) await refreshBisects();
}

async function pick(id: number): Promise<void> {
  await serial(async () => {
    try {
      await showCampaign(id);
    } catch (err) {
      showError(err, `campaign #${id}`);
    }
  });
}

async function loop(): Promise<void> {
  try {
    await serial(tick);
  } catch (err) {
    showError(err, 'refresh');
  }
  window.setTimeout(() => void loop(), POLL_MS);
}

async function start(): Promise<void> {
  byId('epoch-dialog-close').addEventListener('click', () => (byId('epoch-dialog') as HTMLDialogElement).close());
  picker.addEventListener('change', () => void pick(Number(picker.value)));
  // Links to a campaign (#campaign=N: a bisect step's) show it, from the top of the page.
  window.addEventListener('hashchange', () => {
    const id = Number(/campaign=(\d+)/.exec(location.hash)?.[1]);
    if (!Number.isInteger(id) || id < 1 || id === state.campaign?.id) return;
    window.scrollTo(0, 0);
    void pick(id);
  });
  historyPicker.addEventListener('change', () => void refreshHistory());
  try {
    await loadPlotting();
  } catch (err) {
    byId('banner').hidden = false;
    byId('banner').textContent =
      `The plotting library could not be loaded from /assets/uplot/ (${(err as Error).message}); tables still work.`;
  }
  try {
    state.status = await fetchStatus().catch((err: unknown) => {
      if (err instanceof ApiError && err.unreachable) throw err;
      return null; // shown by the first tick
    });
    await refreshCampaigns();
    setConnection(true);
    await showCampaign(initialCampaign());
  } catch (err) {
    showError(err, 'campaigns');
    if (state.campaigns.length === 0) byId('summary').replaceChildren(errorNote(unavailable('campaigns', err)));
  }
  await refreshBisects(); // shows its own errors in its section
  document.body.dataset.ready = 'true';
  void loop();
}

void start();
