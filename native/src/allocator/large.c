/* leanmalloc: huge blocks (above LM_SPAN_MAX, 2 MiB), each a run of whole 4 MiB units, and their
 * cache.
 *
 * Layout (types.h, lm_large_t): the header sits at the start of the block's first unit, so free()
 * finds it by masking the user pointer, as for superslabs; the segmap marks the unit holding the
 * user pointer LM_SEG_LARGE. Whole units (why): every block and every cached extent then starts on
 * a unit, which is what keeps headers findable after cached extents are split and merged; the
 * rounding costs address space only, since pages never touched are never resident.
 *
 * The cache (why): a program that cycles through big buffers (python resizing its objects, image
 * and compression pipelines, malloc-large's 5-25 MiB buffers) would otherwise pay an mmap, a
 * munmap and a page fault per 4 KiB for every buffer. Freed blocks become free extents kept in
 * address order: neighbours coalesce, a request takes the smallest extent that fits and leaves the
 * rest cached, so memory freed as one size is reused as another (tcmalloc's page heap does this
 * for its large spans, at 8 KiB pages; here the page is the 4 MiB unit).
 *
 * Its size follows recent demand: it may hold as many bytes as were live in huge blocks at the
 * peak of the last one to two seconds, and at least 64 MiB. A program that frees and re-allocates
 * its working set reuses all of it; when demand falls, the excess is unmapped at the next huge
 * free or allocation, oldest first. (A fixed cap, 64 MiB before, missed malloc-large's 300 MB
 * working set most of the time.)
 *
 * Lean (the purge thread): extents idle for LEANMALLOC_PURGE_DELAY_MS are unmapped oldest first
 * while the cache holds more than LEANMALLOC_TARGET_MB (lean_retire), and the rest are
 * decommitted (lean_decommit): the same rules as for cached superslabs. */
#include "internal.h"
#include <errno.h>

#define UNIT LM_SS_SIZE
#define LM_EXTENTS 64
#define LM_LARGE_CACHE_MIN ((size_t)64 << 20)
#define LM_DEMAND_WINDOW_MS 1000

typedef struct {
  uint8_t *base;
  size_t size;            /* a multiple of UNIT */
  size_t committed;       /* bytes of it counted in committed_bytes (0 once decommitted) */
  uint64_t freed_at_ms;   /* when a part of it was last freed */
  uint8_t zeroed;         /* every byte is known to be zero */
} extent_t;

static pthread_mutex_t g_large_lock = PTHREAD_MUTEX_INITIALIZER;
static extent_t g_ext[LM_EXTENTS];   /* free extents, sorted by address */
static int g_ext_n;
static size_t g_cached;              /* bytes in g_ext */
static size_t g_live;                /* bytes in huge blocks in use */
static size_t g_peak_cur, g_peak_prev;
static uint64_t g_window_ms;

static inline size_t round_unit(size_t n) { return (n + UNIT - 1) & ~(size_t)(UNIT - 1); }

/* ---- demand ---- */

/* The cache's byte budget: the peak of live huge bytes over the current and the previous window. */
static size_t budget_locked(uint64_t now) {
  if (now - g_window_ms >= LM_DEMAND_WINDOW_MS) {
    g_peak_prev = now - g_window_ms >= 2 * LM_DEMAND_WINDOW_MS ? g_live : g_peak_cur;
    g_peak_cur = g_live;
    g_window_ms = now;
  }
  if (g_live > g_peak_cur) g_peak_cur = g_live;
  size_t peak = g_peak_cur > g_peak_prev ? g_peak_cur : g_peak_prev;
  return peak > LM_LARGE_CACHE_MIN ? peak : LM_LARGE_CACHE_MIN;
}

/* ---- the extent list (caller holds g_large_lock) ---- */

typedef struct { uint8_t *base; size_t size; size_t committed; } victim_t;
/* one call removes at most every extent, plus one it cuts and one its insert evicts */
typedef struct { victim_t v[LM_EXTENTS + 2]; int n; } victims_t;

static void ext_remove(int i, victims_t *out) {
  if (out) out->v[out->n++] = (victim_t){ g_ext[i].base, g_ext[i].size, g_ext[i].committed };
  g_cached -= g_ext[i].size;
  for (int j = i; j + 1 < g_ext_n; j++) g_ext[j] = g_ext[j + 1];
  g_ext_n--;
}

static int ext_oldest(void) {
  int best = -1;
  for (int i = 0; i < g_ext_n; i++)
    if (best < 0 || g_ext[i].freed_at_ms < g_ext[best].freed_at_ms) best = i;
  return best;
}

/* Adds a free extent, merging it with the extents it touches. When the list is full the oldest
 * extent makes room (unmapped by the caller, from `out`). */
static void ext_insert(extent_t e, victims_t *out) {
  int i = 0;
  while (i < g_ext_n && g_ext[i].base < e.base) i++;
  int prev = i > 0 && g_ext[i - 1].base + g_ext[i - 1].size == e.base;
  int next = i < g_ext_n && e.base + e.size == g_ext[i].base;
  if (prev) {
    extent_t *p = &g_ext[i - 1];
    p->size += e.size;
    p->committed += e.committed;
    p->zeroed = p->zeroed && e.zeroed;
    if (e.freed_at_ms > p->freed_at_ms) p->freed_at_ms = e.freed_at_ms;
    g_cached += e.size;
    if (next) {
      extent_t n = g_ext[i];
      ext_remove(i, NULL);
      p = &g_ext[i - 1];
      p->size += n.size;
      p->committed += n.committed;
      p->zeroed = p->zeroed && n.zeroed;
      if (n.freed_at_ms > p->freed_at_ms) p->freed_at_ms = n.freed_at_ms;
      g_cached += n.size;
    }
    return;
  }
  if (next) {
    extent_t *n = &g_ext[i];
    n->base = e.base;
    n->size += e.size;
    n->committed += e.committed;
    n->zeroed = n->zeroed && e.zeroed;
    if (e.freed_at_ms > n->freed_at_ms) n->freed_at_ms = e.freed_at_ms;
    g_cached += e.size;
    return;
  }
  if (g_ext_n == LM_EXTENTS) {
    int old = ext_oldest();
    ext_remove(old, out);
    if (old < i) i--;
  }
  for (int j = g_ext_n; j > i; j--) g_ext[j] = g_ext[j - 1];
  g_ext[i] = e;
  g_ext_n++;
  g_cached += e.size;
}

/* The first unit of a block of `size` bytes inside extent i whose user pointer (one unit in) is
 * `align`-aligned, for alignments above a unit; the extent's start otherwise. NULL if none fits. */
static uint8_t *fit_in(int i, size_t size, size_t align) {
  uint8_t *base = g_ext[i].base, *end = base + g_ext[i].size;
  uint8_t *hdr = base;
  if (align > UNIT) hdr = (uint8_t *)((((uintptr_t)base + UNIT + align - 1) & ~(uintptr_t)(align - 1)) - UNIT);
  return hdr + size <= end && hdr + size > hdr ? hdr : NULL;
}

/* Takes the block [hdr, hdr + size) out of extent i, leaving what is around it cached. */
static void ext_split(int i, uint8_t *hdr, size_t size, uint8_t *zeroed) {
  extent_t e = g_ext[i];
  ext_remove(i, NULL);
  /* The block counts its whole size in committed_bytes; what the extent had beyond that stays
   * with the pieces left over. */
  size_t rest = e.committed > size ? e.committed - size : 0;
  LM_COUNT(committed_bytes, size - (e.committed - rest));
  size_t front = (size_t)(hdr - e.base), back = e.size - front - size;
  if (front) {
    size_t c = rest < front ? rest : front;
    ext_insert((extent_t){ e.base, front, c, e.freed_at_ms, e.zeroed }, NULL);
    rest -= c;
  }
  if (back) ext_insert((extent_t){ hdr + size, back, rest, e.freed_at_ms, e.zeroed }, NULL);
  *zeroed = e.zeroed;
}

/* Takes a block of `size` bytes out of the best-fitting extent (the smallest that fits; among
 * equals, the most recently freed, likeliest still in cache). Returns its start, NULL if none. */
static uint8_t *ext_take(size_t size, size_t align, uint8_t *zeroed) {
  int best = -1;
  for (int i = 0; i < g_ext_n; i++) {
    if (g_ext[i].size < size || fit_in(i, size, align) == NULL) continue;
    if (best < 0 || g_ext[i].size < g_ext[best].size ||
        (g_ext[i].size == g_ext[best].size && g_ext[i].freed_at_ms > g_ext[best].freed_at_ms)) best = i;
  }
  if (best < 0) return NULL;
  uint8_t *hdr = fit_in(best, size, align);
  ext_split(best, hdr, size, zeroed);
  return hdr;
}

/* Cuts `cut` bytes (whole units, less than its size) off the high end of extent i. */
static void ext_cut(int i, size_t cut, victims_t *out) {
  extent_t *e = &g_ext[i];
  size_t c = e->committed > e->size - cut ? e->committed - (e->size - cut) : 0;   /* committed bytes leave with the cut */
  e->size -= cut;
  e->committed -= c;
  g_cached -= cut;
  out->v[out->n++] = (victim_t){ e->base + e->size, cut, c };
}

/* Unmaps the oldest extents until the cache is within `limit` bytes; the last one only in part
 * (merged extents can be hundreds of MB: dropping one whole could empty the cache). */
static void trim_to(size_t limit, victims_t *out) {
  while (g_cached > limit && g_ext_n > 0) {
    int old = ext_oldest();
    size_t excess = round_unit(g_cached - limit);
    if (excess < g_ext[old].size) ext_cut(old, excess, out);
    else ext_remove(old, out);
  }
}

static void unmap_victims(const victims_t *v) {
  for (int i = 0; i < v->n; i++) {
    LM_UNCOUNT(committed_bytes, v->v[i].committed);
    lm_os_unmap(v->v[i].base, v->v[i].size);
  }
}

/* ---- mapping ---- */

/* Fresh memory for a block of `size` bytes (whole units) whose first unit is unit-aligned and,
 * for alignments above a unit, whose second unit is `align`-aligned. */
static uint8_t *map_block(size_t size, size_t align) {
  uint8_t *hdr;
  if (align <= UNIT) {
    hdr = lm_os_map_aligned(size, UNIT);
  } else {
    size_t over = size + align;
    if (over < size) return NULL;
    uint8_t *raw = lm_os_map(over);
    if (raw == NULL) return NULL;
    hdr = (uint8_t *)((((uintptr_t)raw + UNIT + align - 1) & ~(uintptr_t)(align - 1)) - UNIT);
    lm_os_unmap(raw, (size_t)(hdr - raw));
    lm_os_unmap(hdr + size, (size_t)(raw + over - (hdr + size)));
  }
  if (hdr != NULL && (((uintptr_t)hdr + size - 1) >> LM_SS_SHIFT) >= LM_SEGMAP_SIZE) {   /* beyond the 47-bit map */
    lm_os_unmap(hdr, size);
    hdr = NULL;
  }
  return hdr;
}

/* ---- the API ---- */

void *lm_large_alloc(size_t n, size_t align, int zero) {
  if (n > LM_ALLOC_MAX || align > LM_ALLOC_MAX) { errno = ENOMEM; return NULL; }
  size_t off = align <= LM_PAGE ? LM_PAGE : align < UNIT ? align : UNIT;
  size_t size = round_unit(off + n);
  uint64_t now = lm_now_ms();
  uint8_t zeroed = 0;
  pthread_mutex_lock(&g_large_lock);
  uint8_t *base = ext_take(size, align, &zeroed);
  g_live += size;
  budget_locked(now);
  pthread_mutex_unlock(&g_large_lock);
  if (base == NULL) {
    base = map_block(size, align);
    if (base == NULL) {   /* out of address space or mappings: give the cache back and retry once */
      victims_t v = { .n = 0 };
      pthread_mutex_lock(&g_large_lock);
      trim_to(0, &v);
      pthread_mutex_unlock(&g_large_lock);
      unmap_victims(&v);
      if (v.n) base = map_block(size, align);
    }
    if (base == NULL) {
      pthread_mutex_lock(&g_large_lock);
      g_live -= size;
      pthread_mutex_unlock(&g_large_lock);
      errno = ENOMEM;
      return NULL;
    }
    zeroed = 1;
    LM_COUNT(committed_bytes, size);
  }
  lm_large_t *hdr = (lm_large_t *)base;
  hdr->magic = LM_LARGE_MAGIC;
  hdr->user = base + off;
  hdr->size = size;
  if (off == UNIT) lm_seg_set(base, LM_SEG_LARGE);   /* lets free() check the unit before a unit-aligned pointer */
  lm_seg_set(hdr->user, LM_SEG_LARGE);
  if (zero && !zeroed) memset(hdr->user, 0, n);
  return hdr->user;
}

static lm_large_t *large_header(const void *p, const char *what) {
  uintptr_t u = (uintptr_t)p;
  lm_large_t *hdr = (lm_large_t *)(u & ~(uintptr_t)LM_SS_MASK);
  if ((u & LM_SS_MASK) == 0) {
    /* Only a block aligned to 4 MiB or more has a unit-aligned user pointer: its header is the
     * unit before, which is then marked too (anything else there may not even be mapped). */
    if (lm_seg_entry((const void *)(u - UNIT)) != LM_SEG_LARGE)
      lm_invalid_pointer(p, what, "not the start of a leanmalloc allocation");
    hdr = (lm_large_t *)(u - UNIT);
  }
  if (hdr->magic != LM_LARGE_MAGIC) lm_invalid_pointer(p, what, "large-allocation header magic is corrupted");
  if (hdr->user != p) lm_invalid_pointer(p, what, "not the start of a leanmalloc allocation");
  return hdr;
}

void lm_large_free(void *p) {
  lm_large_t *hdr = large_header(p, "free");
  size_t size = hdr->size;
  /* while cached, the segmap entries say "not ours": a double free is reported, not cached twice */
  lm_seg_set(p, LM_SEG_NONE);
  if ((uint8_t *)p - (uint8_t *)hdr == (ptrdiff_t)UNIT) lm_seg_set(hdr, LM_SEG_NONE);
  hdr->magic = 0;
  hdr->user = NULL;
  uint64_t now = lm_now_ms();
  victims_t v = { .n = 0 };
  pthread_mutex_lock(&g_large_lock);
  g_live -= size;
  size_t budget = budget_locked(now);
  ext_insert((extent_t){ (uint8_t *)hdr, size, size, now, 0 }, &v);
  trim_to(budget, &v);
  pthread_mutex_unlock(&g_large_lock);
  unmap_victims(&v);
  lm_purge_notify();
  lm_purge_maybe_start();
}

size_t lm_large_usable(const void *p, const char *what) {
  lm_large_t *hdr = large_header(p, what);
  return hdr->size - (size_t)((const uint8_t *)p - (const uint8_t *)hdr);
}

/* realloc of a huge block to another huge size, without moving it: a shrink gives the units past
 * the new end to the cache; a growth takes the cached extent right behind the block, or the
 * unmapped address space there (mremap). Returns 0 if it cannot. n <= LM_ALLOC_MAX. */
int lm_large_resize_in_place(void *p, size_t n) {
  lm_large_t *hdr = large_header(p, "realloc");
  uint8_t *base = (uint8_t *)hdr;
  size_t need = round_unit((size_t)((uint8_t *)p - base) + n);
  if (need == hdr->size) return 1;
  uint64_t now = lm_now_ms();
  victims_t v = { .n = 0 };
  if (need < hdr->size) {
    size_t tail = hdr->size - need;
    pthread_mutex_lock(&g_large_lock);
    g_live -= tail;
    size_t budget = budget_locked(now);
    ext_insert((extent_t){ base + need, tail, tail, now, 0 }, &v);
    trim_to(budget, &v);
    pthread_mutex_unlock(&g_large_lock);
    hdr->size = need;
    unmap_victims(&v);
    lm_purge_notify();
    return 1;
  }
  size_t extra = need - hdr->size;
  uint8_t *end = base + hdr->size;
  int done = 0;
  pthread_mutex_lock(&g_large_lock);
  for (int i = 0; i < g_ext_n && g_ext[i].base <= end; i++) {
    if (g_ext[i].base == end && g_ext[i].size >= extra) {
      uint8_t zeroed;
      ext_split(i, end, extra, &zeroed);
      done = 1;
      break;
    }
  }
  pthread_mutex_unlock(&g_large_lock);
  if (!done && lm_os_grow_in_place(base, hdr->size, need)) {
    LM_COUNT(committed_bytes, extra);
    done = 1;
  }
  if (!done) return 0;
  pthread_mutex_lock(&g_large_lock);
  g_live += extra;
  budget_locked(now);
  pthread_mutex_unlock(&g_large_lock);
  hdr->size = need;
  return 1;
}

/* Purge thread (lean): retire beyond the target, then decommit what stayed idle for the delay.
 * Returns 1 while some cached extent still waits for its delay. */
int lm_large_purge_pass(uint64_t now) {
  int pending = 0;
  uint64_t delay = (uint64_t)lm_options.purge_delay_ms;
  victims_t v = { .n = 0 };
  pthread_mutex_lock(&g_large_lock);
  trim_to(budget_locked(now), &v);
  if (lm_options.target_mb >= 0) {
    size_t target = (size_t)lm_options.target_mb << 20;
    while (g_cached > target && g_ext_n > 0) {
      int old = ext_oldest();
      if (now - g_ext[old].freed_at_ms < delay) { pending = 1; break; }
      size_t excess = round_unit(g_cached - target);
      if (excess < g_ext[old].size) ext_cut(old, excess, &v);
      else ext_remove(old, &v);
      LM_COUNT(lean_retire, 1);
    }
  }
  if (lm_options.decommit != LM_DECOMMIT_OFF) {
    for (int i = 0; i < g_ext_n; i++) {
      extent_t *e = &g_ext[i];
      if (e->committed == 0) continue;
      if (now - e->freed_at_ms < delay) { pending = 1; continue; }
      lm_os_decommit(e->base, e->size);    /* under the lock: nobody may take it meanwhile */
      LM_UNCOUNT(committed_bytes, e->committed);
      e->committed = 0;
      e->zeroed = lm_options.decommit == LM_DECOMMIT_DONTNEED;
      LM_COUNT(lean_decommit, 1);
    }
  }
  pthread_mutex_unlock(&g_large_lock);
  unmap_victims(&v);
  return pending;
}

void lm_large_fork_prepare(void) { pthread_mutex_lock(&g_large_lock); }
void lm_large_fork_parent(void) { pthread_mutex_unlock(&g_large_lock); }
void lm_large_fork_child(void) { pthread_mutex_init(&g_large_lock, NULL); }
