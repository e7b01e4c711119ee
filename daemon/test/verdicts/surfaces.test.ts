/**
 * The words match the numbers on every surface over one database (issue 12): REST, the CLI (the real
 * program) and the Markdown report read the campaign of helpers/surfaces.ts. The page reads the same
 * database in test/stack/web-page.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { summaryTable } from '../../src/cli/summary.js';
import { buildApp } from '../../src/http/index.js';
import { CampaignController } from '../../src/campaign/index.js';
import { renderReport } from '../../src/report/index.js';
import { openStore } from '../../src/storage/index.js';
import { runCli } from '../helpers/cli.js';
import { memoryLogger, tempDir } from '../helpers/env.js';
import { LAUNCHER } from '../helpers/native.js';
import { SURFACE_VARIANTS, seedSurfaces } from '../helpers/surfaces.js';

type Json = Record<string, unknown>;

interface Surfaces {
  rest: { drift: Record<string, Json>; compare: Json };
  cli: { drift: Record<string, string>; compare: string; summary: string };
  report: string;
}

/** Every surface's answer over the seeded campaign. */
async function readSurfaces(): Promise<Surfaces> {
  const { dir, cleanup } = tempDir('surfaces');
  const db = join(dir, 'surfaces.db');
  const store = openStore(db);
  const { log } = memoryLogger();
  const controller = new CampaignController({ store, launcher: LAUNCHER, log });
  const app = await buildApp({ store, controller, options: { version: 't', token: null, allowCommands: false } });
  try {
    const campaign = seedSurfaces(store);
    const variants = Object.keys(SURFACE_VARIANTS);
    const get = async (url: string): Promise<Json> => {
      const r = await app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 200, `${url}: ${r.body}`);
      return r.json<Json>();
    };
    const cli = async (args: string[]): Promise<string> => {
      const r = await runCli([...args, '--db', db, '--campaign', String(campaign)]);
      assert.equal(r.code, 0, `allocsoak ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const rest = {
      drift: Object.fromEntries(
        await Promise.all(
          variants.map(async (v): Promise<[string, Json]> => [v, await get(`/api/v1/drift?variant=${v}&campaign=${campaign}`)]),
        ),
      ),
      compare: await get(`/api/v1/compare?baseline=mimalloc&candidate=speed&campaign=${campaign}`),
    };
    const cliOut = {
      drift: Object.fromEntries(
        await Promise.all(variants.map(async (v): Promise<[string, string]> => [v, await cli(['drift', '--variant', v])])),
      ),
      compare: await cli(['compare', '--baseline', 'mimalloc', '--candidate', 'speed']),
      // What `allocsoak run` prints at the end of this campaign.
      summary: summaryTable(variants, store.epochs.listRows({ campaign }).reverse()),
    };
    return { rest, cli: cliOut, report: renderReport(store, { format: 'md', campaign }) };
  } finally {
    await app.close();
    store.close();
    cleanup();
  }
}

let cached: Promise<Surfaces> | undefined;
const surfaces = (): Promise<Surfaces> => (cached ??= readSurfaces());

test('glibc with bursts and lean drifting +17 %: no surface says CLEAN or "no drift"; drift over three epochs is UNDECIDED with its reason', async () => {
  const s = await surfaces();
  for (const [variant, d] of Object.entries(s.rest.drift)) {
    assert.equal(d.verdict, 'UNDECIDED', `REST /drift ${variant}`);
    const reasons = d.reasons as Array<{ status: string; decisive: boolean; message: string }>;
    assert.ok(
      reasons.some(
        (r) =>
          r.status === 'undecided' &&
          r.decisive &&
          /too few epochs \(3\) for an interval: \d+ completed epochs would decide/.test(r.message),
      ),
      `REST /drift ${variant}: ${JSON.stringify(reasons)}`,
    );
    const text = s.cli.drift[variant] ?? '';
    assert.match(text, new RegExp(`^${variant}: UNDECIDED  leak no, drift undecided\\n`), `CLI drift ${variant}`);
    assert.match(text, /undecided because: .*too few epochs \(3\) for an interval/);
  }
  // The drift judged is held memory's, named as such: glibc's +3338 % endpoint drift is not the headline.
  assert.equal((s.rest.drift['glibc']?.drift_pct as Json).basis, 'held');
  assert.ok(Math.abs((s.rest.drift['glibc']?.drift_pct as { median: number }).median) < 1);
  assert.match(s.cli.drift['glibc'] ?? '', /\nheld-memory drift \+0\.\d+ % per epoch \(too few epochs for an interval\) \(judged\)\n/);
  assert.match(s.cli.drift['lean'] ?? '', /\nheld-memory drift \+17\.\d+ % per epoch/);
  const texts = {
    'REST /drift': JSON.stringify(s.rest.drift),
    'REST /compare': JSON.stringify(s.rest.compare),
    'CLI drift': Object.values(s.cli.drift).join('\n'),
    'CLI compare': s.cli.compare,
    'CLI run summary': s.cli.summary,
    report: s.report,
  };
  for (const [surface, text] of Object.entries(texts)) {
    // CLEAN as a verdict: "**CLEAN**" (report), "CLEAN" (JSON), "glibc: CLEAN" (CLI), "| CLEAN |" (tables).
    assert.doesNotMatch(text, /(\*\*|"|: |\| )CLEAN\b/, `${surface} says CLEAN`);
    assert.doesNotMatch(text, /no drift|drift no\b/i, `${surface} says no drift`);
    assert.doesNotMatch(text, /epochs over the leak floor [^;]*; median slope/, `${surface}: the leak-floor line reads as a contradiction`);
  }
  // The report's leak column and drift section say UNDECIDED for every variant, with held drift beside it.
  for (const v of Object.keys(SURFACE_VARIANTS)) assert.match(s.report, new RegExp(`\\| ${v} \\| \\*\\*UNDECIDED\\*\\* \\|`));
  assert.match(
    s.report,
    /\| lean \| \*\*UNDECIDED\*\* \| .* \| held-memory drift \+17\.\d+ % per epoch \(too few epochs for an interval\) \|/,
  );
  // The comparison says the candidate's drift is undecided rather than nothing.
  const compareReasons = s.rest.compare.reasons as Array<{ criterion: string; status: string; message: string }>;
  assert.ok(
    compareReasons.some((r) => r.criterion === 'guard.leak' && r.status === 'undecided' && /leak and drift undecided/.test(r.message)),
  );
});

test('page, report and CLI agree on which of two variants is faster: per CPU-second, as the verdict', async () => {
  const s = await surfaces();
  // The verdict's ratio: speed/mimalloc per CPU-second, 0.917 (speed is faster per wall-clock second only).
  const ratio = s.rest.compare.throughput as { ratio: number };
  assert.equal(s.rest.compare.throughput_basis, 'cpu');
  assert.ok(Math.abs(ratio.ratio - 0.917) < 0.005, `ratio ${ratio.ratio}`);
  const expected = ['mimalloc', 'speed', 'glibc', 'lean'];
  // Report: the order it states, and its table leads with ops per CPU-second.
  assert.match(s.report, new RegExp(`Fastest first: ${expected.join(', ')}\\.`));
  assert.match(s.report, /\| variant \| epochs \(completed\/total\) \| throughput, ops per CPU-s \(median\) \| ops\/s wall \(median\) \|/);
  assert.match(s.report, /\| mimalloc \| 3\/3 \| 100,000,000 \| 91,900,000 \|/);
  assert.match(s.report, /\| speed \| 3\/3 \| 91,700,000 \| 101,000,000 \|/);
  // CLI: the run summary states the same order on the same basis, and compare the same ratio.
  assert.match(s.cli.summary, new RegExp(`fastest first \\(per CPU-second\\): ${expected.join(', ')}\\n`));
  assert.match(s.cli.summary, /throughput, ops per CPU-s \(median\) +ops\/s wall \(median\)/);
  assert.match(s.cli.compare, /throughput candidate\/baseline \(per CPU-second\): 0\.91\d/);
});
