/* largebuf: big buffers replaced at random, the shape of mimalloc-bench's malloc-large (before the
 * huge-block cache, leanmalloc took 4.6x glibc's time on blocks of 5-25 MiB).
 *
 * --buffers slots each hold a buffer. Each iteration picks a slot at random, allocates a new buffer
 * of a random size in [--min-size, --max-size], zero-fills every byte of it (as C++'s
 * make_unique<char[]>(n) value-initialises the array: malloc, then memset), and only then frees the
 * buffer the slot held, so the live set stays at --buffers buffers. One op = one malloc or one free
 * call. The time is mostly the fill and the page faults of memory that is new to the process: an
 * allocator that reuses freed buffers spares the faults, and the fill is the same for every one.
 *
 * Output: JSON lines of docs/protocol.md (start, a sample per --interval-ms, end); the end line adds
 * iterations, filled_bytes, vm_hwm_kb and vm_rss_kb (after every buffer was freed).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc_probe.h"
#include "cli_args.h"
#include "json_line.h"
#include "mono_clock.h"
#include "proc_mem.h"
#include "rng.h"
#include "workload.h"

#define MAX_BUFFERS 4096

/* Called through a volatile pointer: the compiler must not fuse malloc + memset into calloc (which
 * some allocators serve from fresh, untouched pages); C++'s new char[n]() is malloc, then a fill. */
static void *(*volatile zero_fill)(void *, int, size_t) = memset;

typedef struct options {
  uint64_t buffers, min_size, max_size, iterations, seed, interval_ms;
  double seconds;
  int have_seconds, have_iterations;
} options_t;

static options_t opt;


static void usage(FILE *f) {
  fprintf(f,
          "usage: largebuf [options]\n"
          "  --buffers N        live buffers (default 20)\n"
          "  --min-size N       smallest buffer in bytes (default 5 MiB)\n"
          "  --max-size N       largest buffer in bytes (default 25 MiB)\n"
          "  --seconds S        run time (default: $ALLOCSOAK_SECONDS)\n"
          "  --iterations N     stop after N buffer replacements (default 1000 when no --seconds)\n"
          "  --seed N           random seed (default 42)\n"
          "  --interval-ms N    sample interval (default: $ALLOCSOAK_INTERVAL_MS, else 1000)\n"
          "  --help             this text\n"
          "Each iteration allocates a buffer, zero-fills it and frees the one it replaces. One op = one\n"
          "malloc or one free. Output: JSON lines (docs/protocol.md).\n");
}

static void parse_options(int argc, char **argv) {
  opt = (options_t){.buffers = 20, .min_size = 5ull << 20, .max_size = 25ull << 20, .seed = 42, .interval_ms = 1000};
  const char *env_seconds = getenv("ALLOCSOAK_SECONDS");
  const char *env_interval = getenv("ALLOCSOAK_INTERVAL_MS");
  if (env_seconds && *env_seconds) {
    opt.seconds = cli_parse_double("ALLOCSOAK_SECONDS", env_seconds, 0.001, 1e9);
    opt.have_seconds = 1;
  }
  if (env_interval && *env_interval) opt.interval_ms = cli_parse_u64("ALLOCSOAK_INTERVAL_MS", env_interval, 1, 86400000);
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      exit(0);
    } else if (cli_match(argc, argv, &i, "--buffers", &v)) {
      opt.buffers = cli_parse_u64("--buffers", v, 1, MAX_BUFFERS);
    } else if (cli_match(argc, argv, &i, "--min-size", &v)) {
      opt.min_size = cli_parse_u64("--min-size", v, 1, 1ull << 34);
    } else if (cli_match(argc, argv, &i, "--max-size", &v)) {
      opt.max_size = cli_parse_u64("--max-size", v, 1, 1ull << 34);
    } else if (cli_match(argc, argv, &i, "--seconds", &v)) {
      opt.seconds = cli_parse_double("--seconds", v, 0.001, 1e9);
      opt.have_seconds = 1;
    } else if (cli_match(argc, argv, &i, "--iterations", &v)) {
      opt.iterations = cli_parse_u64("--iterations", v, 1, UINT64_MAX / 4);
      opt.have_iterations = 1;
    } else if (cli_match(argc, argv, &i, "--seed", &v)) {
      opt.seed = cli_parse_u64("--seed", v, 0, UINT64_MAX);
    } else if (cli_match(argc, argv, &i, "--interval-ms", &v)) {
      opt.interval_ms = cli_parse_u64("--interval-ms", v, 1, 86400000);
    } else {
      cli_usage_error("unknown option '%s' (see --help)", argv[i]);
    }
  }
  if (opt.min_size > opt.max_size)
    cli_usage_error("--min-size (%llu) must not exceed --max-size (%llu)", (unsigned long long)opt.min_size,
                    (unsigned long long)opt.max_size);
  if (!opt.have_seconds && !opt.have_iterations) {
    opt.iterations = 1000;
    opt.have_iterations = 1;
  }
}

static void emit_start(const alloc_probe_t *probe) {
  json_line_t j;
  workload_start_line(&j, "largebuf", probe);
  jl_u64(&j, "buffers", opt.buffers);
  jl_u64(&j, "min_size", opt.min_size);
  jl_u64(&j, "max_size", opt.max_size);
  if (opt.have_seconds) jl_num(&j, "seconds", opt.seconds, 3); else jl_null(&j, "seconds");
  if (opt.have_iterations) jl_u64(&j, "iterations", opt.iterations); else jl_null(&j, "iterations");
  jl_u64(&j, "seed", opt.seed);
  jl_u64(&j, "interval_ms", opt.interval_ms);
  jl_obj_end(&j);
  jl_emit(&j, STDOUT_FILENO);
}

int main(int argc, char **argv) {
  cli_program_name = "largebuf";
  parse_options(argc, argv);
  const alloc_probe_t *probe = alloc_probe();
  emit_start(probe);

  static char *slot[MAX_BUFFERS]; /* static: not the allocator's memory */
  uint64_t rng = opt.seed, ops = 0, iterations = 0, filled = 0;
  const uint64_t span = opt.max_size - opt.min_size + 1;
  const uint64_t t0 = mono_ns();
  const uint64_t deadline = opt.have_seconds ? t0 + (uint64_t)(opt.seconds * 1e9) : UINT64_MAX;
  const uint64_t interval_ns = opt.interval_ms * 1000000ull;
  uint64_t next_sample = t0 + interval_ns;
  const char *reason = "iterations";
  for (;;) {
    if (opt.have_iterations && iterations == opt.iterations) break;
    const uint64_t now = mono_ns();
    if (now >= deadline) {
      reason = "seconds";
      break;
    }
    if (now >= next_sample) {
      json_line_t j;
      jl_begin(&j);
      jl_str(&j, "type", "sample");
      jl_num(&j, "t_ms", (double)(now - t0) / 1e6, 3);
      jl_u64(&j, "ops", ops);
      alloc_probe_counters(probe, &j);
      jl_emit(&j, STDOUT_FILENO);
      while (next_sample <= now) next_sample += interval_ns;
    }
    const uint64_t r = wyrand(&rng);
    const uint64_t k = fast_range((uint32_t)(r >> 32), opt.buffers);
    const uint64_t size = opt.min_size + fast_range((uint32_t)r, span);
    char *p = malloc(size);
    if (!p) workload_out_of_memory(size);
    zero_fill(p, 0, size);
    ops++;
    if (slot[k]) {
      free(slot[k]);
      ops++;
    }
    slot[k] = p;
    filled += size;
    iterations++;
  }
  for (uint64_t k = 0; k < opt.buffers; k++)
    if (slot[k]) {
      free(slot[k]);
      slot[k] = NULL;
      ops++;
    }
  const uint64_t t_end = mono_ns();

  json_line_t j;
  jl_begin(&j);
  jl_str(&j, "type", "end");
  jl_u64(&j, "ops", ops);
  jl_num(&j, "elapsed_ms", (double)(t_end - t0) / 1e6, 3);
  alloc_probe_counters(probe, &j);
  jl_u64(&j, "iterations", iterations);
  jl_u64(&j, "filled_bytes", filled);
  jl_i64(&j, "vm_hwm_kb", proc_status_kb("VmHWM"));
  jl_i64(&j, "vm_rss_kb", proc_status_kb("VmRSS"));
  jl_str(&j, "reason", reason);
  jl_emit(&j, STDOUT_FILENO);
  return 0;
}
