/**
 * compare, drift, history and the plan's comparisons as the daemon serves them (REST, the verdict gauge, the
 * campaign's standings): without holding the daemon's event loop (the one that stores each sample as it
 * arrives and reads /proc at that moment), without judging again what has not changed, and without making a
 * request wait for a judgement once an answer exists.
 *
 * - Answers are kept per request. Verdicts are functions of the epoch rows and the campaigns' status, which
 *   change only when an epoch or a campaign starts or ends (`store.epochs.stamp()`); an answer judged at the
 *   current stamp is fresh.
 * - When the stamp has moved on, the last answer is served at once, marked `judged.fresh: false` with the
 *   time and stamp it was judged at, while the worker judges again (stale-while-revalidate). A watch of the
 *   stamp (every WATCH_MS while answers are kept) judges again the requests made in the last KEEP_WARM_MS as
 *   soon as an epoch starts or ends, so the fresh answer is usually ready before anyone asks.
 * - Never stale: the first answer to a request (it waits for its judgement), an answer about another
 *   campaign than the request would now get (compare without `campaign`, after a new campaign in which
 *   both ran), and a caller that asks for a fresh answer (the campaign's standings choose its next round).
 * - Judgements run on a worker thread with its own read-only connection to the same file (WAL: it reads
 *   what was committed, the daemon keeps writing), one at a time: a request waiting for a first answer goes
 *   before the watch's re-judgements. Each judgement reads the stamp and the rows in one read transaction,
 *   so the stamp an answer carries is the one it was judged at. A year of epochs takes the judgement a good
 *   fraction of a second; the event loop meanwhile goes on.
 * - A store with no file (`:memory:`) is judged in the calling thread, always fresh.
 * The answers are the functions' own (service.ts): the same for REST, the CLI, the gauge and the report.
 */
import { Worker } from 'node:worker_threads';
import { InputError } from '../domain/parameters.js';
import type { Store } from '../storage/index.js';
import { history, type HistoryRequest, type HistoryResult } from './history.js';
import {
  compare,
  drift,
  judgePlanComparisons,
  type CompareRequest,
  type CompareResult,
  type DriftRequest,
  type DriftResult,
} from './service.js';

export type VerdictJob =
  | { kind: 'compare'; request: CompareRequest }
  | { kind: 'drift'; request: DriftRequest }
  | { kind: 'history'; request: HistoryRequest }
  | { kind: 'plan'; campaign: number };
/** Every comparison of a campaign's plan, in plan order (judgePlanComparisons). */
export interface PlanComparisons {
  results: CompareResult[];
}
type Result = CompareResult | DriftResult | HistoryResult | PlanComparisons;
/** What an answer was judged on, and whether it still is what a judgement now would say. */
export interface Judged {
  /** When the judgement read the database (ISO time). */
  at: string;
  /**
   * The store's stamp it read (highest epoch id, epochs running, highest campaign id, campaigns running):
   * equal stamps, the same epochs and campaigns judged.
   */
  stamp: string;
  /** False: an epoch or a campaign has started or ended since, and a newer judgement is under way. */
  fresh: boolean;
}

/** An answer as the reader serves it: the judgement's own, and what it was judged on. */
export type Served<R> = R & { judged: Judged };

/** A served answer: what it was judged on, and the answer as JSON text (what REST sends) or parsed. */
export interface ServedAnswer<R> {
  judged: Judged;
  /** The answer with `judged`, as JSON: made once per judgement and freshness, never serialized again. */
  json: string;
  /** The same, parsed (once, at the first call). */
  value(): Served<R>;
}

/**
 * A judgement as the worker sends it: the result as JSON text (serialized on the worker: a drift over a year
 * of epochs is half a megabyte, which as objects would be copied into the event loop's thread and serialized
 * there again for every client), what a compare judged (its campaign), and the stamp and time it read.
 */
interface Judgement {
  json: string;
  subject: number | null;
  stamp: string;
  at: string;
}

/** What the worker sends back: a judgement, or the error (InputError keeps its parameter and detail). */
export type WorkerReply =
  ({ id: number; ok: true } & Judgement) | { id: number; ok: false; name: string; message: string; parameter?: string; detail?: string };

export function runJob(store: Store, job: VerdictJob): Result {
  switch (job.kind) {
    case 'compare':
      return compare(store, job.request);
    case 'drift':
      return drift(store, job.request);
    case 'history':
      return history(store, job.request);
    case 'plan':
      return { results: judgePlanComparisons(store, job.campaign) };
  }
}

/** The job judged in one read transaction with the stamp it read (so the stamp is exactly what was judged). */
export function judgeJob(store: Store, job: VerdictJob): Judgement {
  return store.snapshot(() => {
    const stamp = store.epochs.stamp();
    const at = new Date().toISOString();
    const result = runJob(store, job);
    return { json: JSON.stringify(result), subject: job.kind === 'compare' ? (result as CompareResult).campaign : null, stamp, at };
  });
}

/** Answers kept at most (each request's parameters are a key). */
const KEPT = 64;
/** How often the stamp is watched while answers are kept (ms): four index lookups each time. */
const WATCH_MS = 500;
/** Requests made within this long are judged again as soon as the stamp moves (ms). */
const KEEP_WARM_MS = 10 * 60_000;

interface Entry {
  key: string;
  job: VerdictJob;
  /** The last judgement, with what it is served as (made once each). */
  last: (Judgement & { fresh: ServedAnswer<Result> | null; stale: ServedAnswer<Result> | null }) | null;
  /** The judgement under way, and its place in the queue until the worker takes it. */
  pending: Promise<Judgement> | null;
  queued: Queued | null;
  usedAt: number;
}

interface Queued {
  job: VerdictJob;
  /** A re-judgement nobody waits for: behind the requests that wait. */
  background: boolean;
  resolve: (j: Judgement) => void;
  reject: (e: Error) => void;
}

export class VerdictReader {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, Queued>();
  /** Judgements not yet sent to the worker: one runs at a time, so that a waiting request can go first. */
  private readonly queue: Queued[] = [];
  private readonly kept = new Map<string, Entry>();
  private watch: ReturnType<typeof setInterval> | null = null;
  private closed = false;
  private readonly inThread: boolean;
  private readonly watchMs: number;

  constructor(
    private readonly store: Store,
    opts: {
      /** Judge in the calling thread (no worker, always fresh); default for an in-memory store. */
      inThread?: boolean;
      /** How often the stamp is watched while answers are kept (ms; default WATCH_MS). */
      watchMs?: number;
    } = {},
  ) {
    this.inThread = opts.inThread ?? (store.db.memory || store.db.name === '' || store.db.name === ':memory:');
    this.watchMs = opts.watchMs ?? WATCH_MS;
  }

  compare(request: CompareRequest): Promise<ServedAnswer<CompareResult>> {
    return this.answer({ kind: 'compare', request }) as Promise<ServedAnswer<CompareResult>>;
  }

  drift(request: DriftRequest): Promise<ServedAnswer<DriftResult>> {
    return this.answer({ kind: 'drift', request }) as Promise<ServedAnswer<DriftResult>>;
  }

  history(request: HistoryRequest): Promise<ServedAnswer<HistoryResult>> {
    return this.answer({ kind: 'history', request }) as Promise<ServedAnswer<HistoryResult>>;
  }

  /**
   * Every comparison of a campaign's plan, as judgePlanComparisons judges them (the gauge, the standings);
   * `fresh`: wait for a judgement at the current stamp rather than take the last one.
   */
  planComparisons(campaign: number, opts: { fresh?: boolean } = {}): Promise<ServedAnswer<PlanComparisons>> {
    return this.answer({ kind: 'plan', campaign }, opts.fresh === true) as Promise<ServedAnswer<PlanComparisons>>;
  }

  /** Stops the worker and the watch; later requests are judged in the calling thread. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.watch !== null) clearInterval(this.watch);
    this.watch = null;
    const w = this.worker;
    this.worker = null;
    const stopped = new Error('the verdict worker was stopped');
    for (const [, p] of this.waiting) p.reject(stopped);
    this.waiting.clear();
    for (const q of this.queue.splice(0)) q.reject(stopped);
    if (w !== null) await w.terminate();
  }

  private answer(job: VerdictJob, mustBeFresh = false): Promise<ServedAnswer<Result>> {
    const key = JSON.stringify(job);
    const stamp = this.store.epochs.stamp();
    let entry = this.kept.get(key);
    if (entry === undefined) {
      entry = { key, job, last: null, pending: null, queued: null, usedAt: 0 };
      this.kept.set(key, entry);
      while (this.kept.size > KEPT) this.kept.delete(this.kept.keys().next().value as string);
    } else {
      // Most recently used last: the oldest key is the first to go.
      this.kept.delete(key);
      this.kept.set(key, entry);
    }
    entry.usedAt = Date.now();
    const last = entry.last;
    if (last !== null && last.stamp === stamp) return Promise.resolve(this.served(entry, true));
    if (this.inThread || this.closed) return this.judgeNow(entry);
    this.startWatch();
    const stale = !mustBeFresh && last !== null && this.sameSubject(job, last.subject);
    const judging = this.revalidate(entry, stale);
    if (stale) {
      // Nobody waits for this judgement: a failure is the next request's to see (it is judged again then).
      judging.catch(() => undefined);
      return Promise.resolve(this.served(entry, false));
    }
    // Fresh unless the stamp moved on again while it was judged.
    return judging.then(() => this.served(entry, entry.last?.stamp === this.store.epochs.stamp()));
  }

  /** The entry's last judgement as served: fresh (judged at the stamp it was asked at) or not. */
  private served(entry: Entry, fresh: boolean): ServedAnswer<Result> {
    const last = entry.last as NonNullable<Entry['last']>;
    const which = fresh ? 'fresh' : 'stale';
    let s = last[which];
    if (s === null) {
      const judged: Judged = { at: last.at, stamp: last.stamp, fresh };
      // `judged` first, then the answer's own fields: text put together, the answer is not serialized again.
      const own = last.json.length > 2 ? `,${last.json.slice(1)}` : '}';
      const json = `{"judged":${JSON.stringify(judged)}${own}`;
      let parsed: Served<Result> | null = null;
      s = { judged, json, value: () => (parsed ??= JSON.parse(json) as Served<Result>) };
      last[which] = s;
    }
    return s;
  }

  /**
   * Whether the last answer is about what the request would be judged on now: a compare without a campaign
   * judges the latest campaign in which both variants ran, and a newer one is not served from the old.
   */
  private sameSubject(job: VerdictJob, judgedCampaign: number | null): boolean {
    if (job.kind !== 'compare' || job.request.campaign !== undefined) return true;
    return judgedCampaign === this.store.epochs.latestCampaignWithBoth(job.request.baseline, job.request.candidate);
  }

  /** In the calling thread: judged now, at the current stamp. */
  private judgeNow(entry: Entry): Promise<ServedAnswer<Result>> {
    try {
      this.settle(entry, judgeJob(this.store, entry.job));
      return Promise.resolve(this.served(entry, true));
    } catch (err) {
      this.kept.delete(entry.key);
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private settle(entry: Entry, j: Judgement): void {
    entry.last = { ...j, fresh: null, stale: null };
  }

  /**
   * The entry's judgement under way, or a new one. `background`: behind requests that wait for a first
   * answer. A refused request (unknown variant, bad criteria) is not kept: the next one is judged again.
   */
  private revalidate(entry: Entry, background: boolean): Promise<Judgement> {
    if (entry.pending !== null) {
      const q = entry.queued;
      const at = q === null ? -1 : this.queue.indexOf(q);
      if (!background && q !== null && q.background && at !== -1) {
        // Someone now waits for it (and the worker has not taken it yet): it moves up with the waiting requests.
        this.queue.splice(at, 1);
        q.background = false;
        this.place(q);
      }
      return entry.pending;
    }
    const pending = new Promise<Judgement>((resolve, reject) => {
      const q: Queued = { job: entry.job, background, resolve, reject };
      entry.queued = q;
      this.place(q);
      this.pump();
    }).then(
      (j) => {
        if (entry.pending === pending) {
          entry.pending = null;
          entry.queued = null;
        }
        this.settle(entry, j);
        return j;
      },
      (err: unknown) => {
        if (entry.pending === pending) {
          entry.pending = null;
          entry.queued = null;
        }
        // A refusal is not kept: the next request is judged again.
        if (this.kept.get(entry.key) === entry) this.kept.delete(entry.key);
        throw err;
      },
    );
    entry.pending = pending;
    return pending;
  }

  /** While answers are kept: after every change of the stamp, the recent requests judged again. */
  private startWatch(): void {
    if (this.watch !== null || this.closed) return;
    this.watch = setInterval(() => this.rejudgeRecent(), this.watchMs);
    // The daemon's exit never waits for it.
    this.watch.unref();
  }

  private rejudgeRecent(): void {
    if (this.kept.size === 0) return;
    const stamp = this.store.epochs.stamp();
    const since = Date.now() - KEEP_WARM_MS;
    // Most recently used first.
    for (const entry of [...this.kept.values()].reverse()) {
      if (entry.usedAt < since || entry.pending !== null || entry.last === null || entry.last.stamp === stamp) continue;
      // A failure is the next request's to see (it is judged again then).
      this.revalidate(entry, true).catch(() => undefined);
    }
  }

  /** Into the queue: a waiting request before every background judgement, after the requests already waiting. */
  private place(q: Queued): void {
    if (q.background) this.queue.push(q);
    else {
      const firstBackground = this.queue.findIndex((x) => x.background);
      this.queue.splice(firstBackground === -1 ? this.queue.length : firstBackground, 0, q);
    }
  }

  /** Sends the next queued judgement when none is running. */
  private pump(): void {
    if (this.waiting.size > 0) return;
    const q = this.queue.shift();
    if (q === undefined) return;
    if (this.closed) {
      q.reject(new Error('the verdict worker was stopped'));
      return;
    }
    const worker = this.ensureWorker();
    const id = this.nextId++;
    this.waiting.set(id, q);
    worker.postMessage({ id, job: q.job });
  }

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: { file: this.store.db.name } });
    // The daemon's exit never waits for it.
    w.unref();
    w.on('message', (reply: WorkerReply) => {
      const p = this.waiting.get(reply.id);
      if (p === undefined) return;
      this.waiting.delete(reply.id);
      if (reply.ok) p.resolve({ json: reply.json, subject: reply.subject, stamp: reply.stamp, at: reply.at });
      else if (reply.name === 'InputError' && reply.parameter !== undefined && reply.detail !== undefined)
        p.reject(new InputError(reply.parameter, reply.detail));
      else p.reject(Object.assign(new Error(reply.message), { name: reply.name }));
      this.pump();
    });
    const fail = (err: Error): void => {
      if (this.worker === w) this.worker = null;
      for (const [, p] of this.waiting) p.reject(err);
      this.waiting.clear();
      // The queued ones go to a new worker.
      this.pump();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the verdict worker exited (${code})`)));
    this.worker = w;
    return w;
  }
}
