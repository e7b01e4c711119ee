/**
 * The verdict worker (reader.ts): judges compare, drift, history and plan requests on its own read-only connection to
 * the daemon's database, off the daemon's event loop; each in one read transaction with the stamp it read.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../domain/parameters.js';
import { openDatabase, Store } from '../storage/index.js';
import { judgeJob, type VerdictJob, type WorkerReply } from './reader.js';

const { file } = workerData as { file: string };
const store = new Store(openDatabase(file, { readonly: true }));

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
});
