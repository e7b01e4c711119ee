/**
 * The verdict worker (reader.ts): judges compare, drift, history and plan requests on its own read-only connection to
 * the daemon's database, off the daemon's event loop; each in one read transaction with the stamp it read.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../domain/parameters.js';
import { openDatabase, Store } from '../storage/index.js';
import { judgeJob, type VerdictJob, type WorkerReply } from './reader.js';

const { file } = workerData as { file: string };
const store = new Store(openDatabase(file, { readonly: true }));

/**
 * The worker's garbage is collected after a reply, at most once a minute. It judges in bursts (an epoch's start or
 * end, a few requests) and sits idle in between; V8 collects its old generation only when allocation reaches a
 * limit, and Node gives a worker no idle-time collection, so garbage stays until enough of it piles up. Measured
 * with bench:footprint (docs/daemon.md): without this the worker's heap grew from 7 to 11 MiB over 2,000 epochs
 * while what it keeps alive stayed at 5.1-5.2 MiB; with it the heap is 7.9 MiB after every collection. A
 * collection of this small heap took 9-22 ms on the worker's thread (never the event loop's), after the reply. `gc` is exposed the way jest-leak-detector does it: the flag, then a new context that has it.
 */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
/** At most one collection this often (ms). */
const COLLECT_EVERY_MS = 60_000;
let lastCollection = Date.now();

function collectNowAndThen(): void {
  if (Date.now() - lastCollection < COLLECT_EVERY_MS) return;
  lastCollection = Date.now();
  collectGarbage();
}

parentPort?.on('message', ({ id, job }: { id: number; job: VerdictJob }) => {
  let reply: WorkerReply;
  try {
    reply = { id, ok: true, ...judgeJob(store, job) };
  } catch (err) {
    const e = err as Error;
    reply =
      e instanceof InputError
        ? { id, ok: false, name: e.name, message: e.message, parameter: e.parameter, detail: e.detail }
        : { id, ok: false, name: e.name, message: e.message };
  }
  parentPort?.postMessage(reply);
  collectNowAndThen();
});
