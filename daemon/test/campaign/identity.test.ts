/**
 * What ran, and its stderr, end to end: a real campaign (real launcher, random_mixed, leanmalloc, a SQLite
 * file) whose variants ask for zlib as an allocator, for leanmalloc lean, and for leanmalloc lean in a
 * command that sets another profile; what ran is stored per epoch, checked against the plan, and every
 * epoch's stderr is kept and shown on the REST API and in the report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport } from '../../src/report/index.js';
import { planFrom } from '../helpers/env.js';
import { LIBZ } from '../helpers/libraries.js';
import { LEANMALLOC, RANDOM_MIXED } from '../helpers/native.js';
import { makeApp } from '../http/helpers.js';

const LEAN_KNOBS = {
  LEANMALLOC_PROFILE: 'lean',
  LEANMALLOC_LEAN: '1',
  LEANMALLOC_DECOMMIT: 'DONTNEED',
  LEANMALLOC_TARGET_MB: '10',
  LEANMALLOC_PURGE_DELAY_MS: '200',
  LEANMALLOC_STATS: '0',
};

test('what each epoch ran is stored and checked against the plan; stderr is kept for every epoch', async () => {
  const t = await makeApp();
  try {
    const resolved = planFrom({
      name: 'identity',
      epoch: '1500ms',
      warmup: '200ms',
      interval: '100ms',
      variants: [
        { name: 'zlib', allocator: LIBZ, args: ['--ws', '100'] },
        { name: 'lean', allocator: 'leanmalloc', env: { LEANMALLOC_PROFILE: 'lean' }, args: ['--ws', '100'] },
        // the plan asks lean, the command hands the workload another profile
        {
          name: 'respawned',
          allocator: 'leanmalloc',
          env: { LEANMALLOC_PROFILE: 'lean' },
          command: ['/usr/bin/env', 'LEANMALLOC_PROFILE=speed', RANDOM_MIXED, '--ws', '100'],
        },
        // completes, and says so on stderr at exit
        { name: 'chatty', allocator: 'leanmalloc', env: { LEANMALLOC_PROFILE: 'balanced', LEANMALLOC_STATS: '1' }, args: ['--ws', '100'] },
      ],
    });
    const started = t.controller.start({ resolved, source: 'test', epochsPerVariant: 1 });
    assert.equal(await started.done, 'completed');
    const rows = new Map(t.store.epochs.listRows({ campaign: started.id }).map((r) => [r.variant, r]));

    const zlib = rows.get('zlib')!;
    assert.equal(zlib.outcome, 'failed');
    assert.match(
      zlib.outcome_reason ?? '',
      new RegExp(`^plan asks ${LIBZ.replace(/\./g, '\\.')}, the workload runs glibc's malloc \\(/.*libc\\.so\\.6\\)$`),
    );
    assert.equal(zlib.allocator_reported, 'glibc');
    assert.match(zlib.allocator_library_reported ?? '', /libc\.so\.6$/);
    assert.match(zlib.allocator_version ?? '', /^\d+\.\d+/);

    const lean = rows.get('lean')!;
    assert.equal(lean.outcome, 'completed', `${lean.outcome_reason} ${lean.stderr_tail}`);
    assert.equal(lean.allocator_reported, 'leanmalloc');
    assert.equal(lean.allocator_library_reported, LEANMALLOC);
    assert.equal(lean.allocator_profile, 'lean');
    assert.deepEqual(JSON.parse(lean.allocator_knobs ?? 'null'), LEAN_KNOBS);
    assert.equal(lean.allocator_version, null);
    assert.equal(lean.stderr_tail, '');
    assert.equal(lean.stderr_lines, 0);

    const respawned = rows.get('respawned')!;
    assert.equal(respawned.outcome, 'failed');
    assert.equal(respawned.outcome_reason, 'plan asks leanmalloc profile lean, the workload runs leanmalloc profile speed');
    assert.equal(respawned.allocator_profile, 'speed');

    const chatty = rows.get('chatty')!;
    assert.equal(chatty.outcome, 'completed', `${chatty.outcome_reason} ${chatty.stderr_tail}`);
    assert.equal(chatty.allocator_profile, 'balanced');
    assert.match(chatty.stderr_tail ?? '', /^leanmalloc: stats \(profile balanced\)$/m);
    assert.ok((chatty.stderr_lines ?? 0) >= 9, `${chatty.stderr_lines} lines`);

    // REST: the list says which epochs wrote on stderr and what they ran; the detail has the tail
    const list = (await t.app.inject({ method: 'GET', url: `/api/v1/epochs?campaign=${started.id}` })).json<{
      epochs: Array<Record<string, unknown>>;
    }>();
    const listed = new Map(list.epochs.map((e) => [e['variant'], e]));
    assert.equal(listed.get('chatty')?.['stderr_lines'], chatty.stderr_lines);
    assert.equal(listed.get('lean')?.['stderr_lines'], 0);
    assert.equal(listed.get('lean')?.['allocator_profile'], 'lean');
    assert.equal(listed.get('zlib')?.['allocator_reported'], 'glibc');
    const detail = (await t.app.inject({ method: 'GET', url: `/api/v1/epochs/${chatty.id}` })).json<Record<string, unknown>>();
    assert.equal(detail['stderr_tail'], chatty.stderr_tail);
    assert.equal(detail['allocator_knobs'], chatty.allocator_knobs);

    // the report: what each variant ran, and the completed epoch's stderr
    const md = renderReport(t.store, { format: 'md', campaign: started.id, extensions: [] });
    assert.match(
      md,
      /\| lean \| leanmalloc \| .*libleanmalloc\.so \| args: `--ws 100`; env: `LEANMALLOC_PROFILE=lean` \| leanmalloc profile lean \|/,
    );
    assert.match(md, /\| zlib \| .*libz\.so\.1 \| .*libz\.so\.1 \| args: `--ws 100` \| glibc \d+\.\d+ \|/);
    const stderrSection = md.slice(md.indexOf('## Warnings: stderr of completed epochs'));
    assert.match(
      stderrSection,
      new RegExp(`\\nEpoch ${chatty.id} \\(chatty, round 1, completed\\): \\d+ lines\\.\\n\\n\`\`\`\\nleanmalloc: stats`),
    );
  } finally {
    await t.close();
  }
});
