// The Grafana dashboards in dashboards/*.json. Grafana cannot run here, so they are proven in two ways:
// 1. structure: stable uids, the provisioned datasource, a sane grid, the metric names the exporter
//    really exports (daemon/src/metrics/names.ts) or recording rules that prometheus/rules/ defines;
// 2. live: the real daemon on short epochs and a real Prometheus scraping it (with the rules loaded);
//    every panel's PromQL, Grafana macros substituted, must return data.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { packageRoot } from '../../daemon/src/paths/index.js';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { METRICS } from '../../daemon/src/metrics/names.js';

const ROOT = packageRoot();
const read = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');

// ---------------------------------------------------------------------------------------------------
// Dashboard model (the part of Grafana's JSON model these dashboards use)

interface Target {
  refId: string;
  expr: string;
  legendFormat?: string;
  instant?: boolean;
  range?: boolean;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}
interface TemplateVar {
  name: string;
  type: string;
  query: { query: string } | string;
  definition?: string;
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: TemplateVar[] };
}

interface DashboardFile {
  file: string;
  text: string;
  dashboard: Dashboard;
}

const DASHBOARDS: DashboardFile[] = readdirSync(path.join(ROOT, 'dashboards'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => {
    const text = read(path.join('dashboards', file));
    return { file, text, dashboard: JSON.parse(text) as Dashboard };
  });

/** Every panel with queries, rows flattened. */
function queryPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));
}

function byUid(uid: string): Dashboard {
  const d = DASHBOARDS.find((x) => x.dashboard.uid === uid)?.dashboard;
  assert.ok(d, `no dashboard with uid ${uid} in dashboards/`);
  return d;
}

const DATASOURCE_UID = (parseYaml(read('grafana/provisioning/datasources/prometheus.yml')) as { datasources: { uid: string }[] })
  .datasources[0]?.uid;

/** Recording rules from prometheus/rules/*.yml: name -> expression. */
const RECORDING_RULES = new Map<string, string>(
  readdirSync(path.join(ROOT, 'prometheus/rules'))
    .filter((f) => f.endsWith('.yml'))
    .flatMap((f) => {
      const doc = parseYaml(read(path.join('prometheus/rules', f))) as {
        groups: { rules: { record?: string; expr: string }[] }[];
      };
      return doc.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [[r.record, r.expr] as const] : [])));
    }),
);

const EXPORTED = new Set<string>(METRICS.map((m) => m.name));
/** Default process metrics and Prometheus' own series that a query may use besides allocsoak's. */
const OTHER_SERIES = new Set(['up', 'process_start_time_seconds']);

/** Series names a PromQL expression selects (identifiers not followed by "(" and not label/keyword/macro). */
function selectedNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, '{}');
  const keywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset']);
  // Aggregation operators may be followed by `by (...)` instead of "(".
  const aggregations = new Set([
    'sum',
    'min',
    'max',
    'avg',
    'group',
    'stddev',
    'stdvar',
    'count',
    'count_values',
    'bottomk',
    'topk',
    'quantile',
  ]);
  const names: string[] = [];
  for (const m of withoutStrings.matchAll(/(?<![\w$:[])([a-zA-Z_:][\w:]*)(?!\w)(\s*\()?/g)) {
    const name = m[1] ?? '';
    if (m[2] !== undefined || keywords.has(name) || aggregations.has(name)) continue;
    // Label names inside by (...)/on (...) lists.
    const before = withoutStrings.slice(0, m.index);
    if (/\b(by|without|on|ignoring)\s*\([^)]*$/.test(before)) continue;
    names.push(name);
  }
  return names;
}

/** The exported metric names an expression uses, looking through the recording rules it refers to. */
function metricsUsed(expr: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  for (const name of selectedNames(expr)) {
    const rule = RECORDING_RULES.get(name);
    if (rule !== undefined && !seen.has(name)) {
      seen.add(name);
      for (const m of metricsUsed(rule, seen)) out.add(m);
    } else if (EXPORTED.has(name)) out.add(name);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Structure

test('the two dashboards exist with stable uids and titles', () => {
  assert.equal(byUid('allocsoak-overview').title, 'allocsoak overview');
  assert.equal(byUid('allocsoak-ab').title, 'allocsoak A/B');
  assert.equal(new Set(DASHBOARDS.map((d) => d.dashboard.uid)).size, DASHBOARDS.length, 'uids are unique');
});

test('dashboard files are canonical JSON (2-space indent, trailing newline), so diffs stay reviewable', () => {
  for (const { file, text, dashboard } of DASHBOARDS) {
    assert.equal(text, `${JSON.stringify(dashboard, null, 2)}\n`, file);
  }
});

test('every panel: unique id, inside the 24-column grid, no overlap, the provisioned datasource', () => {
  assert.equal(DATASOURCE_UID, 'allocsoak-prometheus');
  for (const { file, dashboard } of DASHBOARDS) {
    const all = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    assert.equal(new Set(all.map((p) => p.id)).size, all.length, `${file}: duplicate panel id`);
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      const { x, y, w, h } = p.gridPos;
      assert.ok(x >= 0 && w > 0 && x + w <= 24 && h > 0, `${file}: "${p.title}" outside the grid`);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          assert.ok(!cells.has(`${i},${j}`), `${file}: "${p.title}" overlaps another panel at ${i},${j}`);
          cells.add(`${i},${j}`);
        }
      }
    }
    for (const p of queryPanels(dashboard)) {
      assert.equal(p.datasource?.uid, DATASOURCE_UID, `${file}: "${p.title}" datasource`);
      const targets = p.targets ?? [];
      assert.ok(targets.length > 0, `${file}: "${p.title}" has no query`);
      assert.equal(new Set(targets.map((t) => t.refId)).size, targets.length, `${file}: "${p.title}" refIds`);
      for (const t of targets) {
        assert.equal(t.datasource?.uid, DATASOURCE_UID, `${file}: "${p.title}" ${t.refId} datasource`);
        assert.ok(t.expr.trim() !== '', `${file}: "${p.title}" ${t.refId} empty expr`);
      }
    }
  }
});

test('queries use only exported metric names, default metrics or recording rules defined in prometheus/rules', () => {
  for (const { file, dashboard } of DASHBOARDS) {
    for (const p of queryPanels(dashboard)) {
      for (const t of p.targets ?? []) {
        for (const name of selectedNames(t.expr)) {
          assert.ok(
            EXPORTED.has(name) || RECORDING_RULES.has(name) || OTHER_SERIES.has(name),
            `${file}: "${p.title}" selects ${name}, which neither the exporter nor a recording rule provides`,
          );
        }
      }
    }
  }
});

test('the overview shows every metric but the alert-only additions (directly or through a recording rule)', () => {
  const used = new Set<string>();
  for (const p of queryPanels(byUid('allocsoak-overview'))) {
    for (const t of p.targets ?? []) for (const m of metricsUsed(t.expr)) used.add(m);
  }
  const required = METRICS.filter((m) => !('addition' in m)).map((m) => m.name);
  // Issue 4's eleven, and two epoch gauges of issue 12 (true peak, held-memory drift) from the field registry.
  assert.equal(required.length, 13);
  assert.deepEqual(
    required.filter((m) => !used.has(m)),
    [],
  );
});

test('A/B: baseline and candidate template variables over the variant label, every panel compares them', () => {
  const d = byUid('allocsoak-ab');
  const vars = new Map(d.templating.list.map((v) => [v.name, v]));
  for (const name of ['baseline', 'candidate']) {
    const v = vars.get(name);
    assert.ok(v, `template variable ${name}`);
    assert.equal(v.type, 'query');
    const q = typeof v.query === 'string' ? v.query : v.query.query;
    assert.match(q, /^label_values\(allocsoak_\w+, variant\)$/);
    assert.ok(EXPORTED.has(/^label_values\((\w+)/.exec(q)?.[1] ?? ''), q);
  }
  for (const p of queryPanels(d)) {
    const exprs = (p.targets ?? []).map((t) => t.expr).join('\n');
    assert.match(exprs, /\$baseline/, `"${p.title}" uses $baseline`);
    assert.match(exprs, /\$candidate/, `"${p.title}" uses $candidate`);
  }
});

// ---------------------------------------------------------------------------------------------------
// Live: the real daemon on short epochs, a real Prometheus scraping it every second with the rules loaded

const SCRAPE_SECONDS = 1;
const VARIANTS = ['lean', 'glibc'];
/** Completed epochs each variant needs before the queries run (two, so rates and changes exist). */
const EPOCHS_PER_VARIANT = 2;

/** The plan: leanmalloc's lean profile with burst churn against glibc, 3 s epochs, 1 s warm-up, 500 ms samples. */
const PLAN_YAML = `name: dashboards-test
epoch: 3s
warmup: 1s
interval: 500ms
variants:
  - name: lean
    allocator: leanmalloc
    env: { LEANMALLOC_PROFILE: lean }
    args: ["--burst-mb", "16", "--burst-every-s", "1"]
  - name: glibc
    allocator: glibc
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A child in its own process group with its output kept for failure messages. */
interface Proc {
  readonly child: ChildProcess;
  readonly name: string;
  output: string;
  exited: Promise<void>;
}

function start(name: string, cmd: string, args: string[]): Proc {
  const child = spawn(cmd, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = { child, name, output: '', exited: Promise.resolve() };
  const keep = (b: Buffer): void => {
    p.output = (p.output + b.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  p.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  return p;
}

/** SIGTERM the process group, SIGKILL it if still there after `graceMs`; whether SIGTERM sufficed. */
async function stop(p: Proc | undefined, graceMs: number): Promise<boolean> {
  if (!p || p.child.pid === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return true;
  const group = -p.child.pid;
  try {
    process.kill(group, 'SIGTERM');
  } catch {
    return true;
  }
  const done = await Promise.race([p.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done) {
    try {
      process.kill(group, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await p.exited;
  }
  return done;
}

/** Pids of every live descendant of `pid` (from /proc), so the test can prove none is left behind. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(entry), ppid);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [child, pp] of parent) {
      if (pp === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

interface PromResult {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}
interface PromResponse {
  status: string;
  error?: string;
  data: { resultType: string; result: PromResult[] };
}

const MACRO_NAMES = ['__rate_interval', '__interval', '__range', 'baseline', 'candidate', 'variant'];

/** Grafana's macro and template-variable substitution for one query. */
function substitute(expr: string, values: Record<string, string>): string {
  let out = expr;
  // Longest names first: $__rate_interval before $__range before $__interval...
  for (const name of [...MACRO_NAMES].sort((a, b) => b.length - a.length)) {
    const value = values[name];
    if (value !== undefined) out = out.replaceAll(`$${name}`, value).replaceAll(`\${${name}}`, value);
  }
  assert.doesNotMatch(out, /\$\w/, `unsubstituted variable left in: ${out}`);
  return out;
}

describe('live: every panel query returns data from a real Prometheus scraping the real daemon', () => {
  let dir = '';
  let daemon: Proc | undefined;
  let prometheus: Proc | undefined;
  let promUrl = '';
  let daemonUrl = '';
  let startedAt = 0;
  const seenDescendants = new Set<number>();

  const api = async (pathAndQuery: string): Promise<PromResponse> => {
    const res = await fetch(`${promUrl}${pathAndQuery}`);
    const body = (await res.json()) as PromResponse;
    assert.equal(body.status, 'success', `${pathAndQuery}: ${body.error ?? res.status}`);
    return body;
  };
  const instant = async (query: string): Promise<PromResult[]> =>
    (await api(`/api/v1/query?query=${encodeURIComponent(query)}`)).data.result;

  const context = (): string =>
    `\n--- daemon output (tail) ---\n${daemon?.output.slice(-3000) ?? ''}` +
    `\n--- prometheus output (tail) ---\n${prometheus?.output.slice(-2000) ?? ''}`;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'allocsoak-dashboards-'));
    const planFile = path.join(dir, 'plan.yaml');
    writeFileSync(planFile, PLAN_YAML);
    const daemonPort = await freePort();
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    daemonUrl = `http://127.0.0.1:${daemonPort}`;

    const rules = readdirSync(path.join(ROOT, 'prometheus/rules'))
      .filter((f) => f.endsWith('.yml'))
      .map((f) => path.join(ROOT, 'prometheus/rules', f));
    const config = {
      global: { scrape_interval: `${SCRAPE_SECONDS}s`, evaluation_interval: `${SCRAPE_SECONDS}s` },
      rule_files: rules,
      scrape_configs: [{ job_name: 'allocsoak', metrics_path: '/metrics', static_configs: [{ targets: [`127.0.0.1:${daemonPort}`] }] }],
    };
    // JSON is YAML: no need to serialise YAML here.
    writeFileSync(path.join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));

    startedAt = Date.now() / 1000;
    daemon = start('daemon', process.execPath, [
      'dist/daemon/src/cli/main.js',
      'daemon',
      '--plan',
      planFile,
      '--db',
      path.join(dir, 'allocsoak.db'),
      '--host',
      '127.0.0.1',
      '--port',
      String(daemonPort),
    ]);
    prometheus = start('prometheus', 'prometheus', [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ]);

    // Wait until every variant completed enough epochs and Prometheus scraped them.
    const deadline = Date.now() + 60_000;
    for (;;) {
      for (const d of daemon.child.pid ? descendants(daemon.child.pid) : []) seenDescendants.add(d);
      assert.equal(daemon.child.exitCode, null, `the daemon exited early${context()}`);
      assert.equal(prometheus.child.exitCode, null, `prometheus exited early${context()}`);
      let counts: PromResult[] = [];
      try {
        counts = await instant('allocsoak_epochs_total{job="allocsoak",outcome="completed"}');
      } catch {
        /* Prometheus not ready yet */
      }
      const done = VARIANTS.every((v) => counts.some((r) => r.metric.variant === v && Number(r.value?.[1]) >= EPOCHS_PER_VARIANT));
      if (done) break;
      assert.ok(Date.now() < deadline, `no ${EPOCHS_PER_VARIANT} completed epochs per variant within 60 s${context()}`);
      await sleep(500);
    }
    // A few more scrapes and rule evaluations, so the rules' windows hold the last epoch's change.
    await sleep(3 * SCRAPE_SECONDS * 1000);
  });

  after(async () => {
    const pid = daemon?.child.pid;
    if (pid !== undefined) for (const d of descendants(pid)) seenDescendants.add(d);
    await stop(daemon, 15_000);
    await stop(prometheus, 10_000);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('every rule loads and evaluates without error in that Prometheus', async () => {
    const body = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
      data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const loaded = body.data.groups.flatMap((g) => g.rules);
    const expected = [...RECORDING_RULES.keys()];
    for (const name of expected)
      assert.ok(
        loaded.some((r) => r.name === name),
        `recording rule ${name} loaded`,
      );
    assert.ok(loaded.length > expected.length, 'alerting rules loaded too');
    for (const r of loaded) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError ?? r.health}`);
  });

  for (const { file } of DASHBOARDS) {
    test(`${file}: every panel's queries return data`, async () => {
      const d = DASHBOARDS.find((x) => x.file === file)?.dashboard;
      assert.ok(d);
      const now = Date.now() / 1000;
      const rangeSeconds = Math.ceil(now - startedAt);
      // Grafana: $__interval = max(range / max data points, timeInterval); $__rate_interval =
      // max($__interval + scrape interval, 4 x scrape interval). The test Prometheus scrapes every second.
      const intervalSeconds = Math.max(Math.ceil(rangeSeconds / 1000), SCRAPE_SECONDS);
      const labelValues = (
        (await (await fetch(`${promUrl}/api/v1/label/variant/values?match[]=${encodeURIComponent('allocsoak_epochs_total')}`)).json()) as {
          data: string[];
        }
      ).data;
      assert.deepEqual([...labelValues].sort(), [...VARIANTS].sort(), 'label_values(allocsoak_epochs_total, variant)');
      const values: Record<string, string> = {
        __interval: `${intervalSeconds}s`,
        __rate_interval: `${Math.max(intervalSeconds + SCRAPE_SECONDS, 4 * SCRAPE_SECONDS)}s`,
        __range: `${rangeSeconds}s`,
        baseline: 'glibc',
        candidate: 'lean',
        variant: 'lean',
      };
      const empty: string[] = [];
      let queries = 0;
      for (const p of queryPanels(d)) {
        for (const t of p.targets ?? []) {
          const q = substitute(t.expr, values);
          const body = t.instant
            ? await api(`/api/v1/query?query=${encodeURIComponent(q)}&time=${now}`)
            : await api(`/api/v1/query_range?query=${encodeURIComponent(q)}&start=${startedAt}&end=${now}&step=${intervalSeconds}`);
          queries += 1;
          const points = body.data.result.flatMap((r) => (r.value ? [r.value] : (r.values ?? [])));
          if (!points.some(([, v]) => Number.isFinite(Number(v)))) empty.push(`"${p.title}" ${t.refId}: ${q}`);
        }
      }
      assert.ok(queries >= 10, `${file}: only ${queries} queries`);
      assert.deepEqual(empty, [], `${file}: panels without data`);
    });
  }

  test("the running daemon's own /metrics passes promtool check metrics and has every metric", async () => {
    const res = await fetch(`${daemonUrl}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    for (const spec of METRICS) assert.match(text, new RegExp(`^# TYPE ${spec.name} ${spec.type}$`, 'm'));
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.equal(`${r.stdout}${r.stderr}`.trim(), '');
  });

  // Last: it stops the daemon (the queries above ask for the current values of its series).
  test('the daemon ran workloads, and none of its processes is left behind', async () => {
    assert.ok(seenDescendants.size > 0, 'the daemon started no child process');
    assert.ok(await stop(daemon, 15_000), `the daemon did not stop within 15 s of SIGTERM${context()}`);
    // The workload children must die with the daemon, whatever process group they are in.
    const deadline = Date.now() + 5_000;
    let left = [...seenDescendants].filter(alive);
    while (left.length > 0 && Date.now() < deadline) {
      await sleep(100);
      left = [...seenDescendants].filter(alive);
    }
    assert.deepEqual(left, [], 'processes of the daemon still alive after it stopped');
  });
});
