/**
 * Throwaway git repositories for the bisect tests: commits made in a temp dir with `git -c user.*`, and
 * build commands that produce a library in a few milliseconds — leanmalloc copied with the commit's hash
 * appended (the bytes differ, the behaviour does not), or a tiny malloc shim compiled with cc whose
 * malloc spins SPIN iterations (src/spin.h) before glibc's.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LEANMALLOC } from '../helpers/native.js';

export function gitIn(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' },
  }).trim();
}

/** A repository at `dir` with one commit per entry (files written, then everything committed); returns the shas, oldest first. */
export function makeRepo(dir: string, commits: ReadonlyArray<{ message: string; files: Record<string, string> }>): string[] {
  mkdirSync(dir, { recursive: true });
  gitIn(dir, 'init', '-q', '-b', 'main');
  const shas: string[] = [];
  for (const c of commits) {
    for (const [path, text] of Object.entries(c.files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    gitIn(dir, 'add', '-A');
    gitIn(dir, 'commit', '-q', '--allow-empty', '-m', c.message);
    shas.push(gitIn(dir, 'rev-parse', 'HEAD'));
  }
  return shas;
}

/** The worktrees git lists for `repo` (the main one first). */
export function worktreeList(repo: string): string[] {
  return gitIn(repo, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree '))
    .map((l) => l.slice('worktree '.length));
}

/** leanmalloc with the commit's hash appended: every commit's library differs in its bytes, not in its behaviour. */
export const LEANMALLOC_WITH_HASH_BUILD = `mkdir -p out && cp ${LEANMALLOC} out/lib.so && git rev-parse HEAD >> out/lib.so`;

/** A malloc shim over glibc's: its malloc spins SPIN busy iterations first (src/spin.h). */
export const SHIM_C = `#include <stddef.h>
#include "spin.h"
extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static void spin(void) { for (volatile int i = 0; i < SPIN; i++) {} }
void *malloc(size_t n) { spin(); return __libc_malloc(n); }
void free(void *p) { __libc_free(p); }
void *calloc(size_t a, size_t b) { return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { return __libc_realloc(p, n); }
`;

export const SHIM_BUILD = 'mkdir -p out && cc -shared -fPIC -O2 -o out/lib.so src/shim.c';

/** The spin header of a shim commit. */
export const spin = (n: number): Record<string, string> => ({ 'src/spin.h': `#define SPIN ${n}\n` });

/**
 * A short plan for bisect tests: 1-second epochs, and a speed comparison whose margins (10 %) an unchanged
 * commit clears in a few rounds; the shim's slowdown (SPIN 400: about 6 times slower) is far beyond them.
 */
export const SHORT_PLAN = [
  'epoch: 1s',
  'warmup: 300ms',
  'interval: 100ms',
  'variants:',
  '  - { name: a, allocator: glibc }',
  '  - { name: b, allocator: glibc }',
  'comparisons:',
  '  - { baseline: a, candidate: b, goal: speed, criteria: { slowdown_tolerance_pct: 10, speedup_min_pct: 10 } }',
].join('\n');
