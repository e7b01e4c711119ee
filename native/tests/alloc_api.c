/* Single-thread checks of the whole API: every size class and large sizes with pattern checks on
 * every block, calloc zeroing on dirty memory, realloc grow/shrink, every alignment API and its
 * error cases, malloc_usable_size. */
#include "alloc_test.h"
#include <errno.h>
#include <malloc.h>
#include <unistd.h>

static void sizes_and_patterns(void) {
  enum { N = 4000 };
  static void *ptrs[N];
  static size_t sizes[N];
  uint64_t seed = 42;
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < N; i++) {
      size_t n = i < 1100 ? (size_t)i : (i % 40 == 0 ? 16385 + rnd(&seed) % 100000 : rnd(&seed) % 16385);
      ptrs[i] = malloc(n);
      CHECK(ptrs[i] != NULL, "malloc(%zu) returned NULL", n);
      CHECK(((uintptr_t)ptrs[i] & 15) == 0, "malloc(%zu)=%p is not 16-byte aligned", n, ptrs[i]);
      CHECK(malloc_usable_size(ptrs[i]) >= n, "usable size %zu < %zu", malloc_usable_size(ptrs[i]), n);
      sizes[i] = n;
      fill(ptrs[i], n, (uintptr_t)i + round);
    }
    for (int i = 0; i < N; i++) CHECK(check_fill(ptrs[i], sizes[i], (uintptr_t)i + round), "block %d (size %zu) corrupted", i, sizes[i]);
    /* free every other block, reallocate, check everything again */
    for (int i = 0; i < N; i += 2) free(ptrs[i]);
    for (int i = 0; i < N; i += 2) { ptrs[i] = malloc(sizes[i]); CHECK(ptrs[i], "malloc"); fill(ptrs[i], sizes[i], (uintptr_t)i * 3); }
    for (int i = 0; i < N; i++) CHECK(check_fill(ptrs[i], sizes[i], i % 2 ? (uintptr_t)i + round : (uintptr_t)i * 3), "block %d corrupted after reuse", i);
    for (int i = N - 1; i >= 0; i--) free(ptrs[i]);
  }
  free(NULL);
  CHECK(malloc_usable_size(NULL) == 0, "malloc_usable_size(NULL)");
  printf("ok sizes_and_patterns\n");
}

static void calloc_zeroes(void) {
  size_t sizes[] = { 1, 16, 100, 1000, 1024, 4000, 16384, 20000, 1 << 20 };
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    size_t n = sizes[k];
    void *dirty[64];
    for (int i = 0; i < 64; i++) { dirty[i] = malloc(n); memset(dirty[i], 0xAB, n); }
    for (int i = 0; i < 64; i++) free(dirty[i]);
    for (int i = 0; i < 64; i++) {
      uint8_t *p = calloc(1, n);
      CHECK(p, "calloc(1, %zu)", n);
      for (size_t j = 0; j < n; j++) CHECK(p[j] == 0, "calloc(1,%zu) byte %zu = %#x", n, j, p[j]);
      dirty[i] = p;
    }
    for (int i = 0; i < 64; i++) free(dirty[i]);
  }
  errno = 0;
  volatile size_t huge = SIZE_MAX / 2;
  CHECK(calloc(huge, 3) == NULL && errno == ENOMEM, "calloc overflow must fail with ENOMEM");
  printf("ok calloc_zeroes\n");
}

static void realloc_grow_shrink(void) {
  size_t steps[] = { 1, 8, 17, 100, 500, 1024, 1500, 4096, 16384, 16385, 70000, 1 << 20, 3 << 20, 200000, 9000, 1000, 64, 5 };
  size_t prev = 0;
  uint8_t *p = NULL;
  for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
    size_t n = steps[k];
    uint8_t *q = realloc(p, n);
    CHECK(q, "realloc to %zu", n);
    size_t keep = prev < n ? prev : n;
    CHECK(check_fill(q, keep, 7), "realloc %zu -> %zu lost content", prev, n);
    fill(q, n, 7);
    p = q;
    prev = n;
  }
  CHECK(realloc(p, 0) == NULL, "realloc(p, 0) frees and returns NULL");
  errno = 0;
  void *r = malloc(10);
  volatile size_t huge = SIZE_MAX / 4;
  CHECK(reallocarray(r, huge, 8) == NULL && errno == ENOMEM, "reallocarray overflow");
  r = reallocarray(r, 10, 10);
  CHECK(r && malloc_usable_size(r) >= 100, "reallocarray 10x10");
  free(r);
  printf("ok realloc_grow_shrink\n");
}

static void alignment_apis(void) {
  size_t sizes[] = { 1, 24, 100, 1000, 5000, 20000, 300000 };
  for (size_t align = sizeof(void *); align <= ((size_t)1 << 21); align <<= 1) {
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
      size_t n = sizes[k];
      void *p = NULL;
      CHECK(posix_memalign(&p, align, n) == 0, "posix_memalign(%zu, %zu)", align, n);
      CHECK(((uintptr_t)p & (align - 1)) == 0, "posix_memalign(%zu,%zu)=%p misaligned", align, n, p);
      CHECK(malloc_usable_size(p) >= n, "usable");
      fill(p, n, align);
      void *a = aligned_alloc(align, n);
      CHECK(a && ((uintptr_t)a & (align - 1)) == 0, "aligned_alloc(%zu, %zu)=%p", align, n, a);
      fill(a, n, align + 1);
      void *m = memalign(align, n);
      CHECK(m && ((uintptr_t)m & (align - 1)) == 0, "memalign(%zu, %zu)=%p", align, n, m);
      fill(m, n, align + 2);
      CHECK(check_fill(p, n, align) && check_fill(a, n, align + 1) && check_fill(m, n, align + 2), "aligned blocks overlap");
      free(p); free(a); free(m);
    }
  }
  void *p = (void *)1;
  CHECK(posix_memalign(&p, 24, 10) == EINVAL && p == (void *)1, "posix_memalign bad alignment must be EINVAL");
  CHECK(posix_memalign(&p, 2, 10) == EINVAL, "posix_memalign alignment < sizeof(void*) must be EINVAL");
  leanmalloc_stats_t st;
  if (lm_stats(&st) == 0) {   /* glibc 2.36 accepts any alignment here; leanmalloc follows C17 */
    errno = 0;
    CHECK(aligned_alloc(24, 10) == NULL && errno == EINVAL, "aligned_alloc bad alignment must be EINVAL");
  }
  void *m = memalign(48, 10);   /* glibc rounds a non-power-of-two alignment up */
  CHECK(m && ((uintptr_t)m & 63) == 0, "memalign(48) must be 64-aligned");
  free(m);
  long page = sysconf(_SC_PAGESIZE);
  void *v = valloc(100);
  CHECK(v && ((uintptr_t)v % (uintptr_t)page) == 0, "valloc");
  fill(v, 100, 5);
  void *pv = pvalloc(100);
  CHECK(pv && ((uintptr_t)pv % (uintptr_t)page) == 0 && malloc_usable_size(pv) >= (size_t)page, "pvalloc rounds to a page");
  memset(pv, 1, (size_t)page);
  CHECK(check_fill(v, 100, 5), "valloc block intact");
  free(v); free(pv);
  printf("ok alignment_apis\n");
}

int main(void) {
  sizes_and_patterns();
  calloc_zeroes();
  realloc_grow_shrink();
  alignment_apis();
  leanmalloc_stats_t st;
  if (lm_stats(&st) == 0) printf("leanmalloc profile=%s superslabs_mapped=%llu\n", lm_profile(), (unsigned long long)st.superslabs_mapped);
  else printf("leanmalloc not loaded\n");
  return 0;
}
