/**
 * `npm run bench:daemon`: the daemon's REST reads on a year-sized database, under load, while a real
 * campaign runs — and what that load costs the workload.
 *
 * 1. A real `allocsoak run` of the bench plan (one epoch per variant) gives real-shaped rows: a campaign,
 *    its variants, epochs with every analysis column, and their samples.
 * 2. Those rows are copied into a new database until it holds --epochs epochs (in campaigns of 100, one
 *    hour apart, the same series as the template so that compare accumulates all of them) and --samples
 *    samples (each epoch's samples made from the template's, one per second of t_ms, values cycled).
 * 3. The real daemon (a child process, `allocsoak daemon`) starts on that database with the same plan and
 *    runs its campaign: random_mixed under the launcher, every sample stored as it arrives.
 * 4. Rounds (one epoch of each variant) alternate with and without load, ABBA (L U U L L U U L ...), so a slow
 *    drift of the machine falls on both. During a loaded round this process (niced to 10 before it sends
 *    anything; the daemon and its workload keep nice 0) sends GET drift, compare and epochs in turn at a
 *    fixed rate over keep-alive loopback connections, at most --concurrency in flight (a request whose turn
 *    comes while that many are in flight is skipped and counted: the load is bounded, never queued up).
 * 5. Prints p50/p99 per route (GET /health among them: it does nothing, so its latency is the time the
 *    daemon's event loop was busy with something else), the workload's throughput with load over without
 *    (medians of the epochs' throughput, per variant, wall-clock and per CPU-second), and the load average.
 * 6. Stops the daemon and times retention's thinning steps on the built database (the default keep and
 *    resolution, as if the database were that old), and the bytes per sample row.
 *
 * A script, not a test: nothing here asserts a time. It builds its database under --dir (default a new
 * directory in the system's temp directory) and deletes it at the end unless --keep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../daemon/src/paths/index.js';
import { median } from '../daemon/src/stats/descriptive.js';
import { newThinCursor, openStore, RETENTION_DEFAULTS, type EpochRow, type Store } from '../daemon/src/storage/index.js';
import type { Sample } from '../daemon/src/domain/types.js';
import { createRng } from '../daemon/src/stats/bootstrap.js';

export const BENCH_DAEMON_USAGE = `usage: npm run bench:daemon -- [options]
  --samples N        samples in the built database (default 10000000)
  --epochs N         epochs in the built database (default 3000)
  --rounds N         rounds of the live campaign (one epoch of each of the two variants), half under load,
                     ABBA (default 8)
  --epoch-seconds S  epoch length of the live campaign (default 15; warm-up 3 s, 1-s samples)
  --rate R           requests per second during a loaded round, drift, compare and epochs in turn (default 30)
  --concurrency N    requests in flight at most (default 2)
  --port P           the daemon's port on 127.0.0.1 (default 9493)
  --dir DIR          where the databases go (default: a new directory under the system's temp directory)
  --keep             keep the databases
  --help             this text`;

interface Options {
  samples: number;
  epochs: number;
  rounds: number;
  epochSeconds: number;
  rate: number;
  concurrency: number;
  port: number;
  dir: string | null;
  keep: boolean;
}

function wholeNumber(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${name} expects a whole number in [${min}, ${max}], got '${text}'`);
  return v;
}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      samples: { type: 'string' },
      epochs: { type: 'string' },
      rounds: { type: 'string' },
      'epoch-seconds': { type: 'string' },
      rate: { type: 'string' },
      concurrency: { type: 'string' },
      port: { type: 'string' },
      dir: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  const epochs = wholeNumber('epochs', values.epochs, 3000, 2, 1_000_000);
  return {
    samples: wholeNumber('samples', values.samples, 10_000_000, epochs, 1_000_000_000),
    epochs,
    rounds: wholeNumber('rounds', values.rounds, 8, 2, 1000),
    epochSeconds: wholeNumber('epoch-seconds', values['epoch-seconds'], 15, 6, 3600),
    rate: wholeNumber('rate', values.rate, 30, 1, 10_000),
    concurrency: wholeNumber('concurrency', values.concurrency, 2, 1, 64),
    port: wholeNumber('port', values.port, 9493, 1, 65535),
    dir: values.dir ?? null,
    keep: values.keep,
  };
}

const PLAN = (epochSeconds: number): string => `# written by npm run bench:daemon
name: bench-daemon
epoch: ${epochSeconds}s
warmup: 3s
interval: 1s
rss_limit: 4GiB
variants:
  - { name: a, allocator: leanmalloc, env: { LEANMALLOC_PROFILE: speed } }
  - { name: b, allocator: leanmalloc, env: { LEANMALLOC_PROFILE: balanced } }
comparisons:
  - { baseline: a, candidate: b, goal: speed }
`;

const MAIN = join(packageRoot(), 'dist', 'daemon', 'src', 'cli', 'main.js');

function runChild(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`allocsoak ${args[0]} exited ${code}: ${err}`))));
  });
}

/** A random number with mean 0 and standard deviation 1 (Box–Muller), from a seeded generator. */
function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

const NOISY_FIELDS = [
  'throughput_mean',
  'throughput_median',
  'throughput_cpu',
  'throughput_p1',
  'throughput_p5',
  'throughput_p50',
  'throughput_p95',
  'throughput_p99',
] as const;

/** Copies the template's rows into `big` until it holds `epochs` epochs and `samples` samples. */
function buildDatabase(template: Store, big: Store, o: Options): { campaigns: number } {
  const campaign = template.campaigns.list({ limit: 1 })[0];
  if (campaign === undefined) throw new Error('the template run stored no campaign');
  const rows = template.epochs.listRows({ campaign: campaign.id, outcome: 'completed' }).reverse();
  const byVariant = new Map<string, { row: EpochRow; samples: Sample[] }>();
  for (const row of rows) byVariant.set(row.variant, { row, samples: template.samples.list(row.id) });
  const variants = campaign.plan.variants.map((v) => v.name);
  for (const v of variants) if (!byVariant.has(v)) throw new Error(`the template run has no completed epoch of ${v}`);
  const configs = template.variants.listForCampaign(campaign.id);
  const hostId = rows[0]?.host_id ?? null;
  const host = hostId === null ? undefined : template.hosts.get(hostId);
  const newHost = host === undefined ? null : big.hosts.upsert(host);

  big.db.pragma('synchronous = OFF');
  const rand = createRng(17);
  const perCampaign = 100;
  const hourMs = 3_600_000;
  const t0 = Date.now() - (o.epochs + 2) * hourMs;
  let samplesLeft = o.samples;
  let campaigns = 0;
  let done = 0;
  while (done < o.epochs) {
    const inThis = Math.min(perCampaign, o.epochs - done);
    const write = big.db.transaction(() => {
      const cid = big.campaigns.create({
        source: 'bench:daemon',
        plan: campaign.plan,
        epochs_per_variant: null,
        started_at: new Date(t0 + done * hourMs).toISOString(),
      });
      const vids = new Map<string, number>();
      for (const c of configs) vids.set(c.name, big.variants.upsert(cid, c.config, c.allocator_library));
      for (let i = 0; i < inThis; i++) {
        const k = done + i;
        const variant = variants[k % variants.length] as string;
        const tpl = byVariant.get(variant) as { row: EpochRow; samples: Sample[] };
        const started = t0 + k * hourMs;
        const row: Record<string, unknown> = { ...tpl.row };
        const factor = 1 + 0.01 * gaussian(rand);
        for (const f of NOISY_FIELDS) if (typeof row[f] === 'number') row[f] = row[f] * factor;
        if (typeof row['rss_held_drift_pct'] === 'number') row['rss_held_drift_pct'] = row['rss_held_drift_pct'] + 0.2 * gaussian(rand);
        const id = big.epochs.start({
          ...(row as unknown as EpochRow),
          campaign_id: cid,
          variant_id: vids.get(variant) as number,
          round: Math.floor(i / variants.length) + 1,
          host_id: newHost,
          started_at: new Date(started).toISOString(),
        });
        big.epochs.finish(id, {
          ...(row as unknown as EpochRow),
          outcome: 'completed',
          ended_at: new Date(started + hourMs - 1000).toISOString(),
        });
        const n = Math.round(samplesLeft / (o.epochs - k));
        samplesLeft -= n;
        const src = tpl.samples;
        const rate = tpl.row.throughput_mean ?? 1e6;
        for (let j = 0; j < n; j++) {
          const s = src[j % src.length] as Sample;
          big.samples.add(id, { ...s, t_ms: j * 1000, ops: Math.round(j * rate), cpu_ms: s.cpu_ms === null ? null : j * 1000 });
        }
      }
      big.campaigns.finish(cid, 'stopped', new Date(t0 + (done + inThis) * hourMs).toISOString());
    });
    write();
    campaigns++;
    done += inThis;
    if (campaigns % 5 === 0) process.stdout.write(`  ${done} epochs, ${o.samples - samplesLeft} samples\r`);
  }
  big.db.pragma('wal_checkpoint(TRUNCATE)');
  big.db.pragma('synchronous = FULL');
  return { campaigns };
}

/** Times retention's steps over the built database's epochs (all older than the default keep, by construction). */
function thinningFigures(file: string, o: Options): void {
  const store = openStore(file);
  try {
    const policy = { keepSamplesDays: RETENTION_DEFAULTS.keepSamplesDays, resolutionMs: RETENTION_DEFAULTS.resolutionMs };
    const cursor = newThinCursor();
    const times: number[] = [];
    let epochs = 0;
    let deleted = 0;
    const budget = Date.now() + 20_000;
    while (epochs < 50 && Date.now() < budget) {
      const t = process.hrtime.bigint();
      const r = store.retention.step(cursor, policy);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (r.epochId === null) break;
      deleted += r.deleted;
      if (r.epochDone) epochs++;
    }
    const perEpoch = Math.round(o.samples / o.epochs);
    console.log(
      `\nretention: ${times.length} thinning steps (batches of at most ${RETENTION_DEFAULTS.batchRows} rows, synchronous=FULL) over ${epochs} epochs ` +
        `of ~${perEpoch} samples, ${deleted} rows deleted: step p50 ${quantile(times, 0.5).toFixed(1)} ms, p99 ${quantile(times, 0.99).toFixed(1)} ms, max ${quantile(times, 1).toFixed(1)} ms`,
    );
  } finally {
    store.close();
  }
}

// ---- the load -------------------------------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** One GET; the body is kept as it arrived, so that the load's requests cost this client no decoding. */
function get(port: number, path: string): Promise<{ status: number; chunks: Buffer[]; ms: number }> {
  const t = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      // The latency ends at the last byte.
      res.on('end', () => resolve({ status: res.statusCode ?? 0, chunks, ms: Number(process.hrtime.bigint() - t) / 1e6 }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function getJson<T>(port: number, path: string): Promise<T> {
  const r = await get(port, path);
  const body = Buffer.concat(r.chunks).toString();
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${body.slice(0, 300)}`);
  return JSON.parse(body) as T;
}

const ROUTES = {
  drift: '/api/v1/drift?variant=a',
  compare: '/api/v1/compare?baseline=a&candidate=b',
  epochs: '/api/v1/epochs',
  // Does nothing but answer: its latency is how long the event loop was busy with something else.
  health: '/api/v1/health',
} as const;
type RouteName = keyof typeof ROUTES;

interface Load {
  stop(): Promise<void>;
}

/** Fixed-rate requests, the routes in turn, at most `concurrency` in flight (a turn that finds them busy is skipped). */
function startLoad(o: Options, latencies: Record<RouteName, number[]>, counts: { sent: number; skipped: number; errors: number }): Load {
  const names = Object.keys(ROUTES) as RouteName[];
  let inFlight = 0;
  let turn = 0;
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const name = names[turn++ % names.length] as RouteName;
    if (inFlight >= o.concurrency) {
      counts.skipped++;
      return;
    }
    inFlight++;
    counts.sent++;
    const p = get(o.port, ROUTES[name])
      .then((r) => {
        if (r.status === 200) latencies[name].push(r.ms);
        else counts.errors++;
      })
      .catch(() => void counts.errors++)
      .finally(() => {
        inFlight--;
        pending.delete(p);
      });
    pending.add(p);
  }, 1000 / o.rate);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...pending]);
    },
  };
}

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] as number;
}

interface Status {
  current_epoch: { id: number; variant: string; round: number } | null;
}
interface EpochDetailLite {
  id: number;
  variant: string;
  outcome: string;
  throughput_mean: number | null;
  throughput_cpu: number | null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitForDaemon(port: number, daemon: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (daemon.exitCode !== null) throw new Error(`the daemon exited ${daemon.exitCode}`);
    try {
      const s = await getJson<Status>(port, '/api/v1/status');
      if (s.current_epoch !== null) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error('the daemon did not start an epoch within 120 s');
}

async function main(): Promise<number> {
  let o: Options | null;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`bench:daemon: ${(err as Error).message}`);
    return 2;
  }
  if (o === null) {
    console.log(BENCH_DAEMON_USAGE);
    return 0;
  }
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'allocsoak-bench-daemon-'));
  const planFile = join(dir, 'plan.yaml');
  const templateDb = join(dir, 'template.db');
  const bigDb = join(dir, 'big.db');
  let daemon: ChildProcess | null = null;
  try {
    writeFileSync(planFile, PLAN(o.epochSeconds));
    console.log(`bench:daemon: ${o.epochs} epochs, ${o.samples} samples, in ${dir}`);
    let t = Date.now();
    await runChild(['run', '--plan', planFile, '--db', templateDb, '--epochs', '1']);
    console.log(`template run (real allocsoak run, one epoch per variant): ${((Date.now() - t) / 1000).toFixed(1)} s`);

    t = Date.now();
    const template = openStore(templateDb);
    const big = openStore(bigDb);
    const { campaigns } = buildDatabase(template, big, o);
    const sizes = big.tableBytes();
    template.close();
    big.close();
    const fileBytes = statSync(bigDb).size;
    const perRow = (sizes.get('samples') ?? Number.NaN) / o.samples;
    console.log(
      `built ${bigDb}: ${o.epochs} epochs in ${campaigns} campaigns, ${o.samples} samples in ${((Date.now() - t) / 1000).toFixed(1)} s; ` +
        `file ${(fileBytes / 1e6).toFixed(0)} MB, samples table ${((sizes.get('samples') ?? 0) / 1e6).toFixed(0)} MB = ${perRow.toFixed(1)} bytes per sample row`,
    );

    // A year of 60-minute epochs sampled every second, with and without the default retention.
    const epochsPerYear = 365 * 24;
    const fullRows = epochsPerYear * 3600;
    const keptEpochs = RETENTION_DEFAULTS.keepSamplesDays * 24;
    const thinnedRows = keptEpochs * 3600 + (epochsPerYear - keptEpochs) * (3600_000 / RETENTION_DEFAULTS.resolutionMs + 1);
    console.log(
      `a year (${epochsPerYear} one-hour epochs, 1-s samples) at ${perRow.toFixed(1)} bytes per row: ${((fullRows * perRow) / 1e9).toFixed(2)} GB of samples kept whole, ` +
        `${((thinnedRows * perRow) / 1e9).toFixed(2)} GB with the default retention (${RETENTION_DEFAULTS.keepSamplesDays} days whole, then one per ${RETENTION_DEFAULTS.resolutionMs / 1000} s)`,
    );

    // The daemon keeps nice 0; this process (the load) gets nice 10 once the daemon is started.
    daemon = spawn(
      process.execPath,
      [MAIN, 'daemon', '--plan', planFile, '--db', bigDb, '--port', String(o.port), '--keep-samples-days', '36500'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const started = Date.now();
    await waitForDaemon(o.port, daemon);
    console.log(`daemon up with an epoch running after ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${daemon.pid})`);
    try {
      setPriority(10);
    } catch {
      console.log('could not nice this process (the load generator); it runs at the same priority as the daemon');
    }

    const latencies: Record<RouteName, number[]> = { drift: [], compare: [], epochs: [], health: [] };
    const counts = { sent: 0, skipped: 0, errors: 0 };
    const loadedEpochs: number[] = [];
    const quietEpochs: number[] = [];
    const loads: number[] = [];
    // Starts at the first round boundary: the epoch in progress when the daemon came up is not counted.
    let status = await getJson<Status>(o.port, '/api/v1/status');
    const firstId = status.current_epoch?.id ?? 0;
    const variantsPerRound = 2;
    let seen = firstId;
    for (let round = 0; round < o.rounds; round++) {
      const loaded = round % 4 === 0 || round % 4 === 3;
      for (let k = 0; k < variantsPerRound; k++) {
        // Wait for the next epoch to start.
        for (;;) {
          status = await getJson<Status>(o.port, '/api/v1/status');
          const id = status.current_epoch?.id ?? seen;
          if (id > seen) {
            seen = id;
            break;
          }
          await sleep(100);
        }
        const load = loaded ? startLoad(o, latencies, counts) : null;
        const epochId = seen;
        for (;;) {
          await sleep(100);
          status = await getJson<Status>(o.port, '/api/v1/status');
          if ((status.current_epoch?.id ?? Infinity) !== epochId) break;
        }
        await load?.stop();
        (loaded ? loadedEpochs : quietEpochs).push(epochId);
        loads.push(loadavg()[0] as number);
        console.log(`  round ${round + 1} epoch ${epochId} ${loaded ? 'under load' : 'quiet'}  load average ${loadavg()[0]?.toFixed(2)}`);
      }
    }
    await sleep(500);
    const detail = async (id: number): Promise<EpochDetailLite> => getJson<EpochDetailLite>(o.port, `/api/v1/epochs/${id}`);
    const loadedRows = await Promise.all(loadedEpochs.map(detail));
    const quietRows = await Promise.all(quietEpochs.map(detail));

    console.log(`\nREST under load (${o.rate} req/s, routes in turn, at most ${o.concurrency} in flight, this process at nice 10):`);
    console.log(`  sent ${counts.sent}, skipped (all in flight) ${counts.skipped}, errors ${counts.errors}`);
    for (const name of Object.keys(ROUTES) as RouteName[]) {
      const xs = latencies[name];
      console.log(
        `  GET ${ROUTES[name].padEnd(40)} n=${String(xs.length).padStart(5)}  p50 ${quantile(xs, 0.5).toFixed(2)} ms  p99 ${quantile(xs, 0.99).toFixed(2)} ms  max ${quantile(xs, 1).toFixed(2)} ms  over 20 ms: ${xs.filter((x) => x > 20).length}`,
      );
    }
    console.log('\nworkload throughput, epochs under load / quiet epochs (medians; ABBA rounds):');
    const ratios: Record<'wall' | 'cpu', number[]> = { wall: [], cpu: [] };
    for (const v of ['a', 'b']) {
      for (const [basis, field] of [
        ['wall', 'throughput_mean'],
        ['cpu', 'throughput_cpu'],
      ] as const) {
        const l = loadedRows.filter((r) => r.variant === v && r.outcome === 'completed').map((r) => r[field] ?? Number.NaN);
        const q = quietRows.filter((r) => r.variant === v && r.outcome === 'completed').map((r) => r[field] ?? Number.NaN);
        const ratio = median(l) / median(q);
        ratios[basis].push(ratio);
        console.log(
          `  ${v} ${basis.padEnd(4)} loaded ${(median(l) / 1e6).toFixed(3)} M (n=${l.length})  quiet ${(median(q) / 1e6).toFixed(3)} M (n=${q.length})  ratio ${ratio.toFixed(4)}`,
        );
      }
    }
    const geo = (xs: number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
    console.log(
      `  throughput ratio (geometric mean of the variants): wall ${geo(ratios.wall).toFixed(4)}, per CPU-second ${geo(ratios.cpu).toFixed(4)} (target >= 0.99)`,
    );
    console.log(
      `load average (1 min) during the rounds: min ${Math.min(...loads).toFixed(2)}, median ${median(loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)}`,
    );
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon?.once('exit', r));
    thinningFigures(bigDb, o);
    return 0;
  } finally {
    if (daemon !== null && daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon?.once('exit', r));
    }
    agent.destroy();
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench:daemon: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
