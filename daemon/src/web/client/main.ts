/**
 * The page's entry point: pick a campaign, draw it, and keep it current by polling the REST API
 * (/status every interval; the running epoch's samples with it; the epoch list, verdicts and drift
 * whenever an epoch ends). The poll interval is 2 s, or `?poll=MS` (250 ms at least).
 */
import { ApiError, fetchCampaign, fetchCampaigns, fetchEpochs, fetchStatus, type CampaignInfo, type DaemonStatus, type EpochSummary } from './api.js';
import { loadPlotting } from './charts.js';
import { registerVariants } from './colors.js';
import { byId, errorNote, h, note } from './dom.js';
import { when } from './format.js';
import { unavailable } from './views/common.js';
import { renderEpochs } from './views/epochs.js';
import { LiveView } from './views/live.js';
import { renderProgress } from './views/progress.js';
import { SeriesView } from './views/series.js';
import { loadDrifts, renderSummary } from './views/summary.js';
import { renderComparisons, renderReference } from './views/verdicts.js';

const POLL_MS = Math.max(250, Number(new URLSearchParams(location.search).get('poll')) || 2000);

const state = {
  campaigns: [] as CampaignInfo[],
  campaign: null as CampaignInfo | null,
  epochs: [] as EpochSummary[],
  status: null as DaemonStatus | null,
  /** Identifies the finished epochs the judgements were computed on (recomputed when it changes). */
  judgedKey: '',
  lastContact: null as Date | null,
  down: false,
};

const live = new LiveView(byId('live'));
const series = new SeriesView(byId('series'));
const picker = byId('campaign-picker') as HTMLSelectElement;

function setConnection(ok: boolean, message?: string): void {
  const el = byId('connection');
  const banner = byId('banner');
  el.classList.toggle('bad', !ok);
  document.body.dataset.connection = ok ? 'ok' : 'down';
  if (ok) {
    state.lastContact = new Date();
    el.textContent = `updated ${when(state.lastContact.toISOString())} · every ${POLL_MS / 1000} s`;
    banner.hidden = true;
  } else {
    el.textContent = 'daemon unreachable';
    banner.hidden = false;
    banner.textContent =
      `The daemon at ${location.origin} does not answer (${message ?? 'no response'}). Retrying every ${POLL_MS / 1000} s` +
      (state.lastContact ? `; what is shown is from ${when(state.lastContact.toISOString())}.` : '.');
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
  const running = state.status?.campaign_id ?? null;
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
          h('option', { value: c.id, selected: c.id === selected }, `#${c.id} ${c.name} — ${c.status}${c.started_at ? `, started ${when(c.started_at)}` : ''}`),
        )),
  );
  picker.disabled = sorted.length === 0;
  if (selected !== null) picker.value = String(selected);
}

/** Draw a campaign from scratch (picker change, first load). */
async function showCampaign(id: number | null): Promise<void> {
  state.judgedKey = '';
  if (id === null) {
    state.campaign = null;
    state.epochs = [];
    live.reset([]);
    series.reset([]);
    for (const s of ['summary', 'epochs', 'comparisons', 'reference']) byId(s).replaceChildren(note('no epochs yet'));
    document.body.dataset.campaign = '';
    return;
  }
  const listed = state.campaigns.find((c) => c.id === id) ?? null;
  let detail: CampaignInfo | null = listed;
  try {
    detail = await fetchCampaign(id);
  } catch (err) {
    if (!listed) throw err;
  }
  if (detail === null) return;
  state.campaign = detail;
  picker.value = String(id);
  if (location.hash !== `#campaign=${id}`) history.replaceState(null, '', `#campaign=${id}`);
  document.body.dataset.campaign = String(id);
  state.epochs = await loadEpochs(id);
  const variants = variantsOf(detail, state.epochs);
  registerVariants(variants);
  live.reset(variants);
  series.reset(variants);
  await redrawEpochs();
}

/**
 * The epoch list carries no round; a variant's round is the 1-based rank of its epoch in the campaign
 * (the `round` column's definition), so it is derived from the complete list.
 */
function withRounds(epochs: EpochSummary[]): EpochSummary[] {
  const seen = new Map<string, number>();
  const rounds = new Map<number, number>();
  for (const e of [...epochs].sort((a, b) => a.id - b.id)) {
    const n = (seen.get(e.variant) ?? 0) + 1;
    seen.set(e.variant, n);
    rounds.set(e.id, n);
  }
  return epochs.map((e) => (e.round !== null ? e : { ...e, round: rounds.get(e.id) ?? null }));
}

async function loadEpochs(campaignId: number): Promise<EpochSummary[]> {
  return withRounds(await fetchEpochs(campaignId));
}

/** Plan order, plus any variant seen in the epochs but not listed (older plan versions). */
function variantsOf(c: CampaignInfo, epochs: readonly EpochSummary[]): string[] {
  const out = [...c.variants];
  for (const e of [...epochs].reverse()) if (!out.includes(e.variant)) out.push(e.variant);
  return out;
}

function runningHere(): DaemonStatus | null {
  const s = state.status;
  return s !== null && state.campaign !== null && s.campaign_id === state.campaign.id ? s : null;
}

/** Everything that depends on the epoch list. Judgements only when the finished epochs changed. */
async function redrawEpochs(): Promise<void> {
  const c = state.campaign;
  if (!c) return;
  const variants = variantsOf(c, state.epochs);
  renderEpochs(byId('epochs'), state.epochs);
  series.update(state.epochs);
  await live.update(state.epochs, runningHere());
  const finished = state.epochs.filter((e) => e.outcome !== 'running');
  const key = `${c.id}:${finished.length}:${finished[0]?.id ?? ''}`;
  if (key !== state.judgedKey) {
    state.judgedKey = key;
    if (finished.length === 0) {
      renderSummary(byId('summary'), variants, state.epochs, new Map());
      byId('comparisons').replaceChildren(note('no epochs yet'));
      byId('reference').replaceChildren(note('no epochs yet'));
      return;
    }
    renderSummary(byId('summary'), variants, state.epochs, new Map());
    const drifts = loadDrifts(variants).then((d) => renderSummary(byId('summary'), variants, state.epochs, d));
    await Promise.all([drifts, renderComparisons(byId('comparisons'), c), renderReference(byId('reference'), { ...c, variants })]);
  }
}

let lastEpochSeen: number | null = null;
let lastEpochsDone: number | null = null;

async function tick(): Promise<void> {
  let status: DaemonStatus;
  try {
    status = await fetchStatus();
  } catch (err) {
    if (err instanceof ApiError && err.unreachable) {
      state.down = true;
      setConnection(false, err.message);
      return;
    }
    state.status = null;
    renderProgress(null, unavailable('progress', err), state.campaign?.id ?? null, pick);
    return;
  }
  const wasDown = state.down;
  state.down = false;
  setConnection(true);
  state.status = status;
  renderProgress(status, null, state.campaign?.id ?? null, pick);

  // A campaign we do not know yet (started since the page loaded, or the first one of an empty database).
  if (status.campaign_id !== null && !state.campaigns.some((c) => c.id === status.campaign_id)) {
    await refreshCampaigns();
    if (state.campaign === null) await showCampaign(initialCampaign());
  }
  const here = runningHere();
  const epochChanged = (status.current?.epoch_id ?? null) !== lastEpochSeen || status.epochs_done !== lastEpochsDone;
  lastEpochSeen = status.current?.epoch_id ?? null;
  lastEpochsDone = status.epochs_done;
  if (state.campaign !== null && (wasDown || (here !== null && epochChanged) || state.epochs.some((e) => e.outcome === 'running' && e.id !== here?.current?.epoch_id))) {
    state.epochs = await loadEpochs(state.campaign.id);
    await redrawEpochs();
  } else if (here !== null) {
    await live.update(state.epochs, here);
  }
}

async function pick(id: number): Promise<void> {
  try {
    await showCampaign(id);
  } catch (err) {
    showError(err, `campaign #${id}`);
  }
}

async function loop(): Promise<void> {
  try {
    await tick();
  } catch (err) {
    showError(err, 'refresh');
  }
  window.setTimeout(() => void loop(), POLL_MS);
}

async function start(): Promise<void> {
  byId('epoch-dialog-close').addEventListener('click', () => (byId('epoch-dialog') as HTMLDialogElement).close());
  picker.addEventListener('change', () => void pick(Number(picker.value)));
  try {
    await loadPlotting();
  } catch (err) {
    byId('banner').hidden = false;
    byId('banner').textContent = `The plotting library could not be loaded from /assets/uplot/ (${(err as Error).message}); tables still work.`;
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
  document.body.dataset.ready = 'true';
  void loop();
}

void start();
