/**
 * compare, drift and history as the HTTP API serves them: without holding the daemon's event loop (the one that
 * stores each sample as it arrives and reads /proc at that moment) and without judging again what has not
 * changed.
 *
 * - Answers are kept per request until an epoch or a campaign starts or ends (`store.epochs.stamp()`):
 *   verdicts are functions of the epoch rows and the campaigns' status, which change only then. A kept
 *   compare's `settle_at` is the time to settle counted from when it was judged.
 * - A request whose answer is not kept is judged on a worker thread with its own read-only connection to
 *   the same file (WAL: it reads what was committed, the daemon keeps writing). A year of epochs takes the
 *   judgement a good fraction of a second; the event loop meanwhile goes on.
 * - A store with no file (`:memory:`) is judged in the calling thread.
 * The answers are the functions' own (service.ts): the same for REST, the CLI, the gauge and the report.
 */
import { Worker } from 'node:worker_threads';
import { InputError } from '../domain/parameters.js';
import type { Store } from '../storage/index.js';
import { history, type HistoryRequest, type HistoryResult } from './history.js';
import { compare, drift, type CompareRequest, type CompareResult, type DriftRequest, type DriftResult } from './service.js';

export type VerdictJob =
  { kind: 'compare'; request: CompareRequest } | { kind: 'drift'; request: DriftRequest } | { kind: 'history'; request: HistoryRequest };
type Result = CompareResult | DriftResult | HistoryResult;
type Answer<J extends VerdictJob> = J extends { kind: 'compare' }
  ? CompareResult
  : J extends { kind: 'drift' }
    ? DriftResult
    : HistoryResult;

/** What the worker sends back: an answer, or the error (InputError keeps its parameter and detail). */
export type WorkerReply =
  { id: number; ok: true; result: Result } | { id: number; ok: false; name: string; message: string; parameter?: string; detail?: string };

export function runJob(store: Store, job: VerdictJob): Result {
  switch (job.kind) {
    case 'compare':
      return compare(store, job.request);
    case 'drift':
      return drift(store, job.request);
    case 'history':
      return history(store, job.request);
  }
}

/** Answers kept at most (each request's parameters are a key). */
const KEPT = 64;

export class VerdictReader {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();
  private readonly kept = new Map<string, { stamp: string; answer: Promise<Result> }>();
  private closed = false;

  constructor(
    private readonly store: Store,
    /** Judge in the calling thread (no worker), e.g. for an in-memory store. */
    private readonly inThread: boolean = store.db.memory || store.db.name === '' || store.db.name === ':memory:',
  ) {}

  compare(request: CompareRequest): Promise<CompareResult> {
    return this.answer({ kind: 'compare', request });
  }

  drift(request: DriftRequest): Promise<DriftResult> {
    return this.answer({ kind: 'drift', request });
  }

  history(request: HistoryRequest): Promise<HistoryResult> {
    return this.answer({ kind: 'history', request });
  }

  /** Stops the worker; later requests are judged in the calling thread. */
  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    for (const [, p] of this.waiting) p.reject(new Error('the verdict worker was stopped'));
    this.waiting.clear();
    if (w !== null) await w.terminate();
  }

  private answer<J extends VerdictJob>(job: J): Promise<Answer<J>> {
    const key = JSON.stringify(job);
    const stamp = this.store.epochs.stamp();
    const hit = this.kept.get(key);
    if (hit !== undefined && hit.stamp === stamp) {
      // Most recently used last: the oldest key is the first to go.
      this.kept.delete(key);
      this.kept.set(key, hit);
      return hit.answer as Promise<Answer<J>>;
    }
    const answer = this.judge(job);
    this.kept.set(key, { stamp, answer });
    // A refused request (unknown variant, bad criteria) is not kept: the next one is judged again.
    answer.catch(() => {
      if (this.kept.get(key)?.answer === answer) this.kept.delete(key);
    });
    while (this.kept.size > KEPT) this.kept.delete(this.kept.keys().next().value as string);
    return answer as Promise<Answer<J>>;
  }

  private judge(job: VerdictJob): Promise<Result> {
    if (this.inThread || this.closed) {
      try {
        return Promise.resolve(runJob(this.store, job));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, job });
    });
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
      if (reply.ok) p.resolve(reply.result);
      else if (reply.name === 'InputError' && reply.parameter !== undefined && reply.detail !== undefined)
        p.reject(new InputError(reply.parameter, reply.detail));
      else p.reject(Object.assign(new Error(reply.message), { name: reply.name }));
    });
    const fail = (err: Error): void => {
      if (this.worker === w) this.worker = null;
      for (const [, p] of this.waiting) p.reject(err);
      this.waiting.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the verdict worker exited (${code})`)));
    this.worker = w;
    return w;
  }
}
