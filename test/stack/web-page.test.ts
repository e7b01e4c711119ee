/**
 * The daemon's web page in a real browser: a real `allocsoak daemon` on a short real campaign (glibc and
 * leanmalloc's lean profile running random_mixed with burst churn, and a variant whose workload crashes),
 * Debian's chromium driven by
 * playwright-core. The page must load without console errors, show every variant, hold data in its plots,
 * advance the live plot, open a crashed epoch's stderr tail in one click, and say so visibly when the
 * daemon goes away. A full-page screenshot is saved (path printed) to be looked at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { nativeBuildDir, packageRoot } from '../../daemon/src/paths/index.js';
import { summaryTable } from '../../daemon/src/cli/summary.js';
import { renderReport } from '../../daemon/src/report/index.js';
import { openStore } from '../../daemon/src/storage/index.js';
import { FOUND_COMMITS, RUNNING_COMMITS, seedBisects } from '../../daemon/test/helpers/bisects.js';
import { planFrom } from '../../daemon/test/helpers/env.js';
import { SURFACE_VARIANTS, seedSurfaces } from '../../daemon/test/helpers/surfaces.js';

const CLI = join(packageRoot(), 'dist', 'daemon', 'src', 'cli', 'main.js');
const FIXTURE = join(nativeBuildDir(), 'fixtures', 'protocol_fixture');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
const VARIANTS = ['glibc', 'lean', 'crasher'];
const VERDICTS = ['GO', 'NEUTRAL', 'NO-GO', 'INSUFFICIENT'];

const PLAN = `
name: web-page-test
epoch: 2s
warmup: 500ms
interval: 250ms
variants:
  - name: glibc
    allocator: glibc
    args: &churn ["--burst-mb", "16", "--burst-every-s", "0.5"]
  - name: lean
    allocator: leanmalloc
    env: { LEANMALLOC_PROFILE: lean }
    args: *churn
  - name: crasher
    command: [${JSON.stringify(FIXTURE)}, "--mode", "crash", "--after-ms", "1000", "--interval-ms", "250"]
comparisons:
  - { baseline: glibc, candidate: lean, goal: memory }
reference: glibc
`;

interface Daemon {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Start the real daemon on a free port (--port 0) and read the URL it prints. */
async function startDaemon(dir: string): Promise<Daemon> {
  const plan = join(dir, 'plan.yaml');
  writeFileSync(plan, PLAN);
  return startServer(['daemon', '--plan', plan, '--db', join(dir, 'soak.db'), '--port', '0']);
}

/** Start `allocsoak ARGS` (daemon or serve) and read the URL it prints. */
async function startServer(args: string[]): Promise<Daemon> {
  const env = { ...process.env };
  delete env['ALLOCSOAK_TOKEN'];
  const child = spawn(process.execPath, [CLI, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the daemon printed no URL within 15 s:\n${out}`)), 15_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the daemon exited (${code ?? signal}) before serving:\n${out}`));
    });
  });
  return { child, url, output: () => out };
}

async function stopDaemon(d: Daemon): Promise<number | null> {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return d.child.exitCode;
  const exited = new Promise<number | null>((resolve) => d.child.once('exit', (code) => resolve(code)));
  d.child.kill('SIGTERM');
  const timer = setTimeout(() => d.child.kill('SIGKILL'), 15_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/** Pids of live processes whose command line mentions `needle` (our temp dir: daemon, chromium profile). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle)) pids.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat); // a zombie has exited
  } catch {
    return false;
  }
}

/** data-points of every plot, by data-plot name. */
async function plotPoints(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() =>
    Object.fromEntries(
      Array.from(document.querySelectorAll<HTMLElement>('[data-plot]')).map((el) => [el.dataset.plot ?? '', Number(el.dataset.points)]),
    ),
  );
}

/** The live card (the running epoch's variant): its variant, epoch and RSS points, and what the progress line says. */
async function liveCard(page: Page): Promise<{
  variant: string;
  epoch: string;
  points: number;
  progressVariant: string;
  progressEpoch: string;
  progressText: string;
} | null> {
  return page.evaluate(() => {
    const card = document.querySelector<HTMLElement>('#live article.card[data-live="true"]');
    if (!card) return null;
    const plot = card.querySelector<HTMLElement>('[data-plot^="live-rss:"]');
    const progress = document.getElementById('progress');
    return {
      variant: card.dataset.variant ?? '',
      epoch: card.dataset.epoch ?? '',
      points: Number(plot?.dataset.points ?? 0),
      progressVariant: progress?.dataset.variant ?? '',
      progressEpoch: progress?.dataset.epoch ?? '',
      progressText: progress?.textContent ?? '',
    };
  });
}

test('the web page shows a real short campaign live in Debian chromium', { timeout: 90_000 }, async (t) => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium`);
  assert.ok(existsSync(FIXTURE), `${FIXTURE} missing: npm run build`);
  const dir = mkdtempSync(join(tmpdir(), 'allocsoak-web-'));
  const screenshot = join(tmpdir(), `allocsoak-web-page-${process.pid}.png`);
  let daemon: Daemon | null = null;
  let context: BrowserContext | null = null;
  let workloadPids: number[] = [];
  let leftovers: number[];
  let workloadsLeft: number[];
  try {
    daemon = await startDaemon(dir);
    context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));

    const response = await page.goto(`${daemon.url}/?poll=300`);
    assert.equal(response?.status(), 200);
    assert.match(response?.headers()['content-security-policy'] ?? '', /default-src 'self'/);
    assert.equal(await page.title(), 'allocsoak');

    // Every variant's card has samples, and completed epochs fill the per-epoch series (the page updates
    // itself: it was opened before any epoch had finished).
    await page.waitForFunction(
      (variants) => {
        const pts = (name: string): number => Number(document.querySelector<HTMLElement>(`[data-plot="${name}"]`)?.dataset.points ?? 0);
        return (
          variants.every((v) => pts(`live-rss:${v}`) > 0 && pts(`live-ops:${v}`) > 0) &&
          pts('series:throughput') >= 2 &&
          document.querySelector('tr[data-outcome="crashed"]') !== null
        );
      },
      VARIANTS,
      { timeout: 40_000, polling: 250 },
    );

    // A database without bisect runs says so in one line.
    await page.waitForSelector('#bisects[data-runs="0"]', { timeout: 10_000 });
    assert.match((await page.textContent('#bisects')) ?? '', /^No bisect runs/);

    // Every variant of the plan, in plan order, in the cards, the summary, the legend.
    const shown = await page.evaluate(() => ({
      cards: Array.from(document.querySelectorAll<HTMLElement>('#live article.card')).map((c) => c.dataset.variant),
      summary: Array.from(document.querySelectorAll<HTMLElement>('#summary tr[data-variant]')).map((r) => r.dataset.variant),
      legend: Array.from(document.querySelectorAll<HTMLElement>('#legend [data-variant]')).map((r) => r.dataset.variant),
      picker: Array.from(document.querySelectorAll<HTMLOptionElement>('#campaign-picker option')).map((o) => o.textContent ?? ''),
    }));
    assert.deepEqual(shown.cards, VARIANTS);
    assert.deepEqual(shown.summary, VARIANTS);
    assert.deepEqual(shown.legend, VARIANTS);
    assert.equal(shown.picker.length, 1);
    assert.match(shown.picker[0] ?? '', /#1 web-page-test — running/);

    // (The waitForFunction above is the proof that every live plot held data at once: re-reading them here
    // could catch a card whose new epoch has just started with no sample yet.)
    const points = await plotPoints(page);
    for (const name of ['series:throughput', 'series:rss', 'series:drift', 'series:syscalls'])
      assert.ok((points[name] ?? 0) >= 2, `${name} holds ${points[name]} points`);
    // Only leanmalloc reports its counters: lean's epochs fill those plots, and its churn made it decommit.
    for (const name of ['series:lean_decommit', 'series:lean_retire'])
      assert.ok((points[name] ?? 0) >= 1, `${name} holds ${points[name]} points`);
    const decommits = await page.textContent('#summary tr[data-variant="lean"] td[data-col="lean_decommit"]');
    assert.ok(Number((decommits ?? '').replace(/,/g, '')) > 0, `lean's lean_decommit sum shown: ${decommits}`);
    assert.equal(await page.textContent('#summary tr[data-variant="glibc"] td[data-col="lean_decommit"]'), '–');
    t.diagnostic(`plot points: ${JSON.stringify(points)}`);

    // The live plot advances: the running epoch's point count grows between two reads of the same epoch,
    // and the progress line names that epoch, its variant and the planned length.
    let grew: string | null = null;
    const deadline = Date.now() + 15_000;
    while (grew === null && Date.now() < deadline) {
      const first = await liveCard(page);
      await page.waitForTimeout(800);
      const second = await liveCard(page);
      if (first && second && first.epoch === second.epoch && second.points > first.points && second.progressEpoch === second.epoch) {
        assert.equal(second.progressVariant, second.variant);
        assert.match(second.progressText, /of 2 s \(\d+ %\)/);
        grew = `${first.variant} epoch ${first.epoch}: ${first.points} → ${second.points} points`;
      }
    }
    assert.ok(grew !== null, 'the live plot never advanced within 15 s');
    t.diagnostic(`live plot advanced: ${grew}`);

    // Comparisons: the plan's one comparison, judged by /compare.
    const verdict = await page.getAttribute('#comparisons tr[data-candidate="lean"][data-baseline="glibc"]', 'data-verdict');
    assert.ok(verdict !== null && VERDICTS.includes(verdict), `comparison verdict shown: ${verdict}`);
    // Where its epochs came from: this campaign (the series starts with it in this fresh database).
    const from = page.locator('#comparisons tr[data-candidate="lean"][data-baseline="glibc"] [data-campaigns]');
    assert.match((await from.textContent()) ?? '', /^epochs from campaign \d+$/);

    // History across builds: the picker offers the plan's variants; lean's library (leanmalloc from the native
    // build, inside this git checkout) is one build, named by its label or commit, with its hash.
    assert.deepEqual(await page.$$eval('#history-variant option', (os) => os.map((o) => (o as HTMLOptionElement).value)), VARIANTS);
    await page.selectOption('#history-variant', 'lean');
    await page.waitForFunction(
      () => /sha256 [0-9a-f]{12}/.test(document.querySelector('#history tr[data-build="1"]')?.textContent ?? ''),
      null,
      {
        timeout: 10_000,
      },
    );
    t.diagnostic(`history: ${(await page.textContent('#history tr[data-build="1"]')) ?? ''}`);

    // One click from a crashed epoch to its stderr tail.
    await page.click('tr[data-outcome="crashed"] button');
    await page.waitForSelector('#epoch-dialog[open][data-loaded="true"]', { timeout: 10_000 });
    const stderr = await page.textContent('#epoch-dialog pre.stderr');
    assert.match(stderr ?? '', /protocol_fixture: crash line 1 before dying/);
    assert.match((await page.textContent('#epoch-dialog-body')) ?? '', /SIGSEGV/);
    await page.screenshot({ path: join(dir, 'dialog.png') });
    await page.click('#epoch-dialog-close');

    // A completed epoch's details say what it ran: leanmalloc, its profile and knobs.
    await page.click('tr[data-outcome="completed"]:has([data-variant="lean"]) button');
    await page.waitForSelector('#epoch-dialog[open][data-loaded="true"]', { timeout: 10_000 });
    const details = (await page.textContent('#epoch-dialog-body')) ?? '';
    assert.match(details, /allocator \(as run\)leanmalloc, profile lean \(/);
    assert.match(details, /LEANMALLOC_PROFILE=lean LEANMALLOC_LEAN=1 LEANMALLOC_DECOMMIT=DONTNEED/);
    await page.click('#epoch-dialog-close');

    await page.screenshot({ path: screenshot, fullPage: true });
    t.diagnostic(`screenshot: ${screenshot}`);
    console.log(`web page screenshot: ${screenshot}`);

    assert.deepEqual(consoleErrors, [], 'console errors while the daemon ran');

    // The daemon goes away: the page says so instead of showing stale data silently.
    const status = (await (await fetch(`${daemon.url}/api/v1/status`)).json()) as { current_epoch: { workload_pid: number | null } | null };
    workloadPids = status.current_epoch?.workload_pid ? [status.current_epoch.workload_pid] : [];
    assert.equal(await stopDaemon(daemon), 0, `daemon exit code on SIGTERM\n${daemon.output().slice(-2000)}`);
    await page.waitForSelector('body[data-connection="down"] #banner:not([hidden])', { timeout: 10_000 });
    assert.match((await page.textContent('#banner')) ?? '', /does not answer/);
  } finally {
    await context?.close();
    if (daemon) await stopDaemon(daemon);
    leftovers = processesMentioning(dir);
    workloadsLeft = workloadPids.filter(alive);
    rmSync(dir, { recursive: true, force: true });
  }
  // No leftover processes: not the daemon, not chromium (its profile is in dir), not the workload.
  assert.deepEqual(leftovers, [], 'processes left running');
  assert.deepEqual(workloadsLeft, [], 'workload left running');
});

test(
  'over a stored campaign (serve): the page says UNDECIDED with the held drift, never CLEAN, and ranks throughput as the report and the CLI do',
  { timeout: 60_000 },
  async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium`);
    const dir = mkdtempSync(join(tmpdir(), 'allocsoak-web-surfaces-'));
    const db = join(dir, 'surfaces.db');
    const store = openStore(db);
    const campaign = seedSurfaces(store);
    const variants = Object.keys(SURFACE_VARIANTS);
    // What the report and `allocsoak run`'s summary say is fastest, over the same rows.
    const md = renderReport(store, { format: 'md', campaign });
    const cliSummary = summaryTable(variants, store.epochs.listRows({ campaign }).reverse());
    store.close();
    let server: Daemon | null = null;
    let context: BrowserContext | null = null;
    try {
      server = await startServer(['serve', '--db', db, '--port', '0']);
      context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1400, height: 900 },
      });
      const page = context.pages()[0] ?? (await context.newPage());
      const consoleErrors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`);
      });
      page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
      assert.equal((await page.goto(`${server.url}/`))?.status(), 200);
      await page.waitForFunction(
        (n) =>
          document.querySelectorAll('#summary [data-drift-verdict]').length === n &&
          document.querySelectorAll('#reference tr[data-variant]').length === n - 1 &&
          document.querySelector('#comparisons tr[data-verdict]') !== null,
        variants.length,
        { timeout: 30_000, polling: 250 },
      );
      const shown = await page.evaluate(() => {
        const rows = Array.from(document.querySelectorAll<HTMLElement>('#summary tr[data-variant]'));
        const fastest = document.getElementById('fastest');
        return {
          drift: Object.fromEntries(
            rows.map((r) => [
              r.dataset.variant ?? '',
              {
                verdict: r.querySelector<HTMLElement>('[data-drift-verdict]')?.dataset.driftVerdict ?? '',
                figure: r.querySelector('.drift-figure')?.textContent ?? '',
              },
            ]),
          ),
          lead: Object.fromEntries(
            rows.map((r) => {
              const td = r.querySelector<HTMLElement>('td[data-col="throughput"]');
              return [r.dataset.variant ?? '', { text: td?.textContent ?? '', basis: td?.dataset.basis ?? '' }];
            }),
          ),
          order: fastest?.dataset.order ?? '',
          basis: fastest?.dataset.basis ?? '',
          fastestText: fastest?.textContent ?? '',
          summaryText: document.getElementById('summary')?.textContent ?? '',
          cleanBadges: document.querySelectorAll('.badge.CLEAN').length,
          comparisonBasis: document.querySelector<HTMLElement>('#comparisons [data-basis]')?.dataset.basis ?? '',
          referenceSpeed: document.querySelector('#reference tr[data-variant="speed"] td.num')?.textContent ?? '',
        };
      });
      // (b) glibc's endpoints drift +3338 % and +3496 %, lean's held memory +17 %: UNDECIDED with the held drift, never CLEAN.
      for (const v of variants) assert.equal(shown.drift[v]?.verdict, 'UNDECIDED', `${v}: ${JSON.stringify(shown.drift[v])}`);
      assert.equal(shown.cleanBadges, 0);
      assert.doesNotMatch(shown.summaryText, /no drift/i);
      assert.match(shown.drift['glibc']?.figure ?? '', /^held-memory drift \+0\.\d+ % per epoch \(too few epochs for an interval\)$/);
      assert.match(shown.drift['lean']?.figure ?? '', /^held-memory drift \+17\.\d+ % per epoch/);
      // (c) One answer to "which is faster": per CPU-second, as the verdict's ratio, the report and the CLI.
      assert.equal(shown.basis, 'cpu');
      assert.equal(shown.comparisonBasis, 'cpu');
      assert.equal(shown.lead['speed']?.basis, 'cpu');
      assert.match(shown.lead['speed']?.text ?? '', /^91\.7 M/);
      assert.match(shown.lead['mimalloc']?.text ?? '', /^100 M/);
      assert.match(shown.referenceSpeed, /^91\.7 % \(no interval yet: too few epochs\)/, 'the reference ratio says why it has no interval');
      const reportOrder = /Fastest first: ([^.]+)\./.exec(md)?.[1]?.split(', ');
      const cliOrder = /fastest first \(per CPU-second\): (.+)\n/.exec(cliSummary)?.[1]?.split(', ');
      assert.deepEqual(shown.order.split(','), ['mimalloc', 'speed', 'glibc', 'lean']);
      assert.deepEqual(reportOrder, shown.order.split(','), 'the report ranks as the page');
      assert.deepEqual(cliOrder, shown.order.split(','), 'the CLI ranks as the page');
      assert.match(shown.fastestText, /Fastest first, per CPU-second: mimalloc, speed, glibc, lean\./);
      assert.deepEqual(consoleErrors, [], 'console errors');
      await page.screenshot({ path: join(tmpdir(), `allocsoak-web-surfaces-${process.pid}.png`), fullPage: true });
    } finally {
      await context?.close();
      if (server) await stopDaemon(server);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

const DUET_PLAN = {
  name: 'duet-page-test',
  mode: 'duet',
  epoch: '2s',
  warmup: '500ms',
  interval: '250ms',
  variants: [
    { name: 'base', allocator: 'glibc', args: ['--spin-iters', '20'] },
    { name: 'cand', allocator: 'leanmalloc', args: ['--spin-iters', '20'] },
    { name: 'other', allocator: 'glibc', args: ['--spin-iters', '25'] },
  ],
  // Two comparisons take rounds in turn; base is the baseline of one and the candidate of the other.
  comparisons: [
    { baseline: 'base', candidate: 'cand', goal: 'speed' },
    { baseline: 'other', candidate: 'base', goal: 'speed' },
  ],
};

/** Each round's arms as the page must order them: the baseline of the comparison they ran first. */
const DUET_PAIRS = ['base,cand', 'other,base'];

test(
  'a duet campaign: both arms live at once, the epoch table pairs a round with its ratio, and a rebuilt library is a new series',
  { timeout: 90_000 },
  async (t) => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium`);
    const dir = mkdtempSync(join(tmpdir(), 'allocsoak-web-duet-'));
    const db = join(dir, 'duet.db');
    // Campaign 1, stored before: one epoch of cand under an earlier build of its library (another sha256,
    // so another series); the same plan otherwise.
    const resolved = planFrom(DUET_PLAN);
    const store = openStore(db);
    const old = store.campaigns.create({ source: 'earlier', plan: resolved.plan, epochs_per_variant: 1 });
    const cand = resolved.variants.find((v) => v.name === 'cand')!;
    const oldEpoch = store.epochs.start({
      campaign_id: old,
      variant_id: store.variants.upsert(old, cand, cand.library),
      variant: 'cand',
      round: 1,
      planned_ms: 2000,
      warmup_ms: 500,
      interval_ms: 250,
      started_at: new Date(Date.now() - 3600_000).toISOString(),
      allocator_sha256: 'a'.repeat(64),
      series_sha256: 'b'.repeat(64),
    });
    store.epochs.finish(oldEpoch, { outcome: 'completed', throughput_mean: 1e6, throughput_cpu: 1e6 });
    store.campaigns.finish(old, 'completed');
    store.close();
    writeFileSync(join(dir, 'plan.yaml'), JSON.stringify(DUET_PLAN)); // JSON is YAML
    let daemon: Daemon | null = null;
    let context: BrowserContext | null = null;
    try {
      daemon = await startServer(['daemon', '--plan', join(dir, 'plan.yaml'), '--db', db, '--port', '0']);
      context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1400, height: 900 },
      });
      const page = context.pages()[0] ?? (await context.newPage());
      const consoleErrors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`);
      });
      page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
      assert.equal((await page.goto(`${daemon.url}/?poll=300`))?.status(), 200);

      // Both arms of a round live at the same time: two live cards with samples, a progress line each, both
      // of one round (read in the same instant: the rounds of the two lines at the moment the rest holds).
      const liveRounds = await page.waitForFunction(
        (pairs) => {
          const live = Array.from(document.querySelectorAll<HTMLElement>('#live article.card[data-live="true"]'));
          const lines = Array.from(document.querySelectorAll<HTMLElement>('#progress .running-epoch'));
          const ok =
            live.length === 2 &&
            live.every((c) => Number(c.querySelector<HTMLElement>('[data-plot^="live-ops:"]')?.dataset.points ?? 0) > 0) &&
            pairs.includes(lines.map((e) => e.dataset.variant).join(','));
          return ok ? lines.map((e) => e.dataset.round ?? '') : false;
        },
        DUET_PAIRS,
        { timeout: 40_000, polling: 200 },
      );
      const rounds = (await liveRounds.jsonValue()) as string[];
      assert.ok(rounds[0] !== '' && rounds[0] === rounds[1], `both arms of one round: ${rounds.join(', ')}`);

      // Finished rounds of both comparisons: each round's two arms on adjacent rows, the baseline of the
      // comparison they ran first (base leads one pair and follows in the other), with the round's ratio.
      await page.waitForFunction(() => document.querySelectorAll('#epochs tr.pair-first td.pair-ratio[data-ratio]').length >= 2, null, {
        timeout: 40_000,
        polling: 250,
      });
      await page.waitForSelector('#series-changes li[data-variant="cand"][data-changed="true"]', { timeout: 10_000 });
      const table = await page.evaluate(() => ({
        pairs: Array.from(document.querySelectorAll<HTMLElement>('#epochs tr.pair-first:has(td.pair-ratio[data-ratio])')).map((first) => {
          const next = first.nextElementSibling as HTMLElement;
          const cell = first.querySelector<HTMLElement>('td.pair-ratio')!;
          return {
            round: [first.dataset.round, next.dataset.round],
            epochs: [Number(first.dataset.epoch), Number(next.dataset.epoch)],
            variants: [first, next].map(
              (r) => r.querySelector<HTMLElement>('td[data-col="variant"] [data-variant]')?.dataset.variant ?? '',
            ),
            nextClass: next.className,
            ratio: Number(cell.dataset.ratio),
            basis: cell.dataset.basis,
            rowspan: cell.getAttribute('rowspan'),
            text: cell.textContent ?? '',
          };
        }),
        seriesStart: Array.from(document.querySelectorAll<HTMLElement>('#epochs tr[data-series-start]')).map((r) =>
          Number(r.dataset.epoch),
        ),
        series: Object.fromEntries(
          Array.from(document.querySelectorAll<HTMLElement>('#series-changes li[data-variant]')).map((li): [string, string] => [
            li.dataset.variant ?? '',
            li.textContent ?? '',
          ]),
        ),
      }));
      t.diagnostic(`pairs: ${JSON.stringify(table)}`);
      const listed = (await (await fetch(`${daemon.url}/api/v1/epochs?campaign=2&limit=100`)).json()) as {
        epochs: Array<{ id: number; variant: string; round: number; throughput_cpu: number | null; series_sha256: string | null }>;
      };
      assert.deepEqual(
        [...new Set(table.pairs.map((p) => p.variants.join(',')))].sort(),
        [...DUET_PAIRS].sort(),
        'rounds of both comparisons, each baseline first',
      );
      for (const pair of table.pairs) {
        assert.equal(pair.round[0], pair.round[1], 'the two rows are one round');
        assert.match(pair.nextClass, /pair-rest/);
        assert.equal(pair.rowspan, '2');
        assert.equal(pair.basis, 'cpu');
        // The ratio is the arms' own epoch values, as GET /epochs lists them: candidate / baseline.
        const [b, c] = pair.epochs.map((id) => listed.epochs.find((e) => e.id === id)!);
        assert.deepEqual([b!.variant, c!.variant, b!.round, c!.round], [...pair.variants, Number(pair.round[0]), Number(pair.round[0])]);
        assert.ok(Math.abs(pair.ratio - c!.throughput_cpu! / b!.throughput_cpu!) < 1e-5, `${pair.ratio} vs the epochs' values`);
        assert.match(pair.text, /^\d\.\d{4} \([+−]?[\d.]+ %\)$/);
      }

      // The rebuilt library: a new series since this campaign's first cand epoch, saying what changed.
      const firstCand = Math.min(...listed.epochs.filter((e) => e.variant === 'cand').map((e) => e.id));
      assert.match(
        table.series['cand'] ?? '',
        new RegExp(
          `new series since campaign 2 \\(epoch #${firstCand}\\): allocator library \\(sha256 aaaaaaaaaaaa → [0-9a-f]{12}\\) changed since campaign 1, epoch #${oldEpoch}; \\d+ epochs? in it so far \\(verdicts count the completed ones\\)`,
        ),
      );
      assert.match(table.series['base'] ?? '', /series [0-9a-f]{12} begins in this campaign/);
      assert.match(table.series['other'] ?? '', /series [0-9a-f]{12} begins in this campaign/);
      assert.deepEqual(table.seriesStart, [firstCand], 'the first epoch of the new series is marked in the table');

      // A round's per-interval ratios over REST, with its comparison's roles: about 6 intervals of 250 ms after
      // the 500 ms warm-up.
      const pair = table.pairs.find((p) => p.variants[0] === 'other')!;
      const intervals = (await (await fetch(`${daemon.url}/api/v1/campaigns/2/duet-intervals?round=${pair.round[0]}`)).json()) as {
        rounds: Array<{ baseline: { variant: string }; candidate: { variant: string }; basis: string; intervals: unknown[] }>;
      };
      assert.equal(intervals.rounds.length, 1);
      assert.deepEqual([intervals.rounds[0]!.baseline.variant, intervals.rounds[0]!.candidate.variant], ['other', 'base']);
      assert.ok(intervals.rounds[0]!.intervals.length >= 3, `${intervals.rounds[0]!.intervals.length} intervals`);
      // An arm's details summarise its round's interval ratios, as many as the route has.
      await page.click(`#epochs tr[data-epoch="${pair.epochs[1]}"] button`);
      await page.waitForSelector('#epoch-dialog[open][data-loaded="true"]', { timeout: 10_000 });
      const summary = page.locator('#epoch-dialog [data-role="duet-intervals"]');
      assert.equal(Number(await summary.getAttribute('data-count')), intervals.rounds[0]!.intervals.length);
      assert.match((await summary.textContent()) ?? '', /^base \/ other per CPU-second over \d+ intervals: median \d\.\d{4}, middle half /);
      await page.click('#epoch-dialog-close');
      await page.screenshot({ path: join(tmpdir(), `allocsoak-web-duet-${process.pid}.png`), fullPage: true });
      assert.deepEqual(consoleErrors, [], 'console errors');
    } finally {
      await context?.close();
      if (daemon) await stopDaemon(daemon);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'bisect runs (serve): the culprit with its subject and evidence, the range, every step with its build, verdict, change and campaign',
  { timeout: 60_000 },
  async (t) => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium`);
    const dir = mkdtempSync(join(tmpdir(), 'allocsoak-web-bisect-'));
    const db = join(dir, 'bisect.db');
    const store = openStore(db);
    const seeded = seedBisects(store);
    store.close();
    let server: Daemon | null = null;
    let context: BrowserContext | null = null;
    try {
      server = await startServer(['serve', '--db', db, '--port', '0']);
      context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1400, height: 900 },
      });
      const page = context.pages()[0] ?? (await context.newPage());
      const consoleErrors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`);
      });
      page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
      assert.equal((await page.goto(`${server.url}/`))?.status(), 200);

      // Both runs, newest first; the newest (running) is open with its steps, the older one folded.
      const running = `#bisects details.bisect-run[data-bisect="${seeded.running}"]`;
      const found = `#bisects details.bisect-run[data-bisect="${seeded.found}"]`;
      await page.waitForSelector(`${running}[open] .bisect-body[data-loaded="true"]`, { timeout: 15_000 });
      assert.deepEqual(
        await page.$$eval('#bisects details.bisect-run', (ds) =>
          ds.map((d) => [(d as HTMLElement).dataset.status, (d as HTMLDetailsElement).open]),
        ),
        [
          ['running', true],
          ['found', false],
        ],
      );
      // The running run's failed build: its note in the cell and on hover; no campaign.
      const failedRunning = page.locator(`${running} tr[data-commit="${RUNNING_COMMITS.Y.commit}"] td.build-failed`);
      assert.equal(await failedRunning.getAttribute('title'), 'exit 1: make: *** No rule to make target lib');
      assert.match(
        (await page.textContent(`${running} tr[data-commit="${RUNNING_COMMITS.Z.commit}"] td[data-col="ratio"]`)) ?? '',
        /^\+12 % \[\+9, \+15\]held RSS$/,
      );

      // The found run: its summary names the range and the culprit before it is opened.
      const F = FOUND_COMMITS;
      const summary = (await page.textContent(`${found} > summary`)) ?? '';
      assert.match(
        summary,
        new RegExp(
          `^#${seeded.found} 3f2c9d1e7a\\.\\.e5f4a3b2c1 \\(v1\\.4\\.\\.main, 5 commits\\) · speed · found culprit d9e8f7a6b5 ${F.D.subject}$`,
        ),
      );
      await page.click(`${found} > summary`);
      await page.waitForSelector(`${found}[open] .bisect-body[data-loaded="true"]`, { timeout: 10_000 });

      // The culprit, its subject and the evidence: its step against the good build, and its parent's.
      const culprit = page.locator(`${found} .bisect-culprit`);
      assert.equal(await culprit.getAttribute('data-culprit'), F.D.commit);
      const evidence = await culprit.locator('li').allTextContents();
      assert.match((await culprit.textContent()) ?? '', new RegExp(`^Culprit: d9e8f7a6b5 ${F.D.subject}`));
      assert.deepEqual(evidence, [
        `this commit: bad — NO-GO, throughput per CPU-second −5.1 % [−5.7, −4.5] over 7 pairs (campaign #${seeded.foundCampaigns[2]})`,
        `its parent c07d5a9f13 ${F.C.subject}: good — NEUTRAL, throughput per CPU-second −0.2 % [−0.8, +0.3] over 9 pairs (campaign #${seeded.foundCampaigns[3]})`,
      ]);
      assert.match((await page.textContent(`${found} .bisect-message`)) ?? '', /^first bad commit d9e8f7a6b5 /);

      // The range, oldest first, by what each commit is known as; the culprit ringed.
      const chips = await page.$$eval(`${found} .commit-chip`, (cs) =>
        cs.map((c) => [(c as HTMLElement).dataset.state, c.classList.contains('culprit')]),
      );
      assert.deepEqual(chips, [
        ['untested', false],
        ['skip', false],
        ['good', false],
        ['bad', true],
        ['bad', false],
      ]);

      // Every step in the order it ran.
      const rows = await page.$$eval(`${found} tbody tr[data-step]`, (trs) =>
        trs.map((tr) => {
          const cells = Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '');
          return {
            commit: (tr as HTMLElement).dataset.commit,
            culprit: tr.classList.contains('culprit'),
            cells,
            buildTitle: tr.querySelector('td.build-failed')?.getAttribute('title') ?? null,
            campaign: tr.querySelector('a[data-campaign]')?.getAttribute('href') ?? null,
          };
        }),
      );
      t.diagnostic(`steps: ${JSON.stringify(rows.map((r) => r.cells))}`);
      assert.deepEqual(
        rows.map((r) => r.commit),
        [F.E, F.C, F.D, F.B, F.C].map((c) => c.commit),
      );
      assert.deepEqual(
        rows.map((r) => [r.cells[0], r.cells[2], r.cells[4], r.cells[6], r.cells[7]]),
        [
          ['1', 'endpoint', 'NO-GO', '7', 'bad'],
          ['2', 'probe', 'INSUFFICIENT', '4', 'unclear'],
          ['3', 'probe', 'NO-GO', '7', 'bad'],
          ['4', 'probe', '–', '–', 'skip'],
          ['5', 'confirm', 'NEUTRAL', '9', 'good'],
        ],
      );
      assert.equal(rows[0]?.cells[1], `e5f4a3b2c1 ${F.E.subject}`);
      assert.equal(rows[0]?.cells[5], '−4.8 % [−5.3, −4.2]throughput per CPU-second');
      assert.equal(rows[2]?.cells[5], '−5.1 % [−5.7, −4.5]throughput per CPU-second');
      assert.deepEqual(
        rows.map((r) => r.culprit),
        [false, false, true, false, false],
      );
      assert.deepEqual(
        rows.map((r) => r.cells[3]?.slice(0, 6)),
        ['ok', 'ok', 'ok', 'failed', 'ok'],
      );
      assert.equal(rows[3]?.buildTitle, 'exit 2: src/slab.c:88: error: unknown type name size_class_t');
      assert.deepEqual(
        rows.map((r) => r.campaign),
        [0, 1, 2, null, 3].map((i) => (i === null ? null : `#campaign=${seeded.foundCampaigns[i]}`)),
      );

      // A step's campaign is one click away: the page shows that campaign.
      const target = seeded.foundCampaigns[2]!;
      await page.click(`${found} tr[data-commit="${F.D.commit}"] a[data-campaign]`);
      await page.waitForSelector(`body[data-campaign="${target}"]`, { timeout: 10_000 });
      assert.equal(await page.inputValue('#campaign-picker'), String(target));

      await page.screenshot({ path: join(tmpdir(), `allocsoak-web-bisect-${process.pid}.png`), fullPage: true });
      assert.deepEqual(consoleErrors, [], 'console errors');
    } finally {
      await context?.close();
      if (server) await stopDaemon(server);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
