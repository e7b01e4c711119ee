/* Which malloc is this process using, and what does its own stats API say?
 * Everything is found at run time with dlsym, so the same binary reports leanmalloc when it is linked
 * or preloaded, mimalloc/jemalloc/tcmalloc when one of them is preloaded, and glibc otherwise. */
#ifndef ALLOCSOAK_ALLOC_PROBE_H
#define ALLOCSOAK_ALLOC_PROBE_H

#include "json_line.h"

typedef enum { ALLOC_GLIBC, ALLOC_LEANMALLOC, ALLOC_MIMALLOC, ALLOC_JEMALLOC, ALLOC_TCMALLOC, ALLOC_UNKNOWN } alloc_kind_t;

typedef struct alloc_probe alloc_probe_t;

/* Probes once; the result is cached for the life of the process. Call before starting worker threads. */
const alloc_probe_t *alloc_probe(void);

/* "leanmalloc" | "mimalloc" | "jemalloc" | "tcmalloc" | "glibc" | "unknown" */
const char *alloc_probe_name(const alloc_probe_t *p);
/* The file of the shared object that provides `malloc` (dladdr), or "" when unknown. */
const char *alloc_probe_malloc_lib(const alloc_probe_t *p);
/* leanmalloc_profile() when available, else NULL. */
const char *alloc_probe_profile(const alloc_probe_t *p);
/* The allocator's version as its own API gives it (mi_version, mallctl "version", tc_version,
 * gnu_get_libc_version), or NULL when it exposes none. */
const char *alloc_probe_version(const alloc_probe_t *p);

/* Writes the start line's allocator fields (docs/protocol.md): "allocator", "malloc_lib",
 * "allocator_version" when known and, under leanmalloc, "allocator_profile" and "allocator_knobs"
 * (every LEANMALLOC_* variable with the value leanmalloc runs with). */
void alloc_probe_start_fields(const alloc_probe_t *p, json_line_t *j);

/* Writes a "counters" object into the line: leanmalloc's fields by their header names, or the peer
 * allocator's stats under prefixed names ("mimalloc.current_commit", "jemalloc.resident", ...),
 * or {} for glibc. */
void alloc_probe_counters(const alloc_probe_t *p, json_line_t *j);

#endif
