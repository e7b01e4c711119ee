// The Grafana dashboards in dashboards/*.json. Grafana cannot run here, so they are proven in two ways:
// 1. structure: stable uids, the provisioned datasource, a sane grid, the metric names the exporter
//    really exports (daemon/src/metrics/names.ts) or recording rules that prometheus/rules/ defines;
// 2. live: the real daemon on short epochs and a real Prometheus scraping it (with the rules loaded);
//    every panel's PromQL, Grafana macros substituted, must return data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { METRICS } from '../../daemon/src/metrics/names.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
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

const DATASOURCE_UID = (
  parseYaml(read('grafana/provisioning/datasources/prometheus.yml')) as { datasources: { uid: string }[] }
).datasources[0]?.uid;

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
  const aggregations = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile']);
  const names: string[] = [];
  for (const m of withoutStrings.matchAll(/(?<![\w$:\[])([a-zA-Z_:][\w:]*)(?!\w)(\s*\()?/g)) {
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

test('the overview shows every metric of issue 4 (directly or through a recording rule)', () => {
  const used = new Set<string>();
  for (const p of queryPanels(byUid('allocsoak-overview'))) {
    for (const t of p.targets ?? []) for (const m of metricsUsed(t.expr)) used.add(m);
  }
  const required = METRICS.filter((m) => !('addition' in m)).map((m) => m.name);
  assert.equal(required.length, 11);
  assert.deepEqual(required.filter((m) => !used.has(m)), []);
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
