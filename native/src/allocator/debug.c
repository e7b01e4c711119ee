/* leanmalloc: support for debug and test builds (assertion failures, schedule perturbation).
 * Release builds compile this file to nothing. */
#include "internal.h"
#include <stdlib.h>

#if LM_DEBUG > 0
/* One line on stderr (no malloc: we may be inside it), then abort. */
void lm_assert_fail(const char *expr, const char *file, int line, const char *func) {
  char num[24];
  lm_u64_to_str((uint64_t)line, num);
  const char *parts[] = { "leanmalloc: assertion failed: ", expr, " (", file, ":", num, ", ", func, "); aborting" };
  lm_err(parts, 9);
  abort();
}
#endif

#ifdef LM_PERTURB
#include <sched.h>
#include <time.h>

/* How often each point perturbs: 1 in `one_in` passes. Points on paths every remote free takes
 * fire rarely, or a test would spend its time asleep; hand-offs of whole superslabs fire always. */
static const unsigned perturb_one_in[LM_PP_COUNT] = {
  [LM_PP_GAVE_BACK] = 1,
  [LM_PP_CACHE_TAKEN] = 1,
  [LM_PP_ABANDONED] = 1,
  [LM_PP_ADOPT_TAKEN] = 1,
  [LM_PP_RECLAIM_TAKEN] = 1,
  [LM_PP_REMOTE_PUSHED] = 256,
};
static __thread uint64_t t_perturb_rng LM_TLS;

/* Sleeps LEANMALLOC_PERTURB_US (three times in four) or yields. */
void lm_perturb(lm_perturb_point_t at) {
  if (lm_options.perturb_us <= 0) return;
  uint64_t x = t_perturb_rng;
  if (x == 0) x = (uintptr_t)&t_perturb_rng | 1;   /* per thread, no libc state */
  x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
  t_perturb_rng = x;
  uint64_t r = x * 0x2545F4914F6CDD1Dull;
  if ((r >> 8) % perturb_one_in[at] != 0) return;
  if ((r & 3) == 0) {
    sched_yield();
  } else {
    struct timespec ts = { 0, (long)lm_options.perturb_us * 1000L };
    nanosleep(&ts, NULL);
  }
}
#endif
