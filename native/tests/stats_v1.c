/* Stand-in for a leanmalloc built before leanmalloc_stats_t stated its size and version: its
 * leanmalloc_get_stats writes eight counters from the struct's first byte and returns 0. Preloaded
 * into a probe built against the current header, it must be reported, not read. */
#include <stdint.h>

__attribute__((visibility("default"))) int leanmalloc_get_stats(void *out) {
  uint64_t *v = (uint64_t *)out;
  for (int i = 0; i < 8; i++) v[i] = 1000u + (uint64_t)i;
  return 0;
}
