/* leanmalloc: everything that talks to the kernel (mmap, munmap, madvise, clocks, stderr).
 * Every call is counted here, so the counters cannot drift from what actually happened. */
#define _GNU_SOURCE
#include "internal.h"
#include <errno.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

void *lm_os_map(size_t size) {
  int saved = errno;   /* a failed or successful mmap must not leak errno changes into callers */
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  LM_COUNT(mmap_calls, 1);
  errno = saved;
  return p == MAP_FAILED ? NULL : p;
}

void lm_os_unmap(void *p, size_t size) {
  if (size == 0) return;
  int saved = errno;
  munmap(p, size);
  LM_COUNT(munmap_calls, 1);
  errno = saved;
}

/* Aligned mapping. The kernel places new mappings top-down, so asking for the aligned address
 * just below the previous aligned mapping usually succeeds in one mmap; otherwise over-reserve
 * and trim both ends (three calls). */
static _Atomic uintptr_t g_hint;

static void *map_hint(size_t size, size_t align) {
  uintptr_t last = atomic_load_explicit(&g_hint, memory_order_relaxed);
  size_t span = (size + align - 1) & ~(align - 1);
  if (last == 0 || last < span + ((uintptr_t)1 << 32)) return NULL;
  void *want = (void *)(last - span);
  int saved = errno;
  void *p = mmap(want, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  LM_COUNT(mmap_calls, 1);
  errno = saved;
  if (p == MAP_FAILED) return NULL;
  if (((uintptr_t)p & (align - 1)) == 0) return p;
  lm_os_unmap(p, size);
  return NULL;
}

void *lm_os_map_aligned(size_t size, size_t align) {
  uint8_t *p = map_hint(size, align);
  if (p != NULL) {
    atomic_store_explicit(&g_hint, (uintptr_t)p, memory_order_relaxed);
    return p;
  }
  size_t over = size + align;
  uint8_t *raw = lm_os_map(over);
  if (raw == NULL) return NULL;
  uint8_t *aligned = (uint8_t *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
  lm_os_unmap(raw, (size_t)(aligned - raw));
  lm_os_unmap(aligned + size, (size_t)(raw + over - (aligned + size)));
  atomic_store_explicit(&g_hint, (uintptr_t)aligned, memory_order_relaxed);
  return aligned;
}

/* Grows a mapping in place (never moves: our mappings must stay 4 MiB aligned). */
int lm_os_grow_in_place(void *p, size_t old_size, size_t new_size) {
  int saved = errno;
  void *q = mremap(p, old_size, new_size, 0);
  LM_COUNT(mmap_calls, 1);
  errno = saved;
  return q != MAP_FAILED;
}

void lm_os_decommit(void *p, size_t size) {
  int saved = errno;
  int advice = lm_options.decommit == LM_DECOMMIT_FREE ? MADV_FREE : MADV_DONTNEED;
  if (madvise(p, size, advice) != 0 && advice == MADV_FREE) {
    madvise(p, size, MADV_DONTNEED);   /* kernels before 4.5 lack MADV_FREE */
    LM_COUNT(madvise_calls, 1);
  }
  LM_COUNT(madvise_calls, 1);
  errno = saved;
}

/* Coarse monotonic clock: vDSO, no syscall, millisecond resolution is all the purge delay needs. */
uint64_t lm_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* One line on stderr built without malloc or stdio (we may be inside malloc, or before libc init). */
void lm_err(const char *const *parts, int n) {
  char buf[512];
  size_t len = 0;
  for (int i = 0; i < n; i++) {
    for (const char *c = parts[i]; c && *c && len < sizeof buf - 2; c++) buf[len++] = *c;
  }
  buf[len++] = '\n';
  int saved = errno;
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(2, buf + off, len - off);
    if (w <= 0) break;
    off += (size_t)w;
  }
  errno = saved;
}

void lm_u64_to_str(uint64_t v, char *buf) {
  char tmp[21];
  int i = 0;
  do { tmp[i++] = (char)('0' + v % 10); v /= 10; } while (v);
  for (int j = 0; j < i; j++) buf[j] = tmp[i - 1 - j];
  buf[i] = 0;
}

void lm_hex_to_str(uintptr_t v, char *buf) {
  static const char digits[] = "0123456789abcdef";
  buf[0] = '0'; buf[1] = 'x';
  for (int i = 0; i < 16; i++) buf[2 + i] = digits[(v >> (60 - 4 * i)) & 15];
  buf[18] = 0;
}
