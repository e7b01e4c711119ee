#include "proc_mem.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads the whole (small) file into buf; returns its length or -1. */
static ssize_t read_small_file(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = 0;
  while (len < cap - 1) {
    ssize_t n = read(fd, buf + len, cap - 1 - len);
    if (n <= 0) break;
    len += (size_t)n;
  }
  close(fd);
  buf[len] = '\0';
  return (ssize_t)len;
}

static int64_t field_kb(const char *path, const char *field) {
  char buf[8192];
  if (read_small_file(path, buf, sizeof buf) < 0) return -1;
  size_t flen = strlen(field);
  for (const char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    if (strncmp(line, field, flen) == 0 && line[flen] == ':') return strtoll(line + flen + 1, NULL, 10);
  }
  return -1;
}

int64_t proc_status_kb(const char *field) { return field_kb("/proc/self/status", field); }

int64_t proc_smaps_rollup_kb(const char *field) { return field_kb("/proc/self/smaps_rollup", field); }
