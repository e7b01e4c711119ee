/* xthread: the cross-thread hand-off workload of the benchmark: two threads handing blocks to each other,
 * the pattern that makes a thread-caching allocator return memory to another thread's heap.
 *
 * Two threads, A and B. Each one mallocs blocks of a random size in [--min-size, --max-size], touches
 * them (first and last byte) and hands them to the other thread, which frees them: every free is a
 * cross-thread free, in both directions. One op = one malloc or one free call (so ops = 2 × blocks).
 *
 * The hand-off goes through two single-producer/single-consumer rings of RING_CAP pointers. Each side
 * keeps a private copy of its index and a cached copy of the other side's, and publishes its own index
 * only every PUBLISH_EVERY entries and at the end of each batch, so the queue costs a few plain loads
 * and stores per op and a cache-line transfer per batch: the allocator, not the queue, is what is timed.
 * No clock is read in the op loop; op counts are published with a relaxed store once per batch.
 *
 * Output: JSON lines of docs/protocol.md (start, a sample per --interval-ms, end); the end line adds
 * blocks (mallocs done; every one was freed, so ops = 2 × blocks) and vm_hwm_kb and vm_rss_kb read from
 * /proc/self/status after every block was freed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
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
#include "proc_mem.h"

#define RING_CAP 1024u /* power of two: blocks in flight per direction at most */
#define PUBLISH_EVERY 32u
#define BATCH 64u
#define IDLE_SPINS_BEFORE_YIELD 64u

typedef struct ring {
  _Alignas(64) _Atomic uint64_t tail; /* written by the producer (release), read by the consumer */
  _Alignas(64) _Atomic uint64_t head; /* written by the consumer (release), read by the producer */
  _Alignas(64) void *slot[RING_CAP];
} ring_t;

/* One side's private view of a ring. */
typedef struct ring_end {
  ring_t *ring;
  uint64_t mine;   /* own index: tail for the producer, head for the consumer */
  uint64_t theirs; /* last seen index of the other side */
} ring_end_t;

typedef struct worker {
  _Alignas(64) _Atomic uint64_t published_ops;
  _Atomic int producing_done; /* set (release) after the last push and tail publication */
  uint64_t mallocs;           /* blocks this thread allocated; written by it before it finishes */
  _Alignas(64) pthread_t thread;
  unsigned index;
  uint64_t malloc_quota; /* 0 = until stop */
  uint64_t rng;
  ring_end_t out, in;
  struct worker *peer;
} worker_t;

typedef struct options {
  uint64_t min_size, max_size, ops, seed, interval_ms;
  double seconds;
  int have_seconds, have_ops;
} options_t;

static options_t opt;
static ring_t rings[2]; /* rings[0]: A -> B, rings[1]: B -> A (static: not allocated by the allocator under test) */
static worker_t workers[2];
static _Atomic int stop_requested;
static _Atomic unsigned workers_finished;
static pthread_barrier_t start_barrier;
static sem_t wakeup;
static volatile sig_atomic_t terminating_signal;

static inline int ring_can_push(ring_end_t *e) {
  if (e->mine - e->theirs < RING_CAP) return 1;
  e->theirs = atomic_load_explicit(&e->ring->head, memory_order_acquire);
  return e->mine - e->theirs < RING_CAP;
}

static inline void ring_push(ring_end_t *e, void *p) {
  e->ring->slot[e->mine & (RING_CAP - 1)] = p;
  e->mine++;
  if ((e->mine & (PUBLISH_EVERY - 1)) == 0) atomic_store_explicit(&e->ring->tail, e->mine, memory_order_release);
}

static inline void *ring_pop(ring_end_t *e) {
  if (e->mine == e->theirs) {
    e->theirs = atomic_load_explicit(&e->ring->tail, memory_order_acquire);
    if (e->mine == e->theirs) return NULL;
  }
  void *p = e->ring->slot[e->mine & (RING_CAP - 1)];
  e->mine++;
  if ((e->mine & (PUBLISH_EVERY - 1)) == 0) atomic_store_explicit(&e->ring->head, e->mine, memory_order_release);
  return p;
}

static inline void publish_producer(ring_end_t *e) { atomic_store_explicit(&e->ring->tail, e->mine, memory_order_release); }
static inline void publish_consumer(ring_end_t *e) { atomic_store_explicit(&e->ring->head, e->mine, memory_order_release); }

static void *worker_main(void *arg) {
  worker_t *w = arg;
  const uint64_t min = opt.min_size, span = opt.max_size - opt.min_size + 1;
  uint64_t rng = w->rng, ops = 0, mallocs = 0;
  int producing = 1;
  unsigned idle = 0;
  pthread_barrier_wait(&start_barrier);

  for (;;) {
    unsigned progress = 0;
    /* Free what the peer handed over. */
    for (unsigned k = 0; k < BATCH; k++) {
      void *p = ring_pop(&w->in);
      if (!p) break;
      free(p);
      progress++;
    }
    publish_consumer(&w->in);
    ops += progress;

    if (producing) {
      unsigned made = 0;
      for (; made < BATCH && ring_can_push(&w->out); made++) {
        if (w->malloc_quota && mallocs + made == w->malloc_quota) break;
        uint64_t r = wyrand(&rng);
        uint64_t sz = min + fast_range((uint32_t)r, span);
        char *p = malloc(sz);
        if (__builtin_expect(p == NULL, 0)) workload_out_of_memory(sz);
        p[0] = (char)r; /* touch: first and last byte */
        p[sz - 1] = (char)r;
        ring_push(&w->out, p);
      }
      publish_producer(&w->out);
      mallocs += made;
      ops += made;
      progress += made;
      if ((w->malloc_quota && mallocs == w->malloc_quota) || atomic_load_explicit(&stop_requested, memory_order_relaxed)) {
        producing = 0;
        atomic_store_explicit(&w->producing_done, 1, memory_order_release);
      }
    } else if (progress == 0 && atomic_load_explicit(&w->peer->producing_done, memory_order_acquire)) {
      /* The peer pushed its last block before setting producing_done: one more look at the ring
       * (after the acquire above) tells whether everything it sent has been freed. */
      void *p = ring_pop(&w->in);
      if (!p) break;
      free(p);
      ops++;
      progress++;
    }
    atomic_store_explicit(&w->published_ops, ops, memory_order_relaxed);

    /* On a machine with fewer free cores than threads the peer may be descheduled: give it the CPU
     * instead of spinning through our time slice. */
    if (progress) {
      idle = 0;
    } else if (++idle >= IDLE_SPINS_BEFORE_YIELD) {
      idle = 0;
      sched_yield();
    } else {
      __builtin_ia32_pause();
    }
  }
  publish_consumer(&w->in);
  w->mallocs = mallocs;
  atomic_store_explicit(&w->published_ops, ops, memory_order_relaxed);
  atomic_fetch_add_explicit(&workers_finished, 1, memory_order_release);
  sem_post(&wakeup);
  return NULL;
}

static void on_terminate(int sig) {
  terminating_signal = sig;
  atomic_store_explicit(&stop_requested, 1, memory_order_relaxed);
  sem_post(&wakeup);
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: xthread [options]\n"
          "  --seconds S        run time (default: $ALLOCSOAK_SECONDS, else until --ops or SIGTERM/SIGINT)\n"
          "  --ops N            stop after N ops (rounded up to an even number: every malloc has its free)\n"
          "  --min-size N       smallest block in bytes (default 16)\n"
          "  --max-size N       largest block in bytes (default 1024)\n"
          "  --seed N           random seed (default 42)\n"
          "  --interval-ms N    sample interval (default: $ALLOCSOAK_INTERVAL_MS, else 1000)\n"
          "  --help             this text\n"
          "Two threads each malloc blocks and hand them to the other, which frees them (cross-thread frees\n"
          "both ways). One op = one malloc or one free. Output: JSON lines (docs/protocol.md).\n");
}

static void parse_options(int argc, char **argv) {
  opt = (options_t){.min_size = 16, .max_size = 1024, .seed = 42, .interval_ms = 1000};
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
    } else if (cli_match(argc, argv, &i, "--seconds", &v)) {
      opt.seconds = cli_parse_double("--seconds", v, 0.001, 1e9);
      opt.have_seconds = 1;
    } else if (cli_match(argc, argv, &i, "--ops", &v)) {
      opt.ops = cli_parse_u64("--ops", v, 2, UINT64_MAX / 4);
      opt.have_ops = 1;
    } else if (cli_match(argc, argv, &i, "--min-size", &v)) {
      opt.min_size = cli_parse_u64("--min-size", v, 1, 1ull << 30);
    } else if (cli_match(argc, argv, &i, "--max-size", &v)) {
      opt.max_size = cli_parse_u64("--max-size", v, 1, 1ull << 30);
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
}

static uint64_t total_ops(void) {
  return atomic_load_explicit(&workers[0].published_ops, memory_order_relaxed) +
         atomic_load_explicit(&workers[1].published_ops, memory_order_relaxed);
}

static void emit_start(const alloc_probe_t *probe) {
  json_line_t j;
  workload_start_line(&j, "xthread", probe);
  jl_u64(&j, "threads", 2);
  jl_u64(&j, "min_size", opt.min_size);
  jl_u64(&j, "max_size", opt.max_size);
  if (opt.have_seconds) jl_num(&j, "seconds", opt.seconds, 3); else jl_null(&j, "seconds");
  if (opt.have_ops) jl_u64(&j, "ops", opt.ops); else jl_null(&j, "ops");
  jl_u64(&j, "seed", opt.seed);
  jl_u64(&j, "interval_ms", opt.interval_ms);
  jl_u64(&j, "ring_capacity", RING_CAP);
  jl_obj_end(&j);
  jl_emit(&j, STDOUT_FILENO);
}

int main(int argc, char **argv) {
  cli_program_name = "xthread";
  parse_options(argc, argv);

  sem_init(&wakeup, 0, 0);
  workload_on_termination(on_terminate);

  const alloc_probe_t *probe = alloc_probe();
  emit_start(probe);

  uint64_t total_mallocs = opt.have_ops ? (opt.ops + 1) / 2 : 0;
  pthread_barrier_init(&start_barrier, NULL, 3);
  sigset_t old_set;
  workload_block_termination(&old_set);
  for (unsigned i = 0; i < 2; i++) {
    worker_t *w = &workers[i];
    w->index = i;
    w->rng = splitmix64(opt.seed + i * 0x9e3779b97f4a7c15ull);
    w->malloc_quota = opt.have_ops ? total_mallocs / 2 + (i < total_mallocs % 2 ? 1 : 0) : 0;
    w->out = (ring_end_t){.ring = &rings[i]};
    w->in = (ring_end_t){.ring = &rings[1 - i]};
    w->peer = &workers[1 - i];
  }
  for (unsigned i = 0; i < 2; i++) {
    int rc = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
    if (rc != 0) {
      fprintf(stderr, "xthread: cannot start worker thread %u: %s\n", i, strerror(rc));
      exit(1);
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_set, NULL);
  pthread_barrier_wait(&start_barrier);
  const uint64_t t0 = mono_ns();

  const uint64_t interval_ns = opt.interval_ms * 1000000ull;
  const uint64_t deadline = opt.have_seconds ? t0 + (uint64_t)(opt.seconds * 1e9) : UINT64_MAX;
  uint64_t next_sample = t0 + interval_ns;
  const char *reason = NULL;
  for (;;) {
    uint64_t now = mono_ns();
    if (terminating_signal && !reason) reason = terminating_signal == SIGINT ? "SIGINT" : "SIGTERM";
    if (now >= deadline && !reason) reason = "seconds";
    if (reason) atomic_store_explicit(&stop_requested, 1, memory_order_relaxed);
    if (atomic_load_explicit(&workers_finished, memory_order_acquire) == 2) {
      if (!reason) reason = "ops";
      break;
    }
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
    uint64_t wake = next_sample < deadline ? next_sample : deadline;
    if (reason) wake = now + 1000000ull; /* stopping: the workers drain their rings, poll for the joins */
    struct timespec ts = mono_ts(wake);
    sem_clockwait(&wakeup, CLOCK_MONOTONIC, &ts);
  }
  for (unsigned i = 0; i < 2; i++) pthread_join(workers[i].thread, NULL);
  const uint64_t t_stop = mono_ns();

  json_line_t j;
  jl_begin(&j);
  jl_str(&j, "type", "end");
  jl_u64(&j, "ops", total_ops());
  jl_num(&j, "elapsed_ms", (double)(t_stop - t0) / 1e6, 3);
  alloc_probe_counters(probe, &j);
  jl_u64(&j, "blocks", workers[0].mallocs + workers[1].mallocs); /* all freed: ops = 2 × blocks */
  jl_i64(&j, "vm_hwm_kb", proc_status_kb("VmHWM"));
  jl_i64(&j, "vm_rss_kb", proc_status_kb("VmRSS"));
  jl_str(&j, "reason", reason);
  jl_emit(&j, STDOUT_FILENO);
  return 0;
}
