#define _GNU_SOURCE
#include "alloc_probe.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "leanmalloc.h"

typedef int (*lean_stats_fn)(leanmalloc_stats_t *);
typedef const char *(*lean_profile_fn)(void);
typedef void (*mi_process_info_fn)(size_t *, size_t *, size_t *, size_t *, size_t *, size_t *, size_t *, size_t *);
typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
typedef int (*tc_numeric_fn)(const char *, size_t *);
typedef int (*lean_config_fn)(leanmalloc_config_t *);
typedef int (*mi_version_fn)(void);
typedef const char *(*tc_version_fn)(int *, int *, const char **);
typedef const char *(*libc_version_fn)(void);

struct alloc_probe {
  alloc_kind_t kind;
  char malloc_lib[512];
  lean_stats_fn lean_stats;   /* NULL under leanmalloc when its stats layout is not ours */
  lean_profile_fn lean_profile;
  mi_process_info_fn mi_process_info;
  mallctl_fn mallctl;
  tc_numeric_fn tc_numeric;
  char version[128];          /* "" when the allocator exposes none */
  int have_config;            /* leanmalloc's effective knobs are in `config` */
  leanmalloc_config_t config;
};

static struct alloc_probe probe_result;
static int probed;

/* Looks a symbol up first in the object that provides malloc (so a library merely loaded alongside
 * does not fool us), then process-wide (leanmalloc linked into the executable). */
static void *find(void *malloc_obj, const char *name) {
  void *s = malloc_obj ? dlsym(malloc_obj, name) : NULL;
  return s ? s : dlsym(RTLD_DEFAULT, name);
}

/* leanmalloc_get_stats fills a struct whose layout this program fixed when it was compiled; the
 * library in the process may have been built from another counter list. Asked once: on a mismatch
 * one line on stderr says so and the counters stay {} rather than misread. */
static int lean_layout_matches(lean_stats_fn get) {
  leanmalloc_stats_t s = LEANMALLOC_STATS_INIT;
  int r = get(&s);
  if (r == LEANMALLOC_STATS_OK && s.size == sizeof s && s.version == LEANMALLOC_STATS_VERSION) return 1;
  if (r == LEANMALLOC_STATS_OK) {
    /* a library that ignores the header wrote its first counter over it */
    fprintf(stderr, "alloc_probe: leanmalloc_get_stats does not state its stats layout (a leanmalloc older than "
            "stats version %u?); leanmalloc counters are not reported\n", (unsigned)LEANMALLOC_STATS_VERSION);
  } else if (r == LEANMALLOC_STATS_MISMATCH) {
    fprintf(stderr, "alloc_probe: leanmalloc_get_stats has stats version %u (%u bytes), this program was built for "
            "version %u (%zu bytes); leanmalloc counters are not reported\n",
            s.version, s.size, (unsigned)LEANMALLOC_STATS_VERSION, sizeof s);
  } else {
    fprintf(stderr, "alloc_probe: leanmalloc_get_stats failed (%d); leanmalloc counters are not reported\n", r);
  }
  return 0;
}

/* The allocator's own version string, asked through its API where it has one. Nothing is linked:
 * every function is looked up in the object that provides malloc. */
static void read_version(struct alloc_probe *p, void *malloc_obj) {
  switch (p->kind) {
    case ALLOC_MIMALLOC: {
      mi_version_fn f = (mi_version_fn)dlsym(malloc_obj, "mi_version");
      if (f) {   /* MI_MALLOC_VERSION: 212 is 2.1.2 (mimalloc prints it this way itself) */
        int v = f();
        snprintf(p->version, sizeof p->version, "%d.%d.%d", v / 100, (v / 10) % 10, v % 10);
      }
      break;
    }
    case ALLOC_JEMALLOC: {
      const char *v = NULL;
      size_t len = sizeof v;
      if (p->mallctl("version", &v, &len, NULL, 0) == 0 && v) snprintf(p->version, sizeof p->version, "%s", v);
      break;
    }
    case ALLOC_TCMALLOC: {
      tc_version_fn f = (tc_version_fn)dlsym(malloc_obj, "tc_version");
      int major = 0, minor = 0;
      const char *patch = NULL;
      const char *v = f ? f(&major, &minor, &patch) : NULL;
      if (v) snprintf(p->version, sizeof p->version, "%s", v);
      break;
    }
    case ALLOC_GLIBC: {
      libc_version_fn f = (libc_version_fn)find(malloc_obj, "gnu_get_libc_version");
      if (f) snprintf(p->version, sizeof p->version, "%s", f());
      break;
    }
    default:
      break;   /* leanmalloc has no release version: the daemon records its library's sha256 */
  }
}

/* leanmalloc's effective knobs, when the library has leanmalloc_get_config in the layout this
 * program was built with (otherwise one line on stderr, and no knobs reported). */
static void read_config(struct alloc_probe *p, void *malloc_obj) {
  lean_config_fn get = (lean_config_fn)find(malloc_obj, "leanmalloc_get_config");
  if (!get) return;   /* a leanmalloc older than the call: its profile is still reported */
  leanmalloc_config_t c = LEANMALLOC_CONFIG_INIT;
  int r = get(&c);
  if (r == LEANMALLOC_STATS_OK && c.size == sizeof c && c.version == LEANMALLOC_CONFIG_VERSION) {
    p->config = c;
    p->have_config = 1;
  } else {
    fprintf(stderr, "alloc_probe: leanmalloc_get_config has config version %u (%u bytes), this program was built for "
            "version %u (%zu bytes); leanmalloc knobs are not reported\n",
            c.version, c.size, (unsigned)LEANMALLOC_CONFIG_VERSION, sizeof c);
  }
}

const alloc_probe_t *alloc_probe(void) {
  if (probed) return &probe_result;
  probed = 1;
  struct alloc_probe *p = &probe_result;
  void *malloc_obj = NULL;
  void *malloc_sym = dlsym(RTLD_DEFAULT, "malloc");
  Dl_info info;
  if (malloc_sym && dladdr(malloc_sym, &info) && info.dli_fname) {
    strncpy(p->malloc_lib, info.dli_fname, sizeof p->malloc_lib - 1);
    malloc_obj = dlopen(info.dli_fname, RTLD_NOLOAD | RTLD_LAZY);
  }
  const char *base = strrchr(p->malloc_lib, '/');
  base = base ? base + 1 : p->malloc_lib;

  p->lean_stats = (lean_stats_fn)find(malloc_obj, "leanmalloc_get_stats");
  p->lean_profile = (lean_profile_fn)find(malloc_obj, "leanmalloc_profile");
  if (p->lean_stats) {
    p->kind = ALLOC_LEANMALLOC;
    if (!lean_layout_matches(p->lean_stats)) p->lean_stats = NULL;
  } else if (malloc_obj && dlsym(malloc_obj, "mi_malloc")) {
    p->kind = ALLOC_MIMALLOC;
    p->mi_process_info = (mi_process_info_fn)dlsym(malloc_obj, "mi_process_info");
  } else if (malloc_obj && dlsym(malloc_obj, "mallctl")) {
    p->kind = ALLOC_JEMALLOC;
    p->mallctl = (mallctl_fn)dlsym(malloc_obj, "mallctl");
  } else if (malloc_obj && (dlsym(malloc_obj, "tc_malloc") || dlsym(malloc_obj, "MallocExtension_GetNumericProperty"))) {
    p->kind = ALLOC_TCMALLOC;
    p->tc_numeric = (tc_numeric_fn)dlsym(malloc_obj, "MallocExtension_GetNumericProperty");
  } else if (strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0) {
    p->kind = ALLOC_GLIBC;
  } else {
    p->kind = ALLOC_UNKNOWN;
  }
  read_version(p, malloc_obj);
  if (p->kind == ALLOC_LEANMALLOC) read_config(p, malloc_obj);
  /* dlopen(RTLD_NOLOAD) took a reference; keeping it is harmless and keeps the symbols valid. */
  return p;
}

const char *alloc_probe_name(const alloc_probe_t *p) {
  switch (p->kind) {
    case ALLOC_LEANMALLOC: return "leanmalloc";
    case ALLOC_MIMALLOC: return "mimalloc";
    case ALLOC_JEMALLOC: return "jemalloc";
    case ALLOC_TCMALLOC: return "tcmalloc";
    case ALLOC_GLIBC: return "glibc";
    default: return "unknown";
  }
}

const char *alloc_probe_malloc_lib(const alloc_probe_t *p) { return p->malloc_lib; }

const char *alloc_probe_profile(const alloc_probe_t *p) { return p->lean_profile ? p->lean_profile() : NULL; }

const char *alloc_probe_version(const alloc_probe_t *p) { return p->version[0] ? p->version : NULL; }

void alloc_probe_start_fields(const alloc_probe_t *p, json_line_t *j) {
  jl_str(j, "allocator", alloc_probe_name(p));
  jl_str(j, "malloc_lib", alloc_probe_malloc_lib(p));
  const char *version = alloc_probe_version(p);
  if (version) jl_str(j, "allocator_version", version);
  const char *profile = alloc_probe_profile(p);
  if (profile) jl_str(j, "allocator_profile", profile);
  if (p->have_config) {
    jl_obj_begin(j, "allocator_knobs");
#define KNOB_FIELD(field, variable, meaning) if (p->config.field) jl_str(j, #variable, p->config.field);
    LEANMALLOC_FOREACH_KNOB(KNOB_FIELD)
#undef KNOB_FIELD
    jl_obj_end(j);
  }
}

static void jemalloc_field(const alloc_probe_t *p, json_line_t *j, const char *ctl, const char *name) {
  size_t v = 0, len = sizeof v;
  if (p->mallctl(ctl, &v, &len, NULL, 0) == 0) jl_u64(j, name, v);
}

static void tcmalloc_field(const alloc_probe_t *p, json_line_t *j, const char *prop, const char *name) {
  size_t v = 0;
  if (p->tc_numeric(prop, &v)) jl_u64(j, name, v);
}

void alloc_probe_counters(const alloc_probe_t *p, json_line_t *j) {
  jl_obj_begin(j, "counters");
  if (p->kind == ALLOC_LEANMALLOC && p->lean_stats) {
    leanmalloc_stats_t s = LEANMALLOC_STATS_INIT;
    if (p->lean_stats(&s) == LEANMALLOC_STATS_OK) {
#define COUNTER_FIELD(name, meaning) jl_u64(j, #name, s.name);
      LEANMALLOC_FOREACH_COUNTER(COUNTER_FIELD)
#undef COUNTER_FIELD
    }
  } else if (p->kind == ALLOC_MIMALLOC && p->mi_process_info) {
    size_t elapsed, user, sys, rss, peak_rss, commit, peak_commit, faults;
    p->mi_process_info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
    jl_u64(j, "mimalloc.current_rss", rss);
    jl_u64(j, "mimalloc.peak_rss", peak_rss);
    jl_u64(j, "mimalloc.current_commit", commit);
    jl_u64(j, "mimalloc.peak_commit", peak_commit);
    jl_u64(j, "mimalloc.page_faults", faults);
  } else if (p->kind == ALLOC_JEMALLOC && p->mallctl) {
    /* jemalloc's stats are a snapshot refreshed by writing "epoch". */
    uint64_t epoch = 1;
    size_t len = sizeof epoch;
    p->mallctl("epoch", &epoch, &len, &epoch, sizeof epoch);
    jemalloc_field(p, j, "stats.allocated", "jemalloc.allocated");
    jemalloc_field(p, j, "stats.active", "jemalloc.active");
    jemalloc_field(p, j, "stats.resident", "jemalloc.resident");
    jemalloc_field(p, j, "stats.mapped", "jemalloc.mapped");
    jemalloc_field(p, j, "stats.retained", "jemalloc.retained");
  } else if (p->kind == ALLOC_TCMALLOC && p->tc_numeric) {
    tcmalloc_field(p, j, "generic.current_allocated_bytes", "tcmalloc.current_allocated_bytes");
    tcmalloc_field(p, j, "generic.heap_size", "tcmalloc.heap_size");
    tcmalloc_field(p, j, "tcmalloc.pageheap_free_bytes", "tcmalloc.pageheap_free_bytes");
    tcmalloc_field(p, j, "tcmalloc.pageheap_unmapped_bytes", "tcmalloc.pageheap_unmapped_bytes");
  }
  jl_obj_end(j);
}
