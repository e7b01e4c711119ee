/* leanmalloc public API: the standard malloc family is exported unprefixed (so LD_PRELOAD works);
 * this header adds what is specific to leanmalloc. */
#ifndef LEANMALLOC_H
#define LEANMALLOC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The counters, each named once: X(name, meaning). This list generates leanmalloc_stats_t, the
 * allocator's own counters, the lines LEANMALLOC_STATS=1 prints at exit and the "counters" object
 * allocsoak's workloads report (the names are the protocol's counter names, in this order).
 * A new counter is one line here plus the line that counts it; any change to the list also bumps
 * LEANMALLOC_STATS_VERSION, so programs built against the old list notice. */
#define LEANMALLOC_FOREACH_COUNTER(X)                                                                   \
  X(lean_decommit,     "purge events: free slabs of one superslab, or a whole empty superslab, decommitted") \
  X(lean_retire,       "empty cached superslabs unmapped beyond LEANMALLOC_TARGET_MB")                 \
  X(superslabs_mapped, "superslabs currently mapped (in use, abandoned or cached)")                   \
  X(superslabs_cached, "empty superslabs currently in the cache")                                    \
  X(mmap_calls,        "mmap and mremap calls")                                                       \
  X(munmap_calls,      "munmap calls")                                                                \
  X(madvise_calls,     "madvise calls (decommits)")                                                   \
  X(committed_bytes,   "bytes currently mapped and not decommitted")

#define LEANMALLOC_STATS_VERSION 2

/* A snapshot of the counters. `size` and `version` make the layout self-describing: a program
 * built separately (it finds leanmalloc_get_stats with dlsym) may have been compiled against
 * another list, and must learn that instead of reading fields that are not where it thinks. */
typedef struct leanmalloc_stats_s {
  uint32_t size;      /* in: sizeof(leanmalloc_stats_t) of the caller; out: the library's */
  uint32_t version;   /* in: LEANMALLOC_STATS_VERSION of the caller; out: the library's */
#define LEANMALLOC_STATS_FIELD_(name, meaning) uint64_t name;
  LEANMALLOC_FOREACH_COUNTER(LEANMALLOC_STATS_FIELD_)
#undef LEANMALLOC_STATS_FIELD_
} leanmalloc_stats_t;

/* An initialiser that fills in size and version: leanmalloc_stats_t st = LEANMALLOC_STATS_INIT; */
#define LEANMALLOC_STATS_INIT { .size = sizeof(leanmalloc_stats_t), .version = LEANMALLOC_STATS_VERSION }

/* leanmalloc_get_stats' results. */
#define LEANMALLOC_STATS_OK        0
#define LEANMALLOC_STATS_EINVAL   (-1)   /* out is NULL */
#define LEANMALLOC_STATS_MISMATCH (-2)   /* out->size or out->version differ from the library's */

/* Fills *out with a consistent-enough snapshot (each counter read atomically). The caller sets
 * out->size and out->version first (LEANMALLOC_STATS_INIT does). On a mismatch nothing but the
 * two header fields is written: they then hold the library's size and version.
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
