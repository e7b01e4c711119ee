/* leanmalloc: allocation slow paths (a slab ran dry, first use of a thread, medium and large
 * sizes) and the helpers behind calloc, realloc, the aligned APIs and malloc_usable_size. */
#include "internal.h"
#include <errno.h>

static inline void *pop(lm_slab_t *s) {
  lm_block_t *b = s->free;
  s->free = b->next;
  s->used++;
  return b;
}

/* The current slab of `cls` is dry: refill it, or walk on to the next available slab (moving
 * dry ones to the full list), or take back slabs that remote frees refilled, or a fresh slab. */
void *lm_alloc_class_slow(lm_heap_t *h, unsigned cls) {
  if (LM_UNLIKELY(h->state != LM_HEAP_READY)) lm_heap_init(h);
  lm_slab_t *s;
  for (;;) {
    s = h->avail[cls].first;
    while (s) {
      lm_superslab_t *ss = lm_ss_of(s);
      if (s->free || lm_slab_refill(ss, s)) goto found;
      lm_slab_t *next = s->next;
      lm_list_remove(&h->avail[cls], s);
      /* Dekker with lm_free_remote: publish IN_FULL, then re-check thread_free; a racing remote
       * free either sees the flag (and flags the superslab) or we see its block here. */
      lm_slab_set_flags(s, LM_SLAB_IN_FULL);
      if (atomic_load_explicit(&s->thread_free, memory_order_seq_cst) != NULL) {
        lm_slab_set_flags(s, 0);
        lm_list_push(&h->avail[cls], s);
        lm_slab_collect_remote(s);
        goto found;
      }
      lm_list_push(&h->full[cls], s);
      s = next;
    }
    lm_heap_rescan_remote(h);
    if (h->avail[cls].first == NULL) break;
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
  if (n <= LM_SMALL_MAX) {
    unsigned cls = lm_class_of(n);
    lm_slab_t *s = lm_heap.avail[cls].first;
    if (s && s->free) return pop(s);    /* the fast path of classes above 1 KiB */
    return lm_alloc_class_slow(&lm_heap, cls);
  }
  return lm_large_alloc(n, 0, 0);
}

/* Power-of-two size classes are naturally aligned (slabs are 64 KiB aligned and never start
 * inside the header), so alignments up to 16 KiB are served from the class of the next power of
 * two; anything bigger gets a large mapping with the user pointer placed on the alignment. */
void *lm_malloc_aligned(size_t n, size_t align) {
  if (align <= 16) return lm_malloc_inline(n);
  if (n <= LM_SMALL_MAX && align <= LM_SMALL_MAX) {
    size_t want = n > align ? n : align;
    size_t pow2 = (size_t)1 << (64 - __builtin_clzl(want - 1));
    if (pow2 <= LM_SMALL_MAX) return lm_malloc_slow(pow2);
  }
  return lm_large_alloc(n, align, 0);
}

void *lm_calloc(size_t count, size_t size) {
  size_t n;
  if (__builtin_mul_overflow(count, size, &n)) { errno = ENOMEM; return NULL; }
  if (n > LM_SMALL_MAX) return lm_large_alloc(n, 0, 1);   /* zeroes only reused mappings */
  void *p = lm_malloc_inline(n);
  if (p) memset(p, 0, n);
  return p;
}

size_t lm_usable_size(const void *p, const char *what) {
  if (p == NULL) return 0;
  uint16_t e = lm_seg_entry(p);
  if (lm_seg_is_small(e)) {
    lm_superslab_t *ss = lm_ss_of(p);
    lm_slab_t *s = lm_slab_of(ss, p);
    if (ss->magic != LM_MAGIC) lm_invalid_pointer(p, what, "superslab header magic is corrupted");
    if (atomic_load_explicit(&s->slow_flags, memory_order_relaxed) & LM_SLAB_NOT_IN_USE)
      lm_invalid_pointer(p, what, "the block is not in a slab in use (double free or corrupted pointer)");
    return s->block_size;
  }
  if (e == LM_SEG_LARGE) return lm_large_usable(p, what);
  lm_invalid_pointer(p, what, "not allocated by leanmalloc (foreign or corrupted pointer)");
}

/* Keeps the block when the new size still fits and wastes at most half of it. */
void *lm_realloc(void *p, size_t n) {
  if (p == NULL) return lm_malloc_inline(n);
  size_t old = lm_usable_size(p, "realloc");
  if (n == 0) { lm_free_inline(p); return NULL; }
  if (n <= old && (n >= old / 2 || old <= 64)) return p;
  if (LM_UNLIKELY(n > LM_ALLOC_MAX)) { errno = ENOMEM; return NULL; }   /* p stays as it was */
  if (n > old && n > LM_SMALL_MAX && lm_seg_entry(p) == LM_SEG_LARGE && lm_large_grow_in_place(p, n)) return p;
  void *q = lm_malloc_inline(n);
  if (q == NULL) return NULL;
  memcpy(q, p, old < n ? old : n);
  lm_free_inline(p);
  return q;
}
