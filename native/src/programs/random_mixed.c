/* random_mixed: the mixed tiny-object workload soaked by allocsoak (protocol: docs/protocol.md).
 *
 * Each worker thread owns a ring of --ws slots. One op picks a random slot: if it holds a block the op
 * frees it, otherwise it mallocs a random size in [--min-size, --max-size] and touches it (writes its
 * first and last byte). One op = exactly one malloc or one free call.
 *
 * The op loop must not perturb what it measures: one inline wyrand per op, no clock reads, no shared
 * writes except a relaxed store of the thread's op count every OPS_BATCH ops (on its own cache line).
 * The main thread is the reporter: it sleeps until each sample time, sums the published counts and
 * prints a protocol line. Burst churn and planted leaks are requested by the reporter through relaxed
 * atomics and carried out by worker 0 between batches; their malloc/free calls are not counted as ops.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc_probe.h"
#include "cli_args.h"
#include "json_line.h"
#include "mono_clock.h"
#include "rng.h"
#include "workload.h"

#define OPS_BATCH 1024u
/* Wake-up period of the reporter while a burst or leak schedule is active (only then). */
#define CHURN_TICK_NS 20000000ull

typedef struct options {
  uint64_t ws, min_size, max_size, ops, seed, threads, interval_ms, burst_mb, leak_bytes_per_sec, spin_ns, spin_iters;
  double seconds, burst_every_s;
  int have_seconds, have_ops;
} options_t;

typedef struct worker {
  _Alignas(64) _Atomic uint64_t published_ops; /* read by the reporter; own cache line */
  _Alignas(64) pthread_t thread;
  unsigned index;
  uint64_t quota; /* 0 = no op limit */
  uint64_t rng;
} worker_t;

static options_t opt;
static uint64_t spin_iters_per_op;
static _Atomic int stop_requested;
static _Atomic uint64_t burst_requested; /* generation counters: requested by reporter, done by worker 0 */
static _Atomic uint64_t bursts_done;
static _Atomic uint64_t leak_target_bytes;
static _Atomic uint64_t leaked_bytes;
static volatile sig_atomic_t terminating_signal;
static sem_t wakeup; /* posted by workers that reach their quota and by SIGTERM/SIGINT */

/* Busy work with a steady cost: a dependent multiply chain the compiler cannot remove or vectorise. */
static inline void spin(uint64_t iters) {
  uint64_t x = iters;
  for (uint64_t i = 0; i < iters; i++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    __asm__ volatile("" : "+r"(x));
  }
}

static uint64_t cpu_at_start; /* process CPU time when measuring began (after calibration) */

static uint64_t process_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Iterations of spin() per op for --spin-ns. Timed in thread CPU time, so time spent descheduled on a
 * busy machine does not inflate the calibration; best (fastest) of several 10 ms trials. */
static uint64_t calibrate_spin(uint64_t ns_per_op) {
  if (ns_per_op == 0) return 0;
  double best_ns_per_iter = 0;
  for (int trial = 0; trial < 7; trial++) {
    uint64_t iters = 1000, t0, t1;
    for (;;) {
      t0 = thread_cpu_ns();
      spin(iters);
      t1 = thread_cpu_ns();
      if (t1 - t0 >= 10000000ull) break;
      iters *= 2;
    }
    double per = (double)(t1 - t0) / (double)iters;
    if (best_ns_per_iter == 0 || per < best_ns_per_iter) best_ns_per_iter = per;
  }
  uint64_t k = (uint64_t)((double)ns_per_op / best_ns_per_iter + 0.5);
  return k ? k : 1;
}

static inline uint64_t random_size(uint64_t *rng) {
  return opt.min_size + fast_range((uint32_t)wyrand(rng), opt.max_size - opt.min_size + 1);
}

/* Burst churn: allocate --burst-mb MB of blocks in [min,max], touch each, then free them all.
 * Pointers are kept in malloc'd chunks of 1022 (part of the churn, like any real program's bookkeeping). */
typedef struct burst_chunk {
  struct burst_chunk *next;
  unsigned used;
  void *ptr[1022];
} burst_chunk_t;

static void run_burst(uint64_t *rng) {
  uint64_t target = opt.burst_mb << 20, total = 0;
  burst_chunk_t *head = NULL;
  while (total < target) {
    if (!head || head->used == 1022) {
      burst_chunk_t *c = malloc(sizeof *c);
      if (!c) workload_out_of_memory(sizeof *c);
      c->next = head;
      c->used = 0;
      head = c;
    }
    uint64_t sz = random_size(rng);
    char *p = malloc(sz);
    if (!p) workload_out_of_memory(sz);
    p[0] = 1;
    p[sz - 1] = 1;
    head->ptr[head->used++] = p;
    total += sz;
  }
  while (head) {
    for (unsigned i = 0; i < head->used; i++) free(head->ptr[i]);
    burst_chunk_t *next = head->next;
    free(head);
    head = next;
  }
}

/* Planted leak: catch up with the target the reporter publishes, in small fully-written blocks that
 * are never freed (so RSS grows at the requested rate whatever the allocator). */
static void run_leak(uint64_t *rng) {
  uint64_t target = atomic_load_explicit(&leak_target_bytes, memory_order_relaxed);
  uint64_t done = atomic_load_explicit(&leaked_bytes, memory_order_relaxed);
  while (done < target) {
    uint64_t sz = random_size(rng);
    char *p = malloc(sz);
    if (!p) workload_out_of_memory(sz);
    memset(p, 0xA5, sz);
    done += sz;
  }
  atomic_store_explicit(&leaked_bytes, done, memory_order_relaxed);
}

static void *worker_main(void *arg) {
  worker_t *w = arg;
  const uint64_t ws = opt.ws, min = opt.min_size, span = opt.max_size - opt.min_size + 1;
  const uint64_t spin_k = spin_iters_per_op;
  void **ring = calloc(ws, sizeof *ring);
  if (!ring) workload_out_of_memory(ws * sizeof *ring);
  uint64_t rng = w->rng, done = 0, bursts_seen = 0;

  while (!atomic_load_explicit(&stop_requested, memory_order_relaxed)) {
    uint64_t n = OPS_BATCH;
    if (w->quota && w->quota - done < n) n = w->quota - done;
    for (uint64_t i = 0; i < n; i++) {
      uint64_t r = wyrand(&rng);
      void **slot = &ring[fast_range((uint32_t)(r >> 32), ws)];
      char *p = *slot;
      if (p) {
        free(p);
        *slot = NULL;
      } else {
        uint64_t sz = min + fast_range((uint32_t)r, span);
        p = malloc(sz);
        if (__builtin_expect(p == NULL, 0)) workload_out_of_memory(sz);
        p[0] = (char)r;      /* touch: first and last byte */
        p[sz - 1] = (char)r;
        *slot = p;
      }
      if (spin_k) spin(spin_k);
    }
    done += n;
    atomic_store_explicit(&w->published_ops, done, memory_order_relaxed);
    if (w->quota && done >= w->quota) break;
    if (w->index == 0) {
      uint64_t req = atomic_load_explicit(&burst_requested, memory_order_relaxed);
      if (req != bursts_seen) {
        bursts_seen = req;
        run_burst(&rng);
        atomic_fetch_add_explicit(&bursts_done, 1, memory_order_relaxed);
      }
      if (opt.leak_bytes_per_sec) run_leak(&rng);
    }
  }
  for (uint64_t i = 0; i < ws; i++) free(ring[i]);
  free(ring);
  sem_post(&wakeup);
  return NULL;
}

static void on_terminate(int sig) {
  terminating_signal = sig;
  atomic_store_explicit(&stop_requested, 1, memory_order_relaxed);
  sem_post(&wakeup); /* async-signal-safe */
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: random_mixed [options]\n"
          "  --ws N                   ring slots per thread (default 400)\n"
          "  --min-size N             smallest block in bytes (default 16)\n"
          "  --max-size N             largest block in bytes (default 1024)\n"
          "  --seconds S              run time, decimals allowed (default: $ALLOCSOAK_SECONDS, else until\n"
          "                           --ops is reached or SIGTERM/SIGINT)\n"
          "  --ops N                  stop after N ops in total (summed over threads)\n"
          "  --seed N                 random seed (default 42)\n"
          "  --threads N              worker threads, each with its own ring (default 1)\n"
          "  --interval-ms N          sample interval (default: $ALLOCSOAK_INTERVAL_MS, else 1000)\n"
          "  --burst-mb N --burst-every-s S\n"
          "                           every S seconds allocate N MB of blocks in [min,max], touch, free all\n"
          "  --leak-bytes-per-sec N   leak N bytes per second in small written blocks\n"
          "  --spin-ns N              about N ns of busy work per op (calibrated at start)\n"
          "  --spin-iters N           exactly N busy-loop iterations per op (no calibration: planted\n"
          "                           effects that must be the same in every process)\n"
          "  --help                   this text\n"
          "  --check ARGS...          (first) check ARGS without running: one line per bad argument, exit 2\n"
          "One op = one malloc or one free. Output: JSON lines on stdout (docs/protocol.md).\n");
}

/* For "did you mean": every option that takes a value. */
static const char *const option_names[] = {
    "--ws", "--min-size", "--max-size", "--seconds", "--ops", "--seed", "--threads", "--interval-ms",
    "--burst-mb", "--burst-every-s", "--leak-bytes-per-sec", "--spin-ns", "--spin-iters", NULL,
};

/* Parses one value; *bad is set when it was reported as invalid (check mode goes on, and a value known
 * to be bad is not compared with others: one error per bad argument). */
static uint64_t parse_u64(const char *option, const char *text, uint64_t min, uint64_t max, int *bad) {
  int before = cli_errors;
  uint64_t v = cli_parse_u64(option, text, min, max);
  if (cli_errors != before) *bad = 1;
  return v;
}

/* In check mode (`random_mixed --check ARGS...`, argv[1]) every bad argument is reported, one line each,
 * and the program exits 2 (0 when all are fine) without running: the daemon checks a plan's args so. */
static void parse_options(int argc, char **argv) {
  opt = (options_t){.ws = 400, .min_size = 16, .max_size = 1024, .seed = 42, .threads = 1, .interval_ms = 1000};
  int first = 1;
  if (argc > 1 && strcmp(argv[1], "--check") == 0) {
    cli_check_mode = 1;
    first = 2;
  }
  const char *env_seconds = getenv("ALLOCSOAK_SECONDS");
  const char *env_interval = getenv("ALLOCSOAK_INTERVAL_MS");
  if (env_seconds && *env_seconds) {
    opt.seconds = cli_parse_double("ALLOCSOAK_SECONDS", env_seconds, 0.001, 1e9);
    opt.have_seconds = 1;
  }
  if (env_interval && *env_interval) opt.interval_ms = cli_parse_u64("ALLOCSOAK_INTERVAL_MS", env_interval, 1, 86400000);
  int burst_mb_set = 0, burst_every_set = 0;
  int bad_min = 0, bad_max = 0, bad_ops = 0, bad_threads = 0, bad_spin = 0, bad = 0;
  for (int i = first; i < argc; i++) {
    const char *v;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      if (cli_check_mode) {
        cli_arg_error("%s is not a workload argument (it prints this usage and exits)", argv[i]);
        continue;
      }
      usage(stdout);
      exit(0);
    } else if (strcmp(argv[i], "--check") == 0) {
      cli_arg_error("--check must be the first argument (it checks the arguments that follow)");
    } else if (cli_match(argc, argv, &i, "--ws", &v)) {
      opt.ws = parse_u64("--ws", v, 1, 100000000, &bad);
    } else if (cli_match(argc, argv, &i, "--min-size", &v)) {
      opt.min_size = parse_u64("--min-size", v, 1, 1ull << 30, &bad_min);
    } else if (cli_match(argc, argv, &i, "--max-size", &v)) {
      opt.max_size = parse_u64("--max-size", v, 1, 1ull << 30, &bad_max);
    } else if (cli_match(argc, argv, &i, "--seconds", &v)) {
      opt.seconds = cli_parse_double("--seconds", v, 0.001, 1e9);
      opt.have_seconds = 1;
    } else if (cli_match(argc, argv, &i, "--ops", &v)) {
      opt.ops = parse_u64("--ops", v, 1, UINT64_MAX / 2, &bad_ops);
      opt.have_ops = 1;
    } else if (cli_match(argc, argv, &i, "--seed", &v)) {
      opt.seed = parse_u64("--seed", v, 0, UINT64_MAX, &bad);
    } else if (cli_match(argc, argv, &i, "--threads", &v)) {
      opt.threads = parse_u64("--threads", v, 1, 1024, &bad_threads);
    } else if (cli_match(argc, argv, &i, "--interval-ms", &v)) {
      opt.interval_ms = parse_u64("--interval-ms", v, 1, 86400000, &bad);
    } else if (cli_match(argc, argv, &i, "--burst-mb", &v)) {
      opt.burst_mb = parse_u64("--burst-mb", v, 1, 1ull << 20, &bad);
      burst_mb_set = 1;
    } else if (cli_match(argc, argv, &i, "--burst-every-s", &v)) {
      opt.burst_every_s = cli_parse_double("--burst-every-s", v, 0.001, 1e9);
      burst_every_set = 1;
    } else if (cli_match(argc, argv, &i, "--leak-bytes-per-sec", &v)) {
      opt.leak_bytes_per_sec = parse_u64("--leak-bytes-per-sec", v, 0, 1ull << 40, &bad);
    } else if (cli_match(argc, argv, &i, "--spin-ns", &v)) {
      opt.spin_ns = parse_u64("--spin-ns", v, 0, 100000000, &bad_spin);
    } else if (cli_match(argc, argv, &i, "--spin-iters", &v)) {
      opt.spin_iters = parse_u64("--spin-iters", v, 0, 1000000000, &bad_spin);
    } else {
      const char *near = cli_closest(argv[i], option_names);
      if (near) cli_arg_error("unknown option '%s' (see --help); did you mean %s?", argv[i], near);
      else cli_arg_error("unknown option '%s' (see --help)", argv[i]);
      /* Every option takes a value: what follows a mistyped one is its value, not another error. */
      if (strncmp(argv[i], "--", 2) == 0 && !strchr(argv[i], '=') && i + 1 < argc && argv[i + 1][0] != '-') i++;
    }
  }
  if (opt.spin_ns && opt.spin_iters && !bad_spin) cli_arg_error("--spin-ns and --spin-iters exclude each other");
  if (opt.min_size > opt.max_size && !bad_min && !bad_max)
    cli_arg_error("--min-size (%llu) must not exceed --max-size (%llu)", (unsigned long long)opt.min_size,
                  (unsigned long long)opt.max_size);
  if (burst_mb_set != burst_every_set)
    cli_arg_error("--burst-mb and --burst-every-s must be given together (got only %s)",
                  burst_mb_set ? "--burst-mb" : "--burst-every-s");
  if (opt.have_ops && opt.ops < opt.threads && !bad_ops && !bad_threads)
    cli_arg_error("--ops expects at least one op per thread (%llu threads), got %llu", (unsigned long long)opt.threads,
                  (unsigned long long)opt.ops);
  if (cli_check_mode) exit(cli_errors > 0 ? CLI_USAGE_EXIT : 0);
}

static void emit_start(const alloc_probe_t *probe) {
  json_line_t j;
  workload_start_line(&j, "random_mixed", probe);
  jl_u64(&j, "ws", opt.ws);
  jl_u64(&j, "min_size", opt.min_size);
  jl_u64(&j, "max_size", opt.max_size);
  if (opt.have_seconds) jl_num(&j, "seconds", opt.seconds, 3); else jl_null(&j, "seconds");
  if (opt.have_ops) jl_u64(&j, "ops", opt.ops); else jl_null(&j, "ops");
  jl_u64(&j, "seed", opt.seed);
  jl_u64(&j, "threads", opt.threads);
  jl_u64(&j, "interval_ms", opt.interval_ms);
  jl_u64(&j, "burst_mb", opt.burst_mb);
  jl_num(&j, "burst_every_s", opt.burst_every_s, 3);
  jl_u64(&j, "leak_bytes_per_sec", opt.leak_bytes_per_sec);
  jl_u64(&j, "spin_ns", opt.spin_ns);
  jl_u64(&j, "spin_iters_per_op", spin_iters_per_op);
  jl_obj_end(&j);
  jl_emit(&j, STDOUT_FILENO);
}

static uint64_t total_ops(worker_t *workers) {
  uint64_t sum = 0;
  for (uint64_t i = 0; i < opt.threads; i++) sum += atomic_load_explicit(&workers[i].published_ops, memory_order_relaxed);
  return sum;
}

static void emit_progress(const char *type, const alloc_probe_t *probe, worker_t *workers, uint64_t t0, uint64_t t_now,
                          const char *reason) {
  json_line_t j;
  double t_ms = (double)(t_now - t0) / 1e6;
  jl_begin(&j);
  jl_str(&j, "type", type);
  if (strcmp(type, "sample") == 0) jl_num(&j, "t_ms", t_ms, 3);
  jl_u64(&j, "ops", total_ops(workers));
  if (strcmp(type, "end") == 0) jl_num(&j, "elapsed_ms", t_ms, 3);
  alloc_probe_counters(probe, &j);
  /* CPU time of the whole process since measuring began: normalises throughput on a busy machine. */
  jl_num(&j, "cpu_ms", (double)(process_cpu_ns() - cpu_at_start) / 1e6, 3);
  if (opt.burst_mb) jl_u64(&j, "bursts", atomic_load_explicit(&bursts_done, memory_order_relaxed));
  if (opt.leak_bytes_per_sec) jl_u64(&j, "leaked_bytes", atomic_load_explicit(&leaked_bytes, memory_order_relaxed));
  if (reason) jl_str(&j, "reason", reason);
  jl_emit(&j, STDOUT_FILENO);
}

int main(int argc, char **argv) {
  cli_program_name = "random_mixed";
  parse_options(argc, argv);

  sem_init(&wakeup, 0, 0);
  workload_on_termination(on_terminate);

  const alloc_probe_t *probe = alloc_probe();
  /* --spin-iters is exact; --spin-ns is calibrated per process, which adds the calibration's own noise. */
  spin_iters_per_op = opt.spin_iters ? opt.spin_iters : calibrate_spin(opt.spin_ns);
  emit_start(probe);

  worker_t *workers = aligned_alloc(64, sizeof(worker_t) * opt.threads);
  if (!workers) workload_out_of_memory(sizeof(worker_t) * opt.threads);
  memset(workers, 0, sizeof(worker_t) * opt.threads);

  /* Workers ignore SIGTERM/SIGINT (the main thread takes them) so a signal never lands mid-op. */
  sigset_t old_set;
  workload_block_termination(&old_set);

  const uint64_t t0 = mono_ns();
  cpu_at_start = process_cpu_ns();
  for (uint64_t i = 0; i < opt.threads; i++) {
    worker_t *w = &workers[i];
    w->index = (unsigned)i;
    w->rng = splitmix64(opt.seed + i * 0x9e3779b97f4a7c15ull);
    if (opt.have_ops) w->quota = opt.ops / opt.threads + (i < opt.ops % opt.threads ? 1 : 0);
    int rc = pthread_create(&w->thread, NULL, worker_main, w);
    if (rc != 0) {
      fprintf(stderr, "random_mixed: cannot start worker thread %llu: %s\n", (unsigned long long)i, strerror(rc));
      exit(1);
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_set, NULL);

  const uint64_t interval_ns = opt.interval_ms * 1000000ull;
  const uint64_t deadline = opt.have_seconds ? t0 + (uint64_t)(opt.seconds * 1e9) : UINT64_MAX;
  const uint64_t burst_period = opt.burst_mb ? (uint64_t)(opt.burst_every_s * 1e9) : 0;
  const int churn = opt.burst_mb || opt.leak_bytes_per_sec;
  uint64_t next_sample = t0 + interval_ns, next_burst = t0 + burst_period;
  uint64_t finished = 0;
  const char *reason = NULL;

  for (;;) {
    uint64_t now = mono_ns();
    if (terminating_signal) {
      reason = terminating_signal == SIGINT ? "SIGINT" : "SIGTERM";
      break;
    }
    if (finished == opt.threads) {
      reason = "ops";
      break;
    }
    if (now >= deadline) {
      reason = "seconds";
      break;
    }
    if (now >= next_sample) {
      emit_progress("sample", probe, workers, t0, now, NULL);
      /* Absolute schedule (no drift); skip missed slots rather than bursting samples after a stall. */
      while (next_sample <= now) next_sample += interval_ns;
    }
    if (burst_period && now >= next_burst) {
      atomic_fetch_add_explicit(&burst_requested, 1, memory_order_relaxed);
      while (next_burst <= now) next_burst += burst_period;
    }
    if (opt.leak_bytes_per_sec)
      atomic_store_explicit(&leak_target_bytes, (uint64_t)((double)opt.leak_bytes_per_sec * (double)(now - t0) / 1e9),
                            memory_order_relaxed);
    uint64_t wake = next_sample < deadline ? next_sample : deadline;
    if (churn && now + CHURN_TICK_NS < wake) wake = now + CHURN_TICK_NS;
    struct timespec ts = mono_ts(wake);
    if (sem_clockwait(&wakeup, CLOCK_MONOTONIC, &ts) == 0 && !terminating_signal) finished++;
  }

  const uint64_t t_stop = mono_ns();
  atomic_store_explicit(&stop_requested, 1, memory_order_relaxed);
  for (uint64_t i = 0; i < opt.threads; i++) pthread_join(workers[i].thread, NULL);
  emit_progress("end", probe, workers, t0, t_stop, reason);
  free(workers);
  return 0;
}
