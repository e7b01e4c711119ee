/* leanmalloc: one slab's free lists and the heap's per-class slab lists.
 * Runs only when a slab's `free` list runs dry, or on the rare local frees that make a slab empty
 * or take it out of the full list. */
#include "internal.h"

const uint32_t lm_class_size[LM_CLASSES] = {
  16, 32, 48, 64, 80, 96, 112, 128,
  160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024,
  1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192,
  10240, 12288, 14336, 16384,
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
  s->reserved = (uint16_t)(LM_SLAB_SIZE / s->block_size);
  s->class_idx = (uint8_t)cls;
  atomic_store_explicit(&s->thread_free, NULL, memory_order_relaxed);
  atomic_store_explicit(&s->slow_flags, 0, memory_order_relaxed);
  s->next = s->prev = NULL;
}

/* Lazy free-list building: carve at most a page worth of blocks at a time, so memory that is
 * never needed is never touched (and never counts in RSS). */
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

/* Takes every block other threads freed into this slab (one atomic exchange). */
unsigned lm_slab_collect_remote(lm_slab_t *s) {
  if (atomic_load_explicit(&s->thread_free, memory_order_relaxed) == NULL) return 0;
  lm_block_t *list = atomic_exchange_explicit(&s->thread_free, NULL, memory_order_acquire);
  if (list == NULL) return 0;
  unsigned n = 1;
  lm_block_t *tail = list;
  while (tail->next) { tail = tail->next; n++; }
  tail->next = s->free;
  s->free = list;
  s->used -= (int32_t)n;
  lm_assert_internal(lm_slab_used(s) >= 0);
  return n;
}

/* `free` is empty: take over remote frees, else carve fresh blocks. */
int lm_slab_refill(lm_superslab_t *ss, lm_slab_t *s) {
  if (lm_slab_collect_remote(s)) return 1;
  return lm_slab_extend(ss, s);
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

/* A slab's last block came back. Keep it if it is the class's only slab (a class that keeps
 * going from 0 to 1 live block must not map and unmap a slab each time); otherwise hand it back
 * to its superslab, where it can serve another class or be purged. */
void lm_heap_slab_empty(lm_heap_t *h, lm_superslab_t *ss, lm_slab_t *s) {
  unsigned cls = s->class_idx;
  lm_assert_internal(lm_slab_used(s) == 0);
  lm_assert_expensive(lm_slab_is_valid(s));
  if (h->avail[cls].first == s && s->next == NULL) return;
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
            atomic_load_explicit(&s->thread_free, memory_order_relaxed) != NULL)
          lm_heap_unfull(h, s);
      }
    }
  }
}

/* Local free that needs attention: slab was full, became empty, or is not a slab in use. */
void lm_free_local_slow(lm_superslab_t *ss, lm_slab_t *s) {
  uint8_t flags = atomic_load_explicit(&s->slow_flags, memory_order_relaxed);
  if (flags & LM_SLAB_NOT_IN_USE) {
    lm_block_t *b = s->free;
    lm_invalid_pointer(b, "free", "the block is not in a slab in use (double free or corrupted pointer)");
  }
  lm_heap_t *h = &lm_heap;
  if (flags & LM_SLAB_IN_FULL) lm_heap_unfull(h, s);
  if (lm_slab_used(s) == 0) lm_heap_slab_empty(h, ss, s);
  lm_purge_maybe_start();
}
