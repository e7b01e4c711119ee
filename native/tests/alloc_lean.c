/* Memory-lean behaviour after a burst: a steady ring of 400 live small objects, then a burst of
 * many MB of objects (small by default; medium, large or huge with a size range) that are all freed. Afterwards the program either idles (never calls
 * malloc/free again) or runs a trickle of allocations, while it watches RSS minus LazyFree.
 * Prints one JSON line; the node test judges it per profile (lean: counters move and RSS falls
 * back; speed: counters stay 0).
 * usage: alloc_lean idle|trickle [burst_mb] [watch_ms] [min_size max_size] */
#include "alloc_test.h"
#include <time.h>

enum { RING = 400 };
static void *ring[RING];

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}
static void sleep_ms(long ms) {
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}
static void ring_ops(uint64_t *s, int ops) {
  for (int k = 0; k < ops; k++) {
    int i = (int)(rnd(s) % RING);
    if (ring[i]) { free(ring[i]); ring[i] = NULL; }
    else { size_t n = 16 + rnd(s) % 1009; ring[i] = malloc(n); CHECK(ring[i], "malloc"); memset(ring[i], 1, n); }
  }
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "idle";
  long burst_mb = argc > 2 ? atol(argv[2]) : 64;
  long watch_ms = argc > 3 ? atol(argv[3]) : 2000;
  size_t min_size = argc > 5 ? (size_t)atol(argv[4]) : 16, max_size = argc > 5 ? (size_t)atol(argv[5]) : 1024;
  int trickle = strcmp(mode, "trickle") == 0;
  uint64_t s = 12345;
  ring_ops(&s, 200000);
  long base_kb = rss_minus_lazyfree_kb();

  /* the burst: many MB of small objects, every byte touched, then all freed */
  size_t total = (size_t)burst_mb << 20, used = 0, count = 0, cap = total / min_size + 1;
  void **burst = malloc(cap * sizeof(void *));
  CHECK(burst, "burst array");
  memset(burst, 0, cap * sizeof(void *));
  while (used < total && count < cap) {
    size_t n = min_size + rnd(&s) % (max_size - min_size + 1);
    void *p = malloc(n);
    CHECK(p, "burst malloc(%zu)", n);
    memset(p, 0x77, n);
    burst[count++] = p;
    used += n;
  }
  long peak_kb = rss_minus_lazyfree_kb();
  for (size_t i = 0; i < count; i++) free(burst[i]);
  free(burst);
  long freed_at = now_ms();

  /* watch RSS fall back: idle, or a trickle of ring operations */
  long fell_after_ms = -1, end_kb = 0, threshold_kb = base_kb + 8 * 1024;
  while (now_ms() - freed_at < watch_ms) {
    sleep_ms(20);
    if (trickle) ring_ops(&s, 20);
    end_kb = rss_minus_lazyfree_kb();
    if (fell_after_ms < 0 && end_kb <= threshold_kb) fell_after_ms = now_ms() - freed_at;
  }
  leanmalloc_stats_t st;
  memset(&st, 0, sizeof st);
  int have = lm_stats(&st) == 0;
  printf("{\"mode\":\"%s\",\"profile\":\"%s\",\"leanmalloc\":%s,\"burst_mb\":%ld,\"blocks\":%zu,\"base_kb\":%ld,\"peak_kb\":%ld,"
         "\"end_kb\":%ld,\"fell_after_ms\":%ld,\"lean_decommit\":%llu,\"lean_retire\":%llu,"
         "\"superslabs_mapped\":%llu,\"superslabs_cached\":%llu,\"madvise_calls\":%llu,\"committed_bytes\":%llu}\n",
         mode, lm_profile(), have ? "true" : "false", burst_mb, count, base_kb, peak_kb, end_kb, fell_after_ms,
         (unsigned long long)st.lean_decommit, (unsigned long long)st.lean_retire,
         (unsigned long long)st.superslabs_mapped, (unsigned long long)st.superslabs_cached,
         (unsigned long long)st.madvise_calls, (unsigned long long)st.committed_bytes);
  for (int i = 0; i < RING; i++) free(ring[i]);
  return 0;
}
