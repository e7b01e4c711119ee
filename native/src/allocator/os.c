/* leanmalloc: everything that talks to the kernel (mmap, munmap, madvise, clocks, stderr).
 * Every call is counted here, so the counters cannot drift from what actually happened. */
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

/* Aligned mapping: first try a plain mmap (often already aligned when the kernel packs mappings
 * downwards next to a previous aligned one); otherwise over-reserve and trim both ends. */
void *lm_os_map_aligned(size_t size, size_t align) {
  uint8_t *p = lm_os_map(size);
  if (p == NULL) return NULL;
  if (((uintptr_t)p & (align - 1)) == 0) return p;
  lm_os_unmap(p, size);
  size_t over = size + align;
  uint8_t *raw = lm_os_map(over);
  if (raw == NULL) return NULL;
  uint8_t *aligned = (uint8_t *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
  lm_os_unmap(raw, (size_t)(aligned - raw));
  lm_os_unmap(aligned + size, (size_t)(raw + over - (aligned + size)));
  return aligned;
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
