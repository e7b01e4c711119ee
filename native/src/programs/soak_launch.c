/* soak-launch: the launcher the daemon starts every workload through.
 *
 *   soak-launch [--count-syscalls] [--report-fd N] [--preload LIB] [--cpus LIST] [--] PROGRAM [ARGS...]
 *
 * - Dies with its parent (PR_SET_PDEATHSIG=SIGKILL), and the workload dies with it (PDEATHSIG in the
 *   child too, and PTRACE_O_EXITKILL when tracing): a kill -9 of the daemon leaves no workload behind.
 * - --preload LIB puts LD_PRELOAD=LIB in the workload's environment only.
 * - --count-syscalls counts mmap, munmap, madvise, mremap and brk for the whole workload (all threads
 *   and forked children) without slowing its other syscalls: the child installs a seccomp filter that
 *   returns SECCOMP_RET_TRACE only for those five, so the workload stops (and the launcher wakes) only
 *   on them. Everything else runs at full speed under SECCOMP_RET_ALLOW.
 * - --report-fd N: JSON lines on fd N (docs/protocol.md, "Launcher report").
 * - --cpus LIST (e.g. "1" or "0,2") pins the launcher and the workload to those CPUs, for duet epochs:
 *   two arms that run at once each on their own CPUs. The launcher is pinned too, so that the tracer's
 *   work for --count-syscalls lands on its own arm's CPU, not on the partner's.
 * - The exit status mirrors the workload's: same code, or the same signal re-raised on the launcher.
 * - SIGTERM/SIGINT/SIGHUP/SIGQUIT sent to the launcher alone are forwarded to the workload.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_args.h"
#include "json_line.h"
#include "mono_clock.h"

/* Launcher's own failures (usage, setup) use 125 so they cannot be mistaken for a workload's exit
 * code; a PROGRAM that cannot be executed gives 127 (as in a shell). */
#define EXIT_LAUNCHER_ERROR 125
#define EXIT_EXEC_FAILED 127
#define REPORT_PERIOD_US 200000

#if defined(__x86_64__)
#define SECCOMP_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "soak-launch: add the AUDIT_ARCH value of this architecture"
#endif

/* Index = SECCOMP_RET_DATA returned by the filter = position in the report line. */
static const struct {
  const char *name;
  int nr;
} counted[] = {
    {"mmap", __NR_mmap}, {"munmap", __NR_munmap}, {"madvise", __NR_madvise}, {"mremap", __NR_mremap}, {"brk", __NR_brk},
};
#define N_COUNTED (sizeof counted / sizeof counted[0])

static uint64_t counts[N_COUNTED];
static uint64_t reported_counts[N_COUNTED];
static int report_fd = -1;
static pid_t workload_pid;
static volatile sig_atomic_t report_due;

static void usage(FILE *f) {
  fprintf(f,
          "usage: soak-launch [--count-syscalls] [--report-fd N] [--preload LIB] [--cpus LIST] [--] PROGRAM [ARGS...]\n"
          "  --count-syscalls  count mmap/munmap/madvise/mremap/brk of PROGRAM (seccomp + ptrace)\n"
          "  --report-fd N     write JSON report lines to the open fd N (not inherited by PROGRAM)\n"
          "  --preload LIB     run PROGRAM with LD_PRELOAD=LIB (the launcher itself runs without it)\n"
          "  --cpus LIST       pin the launcher and PROGRAM to these CPUs, comma-separated (e.g. 1 or 0,2)\n"
          "Exit status mirrors PROGRAM's (code or signal); 127 if PROGRAM cannot be executed,\n"
          "125 for the launcher's own errors.\n");
}

static void launcher_error(const char *what) {
  fprintf(stderr, "soak-launch: %s: %s\n", what, strerror(errno));
  exit(EXIT_LAUNCHER_ERROR);
}

static void report_syscalls(void) {
  if (report_fd < 0) return;
  json_line_t j;
  jl_begin(&j);
  jl_str(&j, "type", "syscalls");
  for (size_t i = 0; i < N_COUNTED; i++) jl_u64(&j, counted[i].name, counts[i]);
  jl_emit(&j, report_fd);
  memcpy(reported_counts, counts, sizeof counts);
}

static void report_if_changed(void) {
  report_due = 0;
  if (memcmp(reported_counts, counts, sizeof counts) != 0) report_syscalls();
}

static void on_alarm(int sig) { report_due = 1; }

static void forward_signal(int sig) {
  if (workload_pid > 0) kill(workload_pid, sig);
}

static void install_seccomp_filter(void) {
  struct sock_filter filter[4 + 2 * N_COUNTED];
  size_t n = 0;
  filter[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  /* Another ABI (e.g. int 0x80 on x86_64) has other syscall numbers: let it through uncounted. */
  filter[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_AUDIT_ARCH, 1, 0);
  filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  filter[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  for (size_t i = 0; i < N_COUNTED; i++) {
    filter[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)counted[i].nr, 0, 1);
    filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | (unsigned)i);
  }
  /* The last comparison's "not equal" branch skips one instruction: it lands here. */
  struct sock_filter all[sizeof filter / sizeof filter[0] + 1];
  memcpy(all, filter, n * sizeof filter[0]);
  all[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  struct sock_fprog prog = {.len = (unsigned short)n, .filter = all};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
    fprintf(stderr, "soak-launch: cannot install the seccomp filter for --count-syscalls: %s\n", strerror(errno));
    _exit(EXIT_LAUNCHER_ERROR);
  }
}

/* In the child: die with the launcher, wait to be traced if counting, then exec PROGRAM. */
static void run_child(pid_t launcher, char **argv, const char *preload, int count_syscalls, const sigset_t *mask) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != launcher) _exit(EXIT_LAUNCHER_ERROR); /* launcher already gone */
  if (report_fd >= 0) close(report_fd);
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGALRM};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &dfl, NULL);
  sigprocmask(SIG_SETMASK, mask, NULL);
  if (preload && setenv("LD_PRELOAD", preload, 1) != 0) _exit(EXIT_LAUNCHER_ERROR);
  if (count_syscalls) {
    /* The launcher seizes us while we are stopped, then sends SIGCONT: from here on we are traced,
     * so the filter's SECCOMP_RET_TRACE always finds a tracer. */
    raise(SIGSTOP);
    install_seccomp_filter();
  }
  execvp(argv[0], argv);
  fprintf(stderr, "soak-launch: cannot execute '%s': %s\n", argv[0], strerror(errno));
  _exit(EXIT_EXEC_FAILED);
}

/* Pins this process (and what it forks) to the CPUs of LIST, or exits with a usage error naming the problem. */
static void pin_cpus(const char *list) {
  cpu_set_t set;
  CPU_ZERO(&set);
  const char *p = list;
  for (;;) {
    char *end;
    errno = 0;
    unsigned long cpu = strtoul(p, &end, 10);
    if (end == p || errno != 0 || cpu >= CPU_SETSIZE || (*end != ',' && *end != '\0'))
      cli_usage_error("--cpus expects CPU numbers separated by commas such as 0,2, got '%s'", list);
    CPU_SET(cpu, &set);
    if (*end == '\0') break;
    p = end + 1;
  }
  if (sched_setaffinity(0, sizeof set, &set) != 0)
    cli_usage_error("--cpus '%s': cannot run there: %s (this machine has %ld CPUs online)", list, strerror(errno),
                    sysconf(_SC_NPROCESSORS_ONLN));
}

static const char *signal_name(int sig, char *buf, size_t cap) {
  const char *abbrev = sigabbrev_np(sig);
  if (abbrev) snprintf(buf, cap, "SIG%s", abbrev);
  else if (sig >= SIGRTMIN && sig <= SIGRTMAX) snprintf(buf, cap, "SIGRTMIN+%d", sig - SIGRTMIN);
  else snprintf(buf, cap, "SIG%d", sig);
  return buf;
}

/* Ends the launcher the way the workload ended. */
static void mirror_exit(int status) {
  if (WIFEXITED(status)) {
    if (report_fd >= 0) {
      json_line_t j;
      jl_begin(&j);
      jl_str(&j, "type", "exit");
      jl_i64(&j, "code", WEXITSTATUS(status));
      jl_emit(&j, report_fd);
    }
    exit(WEXITSTATUS(status));
  }
  int sig = WTERMSIG(status);
  if (report_fd >= 0) {
    char name[32];
    json_line_t j;
    jl_begin(&j);
    jl_str(&j, "type", "exit");
    jl_str(&j, "signal", signal_name(sig, name, sizeof name));
    if (WCOREDUMP(status)) jl_bool(&j, "core_dumped", 1);
    jl_emit(&j, report_fd);
  }
  /* No second core file from the launcher, default action, signal unblocked: die the same way. */
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  raise(sig);
  _exit(128 + sig); /* only reached for signals whose default action is not to terminate */
}

static int is_stop_signal(int sig) { return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU; }

/* Restarts a ptrace-stopped tracee correctly for the kind of stop it is in. */
static void handle_stop(pid_t pid, int status) {
  int sig = WSTOPSIG(status);
  unsigned event = (unsigned)status >> 16;
  switch (event) {
    case PTRACE_EVENT_SECCOMP: {
      unsigned long index = 0;
      if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &index) == 0 && index < N_COUNTED) counts[index]++;
      ptrace(PTRACE_CONT, pid, 0, 0);
      return;
    }
    case PTRACE_EVENT_STOP:
      /* Group-stop (the workload was stopped by a signal): keep it stopped but let SIGCONT through. */
      if (is_stop_signal(sig)) ptrace(PTRACE_LISTEN, pid, 0, 0);
      else ptrace(PTRACE_CONT, pid, 0, 0); /* initial stop of a new thread/child, or re-trap */
      return;
    case PTRACE_EVENT_CLONE:
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_VFORK_DONE:
    case PTRACE_EVENT_EXEC:
    case PTRACE_EVENT_EXIT:
      ptrace(PTRACE_CONT, pid, 0, 0);
      return;
    default:
      /* Signal-delivery-stop: deliver the signal the workload was sent. */
      ptrace(PTRACE_CONT, pid, 0, sig);
      return;
  }
}

static void install_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = forward_signal; /* no SA_RESTART: waitpid returns EINTR, the loop carries on */
  int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
}

int main(int argc, char **argv) {
  cli_program_name = "soak-launch";
  cli_usage_exit_code = EXIT_LAUNCHER_ERROR;
  int count_syscalls = 0;
  const char *preload = NULL;
  const char *cpus = NULL;
  int i = 1;
  for (; i < argc; i++) {
    const char *v;
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    } else if (strcmp(argv[i], "--help") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(argv[i], "--count-syscalls") == 0) {
      count_syscalls = 1;
    } else if (cli_match(argc, argv, &i, "--report-fd", &v)) {
      report_fd = (int)cli_parse_u64("--report-fd", v, 3, 1 << 20); /* 0-2 are PROGRAM's stdio */
      if (fcntl(report_fd, F_GETFD) < 0)
        cli_usage_error("--report-fd expects an open file descriptor, fd %d is not open", report_fd);
    } else if (cli_match(argc, argv, &i, "--preload", &v)) {
      if (*v == '\0') cli_usage_error("--preload expects a library path, got ''");
      /* ld.so only warns about a missing preload and runs with glibc: that would silently measure the
       * wrong allocator, so refuse up front. (A bare soname is searched by ld.so; let it through.) */
      if (strchr(v, '/') && access(v, R_OK) != 0)
        cli_usage_error("--preload expects a readable library, '%s': %s", v, strerror(errno));
      preload = v;
    } else if (cli_match(argc, argv, &i, "--cpus", &v)) {
      cpus = v;
    } else if (argv[i][0] == '-' && argv[i][1] == '-') {
      cli_usage_error("unknown option '%s' (see --help)", argv[i]);
    } else {
      break;
    }
  }
  if (i >= argc) cli_usage_error("expects a PROGRAM to run (see --help)");
  char **child_argv = argv + i;
  if (cpus != NULL) pin_cpus(cpus);

  pid_t original_parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != original_parent) return EXIT_LAUNCHER_ERROR; /* parent died before prctl */
  if (report_fd >= 0 && fcntl(report_fd, F_SETFD, FD_CLOEXEC) != 0) launcher_error("cannot set FD_CLOEXEC on --report-fd");

  /* Block the forwarded signals across fork: one that arrives before workload_pid is known stays
   * pending and is forwarded as soon as it is unblocked below. */
  install_handlers();
  sigset_t forwarded, old_mask;
  sigemptyset(&forwarded);
  int fwd[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
  for (size_t k = 0; k < sizeof fwd / sizeof fwd[0]; k++) sigaddset(&forwarded, fwd[k]);
  sigprocmask(SIG_BLOCK, &forwarded, &old_mask);
  pid_t launcher = getpid();
  pid_t pid = fork();
  if (pid < 0) launcher_error("fork");
  if (pid == 0) run_child(launcher, child_argv, preload, count_syscalls, &old_mask);
  workload_pid = pid;
  sigprocmask(SIG_SETMASK, &old_mask, NULL);

  if (report_fd >= 0) {
    json_line_t j;
    jl_begin(&j);
    jl_str(&j, "type", "launched");
    jl_i64(&j, "pid", pid);
    jl_emit(&j, report_fd);
  }

  if (count_syscalls) {
    int status;
    while (waitpid(pid, &status, WUNTRACED) < 0) {
      if (errno != EINTR) launcher_error("waitpid");
    }
    if (!WIFSTOPPED(status)) mirror_exit(status); /* died before it could be traced */
    long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
    if (ptrace(PTRACE_SEIZE, pid, 0, opts) != 0) {
      int e = errno;
      kill(pid, SIGKILL);
      errno = e;
      launcher_error("--count-syscalls: ptrace(PTRACE_SEIZE) failed");
    }
    kill(pid, SIGCONT);
    if (report_fd >= 0) {
      struct sigaction sa;
      memset(&sa, 0, sizeof sa);
      sa.sa_handler = on_alarm; /* interrupts waitpid so quiet periods still get their report */
      sigaction(SIGALRM, &sa, NULL);
      struct itimerval it = {{0, REPORT_PERIOD_US}, {0, REPORT_PERIOD_US}};
      setitimer(ITIMER_REAL, &it, NULL);
    }
  }

  uint64_t last_report = mono_ns();
  for (;;) {
    int status;
    pid_t who = waitpid(-1, &status, __WALL);
    if (who < 0) {
      if (errno == EINTR) {
        if (report_due) {
          report_if_changed();
          last_report = mono_ns();
        }
        continue;
      }
      launcher_error("waitpid");
    }
    if (WIFSTOPPED(status)) {
      handle_stop(who, status);
      /* Busy syscall phases: report from here too, without waiting for the timer. */
      if (report_due || (report_fd >= 0 && mono_ns() - last_report >= REPORT_PERIOD_US * 1000ull)) {
        report_if_changed();
        last_report = mono_ns();
      }
      continue;
    }
    if (who == pid && (WIFEXITED(status) || WIFSIGNALED(status))) {
      if (count_syscalls) {
        struct itimerval off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &off, NULL);
        report_syscalls();
      }
      mirror_exit(status);
    }
    /* Exit of another traced thread or child: nothing to do. */
  }
}
