/* A tiny JSON-lines writer for the workload protocol (docs/protocol.md).
 * Lines are built in a fixed buffer and written with one write(2) each, so every line reaches the
 * reader whole and immediately (no stdio buffering to flush, nothing lost if the process is killed
 * between lines). No allocation: building a line never calls malloc, so it never disturbs the
 * allocator being measured. */
#ifndef ALLOCSOAK_JSON_LINE_H
#define ALLOCSOAK_JSON_LINE_H

#include <stddef.h>
#include <stdint.h>

#define JSON_LINE_CAP 8192

typedef struct json_line {
  char buf[JSON_LINE_CAP];
  size_t len;
  int need_comma;   /* a value was written at the current nesting level */
  int overflow;     /* the line did not fit: it is dropped rather than emitted truncated */
} json_line_t;

void jl_begin(json_line_t *j);                 /* starts "{" */
void jl_key(json_line_t *j, const char *key);  /* writes "key": (with comma as needed) */
void jl_str(json_line_t *j, const char *key, const char *value);
void jl_u64(json_line_t *j, const char *key, uint64_t value);
void jl_i64(json_line_t *j, const char *key, int64_t value);
void jl_num(json_line_t *j, const char *key, double value, int decimals);
void jl_bool(json_line_t *j, const char *key, int value);
void jl_null(json_line_t *j, const char *key);
/* A value that may be unset (an option not given): the value when `have`, else null. */
void jl_num_or_null(json_line_t *j, const char *key, int have, double value, int decimals);
void jl_u64_or_null(json_line_t *j, const char *key, int have, uint64_t value);
void jl_obj_begin(json_line_t *j, const char *key);
void jl_obj_end(json_line_t *j);
/* Closes the top-level object, appends '\n' and writes the line to fd. Returns 0 on success. */
int jl_emit(json_line_t *j, int fd);

#endif
