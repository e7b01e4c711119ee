/* Memory figures of the calling process read from /proc without calling malloc (open/read into a
 * stack buffer; stdio's fopen would allocate and disturb the allocator being measured). */
#ifndef ALLOCSOAK_PROC_MEM_H
#define ALLOCSOAK_PROC_MEM_H

#include <stdint.h>

/* A "<field>:   <n> kB" value of /proc/self/status (e.g. "VmRSS", "VmHWM"); -1 when unreadable. */
int64_t proc_status_kb(const char *field);

/* A "<field>:   <n> kB" value of /proc/self/smaps_rollup (e.g. "LazyFree", "Anonymous"); -1 when
 * unreadable (kernels before 4.14 have no smaps_rollup). */
int64_t proc_smaps_rollup_kb(const char *field);

#endif
