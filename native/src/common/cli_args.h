/* Option-value parsing shared by the programs: every bad value ends the program with one clear line
 * on stderr naming the program, the option and what was expected, and exit status 2. */
#ifndef ALLOCSOAK_CLI_ARGS_H
#define ALLOCSOAK_CLI_ARGS_H

#include <stdint.h>

#define CLI_USAGE_EXIT 2

/* Exit status of cli_usage_error (CLI_USAGE_EXIT unless a program sets its own, e.g. the launcher,
 * whose exit status space belongs to the workload it mirrors). */
extern int cli_usage_exit_code;
/* Set once by main() so messages name the program. */
extern const char *cli_program_name;

__attribute__((noreturn, format(printf, 1, 2))) void cli_usage_error(const char *fmt, ...);

/* Check mode (e.g. `random_mixed --check ARGS...`): a bad value is reported and counted instead of ending
 * the program, so that every bad argument is named in one run. Off by default. */
extern int cli_check_mode;
/* Bad values reported so far in check mode. */
extern int cli_errors;

/* A bad argument: like cli_usage_error, but in check mode it prints the line, counts it and returns. */
__attribute__((format(printf, 1, 2))) void cli_arg_error(const char *fmt, ...);

/* The name in `names` (NULL-terminated) closest to `word` within 2 edits, for "did you mean"; else NULL.
 * Only the part of `word` before any '=' is compared. */
const char *cli_closest(const char *word, const char *const *names);

/* Matches argv[*i] against "--name" or "--name=value". On a match returns the value (taking the next
 * argument for the "--name value" form, advancing *i) and 1; a missing value is a usage error (in check
 * mode: reported, and the value is NULL, which the parsers below take as already reported).
 * Returns 0 when argv[*i] is not this option. */
int cli_match(int argc, char **argv, int *i, const char *name, const char **value);

/* A bad value is a usage error; in check mode it is reported and `min` is returned. */
uint64_t cli_parse_u64(const char *option, const char *text, uint64_t min, uint64_t max);
double cli_parse_double(const char *option, const char *text, double min, double max);

#endif
