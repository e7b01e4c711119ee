/* leanmalloc public API: the standard malloc family is exported unprefixed (so LD_PRELOAD works);
 * this header adds what is specific to leanmalloc. */
#ifndef LEANMALLOC_H
#define LEANMALLOC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Counters, cumulative since process start. Field names are the protocol's counter names. */
typedef struct leanmalloc_stats_s {
  uint64_t lean_decommit;      /* cached empty superslabs decommitted (MADV_FREE / MADV_DONTNEED) */
  uint64_t lean_retire;        /* cached empty superslabs returned to the OS beyond LEANMALLOC_TARGET_MB */
  uint64_t superslabs_mapped;  /* superslabs currently mapped (in use + cached) */
  uint64_t superslabs_cached;  /* empty superslabs currently in the cache */
  uint64_t mmap_calls;
  uint64_t munmap_calls;
  uint64_t madvise_calls;
  uint64_t committed_bytes;    /* bytes currently mapped and not decommitted */
} leanmalloc_stats_t;

/* Fills *out with a consistent-enough snapshot (each field read atomically). Returns 0.
 * Cheap: safe to call every sampling interval. Programs that may or may not run under leanmalloc
 * find it with dlsym(RTLD_DEFAULT, "leanmalloc_get_stats"). */
int leanmalloc_get_stats(leanmalloc_stats_t *out);

/* The active profile after environment parsing: "speed", "balanced", "lean" (or "custom" when
 * individual variables override a profile). */
const char *leanmalloc_profile(void);

#ifdef __cplusplus
}
#endif
#endif
