/* leanmalloc: counters. They change only on slow-path events (a superslab mapped, cached or
 * unmapped, a madvise), never per allocation, so counting costs the fast path nothing. Which
 * counters exist is decided once, by LEANMALLOC_FOREACH_COUNTER in include/leanmalloc.h. */
#include "internal.h"

lm_counters_t lm_counters;

#define LM_COUNTER_NAME(name, meaning) #name,
static const char *const counter_names[] = { LEANMALLOC_FOREACH_COUNTER(LM_COUNTER_NAME) };
#undef LM_COUNTER_NAME
#define LM_COUNTERS ((int)(sizeof counter_names / sizeof counter_names[0]))

/* The counters in list order, as one array: the printing below walks them by index. */
static void load_all(uint64_t values[LM_COUNTERS]) {
  int i = 0;
#define LM_COUNTER_LOAD(name, meaning) values[i++] = atomic_load_explicit(&lm_counters.name, memory_order_relaxed);
  LEANMALLOC_FOREACH_COUNTER(LM_COUNTER_LOAD)
#undef LM_COUNTER_LOAD
}

__attribute__((visibility("default"))) int leanmalloc_get_stats(leanmalloc_stats_t *out) {
  if (out == NULL) return LEANMALLOC_STATS_EINVAL;
  /* Every layout of leanmalloc_stats_t a caller may have been built with is at least these 8 bytes
   * long, so answering with ours is safe; counters are written only into a layout we know. */
  if (out->size != sizeof *out || out->version != LEANMALLOC_STATS_VERSION) {
    out->size = (uint32_t)sizeof *out;
    out->version = LEANMALLOC_STATS_VERSION;
    return LEANMALLOC_STATS_MISMATCH;
  }
  out->size = (uint32_t)sizeof *out;          /* echoed: the caller checks them after the call */
  out->version = LEANMALLOC_STATS_VERSION;
#define LM_COUNTER_COPY(name, meaning) out->name = atomic_load_explicit(&lm_counters.name, memory_order_relaxed);
  LEANMALLOC_FOREACH_COUNTER(LM_COUNTER_COPY)
#undef LM_COUNTER_COPY
  return LEANMALLOC_STATS_OK;
}

__attribute__((visibility("default"))) const char *leanmalloc_profile(void) {
  lm_process_init();
  return lm_options.profile;
}

/* LEANMALLOC_STATS=1: one line per counter on stderr at exit, e.g. "leanmalloc: lean_decommit=3". */
void lm_stats_print(void) {
  uint64_t values[LM_COUNTERS];
  load_all(values);
  const char *hdr[] = { "leanmalloc: stats (profile ", lm_options.profile, ")" };
  lm_err(hdr, 3);
  for (int i = 0; i < LM_COUNTERS; i++) {
    char num[24];
    lm_u64_to_str(values[i], num);
    const char *parts[] = { "leanmalloc: ", counter_names[i], "=", num };
    lm_err(parts, 4);
  }
}
