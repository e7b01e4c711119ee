/* What the protocol's workloads (random_mixed, xthread, drain) do alike: the head of the start line, the
 * handling of SIGTERM/SIGINT, and the message when malloc fails. */
#ifndef ALLOCSOAK_WORKLOAD_H
#define ALLOCSOAK_WORKLOAD_H

#include <signal.h>
#include <stdint.h>

#include "alloc_probe.h"
#include "json_line.h"

/* Begins the start line (docs/protocol.md): type, protocol version, workload, pid and the allocator's
 * fields, then opens "params". The caller adds its parameters, closes the object and emits the line. */
void workload_start_line(json_line_t *j, const char *workload, const alloc_probe_t *probe);

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
