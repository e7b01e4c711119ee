/*
 * wrap: the allocator of the bisect tests' throwaway repositories (test/stack/bisect/wrapper-repo.ts).
 * An LD_PRELOAD library over glibc's malloc with WORK steps of busy work per call, that gives freed memory
 * back to the kernel (malloc_trim) every GIVE_BACK_BYTES of frees; with GIVE_BACK_BYTES 0 it keeps every freed
 * byte (no malloc_trim, and glibc's own trimming off). The repository's commits change the
 * three lines marked "set by the commit"; everything else stays, so each commit's effect is only its own.
 *
 * Measured on a 2-core VM (2026-11-29, random_mixed, per CPU-second): WORK 20 → 21 is about −4.3 %
 * throughput; GIVE_BACK_BYTES 0 holds about 35 MiB after 32 MB bursts instead of about 2 MiB
 * (without switching glibc's trimming off, one CI run of the bisect test saw it hold as little as that).
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stddef.h>

#define WORK 20                         /* set by the commit */
#define GIVE_BACK_BYTES (16u << 20)     /* set by the commit: 0 never gives memory back */
/* revision 0 */                        /* set by the commit */

#ifndef BUILD_COMMIT
#define BUILD_COMMIT "unknown"
#endif
/* The build embeds its commit, as real builds embed a version: every commit's library differs in bytes, so
   a range of comment-only commits is judged by measurement, not recognised as one build. */
__attribute__((used)) const char wrap_build_commit[] = BUILD_COMMIT;

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static unsigned work_state;

/* A chain of dependent multiply-adds: the same cost on every call, growing by one step per iteration,
   unlike a volatile counter whose stores overlap with malloc's own work. */
static inline void work(void) {
  unsigned x = work_state;
  for (int i = 0; i < WORK; i++) {
    x = x * 1103515245u + 12345u;
    __asm__ volatile("" : "+r"(x));
  }
  work_state = x;
}

static size_t freed_since_trim;

/* A build that does not give memory back keeps it for good: glibc also trims the top of a heap by itself
   when enough is free there (M_TRIM_THRESHOLD), which happens or not with the heap's layout at the end of a
   burst; switching that off makes the commit's effect the same in every run. */
__attribute__((constructor)) static void keep_or_give_back(void) {
  if (GIVE_BACK_BYTES == 0) mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

void *malloc(size_t n) {
  work();
  return __libc_malloc(n);
}

void free(void *p) {
  work();
  if (p == NULL) return;
  if (GIVE_BACK_BYTES != 0) freed_since_trim += malloc_usable_size(p);
  __libc_free(p);
  if (GIVE_BACK_BYTES != 0 && freed_since_trim >= GIVE_BACK_BYTES) {
    freed_since_trim = 0;
    malloc_trim(0);
  }
}

void *calloc(size_t count, size_t size) {
  work();
  return __libc_calloc(count, size);
}

void *realloc(void *p, size_t n) {
  work();
  return __libc_realloc(p, n);
}
