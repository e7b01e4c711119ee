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

void workload_opts_init(workload_opts_t *o, const char *limit_option, uint64_t limit_min, uint64_t limit_max) {
  *o = (workload_opts_t){
      .limit_option = limit_option, .limit_min = limit_min, .limit_max = limit_max, .seed = 42, .interval_ms = 1000};
  const char *env_seconds = getenv("ALLOCSOAK_SECONDS");
  const char *env_interval = getenv("ALLOCSOAK_INTERVAL_MS");
  if (env_seconds && *env_seconds) {
    o->seconds = cli_parse_double("ALLOCSOAK_SECONDS", env_seconds, 0.001, 1e9);
    o->have_seconds = 1;
  }
  if (env_interval && *env_interval) o->interval_ms = cli_parse_u64("ALLOCSOAK_INTERVAL_MS", env_interval, 1, 86400000);
}

int workload_opts_match(workload_opts_t *o, int argc, char **argv, int *i) {
  const char *v;
  if (cli_match(argc, argv, i, "--seconds", &v)) {
    o->seconds = cli_parse_double("--seconds", v, 0.001, 1e9);
    o->have_seconds = 1;
  } else if (o->limit_option && cli_match(argc, argv, i, o->limit_option, &v)) {
    o->limit = cli_parse_u64(o->limit_option, v, o->limit_min, o->limit_max);
    o->have_limit = 1;
  } else if (cli_match(argc, argv, i, "--seed", &v)) {
    o->seed = cli_parse_u64("--seed", v, 0, UINT64_MAX);
  } else if (cli_match(argc, argv, i, "--interval-ms", &v)) {
    o->interval_ms = cli_parse_u64("--interval-ms", v, 1, 86400000);
  } else {
    return 0;
  }
  return 1;
}

void workload_opts_default_limit(workload_opts_t *o, uint64_t fallback) {
  if (o->have_seconds || o->have_limit) return;
  o->limit = fallback;
  o->have_limit = 1;
}

void workload_stop_params(json_line_t *j, const workload_opts_t *o) {
  jl_num_or_null(j, "seconds", o->have_seconds, o->seconds, 3);
  jl_u64_or_null(j, o->limit_option + 2, o->have_limit, o->limit);
  jl_u64(j, "seed", o->seed);
  jl_u64(j, "interval_ms", o->interval_ms);
}

void workload_sample_line(json_line_t *j, const alloc_probe_t *probe, uint64_t t_ns, uint64_t ops) {
  jl_begin(j);
  jl_str(j, "type", "sample");
  jl_num(j, "t_ms", (double)t_ns / 1e6, 3);
  jl_u64(j, "ops", ops);
  alloc_probe_counters(probe, j);
}

void workload_end_line(json_line_t *j, const alloc_probe_t *probe, uint64_t ops, uint64_t elapsed_ns) {
  jl_begin(j);
  jl_str(j, "type", "end");
  jl_u64(j, "ops", ops);
  jl_num(j, "elapsed_ms", (double)elapsed_ns / 1e6, 3);
  alloc_probe_counters(probe, j);
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
