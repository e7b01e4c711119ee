/**
 * bisect_runs and bisect_steps (migrations/014): each `allocsoak bisect` run, the range it searches, and
 * every step it took — enough to show the run on the page and to take it up again with `bisect --resume`
 * (a step stored is never run again).
 */
import type { BisectOutcome, BisectRole, BisectStatus } from '../domain/types.js';
import type { Goal, VerdictValue } from '../judgement/index.js';
import type { Plan } from '../plan/index.js';
import type { Db } from './database.js';
import { nowIso } from './time.js';

/** One commit of a bisect range. */
export interface BisectCommit {
  /** 40 hex digits. */
  commit: string;
  /** The first line of its message. */
  subject: string;
}

export interface NewBisectRun {
  repo: string;
  good: string;
  bad: string;
  build_command: string;
  library: string;
  goal: Goal;
  plan: Plan;
  /** Oldest first: the good commit first, the bad one last. */
  commits: BisectCommit[];
  started_at?: string;
}

export interface BisectRunRecord extends Omit<NewBisectRun, 'started_at'> {
  id: number;
  status: BisectStatus;
  culprit: string | null;
  message: string | null;
  started_at: string;
  ended_at: string | null;
}

export interface BisectStepRecord {
  id: number;
  run_id: number;
  commit_sha: string;
  role: BisectRole;
  build_ok: boolean;
  build_note: string | null;
  library_sha256: string | null;
  campaign_id: number | null;
  verdict: VerdictValue | null;
  measure: string | null;
  ratio: number | null;
  ratio_lo: number | null;
  ratio_hi: number | null;
  pairs: number | null;
  outcome: BisectOutcome;
  started_at: string;
  ended_at: string;
}

export type NewBisectStep = Omit<BisectStepRecord, 'id' | 'ended_at'> & { ended_at?: string };

interface RunRow extends Omit<BisectRunRecord, 'plan' | 'commits'> {
  plan_json: string;
  commits_json: string;
}

type StepRow = Omit<BisectStepRecord, 'build_ok'> & { build_ok: number };

const RUN_COLUMNS =
  'id, repo, good, bad, build_command, library, goal, plan_json, commits_json, status, culprit, message, started_at, ended_at';
const STEP_COLUMNS =
  'run_id, commit_sha, role, build_ok, build_note, library_sha256, campaign_id, verdict, measure, ratio, ratio_lo, ratio_hi, pairs, outcome, started_at, ended_at';

function toRun(row: RunRow): BisectRunRecord {
  const { plan_json, commits_json, ...rest } = row;
  return { ...rest, plan: JSON.parse(plan_json) as Plan, commits: JSON.parse(commits_json) as BisectCommit[] };
}

function toStep(row: StepRow): BisectStepRecord {
  return { ...row, build_ok: row.build_ok !== 0 };
}

export class BisectStore {
  private readonly insertRunStmt;
  private readonly finishRunStmt;
  private readonly reopenRunStmt;
  private readonly getRunStmt;
  private readonly listRunsStmt;
  private readonly insertStepStmt;
  private readonly stepsStmt;

  constructor(db: Db) {
    this.insertRunStmt = db.prepare(
      `INSERT INTO bisect_runs (repo, good, bad, build_command, library, goal, plan_json, commits_json, status, started_at)
       VALUES (@repo, @good, @bad, @build_command, @library, @goal, @plan_json, @commits_json, 'running', @started_at)`,
    );
    this.finishRunStmt = db.prepare<[BisectStatus, string | null, string | null, string, number]>(
      'UPDATE bisect_runs SET status = ?, culprit = ?, message = ?, ended_at = ? WHERE id = ?',
    );
    this.reopenRunStmt = db.prepare<[number]>(
      "UPDATE bisect_runs SET status = 'running', culprit = NULL, message = NULL, ended_at = NULL WHERE id = ?",
    );
    this.getRunStmt = db.prepare<[number], RunRow>(`SELECT ${RUN_COLUMNS} FROM bisect_runs WHERE id = ?`);
    this.listRunsStmt = db.prepare<[number], RunRow>(`SELECT ${RUN_COLUMNS} FROM bisect_runs ORDER BY id DESC LIMIT ?`);
    this.insertStepStmt = db.prepare(
      `INSERT INTO bisect_steps (${STEP_COLUMNS}) VALUES (${STEP_COLUMNS.split(', ')
        .map((c) => `@${c}`)
        .join(', ')})`,
    );
    this.stepsStmt = db.prepare<[number], StepRow>(`SELECT id, ${STEP_COLUMNS} FROM bisect_steps WHERE run_id = ? ORDER BY id`);
  }

  /** Creates a `running` run and returns its id. */
  create(r: NewBisectRun): number {
    const info = this.insertRunStmt.run({
      repo: r.repo,
      good: r.good,
      bad: r.bad,
      build_command: r.build_command,
      library: r.library,
      goal: r.goal,
      plan_json: JSON.stringify(r.plan),
      commits_json: JSON.stringify(r.commits),
      started_at: r.started_at ?? nowIso(),
    });
    return Number(info.lastInsertRowid);
  }

  /** Ends a run: its status, the culprit when one was found, and the outcome in words. */
  finish(id: number, status: Exclude<BisectStatus, 'running'>, culprit: string | null, message: string | null, endedAt = nowIso()): void {
    this.finishRunStmt.run(status, culprit, message, endedAt, id);
  }

  /** Marks an interrupted run running again (`bisect --resume`): its steps stay, and are not run again. */
  reopen(id: number): void {
    this.reopenRunStmt.run(id);
  }

  get(id: number): BisectRunRecord | undefined {
    const row = this.getRunStmt.get(id);
    return row === undefined ? undefined : toRun(row);
  }

  /** The most recent runs first. */
  list(limit = 50): BisectRunRecord[] {
    return this.listRunsStmt.all(limit).map(toRun);
  }

  /** Stores one finished step and returns its id. */
  addStep(s: NewBisectStep): number {
    const info = this.insertStepStmt.run({ ...s, build_ok: s.build_ok ? 1 : 0, ended_at: s.ended_at ?? nowIso() });
    return Number(info.lastInsertRowid);
  }

  /** A run's steps in the order they ran. */
  steps(runId: number): BisectStepRecord[] {
    return this.stepsStmt.all(runId).map(toStep);
  }
}
