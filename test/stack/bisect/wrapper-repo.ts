/**
 * Throwaway git repositories for the bisect tests: ten commits of `wrap.c` (this folder), an LD_PRELOAD
 * allocator over glibc's malloc, where at most one commit in the middle changes what the library does.
 *
 * - speed: the culprit adds one step of work per call (WORK 20 → 21: about 5 % slower per CPU-second);
 * - memory: the culprit stops giving freed memory back (GIVE_BACK_BYTES → 0: no more malloc_trim);
 * - comment: every commit changes only the comment line; there is no culprit.
 * Every commit also changes that comment line, so every commit has something to build. The build command
 * embeds the commit's hash in the library (bytes differ, behaviour does not).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../daemon/src/paths/index.js';

export type WrapperRepoKind = 'speed' | 'memory' | 'comment';

export interface WrapperRepo {
  dir: string;
  /** Oldest first: commits[0] is the good revision, the last the bad one. */
  commits: string[];
  good: string;
  bad: string;
  /** The commit that changed the library's behaviour; null for the comment-only range. */
  culprit: string | null;
  /** For `allocsoak bisect --build`: run in the commit's worktree. */
  buildCommand: string;
  /** For `allocsoak bisect --library`: relative to the work tree. */
  library: string;
}

/** Where the culprit sits: "one commit in the middle" of ten. */
export const CULPRIT_INDEX = 6;
export const COMMITS = 10;

// The source, not the compiled tree: tsc copies no C.
const SOURCE = join(packageRoot(), 'test', 'stack', 'bisect', 'wrap.c');

function git(dir: string, args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'allocsoak test',
      GIT_AUTHOR_EMAIL: 'test@allocsoak.invalid',
      GIT_COMMITTER_NAME: 'allocsoak test',
      GIT_COMMITTER_EMAIL: 'test@allocsoak.invalid',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: dir,
    },
  }).trim();
}

/** wrap.c with the three lines a commit sets. */
function source(template: string, work: number, giveBack: string, revision: number): string {
  const set = (text: string, pattern: RegExp, line: string): string => {
    if (!pattern.test(text)) throw new Error(`wrap.c: no line matching ${pattern}`);
    return text.replace(pattern, line);
  };
  let s = set(template, /^#define WORK .*$/m, `#define WORK ${work}                         /* set by the commit */`);
  s = set(s, /^#define GIVE_BACK_BYTES .*$/m, `#define GIVE_BACK_BYTES ${giveBack}     /* set by the commit: 0 never gives memory back */`);
  return set(s, /^\/\* revision \d+ \*\/.*$/m, `/* revision ${revision} */                        /* set by the commit */`);
}

/** Creates the repository in `dir` (made if missing) and returns its commits. */
export function makeWrapperRepo(dir: string, kind: WrapperRepoKind): WrapperRepo {
  const template = readFileSync(SOURCE, 'utf8');
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  writeFileSync(join(dir, '.gitignore'), 'build/\n');
  const commits: string[] = [];
  for (let i = 0; i < COMMITS; i++) {
    const changed = i >= CULPRIT_INDEX;
    const work = kind === 'speed' && changed ? 21 : 20;
    const giveBack = kind === 'memory' && changed ? '0' : '(16u << 20)';
    writeFileSync(join(dir, 'wrap.c'), source(template, work, giveBack, i));
    git(dir, ['add', '-A']);
    const subject =
      i === CULPRIT_INDEX && kind === 'speed'
        ? 'wrap: one more step of work per call'
        : i === CULPRIT_INDEX && kind === 'memory'
          ? 'wrap: stop giving freed memory back'
          : `wrap: revision ${i} (comment only)`;
    git(dir, ['commit', '-q', '-m', subject]);
    commits.push(git(dir, ['rev-parse', 'HEAD']));
  }
  return {
    dir,
    commits,
    good: commits[0] as string,
    bad: commits[COMMITS - 1] as string,
    culprit: kind === 'comment' ? null : (commits[CULPRIT_INDEX] as string),
    buildCommand: `mkdir -p build && cc -O2 -shared -fPIC -DBUILD_COMMIT="\\"$(git rev-parse HEAD)\\"" -o build/libwrap.so wrap.c`,
    library: 'build/libwrap.so',
  };
}
