/* leanmalloc: allocations above 16 KiB, each in its own mapping.
 *
 * The mapping starts 4 MiB aligned with a one-page header, so free() finds it by the same masking
 * as for superslabs; the segmap marks it LM_SEG_LARGE. The header records the one user pointer it
 * accepts, so a foreign pointer that happens to fall in the same 4 MiB unit is still caught. */
#include "internal.h"
#include <errno.h>

static size_t round_page(size_t n) { return (n + LM_PAGE - 1) & ~(size_t)(LM_PAGE - 1); }

void *lm_large_alloc(size_t n, size_t align, int zero) {
  (void)zero;   /* a fresh mapping is already zero */
  size_t offset = align <= LM_PAGE ? LM_PAGE : align;
  if (align >= LM_SS_SIZE || n > ((size_t)1 << 46)) { errno = ENOMEM; return NULL; }
  size_t map_size = round_page(offset + n);
  uint8_t *base = lm_os_map_aligned(map_size, LM_SS_SIZE);
  if (base == NULL || ((uintptr_t)base >> LM_SS_SHIFT) >= LM_SEGMAP_SIZE) {
    if (base) lm_os_unmap(base, map_size);
    errno = ENOMEM;
    return NULL;
  }
  lm_large_t *hdr = (lm_large_t *)base;
  hdr->magic = LM_LARGE_MAGIC;
  hdr->user = base + offset;
  hdr->map_size = map_size;
  hdr->fresh = 1;
  LM_COUNT(committed_bytes, map_size);
  lm_seg_set(base, LM_SEG_LARGE);
  return hdr->user;
}

static lm_large_t *large_header(const void *p, const char *what) {
  lm_large_t *hdr = (lm_large_t *)lm_ss_of(p);
  if (hdr->magic != LM_LARGE_MAGIC) lm_invalid_pointer(p, what, "large-allocation header magic is corrupted");
  if (hdr->user != p) lm_invalid_pointer(p, what, "not the start of a leanmalloc allocation");
  return hdr;
}

void lm_large_free(void *p) {
  lm_large_t *hdr = large_header(p, "free");
  size_t map_size = hdr->map_size;
  lm_seg_set(hdr, LM_SEG_NONE);
  hdr->magic = 0;
  LM_UNCOUNT(committed_bytes, map_size);
  lm_os_unmap(hdr, map_size);
}

size_t lm_large_usable(const void *p, const char *what) {
  lm_large_t *hdr = large_header(p, what);
  return hdr->map_size - (size_t)((const uint8_t *)p - (const uint8_t *)hdr);
}
