/* Pointers that are not ours must give one clear message and abort, not corrupt memory.
 * interior-small is caught only by a DEBUG=1 build (an assertion on the free fast path; release
 * builds do not spend the instructions).
 * usage: alloc_invalid foreign|interior-large|interior-huge|interior-huge-unit|double-free-huge|
 *                      usable-foreign|realloc-foreign|interior-small|ok */
#include "alloc_test.h"
#include <malloc.h>

static char not_heap[256];

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "ok";
  void *p = malloc(64);
  void *big = malloc(1 << 20);            /* a large class: one block in its own span */
  void *huge = malloc(10 << 20);          /* a huge block: whole 4 MiB units */
  void *aligned = NULL;
  if (posix_memalign(&aligned, 8 << 20, 100) != 0) return 1;
  if (strcmp(what, "foreign") == 0) free(not_heap + 16);
  else if (strcmp(what, "interior-large") == 0) free((char *)big + 4096);
  else if (strcmp(what, "interior-huge") == 0) free((char *)huge + 4096);
  else if (strcmp(what, "interior-huge-unit") == 0) free((char *)huge - 4096);   /* the unit's start */
  else if (strcmp(what, "double-free-huge") == 0) { free(huge); free(huge); }
  else if (strcmp(what, "usable-foreign") == 0) printf("%zu\n", malloc_usable_size(not_heap));
  else if (strcmp(what, "realloc-foreign") == 0) printf("%p\n", realloc(not_heap, 10));
  else if (strcmp(what, "interior-small") == 0) { free((char *)p + 16); p = NULL; }
  free(p);
  free(big);
  free(huge);
  free(aligned);
  printf("survived %s\n", what);
  return 0;
}
