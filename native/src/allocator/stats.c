/* leanmalloc: counters. They change only on slow-path events (a superslab mapped, cached or
 * unmapped, a madvise), never per allocation, so counting costs the fast path nothing. */
#include "internal.h"
#include <leanmalloc.h>

lm_counters_t lm_counters;

#define LOAD(f) atomic_load_explicit(&lm_counters.f, memory_order_relaxed)

__attribute__((visibility("default"))) int leanmalloc_get_stats(leanmalloc_stats_t *out) {
  if (out == NULL) return -1;
  out->lean_decommit = LOAD(lean_decommit);
  out->lean_retire = LOAD(lean_retire);
  out->superslabs_mapped = LOAD(superslabs_mapped);
  out->superslabs_cached = LOAD(superslabs_cached);
  out->mmap_calls = LOAD(mmap_calls);
  out->munmap_calls = LOAD(munmap_calls);
  out->madvise_calls = LOAD(madvise_calls);
  out->committed_bytes = LOAD(committed_bytes);
  return 0;
}

__attribute__((visibility("default"))) const char *leanmalloc_profile(void) {
  lm_process_init();
  return lm_options.profile;
}

/* LEANMALLOC_STATS=1: one line per counter on stderr at exit, e.g. "leanmalloc: lean_decommit=3". */
void lm_stats_print(void) {
  leanmalloc_stats_t st;
  leanmalloc_get_stats(&st);
  const char *names[] = { "lean_decommit", "lean_retire", "superslabs_mapped", "superslabs_cached",
                          "mmap_calls", "munmap_calls", "madvise_calls", "committed_bytes" };
  uint64_t values[] = { st.lean_decommit, st.lean_retire, st.superslabs_mapped, st.superslabs_cached,
                        st.mmap_calls, st.munmap_calls, st.madvise_calls, st.committed_bytes };
  const char *hdr[] = { "leanmalloc: stats (profile ", lm_options.profile, ")" };
  lm_err(hdr, 3);
  for (int i = 0; i < 8; i++) {
    char num[24];
    lm_u64_to_str(values[i], num);
    const char *parts[] = { "leanmalloc: ", names[i], "=", num };
    lm_err(parts, 4);
  }
}
