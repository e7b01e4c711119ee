/* leanmalloc: allocations above 16 KiB, each in its own mapping.
 *
 * The mapping starts 4 MiB aligned with a one-page header, so free() finds it by the same masking
 * as for superslabs; the segmap marks it LM_SEG_LARGE. The header records the one user pointer it
 * accepts, so a foreign pointer that happens to fall in the same 4 MiB unit is still caught.
 *
 * Freed mappings go to a small cache (why: programs like python resize big buffers constantly;
 * a fresh mmap each time costs syscalls and page faults). Reuse takes the smallest cached mapping
 * that fits and wastes at most half of it. With purging enabled (lean), cached mappings are
 * unmapped by the purge thread once they have been idle for LEANMALLOC_PURGE_DELAY_MS. */
#include "internal.h"
#include <errno.h>

#define LARGE_CACHE_SLOTS 16
#define LARGE_CACHE_MAX_BYTES ((size_t)64 << 20)
#define LARGE_CACHE_MAX_ENTRY ((size_t)32 << 20)

typedef struct { lm_large_t *hdr; size_t size; uint64_t freed_at_ms; } cached_t;
static pthread_mutex_t g_large_lock = PTHREAD_MUTEX_INITIALIZER;
static cached_t g_cache[LARGE_CACHE_SLOTS];
static int g_cache_n;
static size_t g_cache_bytes;

static size_t round_page(size_t n) { return (n + LM_PAGE - 1) & ~(size_t)(LM_PAGE - 1); }

static lm_large_t *cache_take(size_t need) {
  lm_large_t *hdr = NULL;
  pthread_mutex_lock(&g_large_lock);
  int best = -1;
  for (int i = 0; i < g_cache_n; i++) {
    size_t sz = g_cache[i].size;
    if (sz >= need && sz / 2 <= need && (best < 0 || sz < g_cache[best].size)) best = i;
  }
  if (best >= 0) {
    hdr = g_cache[best].hdr;
    g_cache_bytes -= g_cache[best].size;
    g_cache[best] = g_cache[--g_cache_n];
  }
  pthread_mutex_unlock(&g_large_lock);
  return hdr;
}

static int cache_put(lm_large_t *hdr) {
  size_t size = hdr->map_size;
  if (size > LARGE_CACHE_MAX_ENTRY) return 0;
  int ok = 0;
  pthread_mutex_lock(&g_large_lock);
  if (g_cache_n < LARGE_CACHE_SLOTS && g_cache_bytes + size <= LARGE_CACHE_MAX_BYTES) {
    g_cache[g_cache_n++] = (cached_t){ hdr, size, lm_purge_enabled ? lm_now_ms() : 0 };
    g_cache_bytes += size;
    ok = 1;
  }
  pthread_mutex_unlock(&g_large_lock);
  if (ok) lm_purge_notify();
  return ok;
}

static void unmap_large(lm_large_t *hdr) {
  size_t map_size = hdr->map_size;
  lm_seg_set(hdr, LM_SEG_NONE);
  hdr->magic = 0;
  LM_UNCOUNT(committed_bytes, map_size);
  lm_os_unmap(hdr, map_size);
}

/* Purge thread: unmaps cached mappings idle for longer than the purge delay. Returns 1 while
 * some are still waiting. */
int lm_large_purge_pass(uint64_t now) {
  lm_large_t *expired[LARGE_CACHE_SLOTS];
  int n = 0, pending = 0;
  pthread_mutex_lock(&g_large_lock);
  for (int i = 0; i < g_cache_n;) {
    if (now - g_cache[i].freed_at_ms >= (uint64_t)lm_options.purge_delay_ms) {
      expired[n++] = g_cache[i].hdr;
      g_cache_bytes -= g_cache[i].size;
      g_cache[i] = g_cache[--g_cache_n];
    } else {
      pending = 1;
      i++;
    }
  }
  pthread_mutex_unlock(&g_large_lock);
  for (int i = 0; i < n; i++) unmap_large(expired[i]);
  return pending;
}

void *lm_large_alloc(size_t n, size_t align, int zero) {
  size_t offset = align <= LM_PAGE ? LM_PAGE : align;
  if (align >= LM_SS_SIZE || n > ((size_t)1 << 46)) { errno = ENOMEM; return NULL; }
  size_t map_size = round_page(offset + n);
  lm_large_t *hdr = cache_take(map_size);
  if (hdr != NULL) {
    hdr->user = (uint8_t *)hdr + offset;
    hdr->fresh = 0;
    lm_seg_set(hdr, LM_SEG_LARGE);
    if (zero) memset(hdr->user, 0, n);
    return hdr->user;
  }
  uint8_t *base = lm_os_map_aligned(map_size, LM_SS_SIZE);
  if (base == NULL || ((uintptr_t)base >> LM_SS_SHIFT) >= LM_SEGMAP_SIZE) {
    if (base) lm_os_unmap(base, map_size);
    errno = ENOMEM;
    return NULL;
  }
  hdr = (lm_large_t *)base;
  hdr->magic = LM_LARGE_MAGIC;
  hdr->user = base + offset;
  hdr->map_size = map_size;
  hdr->fresh = 1;            /* straight from mmap: already zero, calloc needs no memset */
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
  /* while cached, the segmap entry says "not ours": a double free is reported, not cached twice */
  lm_seg_set(hdr, LM_SEG_NONE);
  hdr->user = NULL;
  if (!cache_put(hdr)) unmap_large(hdr);
}

size_t lm_large_usable(const void *p, const char *what) {
  lm_large_t *hdr = large_header(p, what);
  return hdr->map_size - (size_t)((const uint8_t *)p - (const uint8_t *)hdr);
}

/* realloc of a large block to a larger size: grow the mapping in place if the address space
 * behind it is free (no copy); returns NULL if it could not. */
void *lm_large_grow_in_place(void *p, size_t n) {
  lm_large_t *hdr = large_header(p, "realloc");
  size_t offset = (size_t)((uint8_t *)p - (uint8_t *)hdr);
  size_t new_size = round_page(offset + n);
  if (new_size <= hdr->map_size) return p;
  if (!lm_os_grow_in_place(hdr, hdr->map_size, new_size)) return NULL;
  LM_COUNT(committed_bytes, new_size - hdr->map_size);
  hdr->map_size = new_size;
  return p;
}

void lm_large_fork_prepare(void) { pthread_mutex_lock(&g_large_lock); }
void lm_large_fork_parent(void) { pthread_mutex_unlock(&g_large_lock); }
void lm_large_fork_child(void) { pthread_mutex_init(&g_large_lock, NULL); }
