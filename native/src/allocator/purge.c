/* leanmalloc: the background purger (only when decommit or retire is configured).
 *
 * Why a thread: a process that stops calling malloc/free must still give memory back
 * (jemalloc#2069). The thread is started lazily at the first free slab, at a point where the
 * calling thread holds no lock and its heap is consistent (pthread_create itself allocates).
 * It ticks while free slabs or cached superslabs wait for their purge delay, then sleeps on a
 * condition variable until a slab or superslab is freed again, so an idle process makes no
 * syscalls. It blocks all signals so the program's handlers never run on it. */
#include "internal.h"
#include <signal.h>
#include <time.h>

static pthread_mutex_t bg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bg_cond = PTHREAD_COND_INITIALIZER;
typedef enum {
  LM_BG_NOT_STARTED = 0,
  LM_BG_WANTED,          /* something waits for its delay: start at the next safe point */
  LM_BG_RUNNING,
  LM_BG_FAILED,          /* pthread_create failed: purging stays off */
} lm_bg_state_t;
static _Atomic lm_bg_state_t bg_state;
static _Atomic int bg_idle;        /* waiting on bg_cond */
static int bg_signal;              /* under bg_lock */

/* Collects frees into superslabs of exited threads first: the slabs this empties join this very
 * pass's candidates (they wait for their delay like any free slab). */
static int pass(void) {
  lm_ss_reclaim_abandoned();
  uint64_t now = lm_now_ms();
  int pending = lm_large_purge_pass(now);
  return lm_ss_purge_pass(now) | pending;
}

static void *bg_main(void *arg) {
  (void)arg;
  for (;;) {
    int64_t tick = lm_options.purge_delay_ms / 2;
    if (tick < 10) tick = 10;
    if (tick > 100) tick = 100;
    struct timespec ts = { 0, (long)tick * 1000000L };
    nanosleep(&ts, NULL);
    if (pass()) continue;
    /* Nothing pending: announce idleness, then look once more (a free that raced with the
     * announcement either sees bg_idle and signals, or its slab is seen by this pass). */
    atomic_store_explicit(&bg_idle, 1, memory_order_seq_cst);
    if (pass()) { atomic_store_explicit(&bg_idle, 0, memory_order_relaxed); continue; }
    pthread_mutex_lock(&bg_lock);
    while (!bg_signal) pthread_cond_wait(&bg_cond, &bg_lock);
    bg_signal = 0;
    atomic_store_explicit(&bg_idle, 0, memory_order_relaxed);
    pthread_mutex_unlock(&bg_lock);
  }
  return NULL;
}

void lm_purge_notify(void) {
  if (!lm_purge_enabled) return;
  lm_bg_state_t st = atomic_load_explicit(&bg_state, memory_order_relaxed);
  if (st == LM_BG_NOT_STARTED) { atomic_store_explicit(&bg_state, LM_BG_WANTED, memory_order_relaxed); return; }
  if (st == LM_BG_RUNNING && atomic_load_explicit(&bg_idle, memory_order_seq_cst)) {
    pthread_mutex_lock(&bg_lock);
    bg_signal = 1;
    pthread_cond_signal(&bg_cond);
    pthread_mutex_unlock(&bg_lock);
  }
}

void lm_purge_maybe_start(void) {
  if (LM_LIKELY(atomic_load_explicit(&bg_state, memory_order_relaxed) != LM_BG_WANTED)) return;
  lm_bg_state_t expected = LM_BG_WANTED;
  if (!atomic_compare_exchange_strong(&bg_state, &expected, LM_BG_RUNNING)) return;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  /* block every signal around the create: the purger inherits the mask from its first instruction */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_t t;
  if (pthread_create(&t, &attr, bg_main, NULL) != 0) atomic_store(&bg_state, LM_BG_FAILED);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
}

void lm_purge_fork_prepare(void) { pthread_mutex_lock(&bg_lock); }
void lm_purge_fork_parent(void) { pthread_mutex_unlock(&bg_lock); }
void lm_purge_fork_child(void) {
  pthread_mutex_init(&bg_lock, NULL);
  pthread_cond_init(&bg_cond, NULL);
  bg_signal = 0;
  atomic_store(&bg_idle, 0);
  /* the purger did not survive the fork: start a new one when needed */
  if (atomic_load(&bg_state) == LM_BG_RUNNING) atomic_store(&bg_state, LM_BG_WANTED);
}
