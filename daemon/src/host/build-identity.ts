/**
 * Which build of an allocator an epoch ran, beyond its sha256: the git commit of the work tree the library
 * file lies in and whether that tree had changes. git runs through exec/ (its own process group, a
 * timeout), twice per library build and campaign: the answers are cached by library path + sha256, so an
 * epoch does not pay for them. No git, not a work tree, a git that fails or hangs: null (unknown), never an
 * error — a build identity is information, not a precondition of the soak.
 */
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { runProcess } from '../exec/index.js';

export interface GitBuild {
  /** HEAD of the work tree (40 hex digits). */
  commit: string;
  /** `git status --porcelain` printed something: modified, staged or untracked files. */
  dirty: boolean;
}

/** How long one git command may take before it is killed (and the answer is unknown). */
export const GIT_TIMEOUT_MS = 5000;

const COMMIT_RE = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** Runs git with `args`; its stdout lines, or null when it could not start, failed, or timed out. */
async function git(args: readonly string[], timeoutMs: number): Promise<string[] | null> {
  const lines: string[] = [];
  const r = await runProcess({
    command: 'git',
    args,
    // No pager, no prompts, no locale-dependent output; the daemon's PATH finds git.
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
    timeoutMs,
    killGraceMs: 500,
    onStdoutLine: (line) => lines.push(line),
  });
  if (r.spawnError !== null || r.killedBy !== null || r.exitCode !== 0) return null;
  return lines;
}

/** The directory a library file really lies in (a symlink's target's), or its own when it cannot be resolved. */
function libraryDir(library: string): string {
  try {
    return dirname(realpathSync(library));
  } catch {
    return dirname(library);
  }
}

/** The commit and dirty flag of the git work tree holding `library`, or null. Uncached: see BuildIdentifier. */
export async function gitBuildOf(library: string, timeoutMs = GIT_TIMEOUT_MS): Promise<GitBuild | null> {
  const dir = libraryDir(library);
  const head = await git(['-C', dir, 'rev-parse', 'HEAD'], timeoutMs);
  const commit = head?.[0]?.trim() ?? '';
  if (!COMMIT_RE.test(commit)) return null;
  const status = await git(['-C', dir, 'status', '--porcelain'], timeoutMs);
  if (status === null) return null;
  return { commit, dirty: status.some((l) => l.trim() !== '') };
}

/** Caches gitBuildOf by library path + sha256: one lookup per build of a library (use one per campaign). */
export class BuildIdentifier {
  private readonly cache = new Map<string, Promise<GitBuild | null>>();
  /** How many lookups actually ran git (for tests and logs). */
  lookups = 0;

  constructor(private readonly timeoutMs = GIT_TIMEOUT_MS) {}

  /** `sha256` is the library's, already computed for the epoch (null when it could not be read). */
  gitBuild(library: string, sha256: string | null): Promise<GitBuild | null> {
    const key = `${library}\0${sha256 ?? ''}`;
    let hit = this.cache.get(key);
    if (hit === undefined) {
      this.lookups++;
      hit = gitBuildOf(library, this.timeoutMs);
      this.cache.set(key, hit);
    }
    return hit;
  }
}

/** The build label in the daemon's environment (ALLOCSOAK_BUILD), trimmed; null when unset or empty. */
export function buildLabelFromEnv(env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env['ALLOCSOAK_BUILD']?.trim() ?? '';
  return v === '' ? null : v.slice(0, 100);
}
