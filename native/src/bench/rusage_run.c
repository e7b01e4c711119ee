/* rusage-run: runs a program and reports what the kernel accounted for it, chiefly its peak RSS.
 *
 *   rusage-run [--report-fd N] [--] PROGRAM [ARGS...]
 *
 * The benchmark needs the peak RSS (VmHWM) of workloads that do not report it themselves
 * (random_mixed). Polling /proc/<pid>/status from outside races with the exit; instead this launcher
 * forks, execs PROGRAM, and collects wait4()'s ru_maxrss, which Linux keeps as the largest VmHWM the
 * process had, read at its exit.
 *
 * One caveat, measured rather than assumed: ru_maxrss also covers the forked child's RSS just before
 * execve (the kernel folds the old address space's high-water mark in at exec). This launcher is linked
 * statically and does almost nothing, so that is a few hundred KiB; the child reads its own VmHWM right
 * before execve and the report carries it as pre_exec_hwm_kb, so a reader can tell when max_rss_kb might
 * be the launcher's rather than the workload's (when the two are equal).
 *
 * Report (one JSON line on fd N, default stderr):
 *   {"type":"rusage","max_rss_kb":..,"pre_exec_hwm_kb":..,"user_ms":..,"sys_ms":..,"minflt":..,
 *    "majflt":..,"nvcsw":..,"nivcsw":..,"code":N}      ("signal":"SIGxxx" instead of "code" if killed)
 * Exit status mirrors PROGRAM's (the same code, or the same signal re-raised); 127 if PROGRAM cannot be
 * executed, 125 for rusage-run's own errors. SIGTERM/SIGINT/SIGHUP sent to rusage-run are forwarded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_args.h"
#include "json_line.h"

#define EXIT_OWN_ERROR 125
#define EXIT_EXEC_FAILED 127

static pid_t child_pid;

static void forward_signal(int sig) {
  if (child_pid > 0) kill(child_pid, sig);
}

static int64_t own_vm_hwm_kb(void) {
  char buf[4096];
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  const char *p = strstr(buf, "\nVmHWM:");
  return p ? strtoll(p + 7, NULL, 10) : -1;
}

static double tv_ms(struct timeval tv) { return (double)tv.tv_sec * 1e3 + (double)tv.tv_usec / 1e3; }

int main(int argc, char **argv) {
  cli_program_name = "rusage-run";
  cli_usage_exit_code = EXIT_OWN_ERROR;
  int report_fd = STDERR_FILENO;
  int i = 1;
  for (; i < argc; i++) {
    const char *v;
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    } else if (strcmp(argv[i], "--help") == 0) {
      printf("usage: rusage-run [--report-fd N] [--] PROGRAM [ARGS...]\n"
             "Runs PROGRAM and writes one JSON line with its wait4() rusage (max_rss_kb = peak RSS) to fd N\n"
             "(default 2). Exit status mirrors PROGRAM's.\n");
      return 0;
    } else if (cli_match(argc, argv, &i, "--report-fd", &v)) {
      report_fd = (int)cli_parse_u64("--report-fd", v, 1, 1 << 20);
      if (fcntl(report_fd, F_GETFD) < 0) cli_usage_error("--report-fd %d is not an open file descriptor", report_fd);
      if (report_fd > 2) fcntl(report_fd, F_SETFD, FD_CLOEXEC);
    } else if (argv[i][0] == '-' && argv[i][1] == '-') {
      cli_usage_error("unknown option '%s' (see --help)", argv[i]);
    } else {
      break;
    }
  }
  if (i >= argc) cli_usage_error("expects a PROGRAM to run (see --help)");

  /* Shared with the child: its VmHWM just before execve. */
  int64_t *pre_exec = mmap(NULL, sizeof *pre_exec, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (pre_exec == MAP_FAILED) {
    fprintf(stderr, "rusage-run: mmap: %s\n", strerror(errno));
    return EXIT_OWN_ERROR;
  }
  *pre_exec = -1;

  struct sigaction sa = {.sa_handler = forward_signal};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);

  child_pid = fork();
  if (child_pid < 0) {
    fprintf(stderr, "rusage-run: fork: %s\n", strerror(errno));
    return EXIT_OWN_ERROR;
  }
  if (child_pid == 0) {
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigaction(SIGTERM, &dfl, NULL);
    sigaction(SIGINT, &dfl, NULL);
    sigaction(SIGHUP, &dfl, NULL);
    *pre_exec = own_vm_hwm_kb();
    execvp(argv[i], argv + i);
    fprintf(stderr, "rusage-run: cannot execute '%s': %s\n", argv[i], strerror(errno));
    _exit(EXIT_EXEC_FAILED);
  }

  int status;
  struct rusage ru;
  pid_t r;
  while ((r = wait4(child_pid, &status, 0, &ru)) < 0 && errno == EINTR) {
  }
  if (r < 0) {
    fprintf(stderr, "rusage-run: wait4: %s\n", strerror(errno));
    return EXIT_OWN_ERROR;
  }

  json_line_t j;
  jl_begin(&j);
  jl_str(&j, "type", "rusage");
  jl_i64(&j, "max_rss_kb", ru.ru_maxrss);
  jl_i64(&j, "pre_exec_hwm_kb", *pre_exec);
  jl_num(&j, "user_ms", tv_ms(ru.ru_utime), 3);
  jl_num(&j, "sys_ms", tv_ms(ru.ru_stime), 3);
  jl_i64(&j, "minflt", ru.ru_minflt);
  jl_i64(&j, "majflt", ru.ru_majflt);
  jl_i64(&j, "nvcsw", ru.ru_nvcsw);
  jl_i64(&j, "nivcsw", ru.ru_nivcsw);
  if (WIFSIGNALED(status)) {
    const char *name = sigabbrev_np(WTERMSIG(status));
    char buf[32];
    snprintf(buf, sizeof buf, "SIG%s", name ? name : "UNKNOWN");
    jl_str(&j, "signal", buf);
  } else {
    jl_i64(&j, "code", WEXITSTATUS(status));
  }
  jl_emit(&j, report_fd);

  if (WIFSIGNALED(status)) {
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(WTERMSIG(status), SIG_DFL);
    raise(WTERMSIG(status));
    return 128 + WTERMSIG(status);
  }
  return WEXITSTATUS(status);
}
