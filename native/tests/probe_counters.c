/* The allocator probe of random_mixed and the bench programs (src/common/alloc_probe.c), alone:
 * prints the start line's allocator fields and one counters object. The test build links it to
 * libleanmalloc.a three times: compiled against include/leanmalloc.h, and against two copies of
 * it whose counter list the library does not have (another version; another size). The second
 * and third must report the mismatch, never counters read from the wrong places. */
#include "alloc_probe.h"
#include "json_line.h"

int main(void) {
  const alloc_probe_t *p = alloc_probe();
  json_line_t j;
  jl_begin(&j);
  alloc_probe_start_fields(p, &j);
  alloc_probe_counters(p, &j);
  return jl_emit(&j, 1) == 0 ? 0 : 1;
}
