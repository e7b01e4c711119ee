/* leanmalloc internals: globals, the inlined fast paths, and the slow-path entry points.
 * Only the fast paths live here (so api.c inlines them into malloc/free); everything that runs
 * once per slab, superslab or thread lives in its own .c file. */
#ifndef LM_INTERNAL_H
#define LM_INTERNAL_H

#include "types.h"
#include <string.h>

#define LM_TLS __attribute__((tls_model("initial-exec")))

extern __thread lm_heap_t lm_heap LM_TLS LM_HIDDEN;
extern uint16_t lm_segmap[LM_SEGMAP_SIZE] LM_HIDDEN;
extern lm_slab_t lm_empty_slab LM_HIDDEN;
extern lm_options_t lm_options LM_HIDDEN;
extern lm_counters_t lm_counters LM_HIDDEN;
extern const uint32_t lm_class_size[LM_CLASSES] LM_HIDDEN;
extern const uint8_t lm_class_slabs[LM_CLASSES] LM_HIDDEN;   /* slabs per span */
extern const uint8_t lm_class_align[LM_CLASSES] LM_HIDDEN;   /* span start: a multiple of this many slabs */
extern int lm_purge_enabled LM_HIDDEN;   /* decommit or retire can happen: track free times */

/* ---- internal assertions (make DEBUG=1) ----
 * Three tiers, as in mimalloc: lm_assert checks what a caller promises, lm_assert_internal the
 * allocator's own invariants, lm_assert_expensive invariants that cost a walk (a free list, a
 * mask recount). LM_DEBUG (0..3) turns on the tiers up to its value. Release builds have
 * LM_DEBUG 0, where every tier compiles to nothing, so the fast paths are the same instructions
 * with or without the assertions written into them. */
#ifndef LM_DEBUG
#define LM_DEBUG 0
#endif
#if LM_DEBUG > 0
__attribute__((noreturn, cold)) void lm_assert_fail(const char *expr, const char *file, int line, const char *func) LM_HIDDEN;
#define lm_assert(e) (LM_LIKELY(e) ? (void)0 : lm_assert_fail(#e, __FILE__, __LINE__, __func__))
#else
#define lm_assert(e) ((void)0)
#endif
#if LM_DEBUG > 1
#define lm_assert_internal(e) lm_assert(e)
#else
#define lm_assert_internal(e) ((void)0)
#endif
#if LM_DEBUG > 2
#define lm_assert_expensive(e) lm_assert(e)
#else
#define lm_assert_expensive(e) ((void)0)
#endif

/* ---- schedule perturbation (make PERTURB=1: test builds only) ----
 * Named points between two steps of a hand-off between threads. A PERTURB build, run with
 * LEANMALLOC_PERTURB_US=n, sleeps about n microseconds or yields at them, so that interleavings a
 * normal run produces once in a great while (another thread slipping in between the two steps)
 * happen in every run. A correct allocator survives any delay; other builds compile the points
 * to nothing. */
typedef enum {
  LM_PP_GAVE_BACK,      /* a superslab just went to the cache */
  LM_PP_CACHE_TAKEN,    /* a superslab just left the cache, not yet owned by the taker's heap */
  LM_PP_ABANDONED,      /* an exiting thread just put a superslab on the abandoned list */
  LM_PP_ADOPT_TAKEN,    /* a superslab just left the abandoned list, not yet adopted */
  LM_PP_RECLAIM_TAKEN,  /* the purger just took a superslab off the abandoned list */
  LM_PP_REMOTE_PUSHED,  /* a remote free just pushed its block, flags not yet looked at */
  LM_PP_COUNT
} lm_perturb_point_t;
#ifdef LM_PERTURB
void lm_perturb(lm_perturb_point_t at) LM_HIDDEN;
#define LM_PERTURB_POINT(at) lm_perturb(at)
#else
#define LM_PERTURB_POINT(at) ((void)0)
#endif

/* ---- counters (slow path only) ---- */
#define LM_COUNT(field, n) atomic_fetch_add_explicit(&lm_counters.field, (uint64_t)(n), memory_order_relaxed)
#define LM_UNCOUNT(field, n) atomic_fetch_sub_explicit(&lm_counters.field, (uint64_t)(n), memory_order_relaxed)

/* ---- size classes ---- */
static inline unsigned lm_class_of(size_t n) {   /* n <= LM_SPAN_MAX */
  if (n <= 128) return n == 0 ? 0 : (unsigned)((n - 1) >> 4);
  size_t w = n - 1;
  unsigned b = 63u - (unsigned)__builtin_clzl(w);          /* 2^b <= w < 2^(b+1) */
  return 8u + (b - 7u) * 4u + (unsigned)((w >> (b - 2u)) & 3u);
}

static inline lm_superslab_t *lm_ss_of(const void *p) {
  return (lm_superslab_t *)((uintptr_t)p & ~(uintptr_t)LM_SS_MASK);
}
static inline uint16_t lm_seg_entry(const void *p) {
  return __atomic_load_n(&lm_segmap[((uintptr_t)p >> LM_SS_SHIFT) & (LM_SEGMAP_SIZE - 1)], __ATOMIC_RELAXED);
}
static inline int lm_seg_is_small(uint16_t e) { return e != LM_SEG_NONE && e < LM_SEG_LARGE; }
static inline void lm_seg_set(const void *base, uint16_t e) {
  __atomic_store_n(&lm_segmap[(uintptr_t)base >> LM_SS_SHIFT], e, __ATOMIC_RELEASE);
}
static inline lm_slab_t *lm_slab_of(lm_superslab_t *ss, const void *p) {
  /* == &ss->slabs[(p >> 16) & 63] with 64-byte descriptors, as one shift and one mask */
  _Static_assert(sizeof(lm_slab_t) == 64, "slab descriptors are 64 bytes");
  return (lm_slab_t *)((uint8_t *)ss->slabs + (((uintptr_t)p >> (LM_SLAB_SHIFT - 6)) & ((LM_SLABS - 1) << 6)));
}
/* The descriptor of the span holding p: a tail points back to its span's first descriptor. */
static inline lm_slab_t *lm_span_of(lm_superslab_t *ss, const void *p) {
  lm_slab_t *s = lm_slab_of(ss, p);
  if (atomic_load_explicit(&s->slow_flags, memory_order_relaxed) & LM_SLAB_TAIL) s -= s->head_offset;
  return s;
}
/* Flags and the `used` bias change together (owner thread only). Setting IN_FULL is the owner's
 * half of a Dekker handshake with lm_free_remote (store the flag, then load thread_free), so that
 * store is sequentially consistent; no other change needs a fence, and a fence here is costly: it
 * waits for every store the program has pending, cache misses included. */
static inline void lm_slab_set_flags(lm_slab_t *s, uint8_t flags) {
  uint8_t old = atomic_load_explicit(&s->slow_flags, memory_order_relaxed);
  if (old == 0 && flags != 0) s->used -= LM_USED_BIAS;
  else if (old != 0 && flags == 0) s->used += LM_USED_BIAS;
  if (flags & LM_SLAB_IN_FULL) atomic_store_explicit(&s->slow_flags, flags, memory_order_seq_cst);
  else atomic_store_explicit(&s->slow_flags, flags, memory_order_release);
}
static inline int32_t lm_slab_used(const lm_slab_t *s) {
  return atomic_load_explicit(&s->slow_flags, memory_order_relaxed) ? s->used + LM_USED_BIAS : s->used;
}

static inline uint8_t *lm_slab_start(lm_superslab_t *ss, const lm_slab_t *s) {
  return (uint8_t *)ss + ((size_t)(s - ss->slabs) << LM_SLAB_SHIFT);
}
/* For assertions: p is the start of a block of span s (not inside one, not in another span). A
 * span's blocks lie in all of its slabs, and a tail descriptor stands for its span. */
static inline int lm_is_block_of(const lm_slab_t *s, const void *p) {
  lm_superslab_t *ss = lm_ss_of(p);
  if (atomic_load_explicit(&s->slow_flags, memory_order_relaxed) & LM_SLAB_TAIL) s -= s->head_offset;
  if (lm_span_of(ss, p) != s || s->block_size == 0) return 0;
  size_t off = (size_t)((const uint8_t *)p - lm_slab_start(ss, s));
  return off % s->block_size == 0 && off / s->block_size < s->capacity;
}

/* ---- slow paths ---- */
void *lm_malloc_slow(size_t n) LM_HIDDEN LM_NOINLINE;
void *lm_alloc_class_slow(lm_heap_t *h, unsigned cls) LM_HIDDEN LM_NOINLINE;
void  lm_free_slow(void *p) LM_HIDDEN LM_NOINLINE;
void  lm_free_local_slow(lm_superslab_t *ss, lm_slab_t *s) LM_HIDDEN LM_NOINLINE;
void  lm_free_remote(lm_superslab_t *ss, lm_slab_t *s, lm_block_t *b) LM_HIDDEN LM_NOINLINE;
__attribute__((noreturn)) void lm_invalid_pointer(const void *p, const char *what, const char *why) LM_HIDDEN;

void *lm_malloc_aligned(size_t n, size_t align) LM_HIDDEN;
void *lm_calloc(size_t count, size_t size) LM_HIDDEN;
void *lm_realloc(void *p, size_t n) LM_HIDDEN;
size_t lm_usable_size(const void *p, const char *what) LM_HIDDEN;

/* slab.c: one slab's free lists */
void lm_slab_init(lm_slab_t *s, unsigned cls) LM_HIDDEN;
int  lm_slab_extend(lm_superslab_t *ss, lm_slab_t *s) LM_HIDDEN;
unsigned lm_slab_collect_remote(lm_slab_t *s) LM_HIDDEN;
void lm_list_push(lm_slab_list_t *l, lm_slab_t *s) LM_HIDDEN;     /* at the front */
void lm_list_append(lm_slab_list_t *l, lm_slab_t *s) LM_HIDDEN;   /* at the end */
void lm_list_remove(lm_slab_list_t *l, lm_slab_t *s) LM_HIDDEN;
void lm_heap_set_direct(lm_heap_t *h, unsigned cls) LM_HIDDEN;
void lm_heap_slab_empty(lm_heap_t *h, lm_superslab_t *ss, lm_slab_t *s) LM_HIDDEN;
void lm_heap_rescan_remote(lm_heap_t *h) LM_HIDDEN;
void lm_heap_unfull(lm_heap_t *h, lm_slab_t *s) LM_HIDDEN;
#if LM_DEBUG > 2
int  lm_slab_is_valid(lm_slab_t *s) LM_HIDDEN;   /* for lm_assert_expensive */
#endif

/* superslab.c: superslabs and the spans inside them */
lm_slab_t *lm_ss_acquire_slab(lm_heap_t *h, unsigned cls) LM_HIDDEN;   /* a span of class cls */
void lm_ss_release_slab(lm_heap_t *h, lm_superslab_t *ss, lm_slab_t *s) LM_HIDDEN;
void lm_ss_give_back(lm_superslab_t *ss) LM_HIDDEN;   /* empty superslab -> cache */
void lm_ss_abandon(lm_superslab_t *ss) LM_HIDDEN;     /* live superslab of an exiting thread */
int  lm_ss_reclaim_abandoned(void) LM_HIDDEN;          /* purger: collect frees into abandoned ones */
void lm_ss_heap_list_remove(lm_heap_t *h, lm_superslab_t *ss) LM_HIDDEN;
int  lm_ss_purge_pass(uint64_t now_ms) LM_HIDDEN;     /* returns 1 while work is pending */
void lm_ss_fork_prepare(void) LM_HIDDEN;
void lm_ss_fork_parent(void) LM_HIDDEN;
void lm_ss_fork_child(void) LM_HIDDEN;

/* large.c: huge blocks (> LM_SPAN_MAX) and their cache */
void *lm_large_alloc(size_t n, size_t align, int zero) LM_HIDDEN;
void  lm_large_free(void *p) LM_HIDDEN;
size_t lm_large_usable(const void *p, const char *what) LM_HIDDEN;
int   lm_large_resize_in_place(void *p, size_t n) LM_HIDDEN;   /* n <= LM_ALLOC_MAX; 1 if done */
int   lm_large_purge_pass(uint64_t now_ms) LM_HIDDEN;
void  lm_large_fork_prepare(void) LM_HIDDEN;
void  lm_large_fork_parent(void) LM_HIDDEN;
void  lm_large_fork_child(void) LM_HIDDEN;

/* os.c */
void *lm_os_map(size_t size) LM_HIDDEN;
void *lm_os_map_aligned(size_t size, size_t align) LM_HIDDEN;
void  lm_os_unmap(void *p, size_t size) LM_HIDDEN;
int   lm_os_grow_in_place(void *p, size_t old_size, size_t new_size) LM_HIDDEN;
void  lm_os_decommit(void *p, size_t size) LM_HIDDEN;
uint64_t lm_now_ms(void) LM_HIDDEN;
void  lm_err(const char *const *parts, int n) LM_HIDDEN;     /* one line to stderr, no malloc */
void  lm_u64_to_str(uint64_t v, char *buf) LM_HIDDEN;        /* buf >= 21 bytes */
void  lm_hex_to_str(uintptr_t v, char *buf) LM_HIDDEN;       /* buf >= 19 bytes */

/* options.c */
void lm_options_init(void) LM_HIDDEN;

/* thread.c: process and thread lifecycle */
void lm_process_init(void) LM_HIDDEN;
void lm_heap_init(lm_heap_t *h) LM_HIDDEN;
uint16_t lm_heap_id_alloc(void) LM_HIDDEN;
void lm_heap_id_release(uint16_t id) LM_HIDDEN;

/* purge.c */
void lm_purge_notify(void) LM_HIDDEN;        /* wake the purger (safe anywhere) */
void lm_purge_maybe_start(void) LM_HIDDEN;   /* start it if wanted (only where malloc may recurse) */
void lm_purge_fork_prepare(void) LM_HIDDEN;
void lm_purge_fork_parent(void) LM_HIDDEN;
void lm_purge_fork_child(void) LM_HIDDEN;

/* stats.c */
void lm_stats_print(void) LM_HIDDEN;

/* ---- fast paths ---- */

/* malloc for n <= LM_TINY_MAX: one TLS-relative load to find the slab, pop its free list. */
static inline void *lm_malloc_inline(size_t n) {
  if (LM_LIKELY(n <= LM_TINY_MAX)) {
    lm_slab_t *s = lm_heap.direct[(n + 15) >> 4];
    lm_block_t *b = s->free;
    if (LM_LIKELY(b != NULL)) {
      lm_assert_internal(lm_is_block_of(s, b));
      s->free = b->next;
      s->used++;
      return b;
    }
  }
  return lm_malloc_slow(n);
}

/* free: the pointer is in this thread's hot superslab (the one it last freed into; reset whenever
 * a superslab leaves the heap, so it is always one we own), or the segmap entry of its 4 MiB unit
 * is this thread's heap id -> push on `free`. Everything else (other owners, large, NULL,
 * foreign) goes to lm_free_slow. The hot check spares the segmap load in the common case. */
static inline void lm_free_inline(void *p) {
  lm_superslab_t *ss = lm_ss_of(p);
  if (LM_LIKELY(ss == lm_heap.hot_ss) || (LM_LIKELY(lm_seg_entry(p) == lm_heap.id) && (lm_heap.hot_ss = ss, 1))) {
    lm_slab_t *s = lm_slab_of(ss, p);
    lm_block_t *b = (lm_block_t *)p;
    lm_assert(atomic_load_explicit(&s->slow_flags, memory_order_relaxed) & LM_SLAB_NOT_IN_USE || lm_is_block_of(s, p));
    lm_assert_internal(ss->magic == LM_MAGIC);
    b->next = s->free;
    s->free = b;
#if defined(__x86_64__) && (__GNUC__ >= 11 || __clang_major__ >= 11)   /* asm goto with outputs */
    /* Same test as the #else branch: gcc 12 compiles `--s->used <= 0` as load, sub, store, test,
     * jle; the flags of one subtract-from-memory already answer it (jle: new value <= 0, signed).
     * 3 of the fast path's 18 instructions, and the hot path then fits in the 64-byte line free()
     * starts on. Measured with callgrind: docs/performance.md (2026-11-23, fast-path notes). */
    __asm__ goto("subl $1, %0\n\tjle %l[slab_event]" : "+m"(s->used) : : "cc" : slab_event);
    return;
  slab_event:
    lm_free_local_slow(ss, s);
#else
    if (LM_UNLIKELY(--s->used <= 0)) lm_free_local_slow(ss, s);
#endif
    return;
  }
  lm_free_slow(p);
}

#endif
