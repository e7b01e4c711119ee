#include "workload.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_args.h"

void workload_start_line(json_line_t *j, const char *workload, const alloc_probe_t *probe) {
  jl_begin(j);
  jl_str(j, "type", "start");
  jl_u64(j, "protocol", 1);
  jl_str(j, "workload", workload);
  jl_i64(j, "pid", getpid());
  alloc_probe_start_fields(probe, j);
  jl_obj_begin(j, "params");
}

void workload_on_termination(void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
}

void workload_block_termination(sigset_t *old) {
  sigset_t term_set;
  sigemptyset(&term_set);
  sigaddset(&term_set, SIGTERM);
  sigaddset(&term_set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &term_set, old);
}

void workload_out_of_memory(uint64_t size) {
  fprintf(stderr, "%s: malloc(%llu) returned NULL\n", cli_program_name, (unsigned long long)size);
  exit(1);
}
