/* Memory of exited threads, freed by another thread: worker threads allocate many MB of small
 * blocks and exit; main checks and frees every block (remote frees into superslabs whose owner is
 * gone), then watches RSS minus LazyFree for a while without allocating. Under the lean profile the
 * purger must collect those frees and purge the memory on its usual delay, with no new thread
 * adopting the superslabs. Prints one JSON line; the node test judges it per profile.
 * usage: alloc_exited [total_mb] [watch_ms] [threads] */
#include "alloc_test.h"
#include <pthread.h>
#include <time.h>

typedef struct { void **blocks; size_t *sizes; size_t n, cap, bytes, target; uint64_t seed; } work_t;

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Small blocks only (up to 4 KiB): they live in superslabs, which is what the test is about. */
static void *worker(void *arg) {
  work_t *w = arg;
  while (w->bytes < w->target && w->n < w->cap) {
    size_t n = 16 + rnd(&w->seed) % 4081;
    void *p = malloc(n);
    CHECK(p, "malloc(%zu)", n);
    fill(p, n < 64 ? n : 64, (uintptr_t)w->n);
    memset((char *)p + (n < 64 ? n : 64), 0x5C, n > 64 ? n - 64 : 0);   /* every page resident */
    w->blocks[w->n] = p;
    w->sizes[w->n++] = n;
    w->bytes += n;
  }
  return NULL;
}

int main(int argc, char **argv) {
  long total_mb = argc > 1 ? atol(argv[1]) : 300;
  long watch_ms = argc > 2 ? atol(argv[2]) : 2000;
  int threads = argc > 3 ? atoi(argv[3]) : 4;
  CHECK(total_mb > 0 && watch_ms > 0 && threads > 0 && threads <= 64, "usage: alloc_exited [total_mb] [watch_ms] [threads]");
  long base_kb = rss_minus_lazyfree_kb();

  work_t w[64];
  pthread_t t[64];
  for (int i = 0; i < threads; i++) {
    w[i] = (work_t){ 0 };
    w[i].target = ((size_t)total_mb << 20) / (size_t)threads;
    w[i].cap = w[i].target / 16 + 1;
    w[i].blocks = malloc(w[i].cap * sizeof(void *));
    w[i].sizes = malloc(w[i].cap * sizeof(size_t));
    w[i].seed = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
    CHECK(w[i].blocks && w[i].sizes, "malloc of the block arrays");
    CHECK(pthread_create(&t[i], NULL, worker, &w[i]) == 0, "pthread_create");
  }
  for (int i = 0; i < threads; i++) CHECK(pthread_join(t[i], NULL) == 0, "pthread_join");
  long peak_kb = rss_minus_lazyfree_kb();

  /* the workers are gone: every block is freed here, by a thread that never owned it */
  size_t freed = 0;
  for (int i = 0; i < threads; i++) {
    for (size_t k = 0; k < w[i].n; k++) {
      size_t n = w[i].sizes[k];
      CHECK(check_fill(w[i].blocks[k], n < 64 ? n : 64, (uintptr_t)k), "block %zu of exited thread %d corrupted", k, i);
      free(w[i].blocks[k]);
      freed++;
    }
  }
  long freed_at = now_ms();

  /* main allocates nothing now (the block arrays stay until the end): no thread adopts anything */
  long at_watch_end_kb = 0, lowest_kb = peak_kb, fell_to_10pct_ms = -1;
  while (now_ms() - freed_at < watch_ms) {
    struct timespec ts = { 0, 50 * 1000000L };
    nanosleep(&ts, NULL);
    at_watch_end_kb = rss_minus_lazyfree_kb();
    if (at_watch_end_kb < lowest_kb) lowest_kb = at_watch_end_kb;
    if (fell_to_10pct_ms < 0 && at_watch_end_kb * 10 <= peak_kb) fell_to_10pct_ms = now_ms() - freed_at;
  }
  leanmalloc_stats_t st;
  memset(&st, 0, sizeof st);
  int have = lm_stats(&st) == 0;
  printf("{\"profile\":\"%s\",\"leanmalloc\":%s,\"threads\":%d,\"blocks\":%zu,\"base_kb\":%ld,\"peak_kb\":%ld,"
         "\"after_kb\":%ld,\"lowest_kb\":%ld,\"fell_to_10pct_ms\":%ld,\"watch_ms\":%ld,\"superslabs_mapped\":%llu,"
         "\"superslabs_cached\":%llu,\"lean_decommit\":%llu,\"lean_retire\":%llu}\n",
         lm_profile(), have ? "true" : "false", threads, freed, base_kb, peak_kb, at_watch_end_kb, lowest_kb,
         fell_to_10pct_ms, watch_ms, (unsigned long long)st.superslabs_mapped, (unsigned long long)st.superslabs_cached,
         (unsigned long long)st.lean_decommit, (unsigned long long)st.lean_retire);
  for (int i = 0; i < threads; i++) { free(w[i].blocks); free(w[i].sizes); }
  return 0;
}
