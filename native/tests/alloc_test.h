/* Shared helpers for leanmalloc's C tests. The tests are built twice (statically linked against
 * libleanmalloc.a, and plain for LD_PRELOAD), so leanmalloc's API is looked up with dlsym. */
#ifndef ALLOC_TEST_H
#define ALLOC_TEST_H
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <leanmalloc.h>

#define CHECK(cond, ...) do { if (!(cond)) { \
  fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
  fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(1); } } while (0)

typedef int (*get_stats_fn)(leanmalloc_stats_t *);
typedef const char *(*profile_fn)(void);

/* Returns 0 and fills *out when leanmalloc is the process's allocator. */
static inline int lm_stats(leanmalloc_stats_t *out) {
  get_stats_fn f = (get_stats_fn)dlsym(RTLD_DEFAULT, "leanmalloc_get_stats");
  if (f == NULL) return -1;
  *out = (leanmalloc_stats_t)LEANMALLOC_STATS_INIT;
  return f(out);
}
static inline const char *lm_profile(void) {
  profile_fn f = (profile_fn)dlsym(RTLD_DEFAULT, "leanmalloc_profile");
  return f ? f() : "none";
}

/* A deterministic per-block byte pattern: any overlap or corruption between blocks shows. */
static inline uint8_t pattern_byte(uintptr_t seed, size_t i) { return (uint8_t)((seed * 131u) ^ (i * 7u) ^ (i >> 8)); }
static inline void fill(void *p, size_t n, uintptr_t seed) {
  uint8_t *b = (uint8_t *)p;
  for (size_t i = 0; i < n; i++) b[i] = pattern_byte(seed, i);
}
static inline int check_fill(const void *p, size_t n, uintptr_t seed) {
  const uint8_t *b = (const uint8_t *)p;
  for (size_t i = 0; i < n; i++) if (b[i] != pattern_byte(seed, i)) return 0;
  return 1;
}

/* xorshift64*: deterministic, no libc state. */
static inline uint64_t rnd(uint64_t *s) {
  uint64_t x = *s;
  x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1Dull;
}

/* RSS minus LazyFree in KiB, from /proc/self/smaps_rollup (MADV_FREE pages still count in RSS
 * until the kernel reclaims them; LazyFree says how many of them are reclaimable). */
static inline long rss_minus_lazyfree_kb(void) {
  FILE *f = fopen("/proc/self/smaps_rollup", "r");
  if (f == NULL) return -1;
  char line[256];
  long rss = -1, lazy = 0;
  while (fgets(line, sizeof line, f)) {
    long v;
    if (sscanf(line, "Rss: %ld kB", &v) == 1) rss = v;
    else if (sscanf(line, "LazyFree: %ld kB", &v) == 1) lazy = v;
  }
  fclose(f);
  return rss < 0 ? -1 : rss - lazy;
}
#endif
