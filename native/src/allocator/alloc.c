/* leanmalloc: allocation slow paths (a span ran dry, first use of a thread, sizes above 1 KiB)
 * and the helpers behind calloc, realloc, the aligned APIs and malloc_usable_size. */
#include "internal.h"
#include <errno.h>

/* Dry spans a class keeps in its available list before moving them to the full list (why: moving
 * one there is half of a Dekker handshake with remote frees, whose fence waits for every store the
 * program has pending; a class of big blocks has few per span and runs its current span dry
 * often, so walking a few dry spans is far cheaper than a fence each time). */
#define LM_DRY_KEPT 4

static inline void *pop(lm_slab_t *s) {
  lm_block_t *b = s->free;
  s->free = b->next;
  s->used++;
  return b;
}

/* The current span of `cls` is dry: take the blocks freed into the next available span (by this
 * thread or others), moving dry ones beyond the first few to the full list; only when no span has
 * any, carve new blocks from a span not fully carved yet, then take back spans that remote frees
 * refilled, then a fresh span. Freed blocks before fresh ones (why): a block freed lately is likely still in
 * the caches, and a class then cycles through as few distinct blocks as it has live ones; with
 * spans of many big blocks, carving first would walk the whole span, and blocks of 4 KiB or more
 * all start on the same few cache sets. */
void *lm_alloc_class_slow(lm_heap_t *h, unsigned cls) {
  if (LM_UNLIKELY(h->state != LM_HEAP_READY)) lm_heap_init(h);
  lm_slab_t *s;
  for (int pass = 0;; pass++) {
    lm_slab_t *carve = NULL, *rotated = NULL;
    unsigned dry = 0;
    s = h->avail[cls].first;
    while (s && s != rotated) {
      if (s->free || lm_slab_collect_remote(s)) goto found;
      lm_slab_t *next = s->next;
      if (s->capacity < s->reserved) {
        if (carve == NULL) carve = s;
        s = next;
        continue;
      }
      /* The first few dry spans stay in the list (blocks freed into them need no slow path), at
       * its end: the spans behind them have had the longest time to gather frees, and a dry span
       * comes round again only after all the others. Beyond those few, dry spans go to the full
       * list, which costs a fence. The walk stops when it comes back to the first one it moved. */
      if (++dry <= LM_DRY_KEPT) {
        if (next != NULL) {
          lm_list_remove(&h->avail[cls], s);
          lm_list_append(&h->avail[cls], s);
          if (rotated == NULL) rotated = s;
        }
        s = next;
        continue;
      }
      lm_list_remove(&h->avail[cls], s);
      /* Dekker with lm_free_remote: publish IN_FULL, then re-check thread_free; a racing remote
       * free either sees the flag (and flags the superslab) or we see its block here. */
      lm_slab_set_flags(s, LM_SLAB_IN_FULL);
      if (atomic_load_explicit(&s->thread_free, memory_order_seq_cst) != 0) {
        lm_slab_set_flags(s, 0);
        lm_list_push(&h->avail[cls], s);
        lm_slab_collect_remote(s);
        goto found;
      }
      lm_list_push(&h->full[cls], s);
      s = next;
    }
    if (carve) {
      s = carve;
      lm_slab_extend(lm_ss_of(s), s);
      goto found;
    }
    /* Remote frees that landed in full spans: after the rescan, one more walk collects them. */
    if (pass == 1) break;
    lm_heap_rescan_remote(h);
  }
  s = lm_ss_acquire_slab(h, cls);
  if (s == NULL) { errno = ENOMEM; return NULL; }
  lm_slab_extend(lm_ss_of(s), s);
found:
  lm_assert_internal(s->free != NULL && s->class_idx == cls);
  lm_assert_expensive(lm_slab_is_valid(s));
  if (h->avail[cls].first != s) {
    lm_list_remove(&h->avail[cls], s);
    lm_list_push(&h->avail[cls], s);
  }
  if (cls < LM_TINY_CLASSES && h->direct[lm_class_size[cls] / 16] != s) lm_heap_set_direct(h, cls);
  void *p = pop(s);
  lm_purge_maybe_start();
  return p;
}

void *lm_malloc_slow(size_t n) {
  if (LM_LIKELY(n <= LM_SPAN_MAX)) {
    unsigned cls = lm_class_of(n);
    lm_slab_t *s = lm_heap.avail[cls].first;
    if (s && s->free) return pop(s);    /* the fast path of classes above 1 KiB */
    return lm_alloc_class_slow(&lm_heap, cls);
  }
  return lm_large_alloc(n, 0, 0);
}

/* Power-of-two size classes are naturally aligned (slabs are 64 KiB aligned, and spans of the
 * larger power-of-two classes start on a multiple of their size), so alignments up to 2 MiB are
 * served from the class of the next power of two. Every class above 16 KiB is a multiple of
 * 4 KiB in a 64 KiB aligned span, so page alignment costs those sizes nothing. Anything else is
 * a huge block with the user pointer placed on the alignment. */
void *lm_malloc_aligned(size_t n, size_t align) {
  if (align <= 16) return lm_malloc_inline(n);
  if (n > LM_SMALL_MAX && n <= LM_SPAN_MAX && align <= LM_PAGE) return lm_malloc_slow(n);
  if (n <= LM_SPAN_MAX && align <= LM_SPAN_MAX) {
    size_t want = n > align ? n : align;
    size_t pow2 = (size_t)1 << (64 - __builtin_clzl(want - 1));
    if (pow2 <= LM_SPAN_MAX) return lm_malloc_slow(pow2);
  }
  return lm_large_alloc(n, align, 0);
}

void *lm_calloc(size_t count, size_t size) {
  size_t n;
  if (__builtin_mul_overflow(count, size, &n)) { errno = ENOMEM; return NULL; }
  if (n > LM_SPAN_MAX) return lm_large_alloc(n, 0, 1);   /* zeroes only what is not known zero */
  void *p = lm_malloc_inline(n);
  if (p) memset(p, 0, n);
  return p;
}

size_t lm_usable_size(const void *p, const char *what) {
  if (p == NULL) return 0;
  uint16_t e = lm_seg_entry(p);
  if (lm_seg_is_small(e)) {
    lm_superslab_t *ss = lm_ss_of(p);
    if (ss->magic != LM_MAGIC) lm_invalid_pointer(p, what, "superslab header magic is corrupted");
    lm_slab_t *s = lm_span_of(ss, p);
    if (atomic_load_explicit(&s->slow_flags, memory_order_relaxed) & LM_SLAB_NOT_IN_USE)
      lm_invalid_pointer(p, what, "the block is not in a slab in use (double free or corrupted pointer)");
    if (s->reserved == 1 && (const uint8_t *)p != lm_slab_start(ss, s))
      lm_invalid_pointer(p, what, "not the start of a leanmalloc allocation");
    return s->block_size;
  }
  if (e == LM_SEG_LARGE) return lm_large_usable(p, what);
  lm_invalid_pointer(p, what, "not allocated by leanmalloc (foreign or corrupted pointer)");
}

/* Keeps the block when the new size still fits and wastes at most half of it; a huge block that
 * stays huge grows or shrinks where it is when it can (no copy). */
void *lm_realloc(void *p, size_t n) {
  if (p == NULL) return lm_malloc_inline(n);
  size_t old = lm_usable_size(p, "realloc");
  if (n == 0) { lm_free_inline(p); return NULL; }
  if (LM_UNLIKELY(n > LM_ALLOC_MAX)) { errno = ENOMEM; return NULL; }   /* p stays valid */
  if (n <= old && (n >= old / 2 || old <= 64)) return p;
  if (n > LM_SPAN_MAX && lm_seg_entry(p) == LM_SEG_LARGE && lm_large_resize_in_place(p, n)) return p;
  void *q = lm_malloc_inline(n);
  if (q == NULL) return NULL;
  memcpy(q, p, old < n ? old : n);
  lm_free_inline(p);
  return q;
}
