/**
 * git, as bisect needs it: revisions resolved to commits, the range between two of them, and temporary
 * worktrees (checked out detached, outside the user's work tree, removed with `--force` and pruned). Every
 * git runs through exec/ (its own process group, a timeout), with no prompt and the C locale.
 */
import { runProcess } from '../exec/index.js';
import type { BisectCommit } from '../storage/index.js';

/** How long one git command may take (a checkout of a large tree is the slowest). */
export const GIT_COMMAND_TIMEOUT_MS = 120_000;

/** A git command that failed: its arguments and what git said. */
export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly detail: string,
  ) {
    super(`git ${args.join(' ')}: ${detail}`);
    this.name = 'GitError';
  }
}

const SHA_RE = /^[0-9a-f]{40}$/;

/** Runs `git -C repo args…`; its stdout lines, or a GitError with the tail of what it wrote on stderr. */
export async function git(
  repo: string,
  args: readonly string[],
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<string[]> {
  const lines: string[] = [];
  const all = ['-C', repo, ...args];
  const r = await runProcess({
    command: 'git',
    args: all,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
    timeoutMs: opts.timeoutMs ?? GIT_COMMAND_TIMEOUT_MS,
    killGraceMs: 500,
    maxLineBytes: 1024 * 1024,
    onStdoutLine: (line) => lines.push(line),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (r.spawnError !== null) throw new GitError(args, `could not start git: ${r.spawnError}`);
  if (r.killedBy === 'timeout') throw new GitError(args, `no answer within ${opts.timeoutMs ?? GIT_COMMAND_TIMEOUT_MS} ms`);
  if (r.killedBy !== null) throw new GitError(args, `stopped (${r.killedBy})`);
  if (r.exitCode !== 0) {
    const said = r.stderrTail.trim().split('\n').slice(-3).join(' / ');
    throw new GitError(args, `exit code ${r.exitCode ?? r.signal}${said === '' ? '' : `: ${said}`}`);
  }
  return lines;
}

/** The top of the git work tree (or the git directory of a bare repository) at `dir`, or null when it is none. */
export async function repositoryRoot(dir: string): Promise<string | null> {
  try {
    const inside = await git(dir, ['rev-parse', '--is-bare-repository', '--show-toplevel']);
    if (inside[0]?.trim() === 'true') return (await git(dir, ['rev-parse', '--absolute-git-dir']))[0]?.trim() ?? null;
    return inside[1]?.trim() ?? null;
  } catch {
    return null;
  }
}

/** A revision (a branch, tag, sha, HEAD~3 …) as the 40-hex commit it names, or null when it names no commit. */
export async function resolveCommit(repo: string, rev: string): Promise<string | null> {
  if (rev.startsWith('-')) return null; // never an option to git
  try {
    const sha = (await git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]))[0]?.trim() ?? '';
    return SHA_RE.test(sha) ? sha : null;
  } catch {
    return null;
  }
}

/** Whether `ancestor` is an ancestor of `descendant` (or the same commit). */
export async function isAncestor(repo: string, ancestor: string, descendant: string): Promise<boolean> {
  try {
    await git(repo, ['merge-base', '--is-ancestor', ancestor, descendant]);
    return true;
  } catch (err) {
    if (err instanceof GitError && /^exit code 1\b/.test(err.detail)) return false;
    throw err;
  }
}

/** A commit's subject (the first line of its message). */
export async function subjectOf(repo: string, sha: string): Promise<string> {
  return (await git(repo, ['log', '-1', '--format=%s', sha]))[0] ?? '';
}

/** A commit's first parent, or null for a root commit. */
export async function firstParent(repo: string, sha: string): Promise<string | null> {
  const line = (await git(repo, ['rev-list', '--parents', '-n', '1', sha]))[0] ?? '';
  const parent = line.trim().split(' ')[1];
  return parent !== undefined && SHA_RE.test(parent) ? parent : null;
}

/**
 * The commits from good to bad, oldest first: good, then every commit that is a descendant of good and an
 * ancestor of bad (`rev-list --reverse --topo-order --ancestry-path good..bad`: no commit before one of its
 * parents), bad last.
 */
export async function listRange(repo: string, good: string, bad: string): Promise<BisectCommit[]> {
  const lines = await git(repo, [
    'rev-list',
    '--reverse',
    '--topo-order',
    '--ancestry-path',
    '--format=%H %s',
    '--no-commit-header',
    `${good}..${bad}`,
  ]);
  const commits: BisectCommit[] = [{ commit: good, subject: await subjectOf(repo, good) }];
  for (const line of lines) {
    const m = /^([0-9a-f]{40}) ?(.*)$/.exec(line);
    if (m !== null) commits.push({ commit: m[1] as string, subject: m[2] as string });
  }
  return commits;
}

/** Checks `sha` out, detached, into a new worktree at `dir` (which must not exist yet). */
export async function addWorktree(repo: string, dir: string, sha: string, signal?: AbortSignal): Promise<void> {
  await git(repo, ['worktree', 'add', '--detach', '--quiet', dir, sha], signal ? { signal } : {});
}

/** Removes the worktree at `dir` (whatever the build left in it) and prunes git's record of it. Never throws. */
export async function removeWorktree(repo: string, dir: string): Promise<void> {
  try {
    await git(repo, ['worktree', 'remove', '--force', '--force', dir]);
  } catch {
    // Not registered (the add failed half-way) or already gone: prune below clears what is left.
  }
  try {
    await git(repo, ['worktree', 'prune']);
  } catch {
    // Nothing to prune, or git cannot: the caller removes the directory itself.
  }
}

/** The worktrees git knows of for `repo` (their paths), the main one first. */
export async function worktrees(repo: string): Promise<string[]> {
  const lines = await git(repo, ['worktree', 'list', '--porcelain']);
  return lines.filter((l) => l.startsWith('worktree ')).map((l) => l.slice('worktree '.length));
}
