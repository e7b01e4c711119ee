// The Prometheus config and rules as Prometheus' own tool sees them (Debian's promtool, installed by .ci/run):
// the config is valid, the rules pass the linter, and the rule unit tests in prometheus/tests/ (each alert
// firing on a bad series and quiet on a good one) pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { packageRoot } from '../../daemon/src/paths/index.js';
import path from 'node:path';

const ROOT = packageRoot();

function promtool(args: string[]): string {
  const r = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.error, undefined, `promtool could not run (apt-get install prometheus): ${String(r.error)}`);
  const out = `${r.stdout}${r.stderr}`;
  assert.equal(r.status, 0, `promtool ${args.join(' ')} failed:\n${out}`);
  return out;
}

const yamlIn = (dir: string): string[] =>
  readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => path.join(dir, f));

test('promtool check config prometheus/prometheus.yml (with its rule files)', () => {
  const out = promtool(['check', 'config', 'prometheus/prometheus.yml']);
  assert.match(out, /SUCCESS: prometheus\/prometheus.yml is valid/);
  // The rule_files glob must pick every rule file up, not silently match nothing.
  const files = yamlIn('prometheus/rules');
  assert.match(out, new RegExp(`SUCCESS: ${files.length} rule files found`));
  for (const f of files) assert.match(out, new RegExp(`Checking ${f}\\n  SUCCESS: [1-9]\\d* rules found`));
});

test('promtool check rules --lint-fatal prometheus/rules/*.yml', () => {
  const files = yamlIn('prometheus/rules');
  assert.ok(files.length >= 2, 'expected recording and alerting rule files');
  const out = promtool(['check', 'rules', '--lint-fatal', ...files]);
  assert.equal(out.match(/SUCCESS/g)?.length, files.length, out);
});

test('promtool test rules prometheus/tests/*.yml: every alert fires on a bad series, quiet on a good one', () => {
  const files = yamlIn('prometheus/tests');
  assert.ok(files.length >= 1);
  promtool(['test', 'rules', ...files]);
});
