#include "json_line.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void put_raw(json_line_t *j, const char *s, size_t n) {
  if (j->overflow || j->len + n >= JSON_LINE_CAP - 2) {
    j->overflow = 1;
    return;
  }
  memcpy(j->buf + j->len, s, n);
  j->len += n;
}

static void put_s(json_line_t *j, const char *s) { put_raw(j, s, strlen(s)); }

static void put_escaped(json_line_t *j, const char *s) {
  put_raw(j, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    char esc[8];
    if (*p == '"' || *p == '\\') {
      esc[0] = '\\';
      esc[1] = (char)*p;
      put_raw(j, esc, 2);
    } else if (*p < 0x20) {
      int n = snprintf(esc, sizeof esc, "\\u%04x", *p);
      put_raw(j, esc, (size_t)n);
    } else {
      put_raw(j, (const char *)p, 1);
    }
  }
  put_raw(j, "\"", 1);
}

void jl_begin(json_line_t *j) {
  j->len = 0;
  j->overflow = 0;
  j->need_comma = 0;
  put_raw(j, "{", 1);
}

void jl_key(json_line_t *j, const char *key) {
  if (j->need_comma) put_raw(j, ",", 1);
  put_escaped(j, key);
  put_raw(j, ":", 1);
  j->need_comma = 1;
}

void jl_str(json_line_t *j, const char *key, const char *value) {
  jl_key(j, key);
  put_escaped(j, value);
}

void jl_u64(json_line_t *j, const char *key, uint64_t value) {
  char tmp[32];
  jl_key(j, key);
  int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)value);
  put_raw(j, tmp, (size_t)n);
}

void jl_i64(json_line_t *j, const char *key, int64_t value) {
  char tmp[32];
  jl_key(j, key);
  int n = snprintf(tmp, sizeof tmp, "%lld", (long long)value);
  put_raw(j, tmp, (size_t)n);
}

void jl_num(json_line_t *j, const char *key, double value, int decimals) {
  char tmp[64];
  jl_key(j, key);
  if (!isfinite(value)) { /* JSON has no NaN/Inf */
    put_s(j, "null");
    return;
  }
  int n = snprintf(tmp, sizeof tmp, "%.*f", decimals, value);
  put_raw(j, tmp, (size_t)n);
}

void jl_bool(json_line_t *j, const char *key, int value) {
  jl_key(j, key);
  put_s(j, value ? "true" : "false");
}

void jl_null(json_line_t *j, const char *key) {
  jl_key(j, key);
  put_s(j, "null");
}

void jl_num_or_null(json_line_t *j, const char *key, int have, double value, int decimals) {
  if (have) jl_num(j, key, value, decimals);
  else jl_null(j, key);
}

void jl_u64_or_null(json_line_t *j, const char *key, int have, uint64_t value) {
  if (have) jl_u64(j, key, value);
  else jl_null(j, key);
}

void jl_obj_begin(json_line_t *j, const char *key) {
  jl_key(j, key);
  put_raw(j, "{", 1);
  j->need_comma = 0;
}

void jl_obj_end(json_line_t *j) {
  put_raw(j, "}", 1);
  j->need_comma = 1;
}

int jl_emit(json_line_t *j, int fd) {
  if (j->overflow) return -1;
  j->buf[j->len++] = '}';
  j->buf[j->len++] = '\n';
  size_t off = 0;
  while (off < j->len) {
    ssize_t w = write(fd, j->buf + off, j->len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    off += (size_t)w;
  }
  return 0;
}
