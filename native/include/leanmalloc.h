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

/* The knobs, each named once: X(field, VARIABLE, meaning). VARIABLE is the environment variable that
 * sets it (docs/allocator.md); this list generates leanmalloc_config_t and the "allocator_knobs"
 * object allocsoak's workloads report. A new knob is one line here, its parsing in options.c, and a
 * bump of LEANMALLOC_CONFIG_VERSION. */
#define LEANMALLOC_FOREACH_KNOB(X)                                                                      \
  X(base_profile,   LEANMALLOC_PROFILE,        "the profile whose defaults apply: speed, balanced or lean") \
  X(lean,           LEANMALLOC_LEAN,           "0 or 1: memory-lean mode, no prewarm of hot classes")  \
  X(decommit,       LEANMALLOC_DECOMMIT,       "OFF, FREE or DONTNEED: what purging does to free memory") \
  X(target_mb,      LEANMALLOC_TARGET_MB,      "whole MB or unlimited: cap on idle cached superslabs")  \
  X(purge_delay_ms, LEANMALLOC_PURGE_DELAY_MS, "0..3600000: ms memory stays unused before it is purged") \
  X(stats,          LEANMALLOC_STATS,          "0 or 1: print the counters on stderr at exit")

#define LEANMALLOC_CONFIG_VERSION 1

/* The configuration leanmalloc runs with: the profile's defaults with the environment's overrides
 * applied, invalid values replaced as their warnings said. Each knob is the text its variable would
 * be set to ("1", "DONTNEED", "unlimited", "200"), so a configuration can be compared with the
 * environment that asked for it. The strings are leanmalloc's own and live as long as the process.
 * Same size/version handshake as leanmalloc_stats_t, same results (LEANMALLOC_STATS_OK, ...). */
typedef struct leanmalloc_config_s {
  uint32_t size;          /* in: sizeof(leanmalloc_config_t) of the caller; out: the library's */
  uint32_t version;       /* in: LEANMALLOC_CONFIG_VERSION of the caller; out: the library's */
  const char *profile;    /* leanmalloc_profile(): base_profile, or "custom" when a knob differs from it */
#define LEANMALLOC_CONFIG_FIELD_(field, variable, meaning) const char *field;
  LEANMALLOC_FOREACH_KNOB(LEANMALLOC_CONFIG_FIELD_)
#undef LEANMALLOC_CONFIG_FIELD_
} leanmalloc_config_t;

/* leanmalloc_config_t c = LEANMALLOC_CONFIG_INIT; */
#define LEANMALLOC_CONFIG_INIT { .size = sizeof(leanmalloc_config_t), .version = LEANMALLOC_CONFIG_VERSION }

/* Fills *out with the effective configuration; find it with dlsym(RTLD_DEFAULT, "leanmalloc_get_config")
 * when leanmalloc may or may not be the process's allocator. */
int leanmalloc_get_config(leanmalloc_config_t *out);

#ifdef __cplusplus
}
#endif
#endif
