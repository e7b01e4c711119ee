/**
 * `allocsoak bisect` runs, as GET /api/v1/bisects and /bisects/:id give them: per run the range (good..bad),
 * the goal, the status, the culprit with its subject and the evidence (its step against its parent's), the
 * range's commits by what is known of each, and every step: the commit built, why, whether it built, its
 * verdict and ratio to the good build with the interval, the pairs judged, what it says of the commit, and a
 * link to the duet campaign that judged it (#campaign=N, which the page then shows).
 *
 * Runs are folded (<details>), the newest open; a run's steps are fetched when it is open. Not tied to the
 * shown campaign: the runs are of the whole database.
 */
import { fetchBisect, fetchBisects, type BisectDetail, type BisectSummary } from '../api.js';
import { errorNote, h, note, table } from '../dom.js';
import { clockTime, MISSING, ratioChangeWithInterval, shortCommit } from '../../../domain/format.js';
import { badge, clipped, unavailable } from './common.js';

type Step = BisectDetail['steps'][number];
type Commit = BisectDetail['commits'][number];

/** The status of a run in words, for its badge's title. */
const STATUS_WORDS: Record<BisectSummary['status'], string> = {
  running: 'running: steps are still being built and judged',
  found: 'found: the first commit that changed the measure',
  no_change: 'no change between the good and the bad end',
  inconclusive: 'inconclusive: no single culprit can be named',
  interrupted: 'interrupted: `allocsoak bisect --resume` takes it up',
  failed: 'failed',
};

const GOAL_WORDS: Record<BisectSummary['goal'], string> = {
  speed: 'the first commit that made it slower',
  memory: 'the first commit that made it hungrier',
};

const sha = (commit: string): HTMLElement => h('code', { class: 'sha', title: commit }, shortCommit(commit));

function rangeText(r: BisectSummary): HTMLElement {
  const end = (c: BisectSummary['good_commit'], rev: string): HTMLElement =>
    h('span', { title: c === null ? rev : `${rev}: ${c.commit} ${c.subject}` }, c === null ? rev : sha(c.commit));
  return h('span', { class: 'bisect-range-text' }, end(r.good_commit, r.good), '..', end(r.bad_commit, r.bad));
}

/** The fold's always-visible line: range, goal, status, the culprit when there is one. */
function summaryLine(r: BisectSummary): HTMLElement {
  return h(
    'summary',
    null,
    h('strong', null, `#${r.id} `),
    rangeText(r),
    h('span', { class: 'muted' }, ` (${r.good}..${r.bad}, ${r.commit_count} commits) · ${r.goal} · `),
    h('span', { title: STATUS_WORDS[r.status] }, badge(r.status, `bisect-${r.status}`)),
    r.culprit === null
      ? h('span', { class: 'muted' }, ` · ${r.step_count} step${r.step_count === 1 ? '' : 's'}`)
      : h('span', null, ' culprit ', sha(r.culprit.commit), ' ', r.culprit.subject ?? ''),
  );
}

/** The figures of one built step: "NO-GO, throughput per CPU-second −4.8 % [−5.3, −4.2] over 7 pairs (campaign #31)". */
function stepFigures(s: Step): string {
  if (!s.build_ok) return `the build failed${s.build_note === null ? '' : ` (${s.build_note})`}`;
  const ratio = s.ratio === null ? 'no ratio' : `${s.measure ?? 'ratio'} ${ratioChangeWithInterval(s.ratio, s.ratio_lo, s.ratio_hi)}`;
  const pairs = s.pairs === null ? '' : ` over ${s.pairs} pair${s.pairs === 1 ? '' : 's'}`;
  const campaign = s.campaign_id === null ? '' : ` (campaign #${s.campaign_id})`;
  return `${s.verdict ?? MISSING}, ${ratio}${pairs}${campaign}`;
}

/** The last step on a commit that built (what its outcome rests on), else its last step. */
function lastStep(steps: readonly Step[], commit: string): Step | undefined {
  const own = steps.filter((s) => s.commit_sha === commit);
  return own.filter((s) => s.build_ok).pop() ?? own.pop();
}

/** The culprit, its subject, and the evidence: its own step against the good build, and its parent's. */
function culpritBlock(run: BisectDetail): HTMLElement | string {
  const c = run.culprit;
  if (c === null) return '';
  const mine = lastStep(run.steps, c.commit);
  const lines: HTMLElement[] = [
    h('li', null, 'this commit: ', mine === undefined ? 'no step built it' : `${mine.outcome} — ${stepFigures(mine)}`),
  ];
  if (c.parent !== null) {
    const theirs = lastStep(run.steps, c.parent.commit);
    const isGood = run.good_commit?.commit === c.parent.commit;
    lines.push(
      h(
        'li',
        null,
        'its parent ',
        sha(c.parent.commit),
        ` ${c.parent.subject}: `,
        theirs === undefined
          ? isGood
            ? 'the good build itself, which every step is judged against'
            : 'no step built it'
          : `${theirs.outcome} — ${stepFigures(theirs)}`,
      ),
    );
  }
  return h(
    'div',
    { class: 'bisect-culprit', 'data-culprit': c.commit },
    h('div', null, 'Culprit: ', sha(c.commit), ' ', h('strong', null, c.subject ?? '(not in the range)')),
    h('ul', { class: 'evidence' }, ...lines),
  );
}

/** The range, oldest first, one square per commit coloured by what is known of it (culprit ringed). */
function rangeStrip(run: BisectDetail): HTMLElement {
  const counts = new Map<Commit['state'], number>();
  for (const c of run.commits) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  const chips = run.commits.map((c, i) =>
    h('span', {
      class: `commit-chip ${c.state}${c.commit === run.culprit?.commit ? ' culprit' : ''}`,
      'data-commit': c.commit,
      'data-state': c.state,
      title: `${shortCommit(c.commit)} ${c.subject}: ${i === 0 ? 'the good build' : c.state}`,
    }),
  );
  const tally = [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
  return h(
    'div',
    { class: 'bisect-range' },
    h('span', { class: 'muted' }, 'range, oldest first: '),
    h('span', { class: 'commit-chips' }, ...chips),
    h('span', { class: 'muted' }, ` ${tally}`),
  );
}

function buildCell(s: Step): HTMLElement {
  if (s.build_ok) return h('td', null, 'ok');
  const why = s.build_note ?? 'no note';
  return h('td', { class: 'build-failed', title: why }, badge('failed', 'bisect-build-failed'), clipped(why, 80, 'div'));
}

function stepRow(s: Step, i: number, culprit: string | null): HTMLElement {
  return h(
    'tr',
    {
      'data-step': s.id,
      'data-commit': s.commit_sha,
      'data-outcome': s.outcome,
      class: s.commit_sha === culprit ? 'culprit' : undefined,
    },
    h('td', { class: 'num' }, i + 1),
    h('td', null, sha(s.commit_sha), ' ', s.subject === null ? '' : clipped(s.subject, 70)),
    h('td', null, s.role),
    buildCell(s),
    h('td', null, s.verdict === null ? h('span', { class: 'muted' }, MISSING) : badge(s.verdict)),
    h(
      'td',
      { class: 'num', 'data-col': 'ratio' },
      ratioChangeWithInterval(s.ratio, s.ratio_lo, s.ratio_hi),
      s.measure === null ? '' : h('div', { class: 'muted' }, s.measure),
    ),
    h('td', { class: 'num' }, s.pairs ?? MISSING),
    h('td', null, badge(s.outcome, `outcome-${s.outcome}`)),
    h(
      'td',
      null,
      s.campaign_id === null
        ? h('span', { class: 'muted' }, MISSING)
        : h(
            'a',
            { href: `#campaign=${s.campaign_id}`, 'data-campaign': s.campaign_id, title: 'show this campaign on the page' },
            `#${s.campaign_id}`,
          ),
    ),
  );
}

/** A run's body: where it came from, the culprit and its evidence, the range, the steps. */
export function renderBisectBody(el: HTMLElement, run: BisectDetail): void {
  const facts = h(
    'dl',
    { class: 'facts' },
    h('dt', null, 'repository'),
    h('dd', null, h('code', null, run.repo)),
    h('dt', null, 'build'),
    h('dd', null, h('code', null, run.build_command), ' → ', h('code', null, run.library)),
    h('dt', null, 'goal'),
    h('dd', null, `${run.goal}: ${GOAL_WORDS[run.goal]}`),
    h('dt', null, 'ran'),
    h('dd', null, `${clockTime(run.started_at)} – ${run.ended_at === null ? 'still running' : clockTime(run.ended_at)}`),
    h('dt', null, 'outcome'),
    h('dd', { class: 'bisect-message' }, run.message ?? STATUS_WORDS[run.status]),
  );
  const steps =
    run.steps.length === 0
      ? note('no step yet')
      : table(
          ['#', 'commit', 'role', 'build', 'verdict', 'change vs good', 'pairs', 'outcome', 'campaign'].map((t) =>
            h('th', { class: t === '#' || t === 'pairs' || t === 'change vs good' ? 'num' : undefined }, t),
          ),
          run.steps.map((s, i) => stepRow(s, i, run.culprit?.commit ?? null)),
        );
  el.replaceChildren(facts, culpritBlock(run), rangeStrip(run), h('div', { class: 'table-wide' }, steps));
  el.dataset.loaded = 'true';
}

/** The section: the runs folded, newest open; kept as it is while nothing changed. */
export class BisectView {
  /** The list as last drawn: redrawn only when a run starts, takes a step or ends. */
  private drawn = '';
  /** Runs the reader has open (the newest opens by itself when it first appears). */
  private readonly open = new Set<number>();
  private readonly seen = new Set<number>();

  constructor(private readonly root: HTMLElement) {}

  async refresh(): Promise<void> {
    let runs: BisectSummary[];
    try {
      runs = await fetchBisects();
    } catch (err) {
      this.drawn = '';
      this.root.replaceChildren(errorNote(unavailable('bisect runs', err)));
      return;
    }
    const key = JSON.stringify(runs);
    if (key === this.drawn) return;
    this.drawn = key;
    this.root.dataset.runs = String(runs.length);
    if (runs.length === 0) {
      this.root.replaceChildren(note('No bisect runs (allocsoak bisect stores them in this database).'));
      return;
    }
    const newest = runs[0];
    if (newest !== undefined && !this.seen.has(newest.id)) this.open.add(newest.id);
    for (const r of runs) this.seen.add(r.id);
    const folds = runs.map((r) => this.fold(r));
    this.root.replaceChildren(...folds);
    await Promise.all(folds.filter((f) => f.open).map((f) => this.load(f)));
  }

  private fold(r: BisectSummary): HTMLDetailsElement {
    const body = h('div', { class: 'bisect-body' }, note('loading…'));
    const fold = h(
      'details',
      { class: 'bisect-run', 'data-bisect': r.id, 'data-status': r.status, open: this.open.has(r.id) },
      summaryLine(r),
      body,
    );
    fold.addEventListener('toggle', () => {
      if (fold.open) {
        this.open.add(r.id);
        void this.load(fold);
      } else this.open.delete(r.id);
    });
    return fold;
  }

  /** The run's steps, once per drawing of its fold. */
  private async load(fold: HTMLDetailsElement): Promise<void> {
    const body = fold.querySelector<HTMLElement>('.bisect-body');
    if (body === null || body.dataset.loaded !== undefined) return;
    body.dataset.loaded = 'loading';
    const id = Number(fold.dataset.bisect);
    try {
      renderBisectBody(body, await fetchBisect(id));
    } catch (err) {
      delete body.dataset.loaded; // tried again when reopened
      body.replaceChildren(errorNote(unavailable(`bisect run #${id}`, err)));
    }
  }
}
