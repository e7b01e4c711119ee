/* leanmalloc: the parts of free() that are not the inlined local fast path: frees from other
 * threads, huge and NULL pointers, and the one clear message for pointers that are not ours. */
#include "internal.h"
#include <stdlib.h>

__attribute__((noreturn)) void lm_invalid_pointer(const void *p, const char *what, const char *why) {
  char addr[20];
  lm_hex_to_str((uintptr_t)p, addr);
  const char *parts[] = { "leanmalloc: ", what, "(", addr, "): invalid pointer: ", why, "; aborting" };
  lm_err(parts, 7);
  abort();
}

/* A block freed by a thread that does not own its superslab: one CAS onto the slab's
 * thread_free list; the owner collects it when the slab runs dry. If the slab sits in the
 * owner's full list, flag the superslab so the owner rescans it before mapping more memory. */
void lm_free_remote(lm_superslab_t *ss, lm_slab_t *s, lm_block_t *b) {
  if (ss->magic != LM_MAGIC) lm_invalid_pointer(b, "free", "superslab header magic is corrupted");
  if (atomic_load_explicit(&s->slow_flags, memory_order_relaxed) & LM_SLAB_NOT_IN_USE)
    lm_invalid_pointer(b, "free", "the block is not in a slab in use (double free or corrupted pointer)");
  if (s->reserved == 1 && (uint8_t *)b != lm_slab_start(ss, s))
    lm_invalid_pointer(b, "free", "not the start of a leanmalloc allocation");
  uintptr_t old = atomic_load_explicit(&s->thread_free, memory_order_relaxed), head;
  do {
    b->next = (lm_block_t *)(old & LM_TF_PTR_MASK);
    head = (uintptr_t)b | ((old & ~LM_TF_PTR_MASK) + ((uintptr_t)1 << LM_TF_COUNT_SHIFT));
  } while (!atomic_compare_exchange_weak_explicit(&s->thread_free, &old, head, memory_order_seq_cst,
                                                  memory_order_relaxed));
  LM_PERTURB_POINT(LM_PP_REMOTE_PUSHED);
  if (atomic_load_explicit(&s->slow_flags, memory_order_seq_cst) & LM_SLAB_IN_FULL)
    atomic_store_explicit(&ss->remote_full, 1, memory_order_relaxed);
  /* No owner (its thread exited): wake the purger, which collects the block, so the memory is
   * purged on the usual delay rather than when some thread next adopts the superslab. Read after
   * the push: either this sees the exiting owner's LM_SEG_SHARED, or lm_ss_abandon's scan sees
   * the block. The caller holds no lock, so the purger may be started here. */
  if (lm_purge_enabled && __atomic_load_n(&lm_segmap[((uintptr_t)ss >> LM_SS_SHIFT) & (LM_SEGMAP_SIZE - 1)], __ATOMIC_SEQ_CST) == LM_SEG_SHARED) {
    lm_purge_notify();
    lm_purge_maybe_start();
  }
}

void lm_free_slow(void *p) {
  if (p == NULL) return;
  uint16_t e = lm_seg_entry(p);
  if (e == LM_SEG_LARGE) { lm_large_free(p); return; }
  if (lm_seg_is_small(e)) {
    lm_superslab_t *ss = lm_ss_of(p);
    if (e == lm_heap.id) lm_free_inline(p);
    else lm_free_remote(ss, lm_span_of(ss, p), (lm_block_t *)p);
    return;
  }
  lm_invalid_pointer(p, "free", "not allocated by leanmalloc (foreign or corrupted pointer)");
}
