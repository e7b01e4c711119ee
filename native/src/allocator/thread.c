/* leanmalloc: process and thread lifecycle.
 *
 * - Process init parses the options on the first allocator entry (which may come from the
 *   dynamic loader or a constructor); the pthread key and the fork handlers are registered from
 *   our constructor, when libc is certainly initialised.
 * - Each thread's heap lives in initial-exec TLS. A pthread key destructor returns the heap's
 *   memory on thread exit: empty slabs and superslabs go back, superslabs still holding live
 *   blocks (freed later by other threads) are abandoned for adoption by the next thread.
 * - fork(): the handlers hold the global lock and the purger's lock across fork, so the child
 *   never inherits them locked; the child restarts the purger lazily. */
#include "internal.h"
#include <sched.h>
#include <stdlib.h>

__thread lm_heap_t lm_heap LM_TLS = {
  .direct = { [0 ... LM_DIRECT - 1] = &lm_empty_slab },
  .id = LM_SEG_NEVER,
  .hot_ss = LM_NO_SS,
};
uint16_t lm_segmap[LM_SEGMAP_SIZE];

typedef enum { LM_PROCESS_UNINIT = 0, LM_PROCESS_INITIALISING, LM_PROCESS_READY } lm_process_state_t;
static _Atomic lm_process_state_t g_process_state;
static __thread int t_in_process_init LM_TLS;
/* Heap ids are segmap entries, so they are 16-bit and recycled: a bit per id, set while in use.
 * An id is released only after teardown re-marked all of its superslabs as shared. */
static _Atomic uint64_t g_heap_ids[(LM_HEAP_ID_MAX + 64) / 64];

uint16_t lm_heap_id_alloc(void) {
  for (unsigned w = 0; w < sizeof g_heap_ids / sizeof g_heap_ids[0]; w++) {
    uint64_t bits = atomic_load_explicit(&g_heap_ids[w], memory_order_relaxed);
    if (w == 0) bits |= 1;   /* id 0 means "not ours" */
    while (~bits) {
      int b = __builtin_ctzll(~bits);
      unsigned id = w * 64 + (unsigned)b;
      if (id > LM_HEAP_ID_MAX) return LM_SEG_NEVER;
      if (!(atomic_fetch_or_explicit(&g_heap_ids[w], (uint64_t)1 << b, memory_order_acq_rel) & ((uint64_t)1 << b)))
        return (uint16_t)id;
      bits = atomic_load_explicit(&g_heap_ids[w], memory_order_relaxed) | (w == 0);
    }
  }
  return LM_SEG_NEVER;
}

void lm_heap_id_release(uint16_t id) {
  if (id == 0 || id > LM_HEAP_ID_MAX) return;
  atomic_fetch_and_explicit(&g_heap_ids[id / 64], ~((uint64_t)1 << (id % 64)), memory_order_release);
}
static _Atomic int g_prewarmed;
static pthread_key_t g_key;
static _Atomic int g_key_ready;

void lm_process_init(void) {
  if (LM_LIKELY(atomic_load_explicit(&g_process_state, memory_order_acquire) == LM_PROCESS_READY)) return;
  lm_process_state_t expected = LM_PROCESS_UNINIT;
  if (atomic_compare_exchange_strong(&g_process_state, &expected, LM_PROCESS_INITIALISING)) {
    t_in_process_init = 1;
    lm_options_init();
    atomic_store_explicit(&g_process_state, LM_PROCESS_READY, memory_order_release);
    t_in_process_init = 0;
    return;
  }
  if (t_in_process_init) return;     /* re-entered from our own initialisation */
  while (atomic_load_explicit(&g_process_state, memory_order_acquire) != LM_PROCESS_READY) sched_yield();
}

/* Speed profile: the first heap maps a superslab and gives every tiny class a slab up front, so
 * the first allocations of each class do not pay for mapping. Only the header page is touched. */
static void prewarm(lm_heap_t *h) {
  for (unsigned cls = 0; cls < LM_TINY_CLASSES; cls++)
    if (h->avail[cls].first == NULL && lm_ss_acquire_slab(h, cls) == NULL) return;
}

void lm_heap_init(lm_heap_t *h) {
  if (h->state == LM_HEAP_READY || h->state == LM_HEAP_INITIALISING) return;
  lm_process_init();
  h->state = LM_HEAP_INITIALISING;
  for (int i = 0; i < LM_DIRECT; i++) h->direct[i] = &lm_empty_slab;
  for (int c = 0; c < LM_CLASSES; c++) h->avail[c] = h->full[c] = (lm_slab_list_t){ NULL, NULL };
  h->ss_avail = h->ss_full = NULL;
  h->hot_ss = LM_NO_SS;
  h->id = lm_heap_id_alloc();   /* LM_SEG_NEVER if all ids are in use: the heap still works, slower */
  h->state = LM_HEAP_READY;   /* from here on a recursive malloc (e.g. from pthread_setspecific) just works */
  if (atomic_load_explicit(&g_key_ready, memory_order_acquire)) pthread_setspecific(g_key, h);
  if (!lm_options.lean && atomic_exchange(&g_prewarmed, 1) == 0) prewarm(h);
}

/* Thread exit: give back everything the heap holds that has no live block. */
static void heap_teardown(lm_heap_t *h) {
  for (unsigned cls = 0; cls < LM_CLASSES; cls++) {
    lm_slab_list_t *lists[2] = { &h->avail[cls], &h->full[cls] };
    for (int l = 0; l < 2; l++) {
      while (lists[l]->first) {
        lm_slab_t *s = lists[l]->first;
        lm_list_remove(lists[l], s);
        lm_slab_set_flags(s, 0);
        lm_slab_collect_remote(s);
        if (s->used == 0) lm_ss_release_slab(h, lm_ss_of(s), s);
      }
    }
  }
  while (h->ss_avail || h->ss_full) {
    lm_superslab_t *ss = h->ss_avail ? h->ss_avail : h->ss_full;
    lm_ss_heap_list_remove(h, ss);
    lm_ss_abandon(ss);      /* only superslabs with live blocks are still in these lists */
  }
  for (int i = 0; i < LM_DIRECT; i++) h->direct[i] = &lm_empty_slab;
  h->hot_ss = LM_NO_SS;
  lm_heap_id_release(h->id);
  h->id = LM_SEG_NEVER;
  h->state = LM_HEAP_TORN_DOWN;
}

static void heap_destructor(void *arg) {
  (void)arg;
  lm_heap_t *h = &lm_heap;
  if (h->state != LM_HEAP_READY) return;
  heap_teardown(h);
  lm_purge_maybe_start();
}

static void fork_prepare(void) {
  lm_purge_fork_prepare();
  lm_ss_fork_prepare();
  lm_large_fork_prepare();
}
static void fork_parent(void) {
  lm_large_fork_parent();
  lm_ss_fork_parent();
  lm_purge_fork_parent();
}
static void fork_child(void) {
  lm_large_fork_child();
  lm_ss_fork_child();
  lm_purge_fork_child();
}

__attribute__((constructor(101))) static void lm_constructor(void) {
  lm_process_init();
  if (pthread_key_create(&g_key, heap_destructor) == 0) {
    atomic_store_explicit(&g_key_ready, 1, memory_order_release);
    if (lm_heap.state == LM_HEAP_READY) pthread_setspecific(g_key, &lm_heap);
  }
  pthread_atfork(fork_prepare, fork_parent, fork_child);
}

__attribute__((destructor)) static void lm_destructor(void) {
  if (lm_options.stats) lm_stats_print();
}
