/* alloctest: the shape of alloc-test (OLogN's allocator tester, run by mimalloc-bench as alloc-test1
 * and alloc-testN), written anew for allocsoak: a large, long-lived working set of small blocks
 * around a small one that churns, the load under which a size class has many spans with a few free
 * blocks each (leanmalloc took 1.20-1.31x mimalloc's time on alloc-test itself).
 *
 * Each thread owns --slots / --threads slots. Setup fills about half of them (one random bit per
 * slot). Then each iteration picks a slot with a Pareto-like 80/20 law over seven ranges: a handful
 * of hot slots get a quarter of the picks, a cold majority almost none, so a large, long-lived
 * working set surrounds a small one that churns. An empty slot gets a block, which is memset over
 * its whole size; a full slot's block is read word by word, then freed. Sizes follow
 * alloc-test's law for --max-size-exp E: a power-of-two range (2^b, 2^(b+1)] with b = 2 + the
 * number of trailing zeros of a random number in [1, 2^(E-3)], so each range is half as likely as
 * the one below it (E = 10: 5..1024 bytes, half of them 5..8).
 *
 * One op = one malloc or one free call of the main loop (setup and the final frees are not
 * counted, and not in elapsed_ms). The slot arrays are mmap'ed: not the allocator's memory.
 *
 * Output: JSON lines of docs/protocol.md (start, a sample per --interval-ms, end); the end line adds
 * threads, setup_blocks, setup_ms, checksum (the sum of the words read, so the reads are not
 * dropped), vm_hwm_kb and vm_rss_kb.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc_probe.h"
#include "cli_args.h"
#include "json_line.h"
#include "mono_clock.h"
#include "proc_mem.h"
#include "rng.h"
#include "workload.h"

#define MAX_THREADS 64
/* How often (in iterations) a worker looks at the clock and publishes its op count. */
#define CHECK_EVERY 4096

typedef struct options {
  uint64_t slots, threads, max_size_exp, ops, seed, interval_ms;
  double seconds;
  int have_seconds, have_ops;
} options_t;

static options_t opt;

typedef struct slot {
  unsigned char *p;
  uint64_t size;
} slot_t;

typedef struct worker {
  _Alignas(64) pthread_t thread;
  unsigned id;
  uint64_t nslots;
  slot_t *slot;
  uint64_t setup_blocks, checksum, end_ns;
  _Atomic uint64_t ops;
} worker_t;

static worker_t workers[MAX_THREADS];
static pthread_barrier_t setup_done, go;
static _Atomic unsigned finished;
static uint64_t deadline_ns = UINT64_MAX;


/* alloc-test's size law: P(range b) halves with every b, sizes uniform within (2^b, 2^(b+1)]. */
static inline uint64_t pick_size(uint64_t r) {
  const unsigned e = (unsigned)opt.max_size_exp - 3;
  const unsigned b = 2 + (unsigned)__builtin_ctzll((r & ((1ull << e) - 1)) + 1);
  r >>= e;
  return (1ull << b) + 1 + (r & ((1ull << b) - 1));
}

/* The 80/20 law over seven slot ranges: range i is picked with probability share[i] and holds a
 * share[6 - i] part of the slots, so 0.0064 % of the slots take 26 % of the picks and the last
 * 26 % of the slots take 0.0064 %. */
static const double share[7] = {0.262144, 0.393216, 0.245760, 0.081920, 0.015360, 0.001536, 0.000064};

typedef struct pareto {
  uint32_t below[6];  /* cumulative pick probabilities, scaled to 2^32 */
  uint64_t start[8];  /* first slot of each range; start[7] = slot count */
} pareto_t;

static void pareto_init(pareto_t *pa, uint64_t n) {
  double acc = 0;
  for (int i = 0; i < 6; i++) {
    acc += share[i];
    pa->below[i] = (uint32_t)(acc * 4294967295.0);
  }
  pa->start[0] = 0;
  for (int i = 0; i < 6; i++) pa->start[i + 1] = pa->start[i] + (uint64_t)((double)n * share[6 - i]);
  pa->start[7] = n;
  /* A range too small to hold a slot (tiny --slots) borrows one from the next, so every range can
   * be picked from. */
  for (int i = 1; i < 8; i++)
    if (pa->start[i] <= pa->start[i - 1]) pa->start[i] = pa->start[i - 1] + 1;
}

static inline uint64_t pareto_pick(const pareto_t *pa, uint64_t r) {
  const uint32_t r1 = (uint32_t)r, r2 = (uint32_t)(r >> 32);
  int i = 0;
  while (i < 6 && r1 >= pa->below[i]) i++;
  return pa->start[i] + fast_range(r2, pa->start[i + 1] - pa->start[i]);
}

static void *worker_main(void *arg) {
  worker_t *w = arg;
  uint64_t rng = splitmix64(opt.seed + w->id);
  pareto_t pa;
  pareto_init(&pa, w->nslots);

  /* Setup: every slot gets a block with probability 1/2. */
  for (uint64_t i = 0; i < w->nslots; i++) {
    const uint64_t r = wyrand(&rng);
    if (r & 1) {
      const uint64_t size = pick_size(r >> 1);
      unsigned char *p = malloc(size);
      if (!p) workload_out_of_memory(size);
      memset(p, (int)size, size);
      w->slot[i] = (slot_t){p, size};
      w->setup_blocks++;
    }
  }
  pthread_barrier_wait(&setup_done);
  pthread_barrier_wait(&go);

  /* --ops is split over the threads exactly (thread 0 takes the remainder). */
  const uint64_t limit = !opt.have_ops ? UINT64_MAX : opt.ops / opt.threads + (w->id == 0 ? opt.ops % opt.threads : 0);
  uint64_t ops = 0, sum = 0;
  for (uint64_t it = 1; ops < limit; it++) {
    const uint64_t k = pareto_pick(&pa, wyrand(&rng));
    slot_t *s = &w->slot[k];
    if (s->p) {
      /* Read the whole block, as alloc-test's "full" access mode does before it frees. */
      uint64_t i = 0, v;
      for (; i + 8 <= s->size; i += 8) {
        memcpy(&v, s->p + i, 8);
        sum += v;
      }
      for (; i < s->size; i++) sum += s->p[i];
      free(s->p);
      s->p = NULL;
    } else {
      const uint64_t size = pick_size(wyrand(&rng));
      unsigned char *p = malloc(size);
      if (!p) workload_out_of_memory(size);
      memset(p, (int)size, size);
      *s = (slot_t){p, size};
    }
    ops++;
    if (it % CHECK_EVERY == 0) {
      atomic_store_explicit(&w->ops, ops, memory_order_relaxed);
      if (mono_ns() >= deadline_ns) break;
    }
  }
  w->end_ns = mono_ns();
  atomic_store_explicit(&w->ops, ops, memory_order_relaxed);
  w->checksum = sum;
  atomic_fetch_add(&finished, 1);
  return NULL;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: alloctest [options]\n"
          "  --slots N          slots over all threads (default 262144, alloc-test's 2^18)\n"
          "  --threads N        worker threads, each with slots/threads slots (default 1)\n"
          "  --max-size-exp E   sizes up to 2^E bytes (default 10: 5..1024 bytes), 4..24\n"
          "  --seconds S        main-loop time (default: $ALLOCSOAK_SECONDS)\n"
          "  --ops N            stop after N main-loop ops over all threads (default 10000000\n"
          "                     when no --seconds)\n"
          "  --seed N           random seed (default 42)\n"
          "  --interval-ms N    sample interval (default: $ALLOCSOAK_INTERVAL_MS, else 1000)\n"
          "  --help             this text\n"
          "One op = one malloc or one free of the main loop. Output: JSON lines (docs/protocol.md).\n");
}

static void parse_options(int argc, char **argv) {
  opt = (options_t){.slots = 1u << 18, .threads = 1, .max_size_exp = 10, .seed = 42, .interval_ms = 1000};
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
    } else if (cli_match(argc, argv, &i, "--slots", &v)) {
      opt.slots = cli_parse_u64("--slots", v, 64, 1ull << 28);
    } else if (cli_match(argc, argv, &i, "--threads", &v)) {
      opt.threads = cli_parse_u64("--threads", v, 1, MAX_THREADS);
    } else if (cli_match(argc, argv, &i, "--max-size-exp", &v)) {
      opt.max_size_exp = cli_parse_u64("--max-size-exp", v, 4, 24);
    } else if (cli_match(argc, argv, &i, "--seconds", &v)) {
      opt.seconds = cli_parse_double("--seconds", v, 0.001, 1e9);
      opt.have_seconds = 1;
    } else if (cli_match(argc, argv, &i, "--ops", &v)) {
      opt.ops = cli_parse_u64("--ops", v, 1, UINT64_MAX / 4);
      opt.have_ops = 1;
    } else if (cli_match(argc, argv, &i, "--seed", &v)) {
      opt.seed = cli_parse_u64("--seed", v, 0, UINT64_MAX);
    } else if (cli_match(argc, argv, &i, "--interval-ms", &v)) {
      opt.interval_ms = cli_parse_u64("--interval-ms", v, 1, 86400000);
    } else {
      cli_usage_error("unknown option '%s' (see --help)", argv[i]);
    }
  }
  if (opt.slots / opt.threads < 64) cli_usage_error("--slots must give every thread at least 64 slots");
  if (!opt.have_seconds && !opt.have_ops) {
    opt.ops = 10000000;
    opt.have_ops = 1;
  }
}

static void emit_start(const alloc_probe_t *probe) {
  json_line_t j;
  workload_start_line(&j, "alloctest", probe);
  jl_u64(&j, "slots", opt.slots);
  jl_u64(&j, "threads", opt.threads);
  jl_u64(&j, "max_size_exp", opt.max_size_exp);
  if (opt.have_seconds) jl_num(&j, "seconds", opt.seconds, 3); else jl_null(&j, "seconds");
  if (opt.have_ops) jl_u64(&j, "ops", opt.ops); else jl_null(&j, "ops");
  jl_u64(&j, "seed", opt.seed);
  jl_u64(&j, "interval_ms", opt.interval_ms);
  jl_obj_end(&j);
  jl_emit(&j, STDOUT_FILENO);
}

static uint64_t total_ops(void) {
  uint64_t ops = 0;
  for (unsigned i = 0; i < opt.threads; i++) ops += atomic_load_explicit(&workers[i].ops, memory_order_relaxed);
  return ops;
}

int main(int argc, char **argv) {
  cli_program_name = "alloctest";
  parse_options(argc, argv);
  const alloc_probe_t *probe = alloc_probe();
  emit_start(probe);

  const uint64_t per_thread = opt.slots / opt.threads;
  const size_t bytes = per_thread * opt.threads * sizeof(slot_t);
  slot_t *slots = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (slots == MAP_FAILED) {
    perror("alloctest: mmap");
    return 1;
  }
  pthread_barrier_init(&setup_done, NULL, (unsigned)opt.threads + 1);
  pthread_barrier_init(&go, NULL, (unsigned)opt.threads + 1);
  const uint64_t t_setup = mono_ns();
  for (unsigned i = 0; i < opt.threads; i++) {
    workers[i].id = i;
    workers[i].nslots = per_thread;
    workers[i].slot = slots + (size_t)i * per_thread;
    int rc = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
    if (rc != 0) {
      fprintf(stderr, "alloctest: pthread_create: %s\n", strerror(rc));
      return 1;
    }
  }
  pthread_barrier_wait(&setup_done);
  const uint64_t t0 = mono_ns();
  if (opt.have_seconds) deadline_ns = t0 + (uint64_t)(opt.seconds * 1e9);
  pthread_barrier_wait(&go);

  /* Samples while the workers run; they stop themselves at the deadline or op count, and each
   * notes when it stopped (the main thread's polling adds nothing to elapsed_ms). */
  const uint64_t interval_ns = opt.interval_ms * 1000000ull;
  uint64_t next_sample = t0 + interval_ns;
  while (atomic_load(&finished) < opt.threads) {
    usleep(10000);
    const uint64_t now = mono_ns();
    if (now >= next_sample) {
      json_line_t j;
      jl_begin(&j);
      jl_str(&j, "type", "sample");
      jl_num(&j, "t_ms", (double)(now - t0) / 1e6, 3);
      jl_u64(&j, "ops", total_ops());
      alloc_probe_counters(probe, &j);
      jl_emit(&j, STDOUT_FILENO);
      while (next_sample <= now) next_sample += interval_ns;
    }
  }
  uint64_t t_end = t0;
  for (unsigned i = 0; i < opt.threads; i++) {
    pthread_join(workers[i].thread, NULL);
    if (workers[i].end_ns > t_end) t_end = workers[i].end_ns;
  }

  uint64_t setup_blocks = 0, checksum = 0;
  for (unsigned i = 0; i < opt.threads; i++) {
    setup_blocks += workers[i].setup_blocks;
    checksum += workers[i].checksum;
  }
  const int64_t hwm = proc_status_kb("VmHWM");
  for (uint64_t k = 0; k < per_thread * opt.threads; k++) free(slots[k].p);
  munmap(slots, bytes);

  json_line_t j;
  jl_begin(&j);
  jl_str(&j, "type", "end");
  jl_u64(&j, "ops", total_ops());
  jl_num(&j, "elapsed_ms", (double)(t_end - t0) / 1e6, 3);
  alloc_probe_counters(probe, &j);
  jl_u64(&j, "threads", opt.threads);
  jl_u64(&j, "setup_blocks", setup_blocks);
  jl_num(&j, "setup_ms", (double)(t0 - t_setup) / 1e6, 3);
  jl_u64(&j, "checksum", checksum);
  jl_i64(&j, "vm_hwm_kb", hwm);
  jl_i64(&j, "vm_rss_kb", proc_status_kb("VmRSS"));
  jl_str(&j, "reason", opt.have_seconds ? "seconds" : "ops");
  jl_emit(&j, STDOUT_FILENO);
  return 0;
}
