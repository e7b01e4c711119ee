/**
 * The daemon's own footprint: does `allocsoak daemon` stay flat over thousands of short epochs?
 *
 * Starts the real daemon (dist/daemon/src/cli/main.js daemon) on a throwaway database with a tiny plan
 * (one glibc variant, random_mixed with a small working set, epochs of --epoch-ms), counts the epochs it
 * finishes from its JSON log lines, and every --every epochs reads the daemon's own /proc/PID/status
 * (VmRSS, and its parts RssAnon, RssFile and RssShmem: what grows, the heaps or mapped files?) and counts /proc/PID/fd, and scrapes its /metrics as Prometheus would (V8's heap in use) and
 * the database's size. Then prints the Theil–Sen slope of each against the epoch count, with its 95 %
 * interval, over all points and over the points after the warm-up (--warmup epochs, default 1500: V8 grows the
 * main thread's young generation from 16 to 32 MiB and sizes its old space, tiers up its code, SQLite's page
 * caches fill; in these runs the RSS still rose until about epoch 1,400), and
 * through the medians of 10 blocks of those points (successive points are correlated: see blockReport).
 * RSS also holds SQLite's page caches, which grow with the pages read up to their bound (PAGE_CACHE_KIB in
 * daemon/src/storage/database.ts, per connection: the daemon's and the verdict worker's).
 *
 *   npm run bench:footprint -- [--epochs 2000] [--warmup 1500] [--epoch-ms 200] [--every 10] [--db FILE]
 *
 * --epochs counts the epochs measured after the warm-up: the daemon runs --warmup + --epochs epochs.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { packageRoot } from '../daemon/src/paths/index.js';
import { theilSen } from '../daemon/src/stats/theil-sen.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '1500' },
    'epoch-ms': { type: 'string', default: '200' },
    every: { type: 'string', default: '10' },
    db: { type: 'string' },
  },
});
const measured = Number(values.epochs);
const warmup = Number(values.warmup);
const epochs = warmup + measured;
const epochMs = Number(values['epoch-ms']);
const every = Number(values.every);
if (
  !(Number.isInteger(measured) && measured >= 20) ||
  !(Number.isInteger(warmup) && warmup >= 0) ||
  !(epochMs >= 40) ||
  !(Number.isInteger(every) && every >= 1)
) {
  console.error('usage: footprint [--epochs N>=20] [--warmup N>=0] [--epoch-ms MS>=40] [--every K>=1] [--db FILE]');
  process.exit(2);
}

interface Point {
  epoch: number;
  rss_kib: number;
  /** VmRSS's parts (/proc/PID/status): the heaps (V8's, glibc's, SQLite's caches), mapped files, shared memory (SQLite's -shm). */
  anon_kib: number;
  file_kib: number;
  shmem_kib: number;
  fds: number;
  heap_kib: number;
  db_kib: number;
  t_s: number;
}

function daemonFootprint(pid: number): Pick<Point, 'rss_kib' | 'anon_kib' | 'file_kib' | 'shmem_kib' | 'fds'> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (m === null) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(m[1]);
  };
  return {
    rss_kib: kib('VmRSS'),
    anon_kib: kib('RssAnon'),
    file_kib: kib('RssFile'),
    shmem_kib: kib('RssShmem'),
    fds: readdirSync(`/proc/${pid}/fd`).length,
  };
}

/** V8's heap in use, from the daemon's own /metrics (prom-client's nodejs_heap_size_used_bytes). */
async function heapUsedKib(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
  return m === null ? Number.NaN : Number(m[1]) / 1024;
}

function fileKib(file: string): number {
  return existsSync(file) ? statSync(file).size / 1024 : 0;
}

const dir = mkdtempSync(join(tmpdir(), 'allocsoak-footprint-'));
const interval = Math.max(10, Math.floor(epochMs / 4));
writeFileSync(
  join(dir, 'plan.yaml'),
  [
    'name: footprint',
    `epoch: ${epochMs}ms`,
    `warmup: ${interval}ms`,
    `interval: ${interval}ms`,
    'variants:',
    '  - name: tiny',
    '    allocator: glibc',
    '    args: ["--ws", "64", "--max-size", "256"]',
    '',
  ].join('\n'),
);

const main = join(packageRoot(), 'dist/daemon/src/cli/main.js');
// --db: a database of your own, kept (e.g. a second run over the first one's epochs: does RSS start where
// the first ended, as memory that follows the data would, or low again, as a leak would?).
const db = values.db ?? join(dir, 'soak.db');
const child = spawn(process.execPath, [main, 'daemon', '--plan', join(dir, 'plan.yaml'), '--db', db, '--port', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, ALLOCSOAK_LOG_LEVEL: 'info', ALLOCSOAK_TOKEN: '' },
});
const pid = child.pid;
if (pid === undefined) throw new Error('the daemon did not start');

const points: Point[] = [];
let url: string | null = null;
let sampling: Promise<void> = Promise.resolve();
const outcomes = new Map<string, number>();
/** Why epochs did not complete: each distinct reason once, with how many. */
const reasons = new Map<string, number>();
const started = Date.now();
let finished = 0;

const done = new Promise<void>((resolve, reject) => {
  child.on('exit', (code, signal) => {
    if (finished < epochs) reject(new Error(`the daemon exited (${code ?? signal}) after ${finished} epochs`));
    else resolve();
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    let entry: { msg?: string; outcome?: string; url?: string; reason?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    if (typeof entry.url === 'string' && entry.msg?.includes('serving') === true) url = entry.url;
    if (entry.msg !== 'epoch finished' || finished >= epochs) return;
    finished++;
    const outcome = entry.outcome ?? '?';
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    if (outcome !== 'completed') {
      const why = `${outcome}: ${(entry.reason ?? '?').replace(/\d+/g, 'N')}`;
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
    }
    if (finished % every === 0 || finished === 1) {
      const epoch = finished;
      const own = daemonFootprint(pid);
      const t_s = (Date.now() - started) / 1000;
      const dbKib = fileKib(db) + fileKib(`${db}-wal`);
      sampling = sampling.then(async () => {
        const heap = url === null ? Number.NaN : await heapUsedKib(url);
        const p: Point = { epoch, ...own, heap_kib: heap, db_kib: dbKib, t_s };
        points.push(p);
        if (epoch % (every * 20) === 0) {
          console.log(
            `  ${p.epoch} epochs, ${p.t_s.toFixed(0)} s: VmRSS ${p.rss_kib} KiB (anon ${p.anon_kib}, file ${p.file_kib}, shmem ${p.shmem_kib}), ${p.fds} fds, V8 heap ${p.heap_kib.toFixed(0)} KiB, db ${p.db_kib.toFixed(0)} KiB`,
          );
        }
      });
    }
    if (finished === epochs) void sampling.then(() => child.kill('SIGTERM'));
  });
});

console.log(
  `footprint: the daemon (pid ${pid}) over ${warmup} warm-up epochs and ${measured} measured, of ${epochMs} ms, sampled every ${every} epochs; db in ${dir}`,
);
try {
  await done;
} finally {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

function report(label: string, pts: readonly Point[]): void {
  const x = pts.map((p) => p.epoch);
  const rss = theilSen(
    x,
    pts.map((p) => p.rss_kib),
  );
  const fds = theilSen(
    x,
    pts.map((p) => p.fds),
  );
  const heapPts = pts.filter((p) => Number.isFinite(p.heap_kib));
  const heap = theilSen(
    heapPts.map((p) => p.epoch),
    heapPts.map((p) => p.heap_kib),
  );
  const per1000 = (v: number): string => (v * 1000).toFixed(1);
  const first = pts[0] as Point;
  const last = pts[pts.length - 1] as Point;
  console.log(`${label} (${pts.length} points, epochs ${first.epoch}–${last.epoch}):`);
  console.log(
    `  VmRSS  ${first.rss_kib} → ${last.rss_kib} KiB, min ${Math.min(...pts.map((p) => p.rss_kib))}, max ${Math.max(...pts.map((p) => p.rss_kib))}; ` +
      `Theil–Sen slope ${per1000(rss.slope)} KiB per 1000 epochs (95 % interval ${per1000(rss.low)} … ${per1000(rss.high)})`,
  );
  console.log(
    `  fds    ${first.fds} → ${last.fds}, min ${Math.min(...pts.map((p) => p.fds))}, max ${Math.max(...pts.map((p) => p.fds))}; ` +
      `Theil–Sen slope ${per1000(fds.slope)} per 1000 epochs (95 % interval ${per1000(fds.low)} … ${per1000(fds.high)})`,
  );
  if (heapPts.length > 1) {
    const h0 = heapPts[0] as Point;
    const h1 = heapPts[heapPts.length - 1] as Point;
    console.log(
      `  V8 heap in use ${h0.heap_kib.toFixed(0)} → ${h1.heap_kib.toFixed(0)} KiB; ` +
        `Theil–Sen slope ${per1000(heap.slope)} KiB per 1000 epochs (95 % interval ${per1000(heap.low)} … ${per1000(heap.high)})`,
    );
  }
  console.log(`  database ${first.db_kib.toFixed(0)} → ${last.db_kib.toFixed(0)} KiB (file and -wal)`);
}

const BLOCKS = 10;

/**
 * The slope of the daemon's RSS and heap over block medians: the points cut into BLOCKS runs of consecutive
 * points, each run summed up by its median, and the Theil–Sen slope through those medians. Successive points
 * are correlated (a garbage collection or a glibc trim moves several at once), so the per-point interval
 * above is narrower than the truth; blocks much longer than one such swing are close to independent, and
 * their interval is the honest one.
 */
function blockReport(pts: readonly Point[]): void {
  const size = Math.floor(pts.length / BLOCKS);
  if (size < 2) return;
  const med = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
  };
  const blocks = Array.from({ length: BLOCKS }, (_, i) => pts.slice(i * size, (i + 1) * size));
  const x = blocks.map((b) => med(b.map((p) => p.epoch)));
  const per1000 = (v: number): string => (v * 1000).toFixed(1);
  console.log(`after the warm-up, over ${BLOCKS} blocks of ${size} points (block medians):`);
  for (const [name, pick] of [
    ['VmRSS', (p: Point) => p.rss_kib],
    ['  RssAnon', (p: Point) => p.anon_kib],
    ['  RssFile', (p: Point) => p.file_kib],
    ['  RssShmem', (p: Point) => p.shmem_kib],
    ['V8 heap in use', (p: Point) => p.heap_kib],
  ] as const) {
    const y = blocks.map((b) => med(b.map(pick).filter(Number.isFinite)));
    if (!y.every(Number.isFinite)) continue;
    const t = theilSen(x, y);
    console.log(
      `  ${name}: block medians ${y.map((v) => (v / 1024).toFixed(1)).join(', ')} MiB; ` +
        `Theil–Sen slope ${per1000(t.slope)} KiB per 1000 epochs (95 % interval ${per1000(t.low)} … ${per1000(t.high)})`,
    );
  }
}

const elapsed = (Date.now() - started) / 1000;
console.log(
  `\n${finished} epochs in ${elapsed.toFixed(0)} s (${((elapsed / finished) * 1000).toFixed(0)} ms each); outcomes: ${[...outcomes]
    .map(([o, n]) => `${o} ${n}`)
    .join(', ')}`,
);
for (const [why, n] of reasons) console.log(`  ${n} × ${why}`);
report('all points', points);
const steady = points.filter((p) => p.epoch > warmup);
report(`after the warm-up (epochs ${warmup + 1}–${epochs})`, steady);
blockReport(steady);
