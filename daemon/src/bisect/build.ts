/**
 * Building one commit: a temporary worktree of it (under the OS's temp directory, never the user's work
 * tree), the build command run there with `sh -c` through exec/ (its own process group, a timeout, output
 * kept as a tail), the library it produced copied into the run's cache (`<cache>/<commit>.so`, what the
 * steps preload) and hashed. The worktree is removed whatever happens: success, a failed build, a timeout
 * or an abort (Ctrl-C).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { duration } from '../domain/format.js';
import { describeTermination, processAlive, runProcess } from '../exec/index.js';
import { sha256File } from '../host/index.js';
import { addWorktree, removeWorktree, worktrees } from './git.js';

/** Default limit on one build (`--build-timeout`). */
export const DEFAULT_BUILD_TIMEOUT_MS = 10 * 60 * 1000;
/** How much of the build's output a failure note keeps. */
const NOTE_STDERR_BYTES = 1500;
const NOTE_STDOUT_LINES = 10;

/** Thrown when a build is stopped by its AbortSignal (Ctrl-C): the commit is not skipped, the run is interrupted. */
export class BuildAborted extends Error {
  constructor() {
    super('the build was stopped');
    this.name = 'BuildAborted';
  }
}

export interface BuildRequest {
  /** The repository (its own work tree is never touched). */
  repo: string;
  /** 40 hex digits. */
  commit: string;
  /** Run with `sh -c` in the commit's worktree. */
  command: string;
  /** The library the build produces, relative to the work tree (checked with `libraryPathProblem`). */
  library: string;
  /** Where the library is copied: `<cacheDir>/<commit>.so`. */
  cacheDir: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type BuildResult =
  { ok: true; library: string; sha256: string; durationMs: number } | { ok: false; note: string; durationMs: number };

/** The temporary directories of builds: `<tmpdir>/allocsoak-bisect-XXXXXX/tree` is the worktree. */
const TEMP_PREFIX = 'allocsoak-bisect-';
/** The pid of the process that made a temporary directory. */
const OWNER_FILE = 'owner.pid';

/**
 * Removes the worktrees of `repo` that builds of a process that no longer exists left behind (a bisect
 * killed with kill -9 during a build), with their temporary directories; returns their paths. Worktrees of
 * a bisect still running, and every other worktree, are left alone.
 */
export async function removeStaleWorktrees(repo: string): Promise<string[]> {
  const removed: string[] = [];
  for (const path of await worktrees(repo)) {
    const tmp = dirname(path);
    if (basename(path) !== 'tree' || !basename(tmp).startsWith(TEMP_PREFIX) || dirname(tmp) !== tmpdir()) continue;
    let owner: number;
    try {
      owner = Number(readFileSync(join(tmp, OWNER_FILE), 'utf8').trim());
    } catch {
      owner = NaN; // no owner file: git's record of a directory that is gone, or was never finished
    }
    if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) continue;
    await removeWorktree(repo, path);
    rmSync(tmp, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}

/** Why a `--library` path cannot name a file inside the work tree, or null when it can. */
export function libraryPathProblem(path: string): string | null {
  if (path === '') return 'an empty path';
  if (isAbsolute(path)) return 'an absolute path (it must be relative to the work tree)';
  const n = normalize(path);
  if (n === '..' || n.startsWith(`..${sep}`)) return 'a path that leaves the work tree';
  if (n === '.' || n.endsWith(sep)) return 'a directory';
  return null;
}

/** Where a commit's library is kept in the cache. */
export function cachedLibrary(cacheDir: string, commit: string): string {
  return join(cacheDir, `${commit}.so`);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The last lines of what the build wrote, for the failure note. */
function outputTail(stdout: readonly string[], stderr: string): string {
  const err = stderr.trim();
  const parts: string[] = [];
  if (err !== '') parts.push(`stderr: …${err.slice(-NOTE_STDERR_BYTES)}`);
  else if (stdout.length > 0) parts.push(`stdout: …${stdout.slice(-NOTE_STDOUT_LINES).join('\n')}`);
  return parts.join('\n');
}

/**
 * Builds `commit` and caches its library. A build that fails, times out or produces no library is a result
 * with a note (the commit is skipped); an abort throws BuildAborted; a worktree git cannot create throws.
 */
export async function buildCommit(req: BuildRequest): Promise<BuildResult> {
  const started = Date.now();
  const problem = libraryPathProblem(req.library);
  if (problem !== null) throw new RangeError(`the library path ${JSON.stringify(req.library)} is ${problem}`);
  const timeoutMs = req.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS;
  const tmp = mkdtempSync(join(tmpdir(), TEMP_PREFIX));
  const tree = join(tmp, 'tree');
  try {
    // Whose worktree this is: a later run removes it should this process die without cleaning up (kill -9).
    writeFileSync(join(tmp, OWNER_FILE), `${process.pid}\n`);
    if (req.signal?.aborted) throw new BuildAborted();
    try {
      await addWorktree(req.repo, tree, req.commit, req.signal);
    } catch (err) {
      if (req.signal?.aborted) throw new BuildAborted();
      throw err;
    }
    const stdout: string[] = [];
    const r = await runProcess({
      command: 'sh',
      args: ['-c', req.command],
      cwd: tree,
      env: { ...process.env, ALLOCSOAK_BISECT_COMMIT: req.commit },
      timeoutMs,
      stderrTailBytes: 8192,
      onStdoutLine: (line) => {
        stdout.push(line);
        if (stdout.length > NOTE_STDOUT_LINES) stdout.shift();
      },
      ...(req.signal ? { signal: req.signal } : {}),
    });
    const durationMs = Date.now() - started;
    if (r.killedBy === 'abort' || req.signal?.aborted) throw new BuildAborted();
    const tail = outputTail(stdout, r.stderrTail);
    if (r.killedBy === 'timeout') {
      return {
        ok: false,
        durationMs,
        note: `the build took longer than ${duration(timeoutMs)} (--build-timeout) and was stopped${tail === '' ? '' : `\n${tail}`}`,
      };
    }
    if (r.spawnError !== null || r.exitCode !== 0) {
      return { ok: false, durationMs, note: `the build failed (${describeTermination(r)})${tail === '' ? '' : `\n${tail}`}` };
    }
    const built = join(tree, req.library);
    if (!isFile(built)) {
      return { ok: false, durationMs, note: `the build succeeded but produced no file ${req.library}${tail === '' ? '' : `\n${tail}`}` };
    }
    mkdirSync(req.cacheDir, { recursive: true });
    const cached = cachedLibrary(req.cacheDir, req.commit);
    copyFileSync(built, cached);
    return { ok: true, library: cached, sha256: await sha256File(cached), durationMs: Date.now() - started };
  } finally {
    await removeWorktree(req.repo, tree);
    rmSync(tmp, { recursive: true, force: true });
  }
}
