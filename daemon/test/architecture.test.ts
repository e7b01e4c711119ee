/**
 * The daemon's folders and what may import what, checked on the source (every .ts under daemon/src):
 *
 * - LAYERS, lowest first: a folder imports folders of lower layers only, never one of its own layer or
 *   above. Type-only imports count: they couple two folders as much as any (a changed type breaks the
 *   importer), tsc merely erases them from the output.
 * - No cycle between folders. Checked on the import graph itself, so that a wrong LAYERS cannot hide one.
 * - Another folder is imported through its index.ts, its public surface. Two exceptions:
 *   - domain/ and stats/ are leaves (they import no other folder, checked below) in which every file is
 *     public: domain/ holds the shared vocabulary types, stats/ one statistical method per file, each with
 *     its own known-answer tests. Their files are imported directly; an index would hide nothing.
 *   - web/client/ is browser code, served file by file with no bundler: it may load the files of the leaves
 *     (domain/, stats/: no package, no other folder) and otherwise imports other folders only with
 *     `import type` (erased by tsc, so the browser never fetches server code), bypassing their index (a
 *     type is all it takes). No server code imports it.
 * - SQL only in storage/: no other folder opens the database, prepares a statement or writes SQL.
 * - PURE folders import no package and no node: module: no database, no metrics, no files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { packageRoot } from '../src/paths/index.js';

/**
 * The layers of daemon/src, lowest first; a folder may import only folders of lower layers.
 *
 * 1. Leaves: shared types, statistics, logging, child processes.
 * 2. Pure computations and the machine: per-epoch analysis, host metadata, the supervised epoch.
 * 3. The judgement: verdicts, leaks, ratios and criteria as pure functions of epoch rows.
 * 4. Plans (their comparisons' criteria are the judgement's).
 * 5. The store (SQLite) and the static web page.
 * 6. What runs on the store: campaigns (epochs run and stored), verdicts (the judgement of stored epochs).
 * 7. What shows it: the report, the Prometheus exporter; and bisect, which runs campaigns and judges them step by step.
 * 8. The REST API.
 * 9. The entry points: the command line, and the browser's page.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['domain', 'stats', 'log', 'exec', 'paths'],
  ['analysis', 'host', 'supervisor'],
  ['judgement'],
  ['plan'],
  ['storage', 'web'],
  ['campaign', 'verdicts'],
  ['report', 'metrics', 'bisect'],
  ['http'],
  ['cli', 'web/client'],
];

/** Folders imported file by file: leaves whose every file is public. */
const WITHOUT_INDEX = new Set(['domain', 'stats']);
/** Browser code: loads only the leaves' files, imports other folders type-only, and is imported by no other folder. */
const BROWSER = new Set(['web/client']);
/** The only folder that talks to SQLite. */
const SQL_FOLDER = 'storage';
/** Pure computations: functions of their arguments (the verdicts of the judgement among them). */
const PURE = new Set(['domain', 'stats', 'analysis', 'judgement']);

const SRC = join(packageRoot(), 'daemon', 'src');

interface Import {
  /** Importing file, relative to daemon/src (POSIX separators). */
  from: string;
  /** Imported file, relative to daemon/src. */
  to: string;
  line: number;
  typeOnly: boolean;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

function posix(path: string): string {
  return path.split(sep).join('/');
}

/** The folder a file of daemon/src belongs to: its top-level folder, or web/client. */
export function folderOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'web' && parts[1] === 'client') return 'web/client';
  return parts.length > 1 ? (parts[0] as string) : '.';
}

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true;
    const clause = node.exportClause;
    return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
  }
  const clause = node.importClause;
  if (clause === undefined) return false; // a side-effect import
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return (
    clause.name === undefined &&
    named !== undefined &&
    ts.isNamedImports(named) &&
    named.elements.length > 0 &&
    named.elements.every((e) => e.isTypeOnly)
  );
}

/** Every relative import of one source file: import and export declarations, import() calls and import('…') types. */
function importsOf(file: string, text: string): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Import[] = [];
  const add = (specifier: ts.Expression | undefined, node: ts.Node, typeOnly: boolean): void => {
    if (specifier === undefined || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) return;
    const target = resolve(dirname(file), specifier.text).replace(/\.js$/, '.ts');
    out.push({
      from: posix(relative(SRC, file)),
      to: posix(relative(SRC, target)),
      line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1,
      typeOnly,
    });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier, node, isTypeOnly(node));
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], node, false);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, node, true);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

interface Source {
  file: string;
  text: string;
  imports: Import[];
}

/** Every .ts file under `srcDir` with its imports. */
export function readSources(srcDir = SRC): Source[] {
  return tsFiles(srcDir).map((path) => {
    const text = readFileSync(path, 'utf8');
    return { file: posix(relative(srcDir, path)), text, imports: importsOf(path, text) };
  });
}

/** Imports that cross from one folder into another. */
function crossFolder(sources: readonly Source[]): Import[] {
  return sources.flatMap((s) => s.imports).filter((i) => folderOf(i.from) !== folderOf(i.to));
}

function describe(i: Import): string {
  return `${i.from}:${i.line} imports ${i.to}${i.typeOnly ? ' (type-only)' : ''}`;
}

/** Folder → folders it imports, each edge with one import that makes it. */
export function folderGraph(imports: readonly Import[]): Map<string, Map<string, Import>> {
  const graph = new Map<string, Map<string, Import>>();
  for (const i of imports) {
    const from = folderOf(i.from);
    const edges = graph.get(from) ?? new Map<string, Import>();
    if (!edges.has(folderOf(i.to))) edges.set(folderOf(i.to), i);
    graph.set(from, edges);
  }
  return graph;
}

/** The shortest path of folders from `from` to `to` (breadth first), both included; null if there is none. */
function shortestPath(graph: ReadonlyMap<string, ReadonlyMap<string, Import>>, from: string, to: string): string[] | null {
  const previous = new Map<string, string>([[from, from]]);
  const queue = [from];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    if (node === to) {
      const path = [to];
      while (path[0] !== from) path.unshift(previous.get(path[0] as string) as string);
      return path;
    }
    for (const next of graph.get(node)?.keys() ?? []) {
      if (previous.has(next)) continue;
      previous.set(next, node);
      queue.push(next);
    }
  }
  return null;
}

/**
 * Every folder cycle, named ("judgement → report → plan → judgement") with one import per step: for each
 * import between folders that lies on a cycle, the shortest cycle through it, so every such import is named.
 */
export function folderCycles(graph: ReadonlyMap<string, ReadonlyMap<string, Import>>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const [from, edges] of [...graph].sort(([a], [b]) => a.localeCompare(b))) {
    for (const to of [...edges.keys()].sort()) {
      const back = shortestPath(graph, to, from);
      if (back === null) continue;
      // The same cycle is found from each of its imports: keep it once, starting from its smallest name.
      const ring = [from, ...back.slice(0, -1)];
      const first = ring.indexOf([...ring].sort()[0] as string);
      const rotated = [...ring.slice(first), ...ring.slice(0, first)];
      const key = rotated.join(' → ');
      if (seen.has(key)) continue;
      seen.add(key);
      const via = rotated.map((f, k) => describe(graph.get(f)?.get(rotated[(k + 1) % rotated.length] as string) as Import));
      out.push(`${key} → ${rotated[0]} (${via.join('; ')})`);
    }
  }
  return out;
}

function layerOf(folder: string): number {
  return LAYERS.findIndex((layer) => layer.includes(folder));
}

const sources = readSources();
const imports = crossFolder(sources);

test('every folder of daemon/src has a layer, and every layer names existing folders', () => {
  const folders = new Set(sources.map((s) => folderOf(s.file)));
  assert.deepEqual(
    [...folders].filter((f) => layerOf(f) < 0),
    [],
    'folders missing from LAYERS (a file directly in daemon/src shows as ".")',
  );
  assert.deepEqual(
    LAYERS.flat().filter((f) => !folders.has(f)),
    [],
    'LAYERS names folders that do not exist',
  );
});

test('no import cycle between the folders of daemon/src', () => {
  assert.deepEqual(folderCycles(folderGraph(imports)), []);
});

test('each folder imports only folders of lower layers', () => {
  const upward = imports.filter((i) => layerOf(folderOf(i.to)) >= layerOf(folderOf(i.from)));
  assert.deepEqual(
    upward.map(
      (i) =>
        `${describe(i)}: ${folderOf(i.from)} (layer ${layerOf(folderOf(i.from)) + 1}) may not import ${folderOf(i.to)} (layer ${layerOf(folderOf(i.to)) + 1})`,
    ),
    [],
  );
});

test('other folders are imported through their index.ts (domain/ and stats/ file by file)', () => {
  const bypass = imports.filter(
    (i) => !BROWSER.has(folderOf(i.from)) && !WITHOUT_INDEX.has(folderOf(i.to)) && i.to !== `${folderOf(i.to)}/index.ts`,
  );
  assert.deepEqual(bypass.map(describe), []);
});

test('domain/ and stats/ import no other folder', () => {
  assert.deepEqual(imports.filter((i) => WITHOUT_INDEX.has(folderOf(i.from))).map(describe), []);
});

test('the browser code loads only the leaves, imports other folders type-only, and no other folder imports it', () => {
  const runtime = imports.filter((i) => BROWSER.has(folderOf(i.from)) && !i.typeOnly && !WITHOUT_INDEX.has(folderOf(i.to)));
  assert.deepEqual(runtime.map(describe), [], 'runtime imports of server code from web/client (the browser would fetch them)');
  assert.deepEqual(imports.filter((i) => BROWSER.has(folderOf(i.to))).map(describe), []);
});

/** SQL statements in string literals and templates (upper case, as the storage code writes them). */
const SQL = /\b(?:SELECT\b[\s\S]*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(?:TABLE|INDEX))\b/;

function sqlStrings(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const check = (node: ts.Node, text: string): void => {
    if (SQL.test(text))
      out.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}: ${text.trim().slice(0, 60)}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) check(node, node.text);
    else if (ts.isTemplateExpression(node)) {
      // The literal parts with a placeholder for each substitution: `SELECT ${columns} FROM epochs`.
      check(node, node.head.text + node.templateSpans.map((span) => `?${span.literal.text}`).join(''));
      for (const span of node.templateSpans) visit(span.expression);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

test('SQL only in storage/: no other folder imports better-sqlite3, prepares statements or writes SQL', () => {
  const elsewhere = sources.filter((s) => folderOf(s.file) !== SQL_FOLDER);
  const found = elsewhere.flatMap((s) => [
    ...(/from\s+['"]better-sqlite3['"]/.test(s.text) ? [`${s.file}: imports better-sqlite3`] : []),
    ...[...s.text.matchAll(/\.(?:prepare|pragma|transaction)\(/g)].map((m) => `${s.file}: calls ${m[0]}`),
    ...sqlStrings(s.file, s.text),
  ]);
  assert.deepEqual(found, []);
});

/** The package and node: modules a source file imports (anything not relative). */
function packageImports(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    const specifier =
      ts.isImportDeclaration(node) || ts.isExportDeclaration(node)
        ? node.moduleSpecifier
        : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword
          ? node.arguments[0]
          : undefined;
    if (specifier !== undefined && ts.isStringLiteral(specifier) && !specifier.text.startsWith('.'))
      out.push(`${file} imports ${specifier.text}`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

test('domain/, stats/, analysis/ and judgement/ are pure: they import no package and no node: module', () => {
  assert.deepEqual(
    sources.filter((s) => PURE.has(folderOf(s.file))).flatMap((s) => packageImports(s.file, s.text)),
    [],
  );
});

test('the checks see what they check: imports of every kind are found, cycles are named', () => {
  const parsed = importsOf(
    join(SRC, 'report', 'probe.ts'),
    [
      "import { a } from '../storage/index.js';",
      "import type { B } from '../plan/types.js';",
      "import { type C } from '../judgement/index.js';",
      "export { d } from './render.js';",
      "const e = await import('../verdicts/index.js');",
      "let f: import('../domain/types.js').Outcome;",
      "import { g } from 'node:fs';",
    ].join('\n'),
  );
  assert.deepEqual(
    parsed.map((i) => [i.to, i.line, i.typeOnly]),
    [
      ['storage/index.ts', 1, false],
      ['plan/types.ts', 2, true],
      ['judgement/index.ts', 3, true],
      ['report/render.ts', 4, false],
      ['verdicts/index.ts', 5, false],
      ['domain/types.ts', 6, true],
    ],
  );
  const edge = (from: string, to: string): Import => ({ from: `${from}/x.ts`, to: `${to}/index.ts`, line: 1, typeOnly: false });
  const cycles = folderCycles(
    folderGraph([edge('plan', 'judgement'), edge('judgement', 'report'), edge('report', 'plan'), edge('cli', 'plan')]),
  );
  assert.deepEqual(cycles, [
    'judgement → report → plan → judgement (judgement/x.ts:1 imports report/index.ts; report/x.ts:1 imports plan/index.ts; plan/x.ts:1 imports judgement/index.ts)',
  ]);
  assert.deepEqual(packageImports('x.ts', "import { Gauge } from 'prom-client';\nimport { a } from './a.js';"), [
    'x.ts imports prom-client',
  ]);
  assert.deepEqual(sqlStrings('x.ts', "const q = `SELECT ${cols} FROM epochs`; const s = 'select the epochs from the list';"), [
    'x.ts:1: SELECT ? FROM epochs',
  ]);
});
