/* What the protocol's workloads (random_mixed and the bench programs xthread, drain, alloctest, largebuf) do
 * alike: the options that say how long to run and how often to sample, the protocol's fields of the start,
 * sample and end lines, the handling of SIGTERM/SIGINT, and the message when malloc fails. */
#ifndef ALLOCSOAK_WORKLOAD_H
#define ALLOCSOAK_WORKLOAD_H

#include <signal.h>
#include <stdint.h>

#include "alloc_probe.h"
#include "json_line.h"

/* The options that say when a timed workload stops and how it samples, alike in name, range and default:
 * --seconds (default $ALLOCSOAK_SECONDS), the workload's own limit (--ops or --iterations: whichever comes
 * first ends the run; with neither, a signal does), --seed (default 42) and --interval-ms (default
 * $ALLOCSOAK_INTERVAL_MS, else 1000). */
typedef struct workload_opts {
  const char *limit_option; /* "--ops", "--iterations"; NULL: the workload parses its limit itself */
  uint64_t limit_min, limit_max;
  double seconds;
  uint64_t limit;
  int have_seconds, have_limit;
  uint64_t seed, interval_ms;
} workload_opts_t;

/* Sets the defaults, then takes $ALLOCSOAK_SECONDS and $ALLOCSOAK_INTERVAL_MS when set and not empty (a
 * bad value is a usage error, or in check mode a reported one). The limit, when `limit_option` is not
 * NULL, takes an integer from `limit_min` to `limit_max`. */
void workload_opts_init(workload_opts_t *o, const char *limit_option, uint64_t limit_min, uint64_t limit_max);

/* When argv[*i] is --seconds, the limit option, --seed or --interval-ms (either form, see cli_match):
 * parses its value into `o` and returns 1. Returns 0 for any other argument. */
int workload_opts_match(workload_opts_t *o, int argc, char **argv, int *i);

/* After parsing: a workload given neither --seconds nor its limit stops after `fallback` ops or
 * iterations. */
void workload_opts_default_limit(workload_opts_t *o, uint64_t fallback);

/* Begins the start line (docs/protocol.md): type, protocol version, workload, pid and the allocator's
 * fields, then opens "params". The caller adds its parameters, closes the object and emits the line. */
void workload_start_line(json_line_t *j, const char *workload, const alloc_probe_t *probe);

/* Writes the start line's stop and sampling params in the protocol's order: "seconds", the limit under
 * its option's name ("ops", "iterations"; each null when not set), "seed", "interval_ms". */
void workload_stop_params(json_line_t *j, const workload_opts_t *o);

/* Begin a sample line (type, t_ms = `t_ns` since the start, ops, counters) and an end line (type, ops,
 * elapsed_ms, counters). The caller adds the fields of its own workload and emits the line. */
void workload_sample_line(json_line_t *j, const alloc_probe_t *probe, uint64_t t_ns, uint64_t ops);
void workload_end_line(json_line_t *j, const alloc_probe_t *probe, uint64_t ops, uint64_t elapsed_ns);

/* Runs `handler` on SIGTERM and SIGINT (no SA_RESTART: a sleep or wait returns early, and the main loop
 * sees the stop at once). */
void workload_on_termination(void (*handler)(int));

/* Blocks SIGTERM and SIGINT in the calling thread and stores its previous mask in `old`: threads started
 * meanwhile inherit the block, so a signal never lands mid-op in a worker. Restore with
 * pthread_sigmask(SIG_SETMASK, old, NULL). */
void workload_block_termination(sigset_t *old);

/* malloc returned NULL: says so on stderr, naming the program (cli_program_name) and the size, and exits 1. */
__attribute__((noreturn)) void workload_out_of_memory(uint64_t size);

#endif
