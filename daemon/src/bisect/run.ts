/**
 * A bisect run from start to end: the good build first (every step is judged against it), then the bad
 * revision (unless it is bad there is no change to find), then probes chosen by the search (search.ts) until
 * the first bad commit is pinned down, then the culprit's parent re-tested against the good build to
 * confirm it. Every step is stored when it ends (store.bisects), so a run cut by Ctrl-C is taken up again
 * by `runBisect` on the same id without repeating a stored step.
 *
 * The libraries are kept in a per-run cache (`<cacheRoot>/bisect-<id>/<commit>.so`): removed when the run
 * ends, kept when it is interrupted (a resumed run rebuilds what is missing).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { duration } from '../domain/format.js';
import type { BisectRole, BisectStatus } from '../domain/types.js';
import { sha256File } from '../host/index.js';
import { formatDuration } from '../plan/index.js';
import type { BisectRunRecord, BisectStepRecord, NewBisectRun, NewBisectStep } from '../storage/index.js';
import { BuildAborted, buildCommit, cachedLibrary, removeStaleWorktrees, type BuildResult } from './build.js';
import { firstParent, git, subjectOf } from './git.js';
import { nextStep, outcomesOf, progress, type SearchState } from './search.js';
import { judgeStep, StepAborted, type StepContext } from './step.js';
import { commitText, evidenceTable, evidenceText, short } from './text.js';

export interface BisectContext extends StepContext {
  /** Progress: called with one line at a time (no newline). */
  out: (line: string) => void;
  /** Ctrl-C: stops the build or campaign in progress; the run is stored as interrupted. */
  signal: AbortSignal;
  buildTimeoutMs: number;
  /** Duet rounds per step at most. */
  maxRounds: number;
  /** Where the per-run library caches are made (e.g. the database's directory). */
  cacheRoot: string;
}

/** Creates a run (status running) and returns its id; `runBisect` then runs it. */
export function createBisectRun(ctx: Pick<StepContext, 'store'>, run: NewBisectRun): number {
  return ctx.store.bisects.create(run);
}

/** The directory a run keeps its libraries in. */
export function cacheDirOf(cacheRoot: string, runId: number): string {
  return join(cacheRoot, `bisect-${runId}`);
}

type Library = { ok: true; library: string; sha256: string } | { ok: false; note: string };

/** A run's final state, as stored. */
interface Ending {
  status: Exclude<BisectStatus, 'running'>;
  culprit: string | null;
  message: string;
}

/** Runs (or takes up again) the run `runId` to its end, or until the signal stops it; returns the stored run. */
export async function runBisect(ctx: BisectContext, runId: number): Promise<BisectRunRecord> {
  const { store } = ctx;
  const found = store.bisects.get(runId);
  if (found === undefined) throw new RangeError(`no bisect run ${runId}`);
  const run: BisectRunRecord = found;
  const cacheDir = cacheDirOf(ctx.cacheRoot, runId);
  const commits = run.commits;
  const indexOf = new Map(commits.map((c, i) => [c.commit, i]));
  const libraries = new Map<string, Library>();
  const goodCommit = (commits[0] as { commit: string }).commit;

  /** The commit's library: from this process's builds, the cache, or a build now (`indent` leads its progress lines). */
  const library = async (commit: string, indent: string): Promise<Library> => {
    const known = libraries.get(commit);
    if (known !== undefined) return known;
    const cached = cachedLibrary(cacheDir, commit);
    let lib: Library;
    if (existsSync(cached)) {
      lib = { ok: true, library: cached, sha256: await sha256File(cached) };
      ctx.out(`${indent}library from the run's cache (sha256 ${lib.sha256.slice(0, 12)})`);
    } else {
      const b: BuildResult = await buildCommit({
        repo: run.repo,
        commit,
        command: run.build_command,
        library: run.library,
        cacheDir,
        timeoutMs: ctx.buildTimeoutMs,
        signal: ctx.signal,
      });
      lib = b.ok ? { ok: true, library: b.library, sha256: b.sha256 } : { ok: false, note: b.note };
      ctx.out(
        b.ok
          ? `${indent}built in ${duration(b.durationMs)} (sha256 ${b.sha256.slice(0, 12)})`
          : `${indent}the build failed after ${duration(b.durationMs)}: ${b.note.split('\n')[0] ?? ''}`,
      );
    }
    libraries.set(commit, lib);
    return lib;
  };

  const searchSteps = (): BisectStepRecord[] => store.bisects.steps(runId).filter((s) => s.role !== 'confirm');
  const stateNow = (): SearchState =>
    nextStep(
      commits.length,
      outcomesOf((c) => indexOf.get(c), searchSteps()),
    );

  /** Builds, measures and stores one step; returns it. */
  const runStep = async (commit: string, role: BisectRole, goodLib: { library: string; sha256: string }): Promise<BisectStepRecord> => {
    const ordinal = store.bisects.steps(runId).length + 1;
    const startedAt = new Date().toISOString();
    const subject = indexOf.has(commit) ? commitText(commits, commit) : `${short(commit)} ${await subjectOf(run.repo, commit)}`;
    ctx.out(`[${ordinal}] ${role} ${subject}`);
    const lib = await library(commit, '    ');
    const base: Omit<NewBisectStep, 'outcome' | 'build_ok'> = {
      run_id: runId,
      commit_sha: commit,
      role,
      build_note: null,
      library_sha256: null,
      campaign_id: null,
      verdict: null,
      measure: null,
      ratio: null,
      ratio_lo: null,
      ratio_hi: null,
      pairs: null,
      started_at: startedAt,
    };
    let step: NewBisectStep;
    if (!lib.ok) {
      step = { ...base, build_ok: false, build_note: lib.note, outcome: 'skip' };
    } else if (role !== 'confirm' && lib.sha256 === goodLib.sha256) {
      // The same bytes as the good build measure the same: nothing to run. (The confirmation always measures.)
      step = {
        ...base,
        build_ok: true,
        library_sha256: lib.sha256,
        measure: "not measured: the library's bytes are the good build's (same sha256)",
        outcome: 'good',
      };
    } else {
      ctx.out(
        `    measuring against the good build: duet rounds of ${formatDuration(run.plan.epoch_ms)} until the verdict settles, at most ${ctx.maxRounds}`,
      );
      const j = await judgeStep(ctx, {
        runId,
        ordinal,
        plan: run.plan,
        commit,
        goodLibrary: goodLib.library,
        stepLibrary: lib.library,
        maxRounds: ctx.maxRounds,
        signal: ctx.signal,
        onRound: (round, outcome) => {
          // A line per round: with the built-in 20-s epochs a step can take many minutes, and silence looks hung.
          ctx.out(
            outcome === 'completed'
              ? `    round ${round} of at most ${ctx.maxRounds} done`
              : `    round ${round} of at most ${ctx.maxRounds}: the step's epoch ended ${outcome}`,
          );
        },
      });
      step = {
        ...base,
        build_ok: true,
        library_sha256: lib.sha256,
        campaign_id: j.campaignId,
        verdict: j.verdict,
        measure: j.measure,
        ratio: j.ratio,
        ratio_lo: j.ratioLo,
        ratio_hi: j.ratioHi,
        pairs: j.pairs,
        outcome: j.outcome,
      };
    }
    const id = store.bisects.addStep(step);
    const stored = store.bisects.steps(runId).find((s) => s.id === id) as BisectStepRecord;
    let left = '';
    if (role !== 'confirm') {
      const p = progress(
        commits.length,
        outcomesOf((c) => indexOf.get(c), searchSteps()),
      );
      left = p.stepsLeft === 0 ? '' : `; ${p.suspects} commit(s) suspect, about ${p.stepsLeft} step(s) left`;
    }
    ctx.out(`    → ${stored.outcome}: ${evidenceText(stored)}${left}`);
    return stored;
  };

  const finish = (e: Ending): BisectRunRecord => {
    store.bisects.finish(runId, e.status, e.culprit, e.message);
    const steps = store.bisects.steps(runId);
    ctx.out('');
    if (steps.length > 0) {
      ctx.out('evidence (each step against the good build; ratio = step / good):');
      for (const l of evidenceTable(steps, commits).trimEnd().split('\n')) ctx.out(l);
      ctx.out('');
    }
    ctx.out(e.message);
    if (e.status !== 'interrupted') rmSync(cacheDir, { recursive: true, force: true });
    return store.bisects.get(runId) as BisectRunRecord;
  };

  try {
    await git(run.repo, ['worktree', 'prune']).catch(() => undefined);
    for (const path of await removeStaleWorktrees(run.repo).catch(() => []))
      ctx.out(`removed the worktree ${path} a killed bisect left behind`);
    const resumedSteps = store.bisects.steps(runId).length;
    ctx.out(
      `bisect run ${runId}: ${commits.length - 1} commit(s) after the good ${commitText(commits, goodCommit)}, goal ${run.goal}` +
        (resumedSteps > 0 ? ` — resumed with ${resumedSteps} step(s) already stored` : ''),
    );
    ctx.out(`good build ${commitText(commits, goodCommit)}`);
    const good = await library(goodCommit, '    ');
    if (!good.ok) {
      return finish({
        status: 'failed',
        culprit: null,
        message: `the good revision ${commitText(commits, goodCommit)} does not build: ${good.note}`,
      });
    }
    for (;;) {
      const state = stateNow();
      if (state.kind === 'test') {
        await runStep((commits[state.index] as { commit: string }).commit, state.role, good);
        continue;
      }
      return finish(await conclude(state));
    }
  } catch (err) {
    if (err instanceof BuildAborted || err instanceof StepAborted || ctx.signal.aborted) {
      const n = store.bisects.steps(runId).length;
      return finish({
        status: 'interrupted',
        culprit: null,
        message: `interrupted after ${n} stored step(s); the step in progress was dropped and a resumed run continues from the stored ones`,
      });
    }
    ctx.log.debug({ err: (err as Error).stack }, 'bisect failed');
    return finish({ status: 'failed', culprit: null, message: `failed: ${(err as Error).message}` });
  }

  /** The search's end in words, after the confirmation when it found a culprit. */
  async function conclude(state: Exclude<SearchState, { kind: 'test' }>): Promise<Ending> {
    const steps = searchSteps();
    const lastOf = (commit: string): BisectStepRecord | undefined => steps.filter((s) => s.commit_sha === commit).at(-1);
    const bad = (commits[commits.length - 1] as { commit: string }).commit;
    switch (state.kind) {
      case 'no_change': {
        const s = lastOf(bad) as BisectStepRecord;
        const why =
          s.verdict === null
            ? "its library is the good build's, byte for byte"
            : state.endpoint === 'good'
              ? 'it measures like the good build'
              : `its verdict did not settle within ${ctx.maxRounds} duet rounds (--max-rounds), so no change could be shown (a change smaller than the noise is not excluded: raise --max-rounds, or loosen the criteria in --plan)`;
        return {
          status: 'no_change',
          culprit: null,
          message: `no change found: the bad revision ${commitText(commits, bad)} is not worse than the good build (${evidenceText(s)}): ${why}`,
        };
      }
      case 'untestable': {
        const s = lastOf(bad) as BisectStepRecord;
        return {
          status: 'failed',
          culprit: null,
          message: `the bad revision ${commitText(commits, bad)} does not build, so it cannot be judged: ${s.build_note ?? ''}`,
        };
      }
      case 'inconclusive': {
        const first = (commits[state.firstBad] as { commit: string }).commit;
        const lastGood = (commits[state.lastGood] as { commit: string }).commit;
        const between = state.between.map((i) => {
          const c = (commits[i] as { commit: string }).commit;
          return `${short(c)} (${lastOf(c)?.outcome === 'skip' ? 'did not build' : 'did not settle'})`;
        });
        return {
          status: 'inconclusive',
          culprit: null,
          message:
            `inconclusive: the first bad commit is one of ${between.join(', ')} or ${commitText(commits, first)} — ` +
            `after the last good ${short(lastGood)}, the commits before the first bad one could not be judged`,
        };
      }
      case 'found': {
        const culprit = (commits[state.culprit] as { commit: string }).commit;
        const evidence = evidenceText(lastOf(culprit) as BisectStepRecord);
        const parent = (await firstParent(run.repo, culprit)) ?? (commits[state.lastGood] as { commit: string }).commit;
        const all = store.bisects.steps(runId);
        const lastSearch = all.reduce((m, s, i) => (s.role !== 'confirm' ? i : m), -1);
        let confirm = all.slice(lastSearch + 1).find((s) => s.role === 'confirm' && s.commit_sha === parent);
        if (confirm === undefined) {
          ctx.out(`confirming: re-testing the culprit's parent ${short(parent)} against the good build`);
          const good = libraries.get(goodCommit) as { library: string; sha256: string };
          confirm = await runStep(parent, 'confirm', good);
        }
        const head = `${commitText(commits, culprit)} (${evidence})`;
        if (confirm.outcome === 'good') {
          return {
            status: 'found',
            culprit,
            message: `first bad commit: ${head}; its parent ${short(parent)} re-tested good (${evidenceText(confirm)})`,
          };
        }
        const what =
          confirm.outcome === 'bad'
            ? 'tested bad on its re-test: the good verdict it had did not reproduce, so the change may be noise or not where the search put it'
            : confirm.outcome === 'skip'
              ? 'could not be built for the re-test'
              : 'did not settle on its re-test';
        return {
          status: 'inconclusive',
          culprit: null,
          message: `inconclusive: the search pointed at ${head}, but its parent ${short(parent)} ${what} (${evidenceText(confirm)})`,
        };
      }
    }
  }
}
