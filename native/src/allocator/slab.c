/* leanmalloc: size classes, one span's free lists and the heap's per-class span lists.
 * Runs only when a span's `free` list runs dry, or on the rare local frees that make a span empty,
 * take it out of the full list, or land in a tail slab of a multi-slab span. */
#include "internal.h"

#define K 1024u
const uint32_t lm_class_size[LM_CLASSES] = {
  16, 32, 48, 64, 80, 96, 112, 128,
  160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024,
  1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192,
  10240, 12288, 14336, 16384,
  20 * K, 24 * K, 28 * K, 32 * K, 40 * K, 48 * K, 56 * K, 64 * K, 80 * K, 96 * K, 112 * K, 128 * K,
  160 * K, 192 * K, 224 * K, 256 * K, 320 * K, 384 * K, 448 * K, 512 * K,
  640 * K, 768 * K, 896 * K, 1024 * K, 1280 * K, 1536 * K, 1792 * K, 2048 * K,
};
#undef K

/* Span sizes (why): small classes take one 64 KiB slab. Medium classes (up to 512 KiB) take a
 * span of 512 KiB, 1 MiB or 2 MiB, the smallest holding at least 8 blocks (4 to 6 above 256 KiB):
 * every time a class's current span runs dry the allocator must find another one, and every free
 * into a span it had put aside as full must bring it back, so blocks per span set how often a
 * random mix of sizes pays those slow paths. Only three span sizes keep a superslab from
 * fragmenting into runs no class can use (mimalloc's medium pages, for the same reason), and the
 * part of a span that is never carved is never touched: it costs address space, not memory.
 * Large classes take exactly their size, one block per span: a thread that keeps reallocating a
 * buffer of one size reuses its span without any lock. */
const uint8_t lm_class_slabs[LM_CLASSES] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  8, 8, 8, 8, 8, 8, 8, 8, 16, 16, 16, 16,
  32, 32, 32, 32, 32, 32, 32, 32,
  10, 12, 14, 16, 20, 24, 28, 32,
};

/* Spans of 8, 16 or 32 slabs start on a multiple of their own size (buddy placement: the runs
 * freed by one span size stay usable by the others), the other large ones on a multiple of 8.
 * Every power-of-two class is then naturally aligned to its size (blocks sit at multiples of
 * their size from the span start), which the aligned-allocation APIs rely on. */
const uint8_t lm_class_align[LM_CLASSES] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  8, 8, 8, 8, 8, 8, 8, 8, 16, 16, 16, 16,
  32, 32, 32, 32, 32, 32, 32, 32,
  8, 8, 8, 16, 8, 8, 8, 32,
};

#if LM_DEBUG > 2
/* Owner thread: every carved block is either on `free` or counted in `used`, once. The walk is
 * bounded, so a cycle (a block freed twice into the list) shows as a count mismatch. */
int lm_slab_is_valid(lm_slab_t *s) {
  if (atomic_load_explicit(&s->slow_flags, memory_order_relaxed) & LM_SLAB_NOT_IN_USE) return 1;
  int32_t used = lm_slab_used(s);
  if (used < 0 || used > s->capacity || s->capacity > s->reserved) return 0;
  unsigned n = 0;
  for (lm_block_t *b = s->free; b != NULL; b = b->next) {
    if (++n > s->capacity || !lm_is_block_of(s, b)) return 0;
  }
  return n == (unsigned)(s->capacity - used);
}
#endif

/* Fast-path target when a class has no slab yet: its free list is always empty, so the fast path
 * falls through to the slow path without a NULL check of its own. */
lm_slab_t lm_empty_slab = { .slow_flags = LM_SLAB_NOT_IN_USE };

void lm_slab_init(lm_slab_t *s, unsigned cls) {
  lm_assert_internal(cls < LM_CLASSES);
  lm_assert_internal(atomic_load_explicit(&s->slow_flags, memory_order_relaxed) & LM_SLAB_NOT_IN_USE);
  s->free = NULL;
  s->used = 0;
  s->capacity = 0;
  s->block_size = lm_class_size[cls];
  s->span_slabs = lm_class_slabs[cls];
  s->reserved = (uint16_t)(((size_t)s->span_slabs << LM_SLAB_SHIFT) / s->block_size);
  s->class_idx = (uint8_t)cls;
  atomic_store_explicit(&s->thread_free, 0, memory_order_relaxed);
  atomic_store_explicit(&s->slow_flags, 0, memory_order_relaxed);
  s->next = s->prev = NULL;
}

/* Lazy free-list building: carve at most a page worth of blocks at a time (one block at a time
 * from 4 KiB up), so memory that is never needed is never touched (and never counts in RSS). */
int lm_slab_extend(lm_superslab_t *ss, lm_slab_t *s) {
  if (s->capacity >= s->reserved) return 0;
  unsigned bs = s->block_size;
  unsigned n = bs >= LM_PAGE ? 1u : LM_PAGE / bs;
  if (n > (unsigned)(s->reserved - s->capacity)) n = (unsigned)(s->reserved - s->capacity);
  uint8_t *first = lm_slab_start(ss, s) + (size_t)s->capacity * bs;
  uint8_t *p = first;
  for (unsigned i = 1; i < n; i++, p += bs) ((lm_block_t *)p)->next = (lm_block_t *)(p + bs);
  ((lm_block_t *)p)->next = s->free;
  s->free = (lm_block_t *)first;
  s->capacity = (uint16_t)(s->capacity + n);
  lm_assert_internal(s->capacity <= s->reserved);
  return 1;
}

/* Takes every block other threads freed into this span (one atomic exchange). The list comes
 * with its length; it is walked only to append it to a `free` list that is not empty. */
unsigned lm_slab_collect_remote(lm_slab_t *s) {
  if (atomic_load_explicit(&s->thread_free, memory_order_relaxed) == 0) return 0;
  uintptr_t w = atomic_exchange_explicit(&s->thread_free, 0, memory_order_acquire);
  if (w == 0) return 0;
  lm_block_t *list = (lm_block_t *)(w & LM_TF_PTR_MASK);
  unsigned n = (unsigned)(w >> LM_TF_COUNT_SHIFT);
  if (s->free != NULL) {
    lm_block_t *tail = list;
    while (tail->next) tail = tail->next;
    tail->next = s->free;
  }
  s->free = list;
  s->used -= (int32_t)n;
  lm_assert_internal(lm_slab_used(s) >= 0);
  return n;
}

void lm_list_push(lm_slab_list_t *l, lm_slab_t *s) {
  lm_assert_internal(s != l->first && s->next == NULL && s->prev == NULL);
  s->prev = NULL;
  s->next = l->first;
  if (l->first) l->first->prev = s; else l->last = s;
  l->first = s;
}

void lm_list_append(lm_slab_list_t *l, lm_slab_t *s) {
  lm_assert_internal(s != l->last && s->next == NULL && s->prev == NULL);
  s->next = NULL;
  s->prev = l->last;
  if (l->last) l->last->next = s; else l->first = s;
  l->last = s;
}

void lm_list_remove(lm_slab_list_t *l, lm_slab_t *s) {
  if (s->prev) s->prev->next = s->next; else l->first = s->next;
  if (s->next) s->next->prev = s->prev; else l->last = s->prev;
  s->next = s->prev = NULL;
}

/* Points the fast-path lookup entries of a tiny class at the class's current slab. */
void lm_heap_set_direct(lm_heap_t *h, unsigned cls) {
  if (cls >= LM_TINY_CLASSES) return;
  lm_slab_t *s = h->avail[cls].first ? h->avail[cls].first : &lm_empty_slab;
  unsigned lo = cls == 0 ? 0 : lm_class_size[cls - 1] / 16 + 1;
  unsigned hi = lm_class_size[cls] / 16;
  for (unsigned i = lo; i <= hi; i++) h->direct[i] = s;
}

/* A full slab got a block back: it is available again, at the end of the list. The current
 * slab stays current, and by the time allocation reaches this one more of its blocks have come
 * back: a slab that went back to the front would be drained of its one block and found full
 * again at once, two slow paths per block (mimalloc appends too). */
void lm_heap_unfull(lm_heap_t *h, lm_slab_t *s) {
  unsigned cls = s->class_idx;
  lm_slab_set_flags(s, 0);
  lm_list_remove(&h->full[cls], s);
  int was_empty = h->avail[cls].first == NULL;
  lm_list_append(&h->avail[cls], s);
  if (was_empty) lm_heap_set_direct(h, cls);
}

/* Whether the list holds an empty span besides s (looking at the first few only). */
static int other_empty_span(const lm_slab_t *x, const lm_slab_t *s) {
  for (int n = 0; x && n < 8; x = x->next, n++)
    if (x != s && lm_slab_used(x) == 0) return 1;
  return 0;
}

/* A span's last block came back. Keep it if it is the class's only span (a class that keeps
 * going from 0 to 1 live block must not map and unmap a span each time); otherwise hand it back
 * to its superslab, where it can serve another class or be purged. When purging is on, spans
 * above one slab always go back: a kept empty span is out of the purger's reach, and at these
 * sizes it would hold up to 2 MiB per class and thread. */
void lm_heap_slab_empty(lm_heap_t *h, lm_superslab_t *ss, lm_slab_t *s) {
  unsigned cls = s->class_idx;
  lm_assert_internal(lm_slab_used(s) == 0);
  lm_assert_expensive(lm_slab_is_valid(s));
  if (h->avail[cls].first == s && s->next == NULL && (s->span_slabs == 1 || !lm_purge_enabled)) return;
  if (s->span_slabs > 1 && !lm_purge_enabled && !other_empty_span(h->avail[cls].first, s)) return;
  int was_head = h->avail[cls].first == s;
  lm_list_remove(&h->avail[cls], s);
  if (was_head) lm_heap_set_direct(h, cls);
  lm_ss_release_slab(h, ss, s);
}

/* Remote frees landed in full slabs of these superslabs: make those slabs available again. */
void lm_heap_rescan_remote(lm_heap_t *h) {
  lm_superslab_t *lists[2] = { h->ss_avail, h->ss_full };
  for (int l = 0; l < 2; l++) {
    for (lm_superslab_t *ss = lists[l]; ss; ss = ss->next) {
      if (atomic_load_explicit(&ss->remote_full, memory_order_relaxed) == 0) continue;
      atomic_store_explicit(&ss->remote_full, 0, memory_order_seq_cst);
      for (int i = 1; i < LM_SLABS; i++) {
        lm_slab_t *s = &ss->slabs[i];
        if (atomic_load_explicit(&s->slow_flags, memory_order_relaxed) == LM_SLAB_IN_FULL &&
            atomic_load_explicit(&s->thread_free, memory_order_relaxed) != 0)
          lm_heap_unfull(h, s);
      }
    }
  }
}

/* Local free that needs attention: slab was full, became empty, is not a slab in use, or is the
 * tail of a multi-slab span. */
void lm_free_local_slow(lm_superslab_t *ss, lm_slab_t *s) {
  uint8_t flags = atomic_load_explicit(&s->slow_flags, memory_order_relaxed);
  if (flags & LM_SLAB_TAIL) {
    /* The fast path pushed the block on the tail's own (always empty) list and counted it there:
     * undo both, then free it into the span's first descriptor as the fast path would have. */
    lm_block_t *b = s->free;
    s->free = b->next;
    s->used++;
    s -= s->head_offset;
    b->next = s->free;
    s->free = b;
    if (--s->used > 0) return;
    flags = atomic_load_explicit(&s->slow_flags, memory_order_relaxed);
  }
  if (flags & LM_SLAB_NOT_IN_USE) {
    lm_block_t *b = s->free;
    lm_invalid_pointer(b, "free", "the block is not in a slab in use (double free or corrupted pointer)");
  }
  /* A one-block span's every free comes here (it empties the span): check it is the block. */
  if (s->reserved == 1 && (uint8_t *)s->free != lm_slab_start(ss, s))
    lm_invalid_pointer(s->free, "free", "not the start of a leanmalloc allocation");
  lm_heap_t *h = &lm_heap;
  if (flags & LM_SLAB_IN_FULL) lm_heap_unfull(h, s);
  if (lm_slab_used(s) == 0) lm_heap_slab_empty(h, ss, s);
  lm_purge_maybe_start();
}
