/* leanmalloc's stress suite, in the spirit of mimalloc's test-stress: threads allocate, write a
 * pattern into every block, hand blocks to each other, check every block before they free it,
 * and exit while other threads still hold their blocks. A block handed out twice, a block
 * corrupted by another heap using the same slab, or calloc memory that is not zero fails a CHECK
 * (exit 1); an allocator assertion or invalid-pointer report aborts.
 *
 *   churn     waves of threads that start together, trade blocks and exit holding blocks that
 *             main frees: superslabs of exited threads are abandoned, emptied by other threads'
 *             frees, adopted, given back to the cache and taken from it, all concurrently.
 *   rounds    rounds of threads with sizes spread over powers of two (some large), a transfer
 *             array whose blocks survive from round to round; half of it is freed between rounds.
 *   pingpong  producers hand blocks to consumers through a queue: almost every free is remote,
 *             into slabs their owner has found full; producers exit before their blocks are freed.
 *
 * usage: alloc_stress churn|rounds|pingpong|all [scale]   (scale 1 is the CI size)
 * Prints "ok <scenario> ..." per scenario with the counts that show the hand-offs happened. */
#include "alloc_test.h"
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>

static int scale = 1;

/* ---- blocks that check themselves ----
 * A block starts with its seed and size; every other word is a function of the seed and its index
 * only, so a prefix survives realloc and can be checked against the same seed. */
typedef struct { uint64_t seed; uint64_t size; } hdr_t;
#define MIN_BLOCK sizeof(hdr_t)

static uint64_t word_at(uint64_t seed, size_t i) { return seed ^ (i * 0x9E3779B97F4A7C15ull); }

static uint8_t byte_at(uint64_t seed, size_t i) { return (uint8_t)(word_at(seed, i / 8) >> (8 * (i % 8))); }

/* Bytes [from, n) of the pattern: whole words where aligned (x86-64 is little-endian). */
static void fill_from(uint8_t *p, size_t from, size_t n, uint64_t seed) {
  size_t i = from;
  for (; i < n && (i & 7); i++) p[i] = byte_at(seed, i);
  for (; i + 8 <= n; i += 8) memcpy(p + i, &(uint64_t){ word_at(seed, i / 8) }, 8);
  for (; i < n; i++) p[i] = byte_at(seed, i);
}

/* Bytes [MIN_BLOCK, n) hold the pattern of `seed`. */
static int check_prefix(const uint8_t *p, size_t n, uint64_t seed) {
  size_t i = MIN_BLOCK;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    memcpy(&v, p + i, 8);
    if (v != word_at(seed, i / 8)) return 0;
  }
  for (; i < n; i++) if (p[i] != byte_at(seed, i)) return 0;
  return 1;
}

static _Atomic uint64_t next_seed = 1;

static void *new_block(size_t n, int zeroed) {
  if (n < MIN_BLOCK) n = MIN_BLOCK;
  uint8_t *p = zeroed ? calloc(1, n) : malloc(n);
  CHECK(p, "%s(%zu) returned NULL", zeroed ? "calloc" : "malloc", n);
  if (zeroed) for (size_t i = 0; i < n; i++) CHECK(p[i] == 0, "calloc(1, %zu) byte %zu is %#x", n, i, p[i]);
  hdr_t h = { atomic_fetch_add_explicit(&next_seed, 1, memory_order_relaxed) * 0x2545F4914F6CDD1Dull, n };
  memcpy(p, &h, sizeof h);
  fill_from(p, MIN_BLOCK, n, h.seed);
  return p;
}

static void check_block(const void *p) {
  hdr_t h;
  memcpy(&h, p, sizeof h);
  CHECK(h.size >= MIN_BLOCK && h.size < ((size_t)1 << 30), "block %p header corrupted (size %llu)", p, (unsigned long long)h.size);
  CHECK(malloc_usable_size((void *)p) >= h.size, "block %p of %llu bytes: usable size %zu", p, (unsigned long long)h.size,
        malloc_usable_size((void *)p));
  CHECK(check_prefix(p, h.size, h.seed), "block %p of %llu bytes corrupted", p, (unsigned long long)h.size);
}

static void free_block(void *p) {
  if (p == NULL) return;
  check_block(p);
  free(p);
}

/* realloc keeps the common prefix; the rest is filled for the new size. */
static void *realloc_block(void *p, size_t n) {
  check_block(p);
  if (n < MIN_BLOCK) n = MIN_BLOCK;
  hdr_t h;
  memcpy(&h, p, sizeof h);
  uint8_t *q = realloc(p, n);
  CHECK(q, "realloc(%zu) returned NULL", n);
  size_t keep = h.size < n ? h.size : n;
  CHECK(check_prefix(q, keep, h.seed), "realloc %llu -> %zu lost content", (unsigned long long)h.size, n);
  h.size = n;
  memcpy(q, &h, sizeof h);
  fill_from(q, keep, n, h.seed);
  return q;
}

/* Mostly small, spread over every class, now and then medium or large. */
static size_t pick_size(uint64_t *s) {
  uint64_t r = rnd(s) % 1000;
  if (r < 600) return 16 + rnd(s) % 240;
  if (r < 900) return 256 + rnd(s) % 3840;
  if (r < 990) return 4096 + rnd(s) % 12289;
  return 16385 + rnd(s) % 120000;
}

/* ---- churn ----
 * Waves of threads that start together (so they look for superslabs at the same moment), trade
 * blocks through shared slots, and exit handing what they still hold to main, which frees it
 * before the next wave: the next wave then adopts superslabs that emptied while abandoned, gives
 * them back to the cache and takes them from it, concurrently. The slots keep some blocks alive
 * into the next wave, freed there by threads that never owned them. */
enum { CHURN_LIVE = 4, CHURN_SLOTS = 256, CHURN_HOLD = 256 };
static void *_Atomic churn_slots[CHURN_SLOTS];
static _Atomic long churn_exchanged, churn_reallocs, churn_orphans;
static pthread_barrier_t churn_start;
static struct { pthread_mutex_t lock; void *blocks[CHURN_LIVE * CHURN_HOLD]; int n; } orphans = { PTHREAD_MUTEX_INITIALIZER, { 0 }, 0 };

static void *churn_exchange(void *p, uint64_t *s) {
  void *old = atomic_exchange(&churn_slots[rnd(s) % CHURN_SLOTS], p);
  if (old) { check_block(old); atomic_fetch_add_explicit(&churn_exchanged, 1, memory_order_relaxed); }
  return old;
}

static void *churn_thread(void *arg) {
  uint64_t s = (uint64_t)(uintptr_t)arg * 0x9E3779B97F4A7C15ull + 1;
  void *hold[CHURN_HOLD] = { 0 };
  int ops = 1000 + (int)(rnd(&s) % 1000);
  pthread_barrier_wait(&churn_start);
  for (int i = 0; i < ops; i++) {
    int k = (int)(rnd(&s) % CHURN_HOLD);
    uint64_t r = rnd(&s) % 100;
    if (hold[k] == NULL) {
      hold[k] = new_block(pick_size(&s), r < 10);
    } else if (r < 30) {
      free_block(hold[k]);
      hold[k] = NULL;
    } else if (r < 38) {
      hold[k] = realloc_block(hold[k], pick_size(&s));
      atomic_fetch_add_explicit(&churn_reallocs, 1, memory_order_relaxed);
    } else if (r < 60) {
      void *old = churn_exchange(hold[k], &s);
      hold[k] = NULL;
      if (old && (rnd(&s) & 1)) free_block(old);   /* a block of another, maybe exited, thread */
      else hold[k] = old;
    }
  }
  /* exit holding blocks: main frees them once this thread is gone */
  pthread_mutex_lock(&orphans.lock);
  for (int k = 0; k < CHURN_HOLD; k++) if (hold[k]) orphans.blocks[orphans.n++] = hold[k];
  pthread_mutex_unlock(&orphans.lock);
  return NULL;
}

static void churn(void) {
  int waves = 40 * scale;
  CHECK(pthread_barrier_init(&churn_start, NULL, CHURN_LIVE) == 0, "pthread_barrier_init");
  for (int w = 0; w < waves; w++) {
    pthread_t t[CHURN_LIVE];
    for (int i = 0; i < CHURN_LIVE; i++)
      CHECK(pthread_create(&t[i], NULL, churn_thread, (void *)(uintptr_t)(w * CHURN_LIVE + i + 1)) == 0, "pthread_create");
    for (int i = 0; i < CHURN_LIVE; i++) CHECK(pthread_join(t[i], NULL) == 0, "pthread_join");
    for (int i = 0; i < orphans.n; i++) free_block(orphans.blocks[i]);
    churn_orphans += orphans.n;
    orphans.n = 0;
    /* every other wave, the slots go too: the next wave finds abandoned superslabs all empty */
    if (w % 2 == 1 || w + 1 == waves)
      for (int i = 0; i < CHURN_SLOTS; i++) free_block(atomic_exchange(&churn_slots[i], NULL));
  }
  pthread_barrier_destroy(&churn_start);
  CHECK(churn_exchanged > waves * CHURN_LIVE * 100L, "too few blocks changed threads: %ld", (long)churn_exchanged);
  CHECK(churn_orphans > waves * CHURN_LIVE * 10L, "too few blocks outlived their thread: %ld", (long)churn_orphans);
  printf("ok churn threads=%d exchanged=%ld orphans=%ld reallocs=%ld\n", waves * CHURN_LIVE, (long)churn_exchanged,
         (long)churn_orphans, (long)churn_reallocs);
}

/* ---- rounds ---- */
enum { ROUND_THREADS = 6, TRANSFERS = 1000 };
static void *_Atomic transfer[TRANSFERS];
static _Atomic long rounds_transferred;

static void *round_thread(void *arg) {
  uintptr_t tid = (uintptr_t)arg;
  uint64_t s = tid * 43 + 7;
  size_t allocs = 100u * (size_t)(tid % 8 + 1) * 4;
  size_t retain_n = allocs / 2, data_n = 0, retained_n = 0;
  void **data = calloc(allocs, sizeof(void *));
  void **retained = calloc(retain_n, sizeof(void *));
  CHECK(data && retained, "calloc");
  for (size_t left = allocs + retain_n; left > 0; left--) {
    /* items: 1..2^k words, spread over powers of two; 1% ten to a thousand times bigger */
    size_t items = (size_t)1 << (rnd(&s) % 7);
    if (rnd(&s) % 100 == 0) items *= rnd(&s) % 100 == 0 ? 1000 : 10;
    if (retained_n < retain_n && (rnd(&s) & 3) == 0) retained[retained_n++] = new_block(items * 8, rnd(&s) & 1);
    else if (data_n < allocs) data[data_n++] = new_block(items * 8, (rnd(&s) & 7) == 0);
    if (data_n > 0 && rnd(&s) % 3 != 0) {
      size_t i = rnd(&s) % data_n;
      free_block(data[i]);
      data[i] = NULL;
    }
    if (data_n > 0 && (rnd(&s) & 3) == 0) {
      size_t i = rnd(&s) % data_n;
      void *old = atomic_exchange(&transfer[rnd(&s) % TRANSFERS], data[i]);
      if (old) { check_block(old); atomic_fetch_add_explicit(&rounds_transferred, 1, memory_order_relaxed); }
      data[i] = old;
    }
  }
  for (size_t i = 0; i < retained_n; i++) free_block(retained[i]);
  for (size_t i = 0; i < data_n; i++) free_block(data[i]);
  free(retained);
  free(data);
  return NULL;
}

static void rounds(void) {
  int n = 10 * scale;
  uint64_t s = 0x7feb352d;
  for (int round = 0; round < n; round++) {
    pthread_t t[ROUND_THREADS];
    for (int i = 0; i < ROUND_THREADS; i++)
      CHECK(pthread_create(&t[i], NULL, round_thread, (void *)(uintptr_t)(round * ROUND_THREADS + i)) == 0, "pthread_create");
    for (int i = 0; i < ROUND_THREADS; i++) CHECK(pthread_join(t[i], NULL) == 0, "pthread_join");
    /* half of the transfers outlive their threads into the next round; all go at the end */
    for (int i = 0; i < TRANSFERS; i++)
      if ((rnd(&s) & 1) || round + 1 == n) free_block(atomic_exchange(&transfer[i], NULL));
  }
  CHECK(rounds_transferred > 1000L * scale, "too few transfers: %ld", (long)rounds_transferred);
  printf("ok rounds rounds=%d threads=%d transferred=%ld\n", n, ROUND_THREADS, (long)rounds_transferred);
}

/* ---- pingpong ---- */
enum { QUEUE = 1024, PRODUCERS = 2, CONSUMERS = 2 };
static struct {
  pthread_mutex_t lock;
  pthread_cond_t not_empty, not_full;
  void *items[QUEUE];
  int head, count, producers_left;
} q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, { 0 }, 0, 0, PRODUCERS };
static _Atomic long pingpong_freed;

static void *producer(void *arg) {
  uint64_t s = (uintptr_t)arg;
  long n = 20000L * scale;
  for (long i = 0; i < n; i++) {
    void *p = new_block(rnd(&s) % 10 == 0 ? pick_size(&s) : 16 + rnd(&s) % 500, 0);
    pthread_mutex_lock(&q.lock);
    while (q.count == QUEUE) pthread_cond_wait(&q.not_full, &q.lock);
    q.items[(q.head + q.count++) % QUEUE] = p;
    pthread_cond_signal(&q.not_empty);
    pthread_mutex_unlock(&q.lock);
  }
  pthread_mutex_lock(&q.lock);
  q.producers_left--;
  pthread_cond_broadcast(&q.not_empty);
  pthread_mutex_unlock(&q.lock);
  return NULL;   /* exits while its last blocks still wait in the queue */
}

static void *consumer(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&q.lock);
    while (q.count == 0 && q.producers_left > 0) pthread_cond_wait(&q.not_empty, &q.lock);
    if (q.count == 0) { pthread_mutex_unlock(&q.lock); return NULL; }
    void *p = q.items[q.head];
    q.head = (q.head + 1) % QUEUE;
    q.count--;
    pthread_cond_signal(&q.not_full);
    pthread_mutex_unlock(&q.lock);
    free_block(p);
    atomic_fetch_add_explicit(&pingpong_freed, 1, memory_order_relaxed);
  }
}

static void pingpong(void) {
  pthread_t p[PRODUCERS], c[CONSUMERS];
  for (int i = 0; i < CONSUMERS; i++) CHECK(pthread_create(&c[i], NULL, consumer, NULL) == 0, "pthread_create");
  for (int i = 0; i < PRODUCERS; i++) CHECK(pthread_create(&p[i], NULL, producer, (void *)(uintptr_t)(i + 11)) == 0, "pthread_create");
  for (int i = 0; i < PRODUCERS; i++) CHECK(pthread_join(p[i], NULL) == 0, "pthread_join");
  for (int i = 0; i < CONSUMERS; i++) CHECK(pthread_join(c[i], NULL) == 0, "pthread_join");
  CHECK(pingpong_freed == 20000L * scale * PRODUCERS, "consumers freed %ld blocks", (long)pingpong_freed);
  printf("ok pingpong producers=%d consumers=%d remote_frees=%ld\n", PRODUCERS, CONSUMERS, (long)pingpong_freed);
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "all";
  if (argc > 2) scale = atoi(argv[2]);
  CHECK(scale >= 1, "scale must be >= 1");
  int all = strcmp(what, "all") == 0, known = all;
  if (all || strcmp(what, "churn") == 0) { churn(); known = 1; }
  if (all || strcmp(what, "rounds") == 0) { rounds(); known = 1; }
  if (all || strcmp(what, "pingpong") == 0) { pingpong(); known = 1; }
  CHECK(known, "unknown scenario '%s' (churn, rounds, pingpong or all)", what);
  leanmalloc_stats_t st;
  if (lm_stats(&st) == 0) printf("leanmalloc profile=%s superslabs_mapped=%llu\n", lm_profile(), (unsigned long long)st.superslabs_mapped);
  return 0;
}
