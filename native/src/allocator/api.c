/* leanmalloc: the exported malloc family (unprefixed, so LD_PRELOAD and static linking replace
 * the libc allocator). Each function is a thin wrapper: argument checks and errno as POSIX/glibc
 * specify, then the inlined fast paths from internal.h. */
#include "internal.h"
#include <errno.h>
#include <unistd.h>

#define LM_EXPORT __attribute__((visibility("default")))

static int is_pow2(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

/* The two hot entry points start on a cache line: each fast path then sits in one 64-byte
 * fetch block instead of straddling two. */
#define LM_HOT __attribute__((aligned(64)))

LM_EXPORT LM_HOT void *malloc(size_t n) { return lm_malloc_inline(n); }

LM_EXPORT LM_HOT void free(void *p) { lm_free_inline(p); }

LM_EXPORT void *calloc(size_t count, size_t size) { return lm_calloc(count, size); }

LM_EXPORT void *realloc(void *p, size_t n) { return lm_realloc(p, n); }

LM_EXPORT void *reallocarray(void *p, size_t count, size_t size) {
  size_t n;
  if (__builtin_mul_overflow(count, size, &n)) { errno = ENOMEM; return NULL; }
  return lm_realloc(p, n);
}

LM_EXPORT int posix_memalign(void **out, size_t align, size_t n) {
  if (!is_pow2(align) || align % sizeof(void *) != 0) return EINVAL;
  int saved = errno;
  void *p = lm_malloc_aligned(n, align);
  errno = saved;     /* posix_memalign reports through its return value, not errno */
  if (p == NULL) return ENOMEM;
  *out = p;
  return 0;
}

LM_EXPORT void *aligned_alloc(size_t align, size_t n) {
  if (!is_pow2(align)) { errno = EINVAL; return NULL; }
  return lm_malloc_aligned(n, align);
}

/* glibc's memalign rounds a non-power-of-two alignment up to the next power of two. */
LM_EXPORT void *memalign(size_t align, size_t n) {
  if (align > ((size_t)1 << 62)) { errno = EINVAL; return NULL; }
  if (!is_pow2(align)) align = align <= 1 ? 1 : (size_t)1 << (64 - __builtin_clzl(align - 1));
  return lm_malloc_aligned(n, align);
}

LM_EXPORT void *valloc(size_t n) { return lm_malloc_aligned(n, LM_PAGE); }

LM_EXPORT void *pvalloc(size_t n) {
  size_t rounded = (n + LM_PAGE - 1) & ~(size_t)(LM_PAGE - 1);
  if (rounded < n) { errno = ENOMEM; return NULL; }
  return lm_malloc_aligned(rounded ? rounded : LM_PAGE, LM_PAGE);
}

LM_EXPORT size_t malloc_usable_size(void *p) { return lm_usable_size(p, "malloc_usable_size"); }

/* Old and glibc-internal spellings some programs still call. */
LM_EXPORT void cfree(void *p) { lm_free_inline(p); }
LM_EXPORT void *__libc_malloc(size_t n) { return lm_malloc_inline(n); }
LM_EXPORT void __libc_free(void *p) { lm_free_inline(p); }
LM_EXPORT void *__libc_calloc(size_t c, size_t n) { return lm_calloc(c, n); }
LM_EXPORT void *__libc_realloc(void *p, size_t n) { return lm_realloc(p, n); }
LM_EXPORT void *__libc_memalign(size_t a, size_t n) { return memalign(a, n); }
