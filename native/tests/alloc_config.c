/* Configuration: the allocator is first entered from a constructor (before main), so options
 * must be parsed without malloc and without relying on libc being fully set up. Prints the
 * effective profile and allocates a little in every size range to show the allocator works.
 * The node test runs it with good and bad LEANMALLOC_* values and checks stderr and the profile. */
#include "alloc_test.h"

static void *early;

__attribute__((constructor)) static void allocate_early(void) {
  early = malloc(100);
  memset(early, 3, 100);
}

int main(void) {
  CHECK(early != NULL, "constructor malloc");
  for (size_t n = 1; n < 100000; n = n * 3 + 1) { void *p = malloc(n); CHECK(p, "malloc(%zu)", n); memset(p, 1, n); free(p); }
  free(early);
  printf("profile=%s\n", lm_profile());
  return 0;
}
