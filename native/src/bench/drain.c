/* drain: how much memory does the allocator give back after a burst is freed? (the lean profile's target:
 * "after a 256 MB small-object burst is freed, RSS minus LazyFree ≤ 8 MB within 1 s, also when the
 * program then runs only a trickle of allocations").
 *
 * 1. Allocates --burst-mb MiB of blocks of random size in [--min-size, --max-size], writing the first
 *    and last byte of each (the sizes' sum is the burst size, not counting allocator overhead).
 *    With --alloc-threads N, N threads allocate the burst (a share each) and exit before step 2, so
 *    every free is a free into the memory of a thread that no longer exists (the cross-thread
 *    drain: an allocator must give that memory back without the dead thread's help).
 * 2. Frees them all, in a shuffled order (--free-order random, the default; 'alloc' frees in allocation
 *    order, which lets a coalescing allocator like glibc merge everything back into its top chunk). The
 *    shuffle is done before the first free and not timed. The moment the last free returns is the drain (t = 0).
 * 3. Then runs only a trickle: every millisecond, --trickle-ops ops of random_mixed's kind (free an
 *    occupied slot or malloc into an empty one) on a ring of 64 slots, so an allocator that purges only
 *    from inside malloc/free gets the chance to, but no more work than a nearly idle program.
 * 4. At each --at-ms point after the drain, reads VmRSS from /proc/self/status and LazyFree from
 *    /proc/self/smaps_rollup (pages freed with MADV_FREE still count in RSS until the kernel needs them;
 *    RSS − LazyFree is what the process really holds).
 *
 * The burst's pointer array is an anonymous mmap (not malloc: it would count as the allocator's memory),
 * unmapped right after the frees; at 8 bytes per block (~4 MiB for 256 MiB of 16..1024 B blocks) it is in
 * the peak RSS but not in any after-drain figure.
 *
 * Output: JSON lines of docs/protocol.md. A `sample` line per point, with the protocol fields (t_ms since
 * the start, ops = every malloc/free call so far including the burst's, counters) plus after_drain_ms
 * (the nominal point), measured_after_drain_ms, rss_kb, lazyfree_kb, rss_minus_lazyfree_kb; then an `end`
 * line with vm_hwm_kb (peak RSS), rss_before_free_kb, burst_bytes, burst_blocks, burst_ms, free_ms.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "alloc_probe.h"
#include "cli_args.h"
#include "json_line.h"
#include "mono_clock.h"
#include "proc_mem.h"
#include "rng.h"
#include "workload.h"

#define MAX_POINTS 32
#define TRICKLE_SLOTS 64
#define TICK_NS 1000000ull

typedef struct options {
  uint64_t burst_mb, min_size, max_size, seed, trickle_ops, alloc_threads;
  int shuffle_frees;
  uint64_t at_ms[MAX_POINTS];
  unsigned n_points;
} options_t;

static options_t opt;
static uint64_t total_ops;

/* One share of the burst: blocks of random size in [min, max], first and last byte written. */
typedef struct burst {
  void **blocks;
  uint64_t target, rng, bytes;
  size_t n;
} burst_t;

static void allocate_burst(burst_t *b) {
  const uint64_t span = opt.max_size - opt.min_size + 1;
  while (b->bytes < b->target) {
    uint64_t r = wyrand(&b->rng);
    uint64_t sz = opt.min_size + fast_range((uint32_t)r, span);
    char *p = malloc(sz);
    if (!p) workload_out_of_memory(sz);
    p[0] = (char)r;
    p[sz - 1] = (char)r;
    b->blocks[b->n++] = p;
    b->bytes += sz;
  }
}

static void *burst_thread(void *arg) {
  allocate_burst(arg);
  return NULL;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: drain [options]\n"
          "  --burst-mb N       MiB of blocks to allocate, touch and free (default 256)\n"
          "  --min-size N       smallest block in bytes (default 16)\n"
          "  --max-size N       largest block in bytes (default 1024)\n"
          "  --seed N           random seed (default 42)\n"
          "  --free-order O     'random' (default: a shuffled order, like a program's objects dying) or\n"
          "                     'alloc' (allocation order: the easiest case for coalescing allocators)\n"
          "  --trickle-ops N    malloc/free calls per millisecond after the drain (default 4; 0 = idle)\n"
          "  --alloc-threads N  N threads allocate the burst and exit before main frees it (default 0:\n"
          "                     main allocates)\n"
          "  --at-ms LIST       comma-separated, increasing times after the drain at which RSS is read\n"
          "                     (default 0,500,1000,2000,3000)\n"
          "  --help             this text\n"
          "Output: JSON lines (docs/protocol.md): one sample line per --at-ms point, then the end line.\n");
}

static void parse_points(const char *text) {
  opt.n_points = 0;
  const char *p = text;
  while (*p) {
    char buf[32];
    size_t n = strcspn(p, ",");
    if (n == 0 || n >= sizeof buf) cli_usage_error("--at-ms expects comma-separated milliseconds, got '%s'", text);
    if (opt.n_points == MAX_POINTS) cli_usage_error("--at-ms takes at most %d points, got '%s'", MAX_POINTS, text);
    memcpy(buf, p, n);
    buf[n] = '\0';
    uint64_t v = cli_parse_u64("--at-ms", buf, 0, 3600000);
    if (opt.n_points > 0 && v <= opt.at_ms[opt.n_points - 1])
      cli_usage_error("--at-ms points must increase, got '%s'", text);
    opt.at_ms[opt.n_points++] = v;
    p += n;
    if (*p == ',') p++;
  }
  if (opt.n_points == 0) cli_usage_error("--at-ms expects at least one point, got '%s'", text);
}

static void parse_options(int argc, char **argv) {
  opt = (options_t){.burst_mb = 256, .min_size = 16, .max_size = 1024, .seed = 42, .trickle_ops = 4, .shuffle_frees = 1};
  parse_points("0,500,1000,2000,3000");
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      exit(0);
    } else if (cli_match(argc, argv, &i, "--burst-mb", &v)) {
      opt.burst_mb = cli_parse_u64("--burst-mb", v, 1, 1ull << 20);
    } else if (cli_match(argc, argv, &i, "--min-size", &v)) {
      opt.min_size = cli_parse_u64("--min-size", v, 1, 1ull << 30);
    } else if (cli_match(argc, argv, &i, "--max-size", &v)) {
      opt.max_size = cli_parse_u64("--max-size", v, 1, 1ull << 30);
    } else if (cli_match(argc, argv, &i, "--seed", &v)) {
      opt.seed = cli_parse_u64("--seed", v, 0, UINT64_MAX);
    } else if (cli_match(argc, argv, &i, "--trickle-ops", &v)) {
      opt.trickle_ops = cli_parse_u64("--trickle-ops", v, 0, 1000000);
    } else if (cli_match(argc, argv, &i, "--alloc-threads", &v)) {
      opt.alloc_threads = cli_parse_u64("--alloc-threads", v, 0, 64);
    } else if (cli_match(argc, argv, &i, "--free-order", &v)) {
      if (strcmp(v, "random") == 0) opt.shuffle_frees = 1;
      else if (strcmp(v, "alloc") == 0) opt.shuffle_frees = 0;
      else cli_usage_error("--free-order expects 'random' or 'alloc', got '%s'", v);
    } else if (cli_match(argc, argv, &i, "--at-ms", &v)) {
      parse_points(v);
    } else {
      cli_usage_error("unknown option '%s' (see --help)", argv[i]);
    }
  }
  if (opt.min_size > opt.max_size)
    cli_usage_error("--min-size (%llu) must not exceed --max-size (%llu)", (unsigned long long)opt.min_size,
                    (unsigned long long)opt.max_size);
}

static void emit_start(const alloc_probe_t *probe) {
  json_line_t j;
  workload_start_line(&j, "drain", probe);
  jl_u64(&j, "burst_mb", opt.burst_mb);
  jl_u64(&j, "min_size", opt.min_size);
  jl_u64(&j, "max_size", opt.max_size);
  jl_u64(&j, "seed", opt.seed);
  jl_str(&j, "free_order", opt.shuffle_frees ? "random" : "alloc");
  jl_u64(&j, "trickle_ops", opt.trickle_ops);
  jl_u64(&j, "trickle_slots", TRICKLE_SLOTS);
  jl_u64(&j, "alloc_threads", opt.alloc_threads);
  jl_obj_end(&j);
  jl_emit(&j, STDOUT_FILENO);
}

/* One tick of the trickle: random_mixed's op on a small ring. */
static void trickle(void **ring, uint64_t *rng, uint64_t n) {
  const uint64_t span = opt.max_size - opt.min_size + 1;
  for (uint64_t i = 0; i < n; i++) {
    uint64_t r = wyrand(rng);
    void **slot = &ring[fast_range((uint32_t)(r >> 32), TRICKLE_SLOTS)];
    if (*slot) {
      free(*slot);
      *slot = NULL;
    } else {
      uint64_t sz = opt.min_size + fast_range((uint32_t)r, span);
      char *p = malloc(sz);
      if (!p) workload_out_of_memory(sz);
      p[0] = (char)r;
      p[sz - 1] = (char)r;
      *slot = p;
    }
  }
  total_ops += n;
}

static void sleep_until(uint64_t t_ns) {
  struct timespec ts = mono_ts(t_ns);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

int main(int argc, char **argv) {
  cli_program_name = "drain";
  parse_options(argc, argv);
  const alloc_probe_t *probe = alloc_probe();
  emit_start(probe);
  const uint64_t t_start = mono_ns();
  uint64_t rng = opt.seed ^ 0x5eed5eed5eed5eedull;

  /* 1. The burst. */
  const uint64_t target = opt.burst_mb << 20;
  const uint64_t share = opt.alloc_threads ? target / opt.alloc_threads + 1 : 0;
  const size_t slice = (size_t)(share / opt.min_size + 2);   /* blocks one allocating thread may need */
  size_t max_blocks = (size_t)(target / opt.min_size + 2);
  if (opt.alloc_threads && slice * opt.alloc_threads > max_blocks) max_blocks = slice * opt.alloc_threads;
  void **blocks = mmap(NULL, max_blocks * sizeof *blocks, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (blocks == MAP_FAILED) {
    fprintf(stderr, "drain: cannot map the pointer array (%zu bytes): %s\n", max_blocks * sizeof *blocks, strerror(errno));
    return 1;
  }
  uint64_t burst_bytes = 0;
  size_t n_blocks = 0;
  if (opt.alloc_threads == 0) {
    burst_t b = { blocks, target, rng, 0, 0 };
    allocate_burst(&b);
    rng = b.rng;
    burst_bytes = b.bytes;
    n_blocks = b.n;
  } else {
    /* Each thread fills its own slice of the pointer array, then exits; the slices are packed
     * together afterwards so the drain below sees one array. */
    burst_t parts[64];
    pthread_t threads[64];
    for (uint64_t t = 0; t < opt.alloc_threads; t++) {
      parts[t] = (burst_t){ blocks + t * slice, share, rng ^ (0x9e3779b97f4a7c15ull * (t + 1)), 0, 0 };
      int rc = pthread_create(&threads[t], NULL, burst_thread, &parts[t]);
      if (rc != 0) {
        fprintf(stderr, "drain: cannot start allocating thread: %s\n", strerror(rc));
        return 1;
      }
    }
    for (uint64_t t = 0; t < opt.alloc_threads; t++) {
      pthread_join(threads[t], NULL);
      memmove(blocks + n_blocks, parts[t].blocks, parts[t].n * sizeof *blocks);
      n_blocks += parts[t].n;
      burst_bytes += parts[t].bytes;
    }
  }
  const uint64_t t_burst = mono_ns();
  const int64_t rss_before_free_kb = proc_status_kb("VmRSS");

  /* 2. The drain. */
  if (opt.shuffle_frees)
    for (size_t i = n_blocks - 1; i > 0; i--) {
      size_t k = (size_t)fast_range((uint32_t)wyrand(&rng), i + 1);
      void *t = blocks[i];
      blocks[i] = blocks[k];
      blocks[k] = t;
    }
  const uint64_t t_shuffled = mono_ns();
  for (size_t i = 0; i < n_blocks; i++) free(blocks[i]);
  const uint64_t t_drain = mono_ns();
  total_ops += 2 * (uint64_t)n_blocks;
  munmap(blocks, max_blocks * sizeof *blocks);

  /* 3 + 4. The trickle, and the readings. */
  void *ring[TRICKLE_SLOTS] = {0};
  uint64_t next_tick = t_drain + TICK_NS;
  for (unsigned k = 0; k < opt.n_points; k++) {
    const uint64_t point = t_drain + opt.at_ms[k] * 1000000ull;
    while (next_tick <= point) {
      sleep_until(next_tick);
      trickle(ring, &rng, opt.trickle_ops);
      next_tick += TICK_NS;
      /* Behind schedule (descheduled): skip the missed ticks rather than catch up in a rush. */
      uint64_t now = mono_ns();
      while (next_tick + TICK_NS < now && next_tick <= point) next_tick += TICK_NS;
    }
    sleep_until(point);
    const uint64_t now = mono_ns();
    const int64_t rss = proc_status_kb("VmRSS");
    const int64_t lazy = proc_smaps_rollup_kb("LazyFree");
    json_line_t j;
    jl_begin(&j);
    jl_str(&j, "type", "sample");
    jl_num(&j, "t_ms", (double)(now - t_start) / 1e6, 3);
    jl_u64(&j, "ops", total_ops);
    alloc_probe_counters(probe, &j);
    jl_u64(&j, "after_drain_ms", opt.at_ms[k]);
    jl_num(&j, "measured_after_drain_ms", (double)(now - t_drain) / 1e6, 3);
    jl_i64(&j, "rss_kb", rss);
    if (lazy >= 0) jl_i64(&j, "lazyfree_kb", lazy); else jl_null(&j, "lazyfree_kb");
    if (rss >= 0 && lazy >= 0) jl_i64(&j, "rss_minus_lazyfree_kb", rss - lazy); else jl_null(&j, "rss_minus_lazyfree_kb");
    jl_emit(&j, STDOUT_FILENO);
  }
  for (unsigned i = 0; i < TRICKLE_SLOTS; i++) free(ring[i]);

  const uint64_t t_end = mono_ns();
  json_line_t j;
  jl_begin(&j);
  jl_str(&j, "type", "end");
  jl_u64(&j, "ops", total_ops);
  jl_num(&j, "elapsed_ms", (double)(t_end - t_start) / 1e6, 3);
  alloc_probe_counters(probe, &j);
  jl_i64(&j, "vm_hwm_kb", proc_status_kb("VmHWM"));
  jl_i64(&j, "rss_before_free_kb", rss_before_free_kb);
  jl_u64(&j, "burst_bytes", burst_bytes);
  jl_u64(&j, "burst_blocks", (uint64_t)n_blocks);
  jl_num(&j, "burst_ms", (double)(t_burst - t_start) / 1e6, 3);
  jl_num(&j, "free_ms", (double)(t_drain - t_shuffled) / 1e6, 3);
  jl_emit(&j, STDOUT_FILENO);
  return 0;
}
