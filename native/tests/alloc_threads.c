/* Multi-thread stress: threads hand blocks to each other through lock-protected mailboxes, so
 * most frees are cross-thread; every block carries a pattern checked by the freeing thread.
 * Then thread churn: short-lived threads allocate, hand their blocks to main and exit; memory
 * must come back (superslabs of dead threads are reused rather than piling up). */
#include "alloc_test.h"
#include <pthread.h>

enum { THREADS = 4, MAILBOX = 256 };

typedef struct { void *p; size_t n; uintptr_t seed; } item_t;
typedef struct {
  pthread_mutex_t lock;
  item_t items[MAILBOX];
  int count;
} mailbox_t;

static mailbox_t boxes[THREADS];
static long iterations = 200000;
static _Atomic long checked;

static size_t pick_size(uint64_t *s) {
  uint64_t r = rnd(s) % 100;
  if (r < 80) return 16 + rnd(s) % 1009;          /* tiny */
  if (r < 98) return 1025 + rnd(s) % 15000;       /* medium classes */
  return 16385 + rnd(s) % 100000;                 /* large */
}

static void *worker(void *arg) {
  int id = (int)(intptr_t)arg;
  uint64_t s = 0x9E3779B97F4A7C15ull * (uint64_t)(id + 1);
  void *local[64] = { 0 };
  size_t local_n[64] = { 0 };
  for (long i = 0; i < iterations; i++) {
    /* local churn */
    int slot = (int)(rnd(&s) % 64);
    if (local[slot]) {
      CHECK(check_fill(local[slot], local_n[slot] < 64 ? local_n[slot] : 64, (uintptr_t)slot), "local block corrupted");
      free(local[slot]);
      local[slot] = NULL;
    } else {
      local_n[slot] = pick_size(&s);
      local[slot] = malloc(local_n[slot]);
      CHECK(local[slot], "malloc");
      fill(local[slot], local_n[slot] < 64 ? local_n[slot] : 64, (uintptr_t)slot);
    }
    /* hand a block to the next thread */
    item_t it = { NULL, pick_size(&s), rnd(&s) };
    it.p = (i & 1) ? calloc(1, it.n) : malloc(it.n);
    CHECK(it.p, "malloc for handoff");
    fill(it.p, it.n, it.seed);
    mailbox_t *to = &boxes[(id + 1) % THREADS];
    pthread_mutex_lock(&to->lock);
    if (to->count < MAILBOX) { to->items[to->count++] = it; it.p = NULL; }
    pthread_mutex_unlock(&to->lock);
    if (it.p) free(it.p);
    /* drain my mailbox: blocks allocated by another thread, freed here */
    mailbox_t *me = &boxes[id];
    item_t got[MAILBOX];
    int n = 0;
    pthread_mutex_lock(&me->lock);
    if (me->count >= MAILBOX / 2) { n = me->count; memcpy(got, me->items, sizeof(item_t) * (size_t)n); me->count = 0; }
    pthread_mutex_unlock(&me->lock);
    for (int k = 0; k < n; k++) {
      CHECK(check_fill(got[k].p, got[k].n, got[k].seed), "handed-off block of %zu bytes corrupted", got[k].n);
      free(got[k].p);
      checked++;
    }
  }
  for (int k = 0; k < 64; k++) free(local[k]);
  return NULL;
}

static void stress(void) {
  for (int i = 0; i < THREADS; i++) pthread_mutex_init(&boxes[i].lock, NULL);
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i) == 0, "pthread_create");
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < THREADS; i++) {
    for (int k = 0; k < boxes[i].count; k++) {
      CHECK(check_fill(boxes[i].items[k].p, boxes[i].items[k].n, boxes[i].items[k].seed), "leftover corrupted");
      free(boxes[i].items[k].p);
    }
    boxes[i].count = 0;
  }
  CHECK(checked > iterations / 4, "too few cross-thread frees: %ld", (long)checked);
  printf("ok stress cross_thread_frees=%ld\n", (long)checked);
}

/* ---- thread churn ---- */
enum { CHURN_BLOCKS = 2000 };
typedef struct { void *p[CHURN_BLOCKS]; size_t n[CHURN_BLOCKS]; } churn_t;

static void *churn_worker(void *arg) {
  churn_t *c = arg;
  uint64_t s = (uintptr_t)arg;
  void *scratch[500];
  for (int i = 0; i < 500; i++) scratch[i] = malloc(16 + rnd(&s) % 2000);   /* freed locally */
  for (int i = 0; i < CHURN_BLOCKS; i++) {
    c->n[i] = 16 + rnd(&s) % 1009;
    c->p[i] = malloc(c->n[i]);
    CHECK(c->p[i], "malloc");
    fill(c->p[i], c->n[i], (uintptr_t)i);
  }
  for (int i = 0; i < 500; i++) free(scratch[i]);
  return NULL;
}

static void churn(void) {
  static churn_t work[4];
  leanmalloc_stats_t st;
  uint64_t mapped_after_warmup = 0;
  for (int round = 0; round < 60; round++) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++) CHECK(pthread_create(&t[i], NULL, churn_worker, &work[i]) == 0, "pthread_create");
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    /* the threads are gone; their blocks are freed here, into abandoned superslabs */
    for (int i = 0; i < 4; i++)
      for (int k = 0; k < CHURN_BLOCKS; k++) {
        CHECK(check_fill(work[i].p[k], work[i].n[k], (uintptr_t)k), "block of exited thread corrupted");
        free(work[i].p[k]);
      }
    if (round == 5 && lm_stats(&st) == 0) mapped_after_warmup = st.superslabs_mapped;
  }
  if (lm_stats(&st) == 0) {
    printf("ok churn superslabs_mapped=%llu (after warmup %llu)\n", (unsigned long long)st.superslabs_mapped,
           (unsigned long long)mapped_after_warmup);
    CHECK(st.superslabs_mapped <= mapped_after_warmup + 4, "thread churn keeps mapping memory: %llu superslabs",
          (unsigned long long)st.superslabs_mapped);
  } else {
    printf("ok churn\n");
  }
}

int main(int argc, char **argv) {
  if (argc > 1) iterations = atol(argv[1]);
  stress();
  churn();
  return 0;
}
