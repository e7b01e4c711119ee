/* leanmalloc: superslabs (4 MiB aligned regions) and the spans of slabs inside them.
 *
 * Ownership. At any moment a superslab is either on one of two shared lists, the cache (empty
 * superslabs, LIFO: the most recently used is the hottest) or the abandoned list (superslabs
 * of exited threads that still hold live blocks), or held by exactly one thread: the heap that
 * owns it (its segmap entry is the heap id), a thread adopting it, or the purger collecting it.
 * Only the holder reads or writes its slab masks, lists and slab descriptors (the purger's
 * decommit of free slabs excepted, under ss->lock). It changes hands only through the shared
 * lists, under g_lock, and
 *
 *   INVARIANT: putting a superslab on a shared list (lm_ss_give_back, lm_ss_abandon) is the
 *   holder's last access to it. No caller reads it afterwards, returns it, or keeps it in a list;
 *   whoever takes it off a list next is its only holder.
 *
 * So no path may give a superslab back "on the way" and go on using it: a function that may give
 * back returns what became of the superslab (ss_collect's count, ss_adopt's NULL), and the caller
 * acts on that instead of on the superslab. Each shared-list push is followed by a perturbation
 * point (LM_PP_GAVE_BACK, LM_PP_ABANDONED) where test builds sleep, so a use after the hand-off
 * breaks the churn stress at once (native/tests/perturb.test.ts).
 *
 * The holder hands out and takes back spans: runs of 1 to 32 slabs (free_mask says which slabs
 * are free). A span's first slab describes it; its other slabs are tails (LM_SLAB_TAIL) that
 * point back to it. Remote frees, collection and adoption deal with first slabs only.
 *
 * Locks (slow path only): g_lock guards the registry, the cache and the abandoned list; each
 * superslab's own lock guards its free/decommitted slab masks against the background purger,
 * which decommits free slabs whose purge delay expired, even in superslabs still in use. Lock
 * order is g_lock -> ss->lock, and the purger only trylocks superslabs. */
#include "internal.h"

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static lm_superslab_t *g_all;                  /* registry of every mapped superslab */
static lm_superslab_t *g_cache, *g_cache_tail; /* empty superslabs, newest first */
static size_t g_cache_count;
static lm_superslab_t *g_abandoned;

/* ---- heap superslab lists (owner thread only) ---- */
static void ss_list_push(lm_heap_t *h, lm_superslab_t *ss, lm_ss_list_t which) {
  lm_superslab_t **head = which == LM_SS_LIST_AVAIL ? &h->ss_avail : &h->ss_full;
  ss->prev = NULL;
  ss->next = *head;
  if (*head) (*head)->prev = ss;
  *head = ss;
  ss->heap_list = which;
}

void lm_ss_heap_list_remove(lm_heap_t *h, lm_superslab_t *ss) {
  if (h->hot_ss == ss) h->hot_ss = LM_NO_SS;   /* it may be leaving the heap */
  if (ss->heap_list == LM_SS_LIST_NONE) return;
  lm_superslab_t **head = ss->heap_list == LM_SS_LIST_AVAIL ? &h->ss_avail : &h->ss_full;
  if (ss->prev) ss->prev->next = ss->next; else *head = ss->next;
  if (ss->next) ss->next->prev = ss->prev;
  ss->next = ss->prev = NULL;
  ss->heap_list = LM_SS_LIST_NONE;
}

/* ---- spans: runs of free slabs ---- */

/* Bit i set: slabs i .. i+k-1 are all set in `mask` (log2(k) shift-and steps). */
static inline uint64_t run_starts(uint64_t mask, unsigned k) {
  for (unsigned have = 1; have < k;) {
    unsigned sh = have < k - have ? have : k - have;
    mask &= mask >> sh;
    have += sh;
  }
  return mask;
}

/* Slab indexes a span of `align` slabs may start at (align is 1, 8, 16 or 32). */
static inline uint64_t allowed_starts(unsigned align) {
  return align == 1 ? ~(uint64_t)0 : align == 8 ? 0x0101010101010101ull
       : align == 16 ? 0x0001000100010001ull : 0x0000000100000001ull;
}

static inline int span_fits(const lm_superslab_t *ss, unsigned k, uint64_t allowed) {
  return (run_starts(ss->free_mask, k) & allowed) != 0;
}

/* How many owned superslabs a span search looks at before taking a new one: the head of the
 * list always fits a single slab; a multi-slab span that fits in none of the first few would
 * otherwise make every acquisition walk every fragmented superslab the heap owns. */
#define LM_SPAN_SEARCH 8

static lm_superslab_t *heap_find_span(lm_heap_t *h, unsigned k, uint64_t allowed) {
  int tries = 0;
  for (lm_superslab_t *ss = h->ss_avail; ss && tries < LM_SPAN_SEARCH; ss = ss->next, tries++)
    if (span_fits(ss, k, allowed)) return ss;
  return NULL;
}

/* ---- mapping ---- */
#define LM_MAP_BATCH 4

static void cache_push_locked(lm_superslab_t *ss, uint64_t now) {
  lm_assert_internal(ss->state == LM_SS_HELD);
  ss->prev = NULL;
  ss->next = g_cache;
  if (g_cache) g_cache->prev = ss; else g_cache_tail = ss;
  g_cache = ss;
  ss->state = LM_SS_CACHED;
  ss->cached_at_ms = now;
  g_cache_count++;
  LM_COUNT(superslabs_cached, 1);
}

/* A fresh superslab: its block slabs have never been touched, so they start out "decommitted"
 * (committed_bytes counts only the header slab) and the purger never madvises untouched memory. */
static void ss_init(lm_superslab_t *ss) {
  ss->magic = LM_MAGIC;
  ss->state = LM_SS_HELD;
  pthread_mutex_init(&ss->lock, NULL);
  ss->free_mask = ~(uint64_t)1;          /* slab 0 holds this header */
  ss->decommitted_mask = ~(uint64_t)1;
  for (int i = 0; i < LM_SLABS; i++) lm_slab_set_flags(&ss->slabs[i], LM_SLAB_NOT_IN_USE);
  LM_COUNT(superslabs_mapped, 1);
  LM_COUNT(committed_bytes, LM_SLAB_SIZE);
}

/* Maps a superslab for the caller. A process that is growing (already two or more superslabs)
 * gets LM_MAP_BATCH contiguous ones from one mmap, the extras going to the cache: bursts then
 * cost a quarter of the mmap calls, and retiring them later coalesces into few munmaps. */
static lm_superslab_t *ss_map(void) {
  size_t n = atomic_load_explicit(&lm_counters.superslabs_mapped, memory_order_relaxed) >= 2 ? LM_MAP_BATCH : 1;
  uint8_t *base = lm_os_map_aligned(n * LM_SS_SIZE, LM_SS_SIZE);
  if (base == NULL && n > 1) base = lm_os_map_aligned((n = 1) * LM_SS_SIZE, LM_SS_SIZE);
  if (base == NULL) return NULL;
  if ((((uintptr_t)base + n * LM_SS_SIZE - 1) >> LM_SS_SHIFT) >= LM_SEGMAP_SIZE) {   /* beyond the 47-bit map */
    lm_os_unmap(base, n * LM_SS_SIZE);
    return NULL;
  }
  uint64_t now = lm_purge_enabled ? lm_now_ms() : 0;
  for (size_t i = 0; i < n; i++) ss_init((lm_superslab_t *)(base + i * LM_SS_SIZE));
  pthread_mutex_lock(&g_lock);
  for (size_t i = 0; i < n; i++) {
    lm_superslab_t *ss = (lm_superslab_t *)(base + i * LM_SS_SIZE);
    ss->all_next = g_all;
    ss->all_prev = NULL;
    if (g_all) g_all->all_prev = ss;
    g_all = ss;
    if (i > 0) cache_push_locked(ss, now);
  }
  pthread_mutex_unlock(&g_lock);
  /* published last: from now on free() recognises pointers into them */
  for (size_t i = 0; i < n; i++) lm_seg_set(base + i * LM_SS_SIZE, LM_SEG_SHARED);
  if (n > 1) lm_purge_notify();
  return (lm_superslab_t *)base;
}

/* Caller holds g_lock; ss is out of the cache. Bookkeeping only: the caller unmaps. */
static void ss_forget_locked(lm_superslab_t *ss) {
  lm_seg_set(ss, LM_SEG_NONE);
  if (ss->all_prev) ss->all_prev->all_next = ss->all_next; else g_all = ss->all_next;
  if (ss->all_next) ss->all_next->all_prev = ss->all_prev;
  size_t decommitted = (size_t)__builtin_popcountll(ss->decommitted_mask) * LM_SLAB_SIZE;
  LM_UNCOUNT(committed_bytes, LM_SS_SIZE - decommitted);
  LM_UNCOUNT(superslabs_mapped, 1);
}

/* Unmaps superslabs with one munmap per contiguous run of addresses. */
static void unmap_runs(lm_superslab_t **v, int n) {
  for (int i = 1; i < n; i++) {            /* insertion sort by address: n is small */
    lm_superslab_t *x = v[i];
    int j = i - 1;
    while (j >= 0 && v[j] > x) { v[j + 1] = v[j]; j--; }
    v[j + 1] = x;
  }
  for (int i = 0; i < n;) {
    int j = i + 1;
    while (j < n && (uint8_t *)v[j] == (uint8_t *)v[j - 1] + LM_SS_SIZE) j++;
    lm_os_unmap(v[i], (size_t)(j - i) * LM_SS_SIZE);
    i = j;
  }
}

static void cache_remove_locked(lm_superslab_t *ss) {
  lm_assert_internal(ss->state == LM_SS_CACHED);
  if (ss->prev) ss->prev->next = ss->next; else g_cache = ss->next;
  if (ss->next) ss->next->prev = ss->prev; else g_cache_tail = ss->prev;
  ss->next = ss->prev = NULL;
  ss->state = LM_SS_HELD;
  g_cache_count--;
  LM_UNCOUNT(superslabs_cached, 1);
}

/* ---- spans going back to their superslab ---- */

/* Bits of the slabs in use in ss that start a span (tails left out). The caller holds ss, or
 * g_lock while ss is on the abandoned list (where nobody changes its masks or descriptors). */
static uint64_t span_heads(const lm_superslab_t *ss) {
  uint64_t in_use = ~ss->free_mask & ~(uint64_t)1, heads = 0;
  while (in_use) {
    int i = __builtin_ctzll(in_use);
    unsigned k = ss->slabs[i].span_slabs;
    lm_assert_internal(k >= 1 && (unsigned)i + k <= LM_SLABS);
    lm_assert_internal(!(atomic_load_explicit(&ss->slabs[i].slow_flags, memory_order_relaxed) & LM_SLAB_TAIL));
    heads |= (uint64_t)1 << i;
    in_use &= ~((((uint64_t)1 << k) - 1) << i);   /* k <= 32 */
  }
  return heads;
}

/* Span s of ss (its first slab) has no live block: its slabs become free slabs of ss (and purge
 * candidates once their delay expires). The caller holds ss (see "Ownership" above) and has
 * taken s out of any heap list. Returns the number of slabs of ss still in use. */
static unsigned ss_free_span(lm_superslab_t *ss, lm_slab_t *s) {
  int i = (int)(s - ss->slabs);
  unsigned k = s->span_slabs;
  uint64_t bits = (((uint64_t)1 << k) - 1) << i;
  lm_assert_internal(i > 0 && k >= 1 && (unsigned)i + k <= LM_SLABS && !(ss->free_mask & bits));
  lm_assert_internal(lm_slab_used(s) == 0 && s->next == NULL && s->prev == NULL);
  lm_assert_expensive(lm_slab_is_valid(s));
  s->free = NULL;
  lm_slab_set_flags(s, LM_SLAB_NOT_IN_USE);
  for (unsigned j = 1; j < k; j++)        /* tails keep their bias: flagged either way */
    atomic_store_explicit(&ss->slabs[i + (int)j].slow_flags, LM_SLAB_NOT_IN_USE, memory_order_relaxed);
  uint64_t now = lm_purge_enabled ? lm_now_ms() : 0;
  pthread_mutex_lock(&ss->lock);
  ss->free_mask |= bits;
  for (unsigned j = 0; j < k; j++) ss->slabs[i + (int)j].freed_at_ms = now;
  ss->used_slabs = (uint16_t)(ss->used_slabs - k);
  unsigned left = ss->used_slabs;
  pthread_mutex_unlock(&ss->lock);
  lm_assert_internal(left == 63u - (unsigned)__builtin_popcountll(ss->free_mask));
  return left;
}

/* The span is out of the heap's class lists and has no live block. When it was the superslab's
 * last span in use, the superslab goes to the cache, and the caller must not touch ss again. */
void lm_ss_release_slab(lm_heap_t *h, lm_superslab_t *ss, lm_slab_t *s) {
  lm_assert_internal(ss->state == LM_SS_HELD && ss->heap_list != LM_SS_LIST_NONE);
  if (ss_free_span(ss, s) == 0) {
    lm_ss_heap_list_remove(h, ss);
    lm_ss_give_back(ss);
    return;
  }
  if (ss->heap_list == LM_SS_LIST_FULL) {
    lm_ss_heap_list_remove(h, ss);
    ss_list_push(h, ss, LM_SS_LIST_AVAIL);
  }
  lm_purge_notify();
}

/* Hands an empty superslab to the cache. This is the giver's last access to ss: from the moment
 * g_lock is released another thread may take it. */
void lm_ss_give_back(lm_superslab_t *ss) {
  lm_assert_internal(ss->state == LM_SS_HELD && ss->heap_list == LM_SS_LIST_NONE);
  lm_assert_internal(ss->used_slabs == 0 && ss->free_mask == ~(uint64_t)1);
  lm_seg_set(ss, LM_SEG_SHARED);
  uint64_t now = lm_purge_enabled ? lm_now_ms() : 0;
  pthread_mutex_lock(&g_lock);
  cache_push_locked(ss, now);
  pthread_mutex_unlock(&g_lock);
  lm_purge_notify();
  LM_PERTURB_POINT(LM_PP_GAVE_BACK);
}

/* ---- superslabs of exited threads ----
 * A thread that exits keeps nothing: superslabs in which it still has live blocks are abandoned
 * (their blocks may be freed later, by any thread, through the remote-free path). Two parties
 * take them off the abandoned list: a thread that needs a superslab adopts one, and the purger
 * (lean) collects the remote frees of those that received some, so that memory freed after its
 * thread exited is purged on the usual delay without waiting for an adopter. */

static void abandoned_push_locked(lm_superslab_t *ss) {
  ss->prev = NULL;
  ss->next = g_abandoned;
  if (g_abandoned) g_abandoned->prev = ss;
  g_abandoned = ss;
  ss->state = LM_SS_ABANDONED;
}

static void abandoned_remove_locked(lm_superslab_t *ss) {
  lm_assert_internal(ss->state == LM_SS_ABANDONED);
  if (ss->prev) ss->prev->next = ss->next; else g_abandoned = ss->next;
  if (ss->next) ss->next->prev = ss->prev;
  ss->next = ss->prev = NULL;
  ss->state = LM_SS_HELD;
}

/* Some span in use of ss has blocks freed by other threads and not collected yet (remote frees
 * always go to a span's first slab). The caller holds ss, or g_lock while ss is on the abandoned
 * list. */
static int ss_has_remote_frees(lm_superslab_t *ss) {
  uint64_t heads = span_heads(ss);
  while (heads) {
    /* seq_cst: the other half of the handshake in lm_free_remote (push, then read the segmap) */
    if (atomic_load_explicit(&ss->slabs[__builtin_ctzll(heads)].thread_free, memory_order_seq_cst) != 0) return 1;
    heads &= heads - 1;
  }
  return 0;
}

/* The exiting owner's last access to ss, like a give-back. A free that raced with the owner's
 * exit either reads the segmap after the store below (LM_SEG_SHARED: it wakes the purger itself)
 * or pushed its block before the scan, which then wakes the purger. */
void lm_ss_abandon(lm_superslab_t *ss) {
  lm_assert_internal(ss->state == LM_SS_HELD && ss->heap_list == LM_SS_LIST_NONE && ss->used_slabs > 0);
  lm_seg_set(ss, LM_SEG_SHARED);
  atomic_thread_fence(memory_order_seq_cst);
  int wake = lm_purge_enabled && ss_has_remote_frees(ss);
  pthread_mutex_lock(&g_lock);
  abandoned_push_locked(ss);
  pthread_mutex_unlock(&g_lock);
  if (wake) lm_purge_notify();
  LM_PERTURB_POINT(LM_PP_ABANDONED);
}

/* Collects the remote frees of every span in use of ss, which the caller took off the abandoned
 * list, and frees the spans left without a live block. Touches no heap. Returns the number of
 * slabs still in use: at 0 the caller gives ss back, otherwise it adopts it or abandons it again. */
static unsigned ss_collect(lm_superslab_t *ss) {
  lm_assert_internal(ss->state == LM_SS_HELD && ss->heap_list == LM_SS_LIST_NONE);
  uint64_t heads = span_heads(ss);
  while (heads) {
    lm_slab_t *s = &ss->slabs[__builtin_ctzll(heads)];
    heads &= heads - 1;
    lm_assert_internal(atomic_load_explicit(&s->slow_flags, memory_order_relaxed) == 0);
    lm_slab_collect_remote(s);
    if (s->used == 0) ss_free_span(ss, s);
  }
  return ss->used_slabs;
}

/* Adoption: h takes ss, which it took off the abandoned list, into its lists, and the spans
 * with live blocks into its class lists. Returns ss, or NULL when no live block was left: then
 * ss went to the cache instead, and h no longer holds it. */
static lm_superslab_t *ss_adopt(lm_heap_t *h, lm_superslab_t *ss) {
  if (ss_collect(ss) == 0) {
    lm_ss_give_back(ss);
    return NULL;
  }
  lm_seg_set(ss, h->id == LM_SEG_NEVER ? LM_SEG_SHARED : h->id);
  ss_list_push(h, ss, ss->free_mask ? LM_SS_LIST_AVAIL : LM_SS_LIST_FULL);
  uint64_t heads = span_heads(ss);
  while (heads) {
    lm_slab_t *s = &ss->slabs[__builtin_ctzll(heads)];
    heads &= heads - 1;
    unsigned cls = s->class_idx;
    int was_empty = h->avail[cls].first == NULL;
    lm_list_append(&h->avail[cls], s);   /* behind the current span: it stays current */
    if (was_empty) lm_heap_set_direct(h, cls);
  }
  return ss;
}

/* Purger: superslabs on the abandoned list that received remote frees. They are taken off the
 * list (so no thread adopts one meanwhile), collected without g_lock held, then given back when
 * empty or abandoned again. Returns 1 if it freed slabs (they now wait for their purge delay). */
int lm_ss_reclaim_abandoned(void) {
  lm_superslab_t *work = NULL;
  pthread_mutex_lock(&g_lock);
  for (lm_superslab_t *ss = g_abandoned, *next; ss; ss = next) {
    next = ss->next;
    if (!ss_has_remote_frees(ss)) continue;
    abandoned_remove_locked(ss);
    ss->next = work;
    work = ss;
  }
  pthread_mutex_unlock(&g_lock);
  int freed = 0;
  while (work) {
    lm_superslab_t *ss = work;
    work = ss->next;
    ss->next = NULL;
    LM_PERTURB_POINT(LM_PP_RECLAIM_TAKEN);
    unsigned before = ss->used_slabs, left = ss_collect(ss);
    freed |= left < before;
    if (left == 0) {
      lm_ss_give_back(ss);
    } else {
      pthread_mutex_lock(&g_lock);
      abandoned_push_locked(ss);
      pthread_mutex_unlock(&g_lock);
    }
  }
  return freed;
}

/* A superslab with room for a span of k slabs for this heap: abandoned first (returns memory of
 * dead threads), then the cache, then a fresh mapping. */
static lm_superslab_t *ss_obtain(lm_heap_t *h, unsigned k, uint64_t allowed) {
  for (;;) {
    pthread_mutex_lock(&g_lock);
    lm_superslab_t *ss = g_abandoned;
    if (ss) abandoned_remove_locked(ss);
    pthread_mutex_unlock(&g_lock);
    if (ss == NULL) break;
    LM_PERTURB_POINT(LM_PP_ADOPT_TAKEN);
    ss = ss_adopt(h, ss);   /* NULL: it went to the cache, and h must not look at it again */
    if (ss && span_fits(ss, k, allowed)) return ss;
    if ((ss = heap_find_span(h, k, allowed)) != NULL) return ss;
  }
  pthread_mutex_lock(&g_lock);
  lm_superslab_t *ss = g_cache;
  if (ss) cache_remove_locked(ss);
  pthread_mutex_unlock(&g_lock);
  if (ss) LM_PERTURB_POINT(LM_PP_CACHE_TAKEN);
  if (ss == NULL) ss = ss_map();
  if (ss == NULL) return NULL;
  lm_assert_internal(ss->state == LM_SS_HELD && ss->used_slabs == 0);
  lm_seg_set(ss, h->id == LM_SEG_NEVER ? LM_SEG_SHARED : h->id);
  ss_list_push(h, ss, LM_SS_LIST_AVAIL);
  return ss;
}

/* A fresh span of class `cls`, at the head of the heap's available list. Prefers slabs that are
 * still committed (hot in cache and TLB, no page faults) and low addresses (compact). */
lm_slab_t *lm_ss_acquire_slab(lm_heap_t *h, unsigned cls) {
  unsigned k = lm_class_slabs[cls];
  uint64_t allowed = allowed_starts(lm_class_align[cls]);
  lm_superslab_t *ss = h->ss_avail;
  if (ss == NULL || (k > 1 && !span_fits(ss, k, allowed))) {
    ss = heap_find_span(h, k, allowed);
    if (ss == NULL && (ss = ss_obtain(h, k, allowed)) == NULL) return NULL;
  }
  lm_assert_internal(ss->state == LM_SS_HELD && ss->heap_list == LM_SS_LIST_AVAIL);
  pthread_mutex_lock(&ss->lock);
  uint64_t starts = run_starts(ss->free_mask & ~ss->decommitted_mask, k) & allowed;
  if (starts == 0) starts = run_starts(ss->free_mask, k) & allowed;
  lm_assert_internal(starts != 0);
  int i = __builtin_ctzll(starts);
  uint64_t bits = (((uint64_t)1 << k) - 1) << i;   /* k <= 32 */
  ss->free_mask &= ~bits;
  uint64_t recommitted = ss->decommitted_mask & bits;
  if (recommitted) {
    ss->decommitted_mask &= ~bits;
    LM_COUNT(committed_bytes, (size_t)__builtin_popcountll(recommitted) * LM_SLAB_SIZE);
  }
  ss->used_slabs = (uint16_t)(ss->used_slabs + k);
  pthread_mutex_unlock(&ss->lock);
  if (ss->free_mask == 0) {
    lm_ss_heap_list_remove(h, ss);
    ss_list_push(h, ss, LM_SS_LIST_FULL);
  }
  lm_slab_t *s = &ss->slabs[i];
  lm_slab_init(s, cls);
  for (unsigned j = 1; j < k; j++) {      /* tails: free() finds the span from any of its slabs */
    lm_slab_t *t = &ss->slabs[i + (int)j];
    t->free = NULL;
    t->used = -LM_USED_BIAS;
    t->head_offset = (uint8_t)j;
    atomic_store_explicit(&t->slow_flags, LM_SLAB_TAIL, memory_order_relaxed);
  }
  lm_list_push(&h->avail[cls], s);
  lm_heap_set_direct(h, cls);
  return s;
}

/* Decommits one superslab's free slabs whose delay expired, one madvise per contiguous run.
 * Caller holds g_lock and ss->lock. Returns 1 if some free slab is still waiting. */
static int ss_decommit_expired(lm_superslab_t *ss, uint64_t now) {
  uint64_t candidates = ss->free_mask & ~ss->decommitted_mask & ~(uint64_t)1;
  uint64_t expired = 0;
  int pending = 0;
  while (candidates) {
    int i = __builtin_ctzll(candidates);
    candidates &= candidates - 1;
    if (now - ss->slabs[i].freed_at_ms >= (uint64_t)lm_options.purge_delay_ms) expired |= (uint64_t)1 << i;
    else pending = 1;
  }
  if (expired == 0) return pending;
  uint64_t runs = expired;
  while (runs) {
    int start = __builtin_ctzll(runs);
    uint64_t shifted = ~(runs >> start);
    int len = shifted ? __builtin_ctzll(shifted) : 64 - start;
    lm_os_decommit((uint8_t *)ss + ((size_t)start << LM_SLAB_SHIFT), (size_t)len << LM_SLAB_SHIFT);
    runs &= len + start >= 64 ? 0 : ~(uint64_t)0 << (start + len);
  }
  ss->decommitted_mask |= expired;
  LM_UNCOUNT(committed_bytes, (size_t)__builtin_popcountll(expired) * LM_SLAB_SIZE);
  LM_COUNT(lean_decommit, 1);
  return pending;
}

/* One pass of the background purger. Retires cached superslabs beyond the target first (no
 * point decommitting what is about to be unmapped), then decommits expired free slabs. */
int lm_ss_purge_pass(uint64_t now) {
  int pending = 0;
  uint64_t delay = (uint64_t)lm_options.purge_delay_ms;
  pthread_mutex_lock(&g_lock);
  if (lm_options.target_mb >= 0) {
    size_t keep = (size_t)lm_options.target_mb * ((size_t)1 << 20) / LM_SS_SIZE;
    lm_superslab_t *victims[128];
    int n = 0;
    while (g_cache_count > keep) {
      lm_superslab_t *old = g_cache_tail;
      if (now - old->cached_at_ms < delay || n == 128) { pending = 1; break; }
      cache_remove_locked(old);
      ss_forget_locked(old);
      victims[n++] = old;
    }
    if (n) {
      unmap_runs(victims, n);
      LM_COUNT(lean_retire, n);
    }
  }
  if (lm_options.decommit != LM_DECOMMIT_OFF) {
    for (lm_superslab_t *ss = g_all; ss; ss = ss->all_next) {
      if (pthread_mutex_trylock(&ss->lock) != 0) { pending = 1; continue; }
      pending |= ss_decommit_expired(ss, now);
      pthread_mutex_unlock(&ss->lock);
    }
  }
  pthread_mutex_unlock(&g_lock);
  return pending;
}

void lm_ss_fork_prepare(void) { pthread_mutex_lock(&g_lock); }
void lm_ss_fork_parent(void) { pthread_mutex_unlock(&g_lock); }
void lm_ss_fork_child(void) { pthread_mutex_init(&g_lock, NULL); }
