/* The edges of the API: sizes whose computation overflows in every function of the malloc family
 * (NULL with ENOMEM, and the old block of a failed realloc untouched), realloc keeping contents
 * across every size-class boundary in both directions, calloc zeroing memory that was dirty
 * before, malloc_usable_size of every class. Runs against whatever malloc the process has (the
 * same checks pass under glibc).
 * usage: alloc_edges [overflow|realloc|calloc|usable|all] */
#include "alloc_test.h"
#include <errno.h>
#include <malloc.h>
#include <unistd.h>

/* volatile: the compiler must not fold a call with a constant huge size (or warn about it) */
static volatile size_t max_size = SIZE_MAX;

/* Sizes a request can never be satisfied with: near SIZE_MAX, where rounding to a page, a size
 * class, a header or an alignment wraps around, and a few beyond any address space. */
static size_t huge_sizes[] = { 0, 1, 7, 15, 16, 4095, 4096, 8191, 8192, 16383, 16384, 65535, (4u << 20) - 1, 4u << 20, (8u << 20) + 1 };
#define HUGE_N (sizeof huge_sizes / sizeof huge_sizes[0])
static size_t huge(size_t i) { return max_size - huge_sizes[i]; }

/* glibc rejects requests above PTRDIFF_MAX; these too must fail in any allocator */
static size_t beyond[] = { (size_t)1 << 47, (size_t)1 << 50, (size_t)PTRDIFF_MAX, (size_t)PTRDIFF_MAX + 1 };
#define BEYOND_N (sizeof beyond / sizeof beyond[0])

#define EXPECT_ENOMEM(call, what, ...) do { \
  errno = 0; \
  void *r_ = (call); \
  CHECK(r_ == NULL && errno == ENOMEM, what " returned %p with errno %d (want NULL, ENOMEM)", __VA_ARGS__, r_, errno); \
} while (0)

static void overflow(void) {
  for (size_t i = 0; i < HUGE_N + BEYOND_N; i++) {
    size_t n = i < HUGE_N ? huge(i) : beyond[i - HUGE_N];
    EXPECT_ENOMEM(malloc(n), "malloc(%zu)", n);
    EXPECT_ENOMEM(calloc(1, n), "calloc(1, %zu)", n);
    EXPECT_ENOMEM(calloc(n, 1), "calloc(%zu, 1)", n);
    EXPECT_ENOMEM(valloc(n), "valloc(%zu)", n);
    EXPECT_ENOMEM(pvalloc(n), "pvalloc(%zu)", n);
    for (size_t align = 8; align <= ((size_t)2 << 20); align <<= 3) {
      EXPECT_ENOMEM(aligned_alloc(align, n), "aligned_alloc(%zu, %zu)", align, n);
      EXPECT_ENOMEM(memalign(align, n), "memalign(%zu, %zu)", align, n);
      void *p = (void *)&max_size;
      int saved = errno = 1234;
      int rc = posix_memalign(&p, align, n);
      CHECK(rc == ENOMEM && p == (void *)&max_size && errno == saved, "posix_memalign(%zu, %zu) = %d, p %s, errno %d", align, n, rc,
            p == (void *)&max_size ? "untouched" : "written", errno);
    }
  }
  /* products that overflow */
  size_t pairs[][2] = { { max_size, 2 }, { 2, max_size }, { (size_t)1 << 32, (size_t)1 << 32 }, { max_size / 2 + 1, 2 },
                        { ((size_t)1 << 33) + 1, ((size_t)1 << 31) }, { max_size, max_size } };
  for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
    EXPECT_ENOMEM(calloc(pairs[k][0], pairs[k][1]), "calloc(%zu, %zu)", pairs[k][0], pairs[k][1]);
    void *p = malloc(100);
    fill(p, 100, 3);
    EXPECT_ENOMEM(reallocarray(p, pairs[k][0], pairs[k][1]), "reallocarray(p, %zu, %zu)", pairs[k][0], pairs[k][1]);
    CHECK(check_fill(p, 100, 3), "a failed reallocarray left the block intact");
    free(p);
  }
  /* a failed realloc leaves the block as it was, in every kind of block */
  size_t olds[] = { 1, 100, 1024, 1025, 16384, 16385, 100000, 5u << 20 };
  for (size_t k = 0; k < sizeof olds / sizeof olds[0]; k++) {
    for (size_t i = 0; i < HUGE_N + BEYOND_N; i++) {
      size_t n = i < HUGE_N ? huge(i) : beyond[i - HUGE_N];
      void *p = malloc(olds[k]);
      CHECK(p, "malloc(%zu)", olds[k]);
      fill(p, olds[k], olds[k] + i);
      EXPECT_ENOMEM(realloc(p, n), "realloc(%zu-byte block, %zu)", olds[k], n);
      CHECK(check_fill(p, olds[k], olds[k] + i), "a failed realloc to %zu corrupted the %zu-byte block", n, olds[k]);
      CHECK(malloc_usable_size(p) >= olds[k], "the block of a failed realloc is still whole");
      free(p);
    }
  }
  /* alignments that no address space can give */
  size_t aligns[] = { (size_t)1 << 47, (size_t)1 << 62, (size_t)1 << 63 };
  for (size_t k = 0; k < sizeof aligns / sizeof aligns[0]; k++) {
    void *p = NULL;
    CHECK(posix_memalign(&p, aligns[k], 1) == ENOMEM && p == NULL, "posix_memalign(%zu, 1)", aligns[k]);
    EXPECT_ENOMEM(aligned_alloc(aligns[k], 1), "aligned_alloc(%zu, 1)", aligns[k]);
    errno = 0;
    p = memalign(aligns[k], 1);
    CHECK(p == NULL && (errno == ENOMEM || errno == EINVAL), "memalign(%zu, 1) = %p errno %d", aligns[k], p, errno);
  }
  /* zero-size requests give distinct, freeable blocks */
  void *z[6] = { malloc(0), calloc(0, 1), calloc(1, 0), calloc(0, max_size), aligned_alloc(64, 0), memalign(4096, 0) };
  for (int i = 0; i < 6; i++) {
    CHECK(z[i] != NULL, "zero-size request %d returned NULL", i);
    for (int j = 0; j < i; j++) CHECK(z[i] != z[j], "zero-size requests %d and %d returned the same block", i, j);
  }
  for (int i = 0; i < 6; i++) free(z[i]);
  printf("ok overflow\n");
}

/* Every boundary of leanmalloc's classes (and of any allocator's common ones), the tiny/small and
 * small/large limits, and large sizes. */
static const size_t class_limits[] = {
  16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024,
  1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192, 10240, 12288, 14336, 16384,
  32768, 65536, 131072, 1u << 20, 4u << 20,
};
#define LIMITS_N (sizeof class_limits / sizeof class_limits[0])

/* realloc from each size to each neighbour of a class boundary, up and down; the common prefix
 * must survive every move, whether the block stays or moves. */
static void realloc_boundaries(void) {
  unsigned moves = 0;
  for (size_t a = 0; a < LIMITS_N; a++) {
    for (int da = -1; da <= 1; da++) {
      size_t from = class_limits[a] + (size_t)da;
      for (size_t b = 0; b < LIMITS_N; b++) {
        if (b + 3 < a || b > a + 3) continue;   /* neighbours in class order, and large jumps below */
        for (int db = -1; db <= 1; db++) {
          size_t to = class_limits[b] + (size_t)db;
          uint8_t *p = malloc(from);
          CHECK(p, "malloc(%zu)", from);
          fill(p, from, from ^ to);
          uint8_t *q = realloc(p, to);
          CHECK(q, "realloc(%zu -> %zu)", from, to);
          CHECK(check_fill(q, from < to ? from : to, from ^ to), "realloc %zu -> %zu lost content", from, to);
          CHECK(malloc_usable_size(q) >= to, "realloc %zu -> %zu: usable %zu", from, to, malloc_usable_size(q));
          memset(q, 0xEE, to);
          free(q);
          moves++;
        }
      }
    }
  }
  /* one block walked through every class and back, and jumps from tiny to large and back */
  uint8_t *p = NULL;
  size_t prev = 0;
  size_t path[2 * LIMITS_N + 6];
  size_t n = 0;
  for (size_t i = 0; i < LIMITS_N; i++) path[n++] = class_limits[i] + 1;
  for (size_t i = LIMITS_N; i-- > 0;) path[n++] = class_limits[i] - 1;
  path[n++] = 8u << 20; path[n++] = 1; path[n++] = 3u << 20; path[n++] = 17; path[n++] = 20000; path[n++] = 5;
  for (size_t i = 0; i < n; i++) {
    uint8_t *q = realloc(p, path[i]);
    CHECK(q, "realloc to %zu", path[i]);
    CHECK(check_fill(q, prev < path[i] ? prev : path[i], 77), "walk: realloc %zu -> %zu lost content", prev, path[i]);
    fill(q, path[i], 77);
    p = q;
    prev = path[i];
    moves++;
  }
  free(p);
  printf("ok realloc_boundaries moves=%u\n", moves);
}

/* calloc after the same sizes were used and dirtied: reused blocks, slabs and mappings are zero. */
static void calloc_reused(void) {
  enum { N = 48 };
  for (size_t k = 0; k < LIMITS_N; k++) {
    for (int d = -1; d <= 1; d++) {
      size_t n = class_limits[k] + (size_t)d;
      int count = n > 65536 ? 3 : N;   /* enough to reuse blocks, slabs and cached mappings */
      void *dirty[N];
      for (int i = 0; i < count; i++) {
        dirty[i] = malloc(n);
        CHECK(dirty[i], "malloc(%zu)", n);
        memset(dirty[i], 0xA5, malloc_usable_size(dirty[i]));
      }
      for (int i = 0; i < count; i++) free(dirty[i]);
      for (int i = 0; i < count; i++) {
        /* both ways of writing the product */
        uint8_t *p = (i & 1) ? calloc(n, 1) : calloc(1, n);
        CHECK(p, "calloc(%zu)", n);
        for (size_t j = 0; j < n; j++) CHECK(p[j] == 0, "calloc(%zu) of reused memory: byte %zu is %#x", n, j, p[j]);
        memset(p, 0x5A, n);
        dirty[i] = p;
      }
      for (int i = 0; i < count; i++) free(dirty[i]);
    }
  }
  /* calloc(count, size) with count > 1 and a product in each range */
  size_t shapes[][2] = { { 3, 5 }, { 100, 10 }, { 7, 1000 }, { 1000, 17 }, { 4096, 4 }, { 3, 1 << 20 } };
  for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
    size_t n = shapes[k][0] * shapes[k][1];
    void *d = malloc(n);
    memset(d, 0xFF, n);
    free(d);
    uint8_t *p = calloc(shapes[k][0], shapes[k][1]);
    CHECK(p, "calloc(%zu, %zu)", shapes[k][0], shapes[k][1]);
    for (size_t j = 0; j < n; j++) CHECK(p[j] == 0, "calloc(%zu, %zu) byte %zu is %#x", shapes[k][0], shapes[k][1], j, p[j]);
    free(p);
  }
  printf("ok calloc_reused\n");
}

static void usable(void) {
  for (size_t n = 0; n <= 20000; n += n < 2048 ? 1 : 7) {
    void *p = malloc(n);
    CHECK(p, "malloc(%zu)", n);
    size_t u = malloc_usable_size(p);
    CHECK(u >= n, "malloc_usable_size(malloc(%zu)) = %zu", n, u);
    memset(p, 0x11, u);   /* all of it is ours to write */
    free(p);
  }
  CHECK(malloc_usable_size(NULL) == 0, "malloc_usable_size(NULL)");
  printf("ok usable\n");
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "all";
  int all = strcmp(what, "all") == 0, known = all;
  if (all || strcmp(what, "overflow") == 0) { overflow(); known = 1; }
  if (all || strcmp(what, "realloc") == 0) { realloc_boundaries(); known = 1; }
  if (all || strcmp(what, "calloc") == 0) { calloc_reused(); known = 1; }
  if (all || strcmp(what, "usable") == 0) { usable(); known = 1; }
  CHECK(known, "unknown part '%s' (overflow, realloc, calloc, usable or all)", what);
  return 0;
}
