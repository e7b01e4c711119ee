#include "cli_args.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cli_program_name = "program";
int cli_usage_exit_code = CLI_USAGE_EXIT;

void cli_usage_error(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: ", cli_program_name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(cli_usage_exit_code);
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
  if (*i + 1 >= argc) cli_usage_error("%s expects a value", name);
  *i += 1;
  *value = argv[*i];
  return 1;
}

uint64_t cli_parse_u64(const char *option, const char *text, uint64_t min, uint64_t max) {
  char *end = NULL;
  errno = 0;
  /* strtoull accepts a leading '-' and wraps it around: reject it explicitly. */
  const char *p = text;
  while (*p == ' ') p++;
  unsigned long long v = (*p == '-' || *p == '\0') ? 0 : strtoull(p, &end, 10);
  if (*p == '-' || *p == '\0' || errno != 0 || end == NULL || *end != '\0' || v < min || v > max)
    cli_usage_error("%s expects an integer from %llu to %llu, got '%s'", option, (unsigned long long)min,
                    (unsigned long long)max, text);
  return (uint64_t)v;
}

double cli_parse_double(const char *option, const char *text, double min, double max) {
  char *end = NULL;
  errno = 0;
  double v = *text ? strtod(text, &end) : NAN;
  if (*text == '\0' || errno != 0 || end == NULL || *end != '\0' || !isfinite(v) || v < min || v > max)
    cli_usage_error("%s expects a number from %g to %g, got '%s'", option, min, max, text);
  return v;
}
