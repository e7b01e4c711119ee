/* fork() in a threaded program: while worker threads allocate and free (also across threads),
 * the main thread forks repeatedly. Each child must find a usable allocator: it frees blocks the
 * parent allocated before the fork (in its own and in other threads' superslabs), allocates and
 * checks patterns, starts a thread of its own, and forks once more. */
#include "alloc_test.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

enum { WORKERS = 3, SHARED = 512 };
static _Atomic int stop;
static void *_Atomic shared[SHARED];

static void *worker(void *arg) {
  uint64_t s = (uintptr_t)arg * 7919u + 1;
  while (!stop) {
    int i = (int)(rnd(&s) % SHARED);
    void *fresh = malloc(16 + rnd(&s) % 3000);
    CHECK(fresh, "malloc");
    memset(fresh, 0x5A, 16);
    void *old = atomic_exchange(&shared[i], fresh);
    free(old);   /* often allocated by another thread */
    if ((rnd(&s) & 1023) == 0) sched_yield();   /* leave the CPU to the forked child now and then */
  }
  return NULL;
}

static void *child_thread(void *arg) {
  void *blocks[1000];
  for (int i = 0; i < 1000; i++) { blocks[i] = malloc(16 + (size_t)i); fill(blocks[i], 16 + (size_t)i, (uintptr_t)i); }
  for (int i = 0; i < 1000; i++) { CHECK(check_fill(blocks[i], 16 + (size_t)i, (uintptr_t)i), "child thread block"); free(blocks[i]); }
  free(arg);   /* a block of the child's main thread, freed cross-thread */
  return NULL;
}

static int child_work(void **mine, int depth) {
  /* free blocks allocated before the fork: by this thread, and by the (now absent) workers */
  for (int i = 0; i < SHARED; i += 2) { free(atomic_exchange(&shared[i], NULL)); }
  for (int i = 0; i < 100; i++) { CHECK(check_fill(mine[i], 100, (uintptr_t)i), "pre-fork block corrupted in child"); free(mine[i]); }
  uint64_t s = 99;
  void *b[2000];
  size_t n[2000];
  for (int i = 0; i < 2000; i++) { n[i] = 1 + (i % 50 == 0 ? 16384 + rnd(&s) % 40000 : rnd(&s) % 4000); b[i] = malloc(n[i]); CHECK(b[i], "malloc in child"); fill(b[i], n[i], (uintptr_t)i); }
  for (int i = 0; i < 2000; i++) { CHECK(check_fill(b[i], n[i], (uintptr_t)i), "child block corrupted"); free(b[i]); }
  pthread_t t;
  CHECK(pthread_create(&t, NULL, child_thread, malloc(64)) == 0, "pthread_create in child");
  pthread_join(t, NULL);
  if (depth == 0) {
    pid_t pid = fork();
    if (pid == 0) {
      void *x = malloc(1000);
      free(x);
      _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "grandchild failed");
  }
  return 0;
}

int main(void) {
  pthread_t t[WORKERS];
  for (int i = 0; i < WORKERS; i++) CHECK(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)(i + 1)) == 0, "pthread_create");
  for (int round = 0; round < 10; round++) {
    void *mine[100];
    for (int i = 0; i < 100; i++) { mine[i] = malloc(100); fill(mine[i], 100, (uintptr_t)i); }
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) _exit(child_work(mine, 0));
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d failed (status %#x)", round, st);
    for (int i = 0; i < 100; i++) free(mine[i]);
  }
  stop = 1;
  for (int i = 0; i < WORKERS; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < SHARED; i++) free(shared[i]);
  printf("ok fork 10 children\n");
  return 0;
}
