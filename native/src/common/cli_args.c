#include "cli_args.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cli_program_name = "program";
int cli_usage_exit_code = CLI_USAGE_EXIT;
int cli_check_mode = 0;
int cli_errors = 0;

static void report(const char *fmt, va_list ap) {
  fprintf(stderr, "%s: ", cli_program_name);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

void cli_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(fmt, ap);
  va_end(ap);
  exit(cli_usage_exit_code);
}

void cli_arg_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(fmt, ap);
  va_end(ap);
  if (!cli_check_mode) exit(cli_usage_exit_code);
  cli_errors++;
}

static size_t edit_distance(const char *a, size_t n, const char *b) {
  size_t m = strlen(b), row[64], prev[64];
  if (n >= 63 || m >= 63) return (size_t)-1;
  for (size_t j = 0; j <= m; j++) prev[j] = j;
  for (size_t i = 1; i <= n; i++) {
    row[0] = i;
    for (size_t j = 1; j <= m; j++) {
      size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
      size_t del = prev[j] + 1, ins = row[j - 1] + 1;
      row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
    }
    memcpy(prev, row, sizeof prev);
  }
  return prev[m];
}

const char *cli_closest(const char *word, const char *const *names) {
  const char *eq = strchr(word, '=');
  size_t n = eq ? (size_t)(eq - word) : strlen(word);
  const char *best = NULL;
  size_t best_d = 3;
  for (; *names; names++) {
    size_t d = edit_distance(word, n, *names);
    if (d < best_d) best = *names, best_d = d;
  }
  return best;
}

int cli_match(int argc, char **argv, int *i, const char *name, const char **value) {
  const char *arg = argv[*i];
  size_t n = strlen(name);
  if (strncmp(arg, name, n) != 0) return 0;
  if (arg[n] == '=') {
    *value = arg + n + 1;
    return 1;
  }
  if (arg[n] != '\0') return 0;
  if (*i + 1 >= argc) {
    cli_arg_error("%s expects a value", name);
    *value = NULL;
    return 1;
  }
  *i += 1;
  *value = argv[*i];
  return 1;
}

uint64_t cli_parse_u64(const char *option, const char *text, uint64_t min, uint64_t max) {
  if (text == NULL) return min; /* a missing value, already reported (check mode) */
  char *end = NULL;
  errno = 0;
  /* strtoull accepts a leading '-' and wraps it around: reject it explicitly. */
  const char *p = text;
  while (*p == ' ') p++;
  unsigned long long v = (*p == '-' || *p == '\0') ? 0 : strtoull(p, &end, 10);
  if (*p == '-' || *p == '\0' || errno != 0 || end == NULL || *end != '\0' || v < min || v > max) {
    cli_arg_error("%s expects an integer from %llu to %llu, got '%s'", option, (unsigned long long)min,
                  (unsigned long long)max, text);
    return min;
  }
  return (uint64_t)v;
}

double cli_parse_double(const char *option, const char *text, double min, double max) {
  if (text == NULL) return min; /* a missing value, already reported (check mode) */
  char *end = NULL;
  errno = 0;
  double v = *text ? strtod(text, &end) : NAN;
  if (*text == '\0' || errno != 0 || end == NULL || *end != '\0' || !isfinite(v) || v < min || v > max) {
    cli_arg_error("%s expects a number from %g to %g, got '%s'", option, min, max, text);
    return min;
  }
  return v;
}
