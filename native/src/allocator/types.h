/* leanmalloc: every shared structure and constant in one place.
 *
 * Memory layout (why): all blocks up to 2 MiB live in 4 MiB "superslabs" aligned to 4 MiB, so the
 * superslab (and its header) of any block is found by masking the pointer, with no lookup table
 * walk. A superslab is cut into 64 slabs of 64 KiB; slab 0 holds the header (slab descriptors
 * included), slabs 1..63 are handed out as spans: one slab for a small size class (<= 16 KiB),
 * 8, 16 or 32 slabs for a medium class (several blocks each), 10..32 slabs for one large block. The
 * first descriptor of a span describes it; the others are tails that point back to it, so a
 * pointer still reaches its descriptor with shifts only (mimalloc's slices, 64 KiB as here).
 * Blocks above 2 MiB get a mapping of whole 4 MiB units ("huge", large.c).
 * A process-wide map (segmap, 16 bits per 4 MiB unit of the 47-bit address space) says whether the
 * unit starts one of our mappings and, for superslabs, which heap owns it. free() consults it
 * before touching any header, so a foreign pointer is reported instead of crashing on an unmapped
 * address, and one compare of the entry with the thread's heap id decides the local fast path. */
#ifndef LM_TYPES_H
#define LM_TYPES_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <leanmalloc.h>

#define LM_LIKELY(x)   __builtin_expect(!!(x), 1)
#define LM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LM_HIDDEN      __attribute__((visibility("hidden")))
#define LM_NOINLINE    __attribute__((noinline))

#define LM_SS_SHIFT     22
#define LM_SS_SIZE      ((size_t)1 << LM_SS_SHIFT)        /* 4 MiB superslab */
#define LM_SS_MASK      (LM_SS_SIZE - 1)
#define LM_SLAB_SHIFT   16
#define LM_SLAB_SIZE    ((size_t)1 << LM_SLAB_SHIFT)      /* 64 KiB slab */
#define LM_SLABS        ((int)(LM_SS_SIZE / LM_SLAB_SIZE)) /* 64; slab 0 is the header */
#define LM_PAGE         4096u

#define LM_MAGIC        0x6c65616e6d616c31ull             /* "leanmal1" */
#define LM_LARGE_MAGIC  0x6c65616e6c617267ull             /* "leanlarg" */

/* segmap: one 16-bit entry per 4 MiB unit of the 47-bit user address space (64 MiB of virtual
 * .bss; only the touched pages cost memory, typically one). Entry values: */
#define LM_SEGMAP_BITS  (47 - LM_SS_SHIFT)
#define LM_SEGMAP_SIZE  ((size_t)1 << LM_SEGMAP_BITS)
enum {
  LM_SEG_NONE   = 0,        /* not ours */
  LM_HEAP_ID_MAX = 0xFFFC,  /* 1..LM_HEAP_ID_MAX: a superslab owned by that heap */
  LM_SEG_SHARED = 0xFFFD,   /* a superslab with no owner (cached or abandoned) */
  LM_SEG_LARGE  = 0xFFFE,   /* the unit holding the user pointer of a huge block */
  LM_SEG_NEVER  = 0xFFFF,   /* never stored: the id of a heap not (or no longer) initialised */
};

/* Size classes: 16-byte steps up to 128 B, then 4 classes per doubling up to 2 MiB (64 classes).
 * Sizes up to LM_TINY_MAX are looked up directly by (size+15)/16 on the fast path. Classes up to
 * LM_SMALL_MAX take one slab, the medium ones up to 512 KiB a span of 8, 16 or 32 slabs, the
 * large ones up to LM_SPAN_MAX a span of their own size (one block); slab.c has the tables.
 * Larger sizes are huge. */
#define LM_TINY_MAX     1024u
#define LM_DIRECT       ((int)(LM_TINY_MAX / 16 + 1))     /* 65 entries */
#define LM_SMALL_MAX    16384u
#define LM_SPAN_MAX     ((size_t)2 << 20)
#define LM_CLASSES      64
#define LM_TINY_CLASSES 20                                /* classes 0..19 are <= 1024 B */

/* The largest request leanmalloc accepts (64 TiB: half the 47-bit user address space). Checked
 * before any size is rounded, so that no rounding up to a page, class or alignment can wrap. */
#define LM_ALLOC_MAX    ((size_t)1 << 46)

/* "no superslab": never equal to a 4 MiB-aligned address, NULL included */
#define LM_NO_SS ((struct lm_superslab_s *)(uintptr_t)1)

typedef struct lm_block_s { struct lm_block_s *next; } lm_block_t;

/* slab flags (slow_flags): any set bit sends a local free to the slow path. While a flag is set,
 * `used` carries a bias of -LM_USED_BIAS, so the free fast path needs a single test
 * (--used <= 0) for "slab became empty", "slab was full", "slab not in use" and "tail of a span"
 * (a block of a multi-slab span that starts past its first slab: the slow path moves it to the
 * span's descriptor, so the tiny fast path pays nothing for spans). */
enum { LM_SLAB_IN_FULL = 1, LM_SLAB_NOT_IN_USE = 2, LM_SLAB_TAIL = 4 };
#define LM_USED_BIAS (1 << 30)

/* thread_free packs the head of the remote-free list (user addresses fit in 47 bits) with the
 * number of blocks in it, updated by the same CAS: the owner takes the whole list with one exchange
 * and knows its length without walking it (why: each block of that list was just written by
 * another core, so a walk costs a cache transfer per block, all in a row). */
#define LM_TF_COUNT_SHIFT 48
#define LM_TF_PTR_MASK    (((uintptr_t)1 << LM_TF_COUNT_SHIFT) - 1)

/* One span of one size class: a 64 KiB slab, or the first slab of a multi-slab span (64-byte
 * descriptor: found from a pointer by shifts only). Two free lists: `free`, which malloc pops and the owning
 * thread's free pushes (no atomics; LIFO keeps the hottest block on top), and `thread_free`,
 * which other threads push with one CAS; the owner takes it over only when `free` runs dry.
 * (mimalloc keeps a third list for local frees to force a periodic slow path for housekeeping;
 * leanmalloc's housekeeping runs on slab events and in the purge thread, so it needs none.) */
typedef struct lm_slab_s {
  lm_block_t *free;
  int32_t  used;          /* blocks handed out and not back in `free` (biased while flagged) */
  uint16_t capacity;      /* blocks carved so far (free lists are built lazily) */
  uint16_t reserved;      /* blocks that fit in the span */
  uint8_t  class_idx;
  _Atomic uint8_t slow_flags;
  uint8_t  span_slabs;    /* slabs in this span (first descriptor) */
  uint8_t  head_offset;   /* tails: how many descriptors back the span's first one is */
  uint32_t block_size;
  _Atomic uintptr_t thread_free;   /* list of remote frees: head | count << LM_TF_COUNT_SHIFT */
  struct lm_slab_s *next, *prev;   /* heap's per-class available or full list */
  uint64_t freed_at_ms;            /* when the slab went back to its superslab (purge delay) */
} __attribute__((aligned(64))) lm_slab_t;

/* Where a superslab is. Exactly one thread holds a superslab that is not on a shared list; the
 * state changes only under the global lock, when it enters or leaves a shared list. */
typedef enum {
  LM_SS_HELD = 0,     /* held by one thread: its owning heap's, an adopter, or the purger collecting it */
  LM_SS_CACHED,       /* in the cache (empty) */
  LM_SS_ABANDONED,    /* on the abandoned list: its thread exited while it held live blocks */
} lm_ss_state_t;

/* Which list of its owning heap a superslab is in (owner thread only). */
typedef enum { LM_SS_LIST_NONE = 0, LM_SS_LIST_AVAIL, LM_SS_LIST_FULL } lm_ss_list_t;

typedef struct lm_superslab_s {
  uint64_t magic;                  /* LM_MAGIC: checked on every slow path that reaches a header */
  _Atomic uint8_t remote_full;     /* a remote free hit a full slab: owner should rescan */
  lm_ss_state_t state;             /* changes under the global lock only */
  uint16_t used_slabs;             /* slabs handed to size classes */
  pthread_mutex_t lock;            /* slab acquire/release vs. the background purger */
  uint64_t free_mask;              /* bit i: slab i is not in use */
  uint64_t decommitted_mask;       /* bit i: slab i was madvised away (and is free) */
  uint64_t cached_at_ms;
  struct lm_superslab_s *next, *prev;       /* heap list, cache list or abandoned list */
  struct lm_superslab_s *all_next, *all_prev; /* registry of every mapped superslab */
  lm_ss_list_t heap_list;                   /* which of its owner's lists it is in */
  lm_slab_t slabs[LM_SLABS];
} lm_superslab_t;

/* Header of a huge (> 2 MiB) block: whole 4 MiB units, the header at the start of the first. The
 * user pointer is one page in, or `align` in for alignments below 4 MiB (both inside the first
 * unit, found by masking); for alignments of 4 MiB and more it is the start of the second unit,
 * and the header the unit before it. */
typedef struct lm_large_s {
  uint64_t magic;
  void    *user;         /* the one pointer free() accepts for this block */
  size_t   size;         /* bytes from the header on: a multiple of LM_SS_SIZE */
} lm_large_t;

/* A doubly linked list of slabs (a heap's available or full slabs of one class). */
typedef struct { lm_slab_t *first, *last; } lm_slab_list_t;

/* A heap's life. Zero is the state of a thread's TLS before its first allocation. */
typedef enum {
  LM_HEAP_UNINIT = 0,     /* no allocation yet (TLS is zero-initialised) */
  LM_HEAP_INITIALISING,   /* lm_heap_init is running (a recursive malloc must not re-enter it) */
  LM_HEAP_READY,
  LM_HEAP_TORN_DOWN,      /* thread exit returned its memory; later allocations re-initialise */
} lm_heap_state_t;

/* Per-thread heap, kept directly in initial-exec TLS so the fast path is one TLS-relative load. */
typedef struct lm_heap_s {
  lm_slab_t *direct[LM_DIRECT];    /* (size+15)/16 -> slab to pop from (never NULL) */
  uint16_t id;                     /* segmap entry of the superslabs it owns; LM_SEG_NEVER if none */
  struct lm_superslab_s *hot_ss;   /* an owned superslab, checked before the segmap; LM_NO_SS if none */
  lm_slab_list_t avail[LM_CLASSES];   /* slabs that may have free blocks; first = current */
  lm_slab_list_t full[LM_CLASSES];    /* slabs found full; frees move them back, to the end */
  lm_superslab_t *ss_avail;        /* owned superslabs with free slabs */
  lm_superslab_t *ss_full;         /* owned superslabs with no free slab */
  lm_heap_state_t state;
} lm_heap_t;

/* Decommit policies (LEANMALLOC_DECOMMIT). */
enum { LM_DECOMMIT_OFF = 0, LM_DECOMMIT_FREE = 1, LM_DECOMMIT_DONTNEED = 2 };

typedef struct lm_options_s {
  int lean;                 /* LEANMALLOC_LEAN: suppress prewarm */
  int decommit;             /* LEANMALLOC_DECOMMIT */
  int64_t target_mb;        /* LEANMALLOC_TARGET_MB; -1 = unlimited */
  int64_t purge_delay_ms;   /* LEANMALLOC_PURGE_DELAY_MS */
  int stats;                /* LEANMALLOC_STATS */
  const char *profile;      /* "speed", "balanced", "lean" or "custom" */
  int64_t perturb_us;       /* LEANMALLOC_PERTURB_US, read by PERTURB builds only */
} lm_options_t;

/* The counters of include/leanmalloc.h's list, as relaxed atomics (slow-path events only). */
typedef struct lm_counters_s {
#define LM_COUNTER_FIELD(name, meaning) _Atomic uint64_t name;
  LEANMALLOC_FOREACH_COUNTER(LM_COUNTER_FIELD)
#undef LM_COUNTER_FIELD
} lm_counters_t;

#endif
