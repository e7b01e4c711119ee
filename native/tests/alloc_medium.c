/* Blocks above 16 KiB: medium and large size classes (spans inside superslabs) and huge blocks
 * (their own units), each part a mode so the node runner reports them separately.
 *   many            100,000 live malloc(20000): all succeed, stay intact, and take few mappings
 *                   (one mapping each used to hit vm.max_map_count at #65,502)
 *   realloc-overflow realloc to sizes near SIZE_MAX fails with ENOMEM and leaves the block intact
 *                   (rounding used to wrap and report success); malloc, calloc and the aligned
 *                   APIs fail the same way
 *   huge-align      alignments of 4, 8 and 16 MiB through posix_memalign, aligned_alloc, memalign
 *   realloc-classes realloc keeps contents across every class boundary from 16 KiB to huge, up
 *                   and down; calloc of reused medium and huge memory is zero
 *   xthread         a producer thread mallocs 20 KB blocks, a consumer frees them: memory is
 *                   reused rather than growing with the number of blocks
 *   huge-threads    four threads allocate, grow, shrink and free large and huge blocks and free
 *                   each other's, with pattern checks (the huge cache and its purge under contention)
 * usage: alloc_medium MODE */
#include "alloc_test.h"
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

static int is_leanmalloc(void) {
  leanmalloc_stats_t st;
  return lm_stats(&st) == 0;
}

static long count_maps(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  CHECK(f, "open /proc/self/maps");
  long n = 0;
  int c;
  while ((c = fgetc(f)) != EOF) n += c == '\n';
  fclose(f);
  return n;
}

/* Position-keyed pattern, a word at a time (blocks here are megabytes): any part that realloc
 * fails to carry over, or that another block overwrites, shows. */
static inline uint64_t at(size_t i, uint8_t key) { return ((uint64_t)key << 56) ^ (i * 0x9E3779B97F4A7C15ull); }
static void pattern(uint8_t *p, size_t from, size_t to, uint8_t key) {
  for (size_t i = from; i < to;) {
    uint64_t v = at(i / 8, key);
    size_t o = i % 8;
    if (o == 0 && i + 8 <= to) { memcpy(p + i, &v, 8); i += 8; }
    else { p[i] = (uint8_t)(v >> (8 * o)); i++; }
  }
}
static int pattern_ok(const uint8_t *p, size_t n, uint8_t key) {
  for (size_t i = 0; i < n;) {
    uint64_t v = at(i / 8, key), w;
    size_t o = i % 8;
    if (o == 0 && i + 8 <= n) { memcpy(&w, p + i, 8); if (w != v) return 0; i += 8; }
    else { if (p[i] != (uint8_t)(v >> (8 * o))) return 0; i++; }
  }
  return 1;
}

static void many(void) {
  enum { N = 100000, SIZE = 20000 };
  uint64_t **v = malloc(N * sizeof *v);
  CHECK(v, "pointer array");
  long maps_before = count_maps();
  for (uint64_t i = 0; i < N; i++) {
    errno = 0;
    v[i] = malloc(SIZE);
    CHECK(v[i] != NULL, "malloc(%d) #%llu failed: errno %d, %ld mappings", SIZE, (unsigned long long)i, errno, count_maps());
    v[i][0] = i;                                   /* first and last word: overlaps show */
    v[i][SIZE / 8 - 1] = ~i;
  }
  long maps = count_maps() - maps_before;
  for (uint64_t i = 0; i < N; i++)
    CHECK(v[i][0] == i && v[i][SIZE / 8 - 1] == ~i, "block %llu overwritten", (unsigned long long)i);
  /* 2 GB in 20 KB blocks: a few hundred mappings at most for an allocator that packs them */
  CHECK(maps < 2000, "%ld new mappings for %d blocks", maps, N);
  for (uint64_t i = 0; i < N; i += 2) free(v[i]);
  for (uint64_t i = 0; i < N; i += 2) {           /* the freed half is reused */
    v[i] = malloc(SIZE);
    CHECK(v[i], "malloc after free #%llu", (unsigned long long)i);
    v[i][0] = i;
    v[i][SIZE / 8 - 1] = ~i;
  }
  for (uint64_t i = 0; i < N; i++)
    CHECK(v[i][0] == i && v[i][SIZE / 8 - 1] == ~i, "block %llu overwritten after reuse", (unsigned long long)i);
  for (uint64_t i = 0; i < N; i++) free(v[i]);
  free(v);
  printf("ok many blocks=%d new_maps=%ld\n", N, maps);
}

static void realloc_overflow(void) {
  const size_t sizes[] = { 100, 20000, 300000, (size_t)3 << 20, (size_t)10 << 20 };
  const size_t huge[] = { SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 4095, SIZE_MAX - 8191, SIZE_MAX - 8192,
                          SIZE_MAX - ((size_t)4 << 20), SIZE_MAX / 2 + 1, (size_t)1 << 62, (size_t)PTRDIFF_MAX };
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    size_t n = sizes[k];
    uint8_t *p = malloc(n);
    CHECK(p, "malloc(%zu)", n);
    pattern(p, 0, n, (uint8_t)k);
    for (size_t j = 0; j < sizeof huge / sizeof *huge; j++) {
      errno = 0;
      void *q = realloc(p, huge[j]);
      CHECK(q == NULL, "realloc(%zu-byte block, %zu) = %p, expected NULL", n, huge[j], q);
      CHECK(errno == ENOMEM, "realloc(%zu-byte block, %zu): errno %d, expected ENOMEM", n, huge[j], errno);
      CHECK(pattern_ok(p, n, (uint8_t)k), "realloc(%zu-byte block, %zu) failed but damaged the block", n, huge[j]);
    }
    CHECK(malloc_usable_size(p) >= n, "block still usable");
    p = realloc(p, n * 2);                        /* and it is still a valid block */
    CHECK(p && pattern_ok(p, n, (uint8_t)k), "realloc after the failures");
    free(p);
  }
  for (size_t j = 0; j < sizeof huge / sizeof *huge; j++) {
    errno = 0;
    CHECK(malloc(huge[j]) == NULL && errno == ENOMEM, "malloc(%zu)", huge[j]);
    errno = 0;
    CHECK(calloc(1, huge[j]) == NULL && errno == ENOMEM, "calloc(1, %zu)", huge[j]);
    errno = 0;
    CHECK(aligned_alloc(4096, huge[j]) == NULL && errno == ENOMEM, "aligned_alloc(4096, %zu)", huge[j]);
    errno = 0;
    CHECK(memalign((size_t)1 << 24, huge[j]) == NULL && errno == ENOMEM, "memalign(16 MiB, %zu)", huge[j]);
    void *q = (void *)1;
    CHECK(posix_memalign(&q, (size_t)1 << 22, huge[j]) == ENOMEM && q == (void *)1, "posix_memalign(4 MiB, %zu)", huge[j]);
  }
  printf("ok realloc-overflow\n");
}

static void huge_align(void) {
  const size_t sizes[] = { 1, 100, 20000, (size_t)3 << 20, (size_t)9 << 20 };
  for (size_t align = (size_t)4 << 20; align <= ((size_t)16 << 20); align <<= 1) {
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
      size_t n = sizes[k];
      uint8_t *b[3];
      CHECK(posix_memalign((void **)&b[0], align, n) == 0, "posix_memalign(%zu, %zu)", align, n);
      b[1] = aligned_alloc(align, n);
      b[2] = memalign(align, n);
      for (int a = 0; a < 3; a++) {
        CHECK(b[a] != NULL, "API %d: alignment %zu, size %zu: NULL", a, align, n);
        CHECK(((uintptr_t)b[a] & (align - 1)) == 0, "API %d: %p is not aligned to %zu", a, (void *)b[a], align);
        CHECK(malloc_usable_size(b[a]) >= n, "API %d: usable size %zu < %zu", a, malloc_usable_size(b[a]), n);
        pattern(b[a], 0, n, (uint8_t)(a + 1));
      }
      for (int a = 0; a < 3; a++) CHECK(pattern_ok(b[a], n, (uint8_t)(a + 1)), "aligned blocks overlap (align %zu, size %zu)", align, n);
      /* an aligned block behaves as any other: it grows with its contents and frees */
      uint8_t *g = realloc(b[0], n + ((size_t)5 << 20));
      CHECK(g && pattern_ok(g, n, 1), "realloc of an aligned block keeps its contents");
      free(g);
      free(b[1]);
      free(b[2]);
    }
  }
  printf("ok huge-align\n");
}

/* Every class size above 16 KiB (from the table in slab.c), then huge sizes. */
static size_t boundaries(size_t *out) {
  size_t n = 0;
  for (size_t base = 16384; base < ((size_t)2 << 20); base <<= 1)
    for (size_t q = 5; q <= 8; q++) out[n++] = base * q / 4;
  const size_t more[] = { ((size_t)4 << 20) - 4096, (size_t)4 << 20, (size_t)6 << 20, (size_t)8 << 20, (size_t)13 << 20 };
  for (size_t k = 0; k < sizeof more / sizeof *more; k++) out[n++] = more[k];
  return n;
}

static void realloc_classes(void) {
  size_t b[64];
  size_t nb = boundaries(b);
  size_t steps[200];
  size_t ns = 0;
  steps[ns++] = 1000;
  steps[ns++] = 16384;
  for (size_t k = 0; k < nb; k++) { steps[ns++] = b[k] - 1; steps[ns++] = b[k]; steps[ns++] = b[k] + 1; }
  for (int dir = 0; dir < 2; dir++) {             /* up through every boundary, then down */
    uint8_t *p = NULL;
    size_t have = 0;
    for (size_t i = 0; i < ns; i++) {
      size_t n = dir == 0 ? steps[i] : steps[ns - 1 - i];
      uint8_t *q = realloc(p, n);
      CHECK(q, "realloc(%zu -> %zu)", have, n);
      size_t keep = have < n ? have : n;
      CHECK(pattern_ok(q, keep, 7), "realloc %zu -> %zu lost contents", have, n);
      CHECK(malloc_usable_size(q) >= n, "usable size after realloc to %zu", n);
      if (n > keep) pattern(q, keep, n, 7);
      p = q;
      have = n;
    }
    free(p);
  }
  /* calloc of reused memory is zero, for medium, large and huge sizes */
  const size_t zs[] = { 20000, 100000, 300000, (size_t)1 << 20, (size_t)3 << 20, (size_t)12 << 20 };
  for (size_t k = 0; k < sizeof zs / sizeof *zs; k++) {
    size_t n = zs[k];
    void *dirty[8];
    for (int i = 0; i < 8; i++) { dirty[i] = malloc(n); CHECK(dirty[i], "malloc(%zu)", n); memset(dirty[i], 0xA5, n); }
    for (int i = 0; i < 8; i++) free(dirty[i]);
    for (int i = 0; i < 8; i++) {
      uint8_t *z = calloc(n, 1);
      CHECK(z, "calloc(%zu, 1)", n);
      for (size_t j = 0; j < n; j += 61) CHECK(z[j] == 0, "calloc(%zu) byte %zu = %#x", n, j, z[j]);
      CHECK(z[n - 1] == 0, "calloc(%zu) last byte", n);
      dirty[i] = z;
    }
    for (int i = 0; i < 8; i++) free(dirty[i]);
  }
  printf("ok realloc-classes boundaries=%zu\n", nb);
}

/* Producer/consumer: every free is a cross-thread free into the producer's spans. */
enum { RING = 1024 };
static _Atomic(void *) ring[RING];
static _Atomic int producer_done;
static long xthread_blocks = 200000;

static void *producer(void *arg) {
  (void)arg;
  for (long i = 0; i < xthread_blocks; i++) {
    uint64_t *p = malloc(20000);
    CHECK(p, "producer malloc #%ld", i);
    p[0] = (uint64_t)i;
    p[20000 / 8 - 1] = ~(uint64_t)i;
    void *expected = NULL;
    long slot = i % RING;
    while (!atomic_compare_exchange_weak(&ring[slot], &expected, p)) { expected = NULL; sched_yield(); }
  }
  atomic_store(&producer_done, 1);
  return NULL;
}

static void xthread(void) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, producer, NULL) == 0, "pthread_create");
  long got = 0;
  while (got < xthread_blocks) {
    long slot = got % RING;
    uint64_t *p = atomic_exchange(&ring[slot], NULL);
    if (p == NULL) { sched_yield(); continue; }
    CHECK(p[0] == (uint64_t)got && p[20000 / 8 - 1] == ~(uint64_t)got, "block %ld corrupted", got);
    free(p);
    got++;
  }
  pthread_join(t, NULL);
  leanmalloc_stats_t st;
  if (lm_stats(&st) == 0) {
    /* at most RING blocks (20 MB) are ever live: the freed ones must have been reused, not
     * replaced by fresh superslabs (200,000 blocks would be 4 GB) */
    CHECK(st.superslabs_mapped * 4 < 200, "%llu superslabs mapped for <= %d live 20 KB blocks",
          (unsigned long long)st.superslabs_mapped, RING);
  }
  printf("ok xthread blocks=%ld\n", got);
}

/* Shared slots: a thread takes whatever block a slot holds (any thread's) and frees or resizes it. */
enum { HT_SLOTS = 64, HT_THREADS = 4 };
typedef struct { uint8_t *p; size_t n; uint8_t key; } ht_block_t;
static ht_block_t ht_slot[HT_SLOTS];
static pthread_mutex_t ht_lock[HT_SLOTS];

static void *huge_worker(void *arg) {
  uint64_t s = 0xC0FFEEull * (uint64_t)((intptr_t)arg + 1);
  for (int i = 0; i < 120; i++) {
    int k = (int)(rnd(&s) % HT_SLOTS);
    pthread_mutex_lock(&ht_lock[k]);
    ht_block_t b = ht_slot[k];
    ht_slot[k].p = NULL;
    pthread_mutex_unlock(&ht_lock[k]);
    if (b.p) {
      CHECK(pattern_ok(b.p, b.n < 65536 ? b.n : 65536, b.key) && pattern_ok(b.p + b.n - 4096, 4096, (uint8_t)(b.key ^ 0x55)),
            "block of %zu bytes corrupted", b.n);
      if (rnd(&s) % 2) { free(b.p); b.p = NULL; }
      else {   /* resize, keeping the head pattern; then rewrite the tail pattern at the new end */
        size_t n = ((size_t)1 << 20) + rnd(&s) % ((size_t)9 << 20);
        uint8_t *q = realloc(b.p, n);
        CHECK(q, "realloc(%zu -> %zu)", b.n, n);
        size_t head = b.n < n ? b.n : n;
        CHECK(pattern_ok(q, head < 65536 ? head : 65536, b.key), "realloc %zu -> %zu lost the head", b.n, n);
        b.p = q;
        b.n = n;
      }
    }
    if (b.p == NULL) {
      b.n = ((size_t)1 << 20) + rnd(&s) % ((size_t)9 << 20);
      b.key = (uint8_t)rnd(&s);
      b.p = malloc(b.n);
      CHECK(b.p, "malloc(%zu)", b.n);
    }
    pattern(b.p, 0, b.n < 65536 ? b.n : 65536, b.key);
    pattern(b.p + b.n - 4096, 0, 4096, (uint8_t)(b.key ^ 0x55));
    pthread_mutex_lock(&ht_lock[k]);
    ht_block_t old = ht_slot[k];
    ht_slot[k] = b;
    pthread_mutex_unlock(&ht_lock[k]);
    if (old.p) free(old.p);
  }
  return NULL;
}

static void huge_threads(void) {
  for (int k = 0; k < HT_SLOTS; k++) pthread_mutex_init(&ht_lock[k], NULL);
  pthread_t t[HT_THREADS];
  for (intptr_t i = 0; i < HT_THREADS; i++) CHECK(pthread_create(&t[i], NULL, huge_worker, (void *)i) == 0, "pthread_create");
  for (int i = 0; i < HT_THREADS; i++) pthread_join(t[i], NULL);
  for (int k = 0; k < HT_SLOTS; k++) free(ht_slot[k].p);
  printf("ok huge-threads\n");
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "many") == 0) many();
  else if (strcmp(mode, "realloc-overflow") == 0) realloc_overflow();
  else if (strcmp(mode, "huge-align") == 0) huge_align();
  else if (strcmp(mode, "realloc-classes") == 0) realloc_classes();
  else if (strcmp(mode, "xthread") == 0) xthread();
  else if (strcmp(mode, "huge-threads") == 0) huge_threads();
  else { fprintf(stderr, "usage: alloc_medium many|realloc-overflow|huge-align|realloc-classes|xthread|huge-threads\n"); return 2; }
  printf("allocator=%s profile=%s\n", is_leanmalloc() ? "leanmalloc" : "other", lm_profile());
  return 0;
}
