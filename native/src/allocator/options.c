/* leanmalloc: configuration from the environment (profiles and individual knobs).
 *
 * Why no getenv/stdio here: this runs on the first allocator entry, which may be the dynamic
 * loader or a constructor running before libc has set up `environ`, and it must not call malloc.
 * We scan `environ` directly and, if it is not set yet, read /proc/self/environ with raw read(2)
 * into a static buffer. Bad values never crash: one line on stderr and the profile's value. */
#include "internal.h"
#include <fcntl.h>
#include <unistd.h>

extern char **environ;

lm_options_t lm_options = { 0, LM_DECOMMIT_OFF, -1, 200, 0, "speed", 0 };
int lm_purge_enabled = 0;

/* The effective knobs as their variables would write them (leanmalloc_get_config); set once, with
 * lm_options, by lm_options_init. */
static struct {
  const char *base_profile;
  char target_mb[24];
  char purge_delay_ms[24];
} knob_text = { "speed", "unlimited", "200" };

static char proc_env[65536];
static size_t proc_env_len;

static int prefix_eq(const char *entry, const char *name, const char **value) {
  size_t i = 0;
  for (; name[i]; i++) if (entry[i] != name[i]) return 0;
  if (entry[i] != '=') return 0;
  *value = entry + i + 1;
  return 1;
}

static const char *env_lookup(const char *name) {
  const char *value;
  if (environ != NULL) {
    for (char **e = environ; *e; e++) if (prefix_eq(*e, name, &value)) return value;
    return NULL;
  }
  if (proc_env_len == 0) {
    int fd = open("/proc/self/environ", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    ssize_t r;
    while (proc_env_len < sizeof proc_env - 1 &&
           (r = read(fd, proc_env + proc_env_len, sizeof proc_env - 1 - proc_env_len)) > 0)
      proc_env_len += (size_t)r;
    close(fd);
    proc_env[proc_env_len] = 0;
    if (proc_env_len == 0) proc_env_len = 1;   /* remember that we tried */
  }
  for (size_t off = 0; off < proc_env_len;) {
    const char *entry = proc_env + off;
    if (prefix_eq(entry, name, &value)) return value;
    off += strlen(entry) + 1;
  }
  return NULL;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
static int word_eq(const char *a, const char *b) {   /* case-insensitive */
  for (; *a && *b; a++, b++) if (lower((unsigned char)*a) != lower((unsigned char)*b)) return 0;
  return *a == 0 && *b == 0;
}

/* Parses a decimal integer in [0, max]; returns 0 on success. */
static int parse_uint(const char *s, int64_t max, int64_t *out) {
  int64_t v = 0;
  if (*s == 0) return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (*s - '0');
    if (v > max) return -1;
  }
  *out = v;
  return 0;
}

static void complain(const char *var, const char *value, const char *expected, const char *used) {
  const char *parts[] = { "leanmalloc: invalid ", var, "='", value, "' (expected ", expected, "); using ", used };
  lm_err(parts, 8);
}

static const char *decommit_name(int d) {
  return d == LM_DECOMMIT_FREE ? "FREE" : d == LM_DECOMMIT_DONTNEED ? "DONTNEED" : "OFF";
}

void lm_options_init(void) {
  lm_options_t o = { 0, LM_DECOMMIT_OFF, -1, 200, 0, "speed", 0 };
  const char *v = env_lookup("LEANMALLOC_PROFILE");
  if (v && *v) {
    if (word_eq(v, "speed")) { /* defaults above */ }
    else if (word_eq(v, "balanced")) { o.lean = 1; o.profile = "balanced"; }
    else if (word_eq(v, "lean")) { o.lean = 1; o.decommit = LM_DECOMMIT_DONTNEED; o.target_mb = 10; o.profile = "lean"; }
    else complain("LEANMALLOC_PROFILE", v, "speed, balanced or lean", "speed");
  }
  const lm_options_t profile = o;
  char num[24];

  if ((v = env_lookup("LEANMALLOC_LEAN")) && *v) {
    if (word_eq(v, "1")) o.lean = 1;
    else if (word_eq(v, "0")) o.lean = 0;
    else complain("LEANMALLOC_LEAN", v, "0 or 1", profile.lean ? "1" : "0");
  }
  if ((v = env_lookup("LEANMALLOC_DECOMMIT")) && *v) {
    if (word_eq(v, "OFF")) o.decommit = LM_DECOMMIT_OFF;
    else if (word_eq(v, "FREE")) o.decommit = LM_DECOMMIT_FREE;
    else if (word_eq(v, "DONTNEED")) o.decommit = LM_DECOMMIT_DONTNEED;
    else complain("LEANMALLOC_DECOMMIT", v, "OFF, FREE or DONTNEED", decommit_name(profile.decommit));
  }
  if ((v = env_lookup("LEANMALLOC_TARGET_MB")) && *v) {
    int64_t mb;
    if (word_eq(v, "unlimited")) o.target_mb = -1;
    else if (parse_uint(v, (int64_t)1 << 30, &mb) == 0) o.target_mb = mb;
    else {
      if (profile.target_mb < 0) num[0] = 0, complain("LEANMALLOC_TARGET_MB", v, "a whole number of MB or unlimited", "unlimited");
      else { lm_u64_to_str((uint64_t)profile.target_mb, num); complain("LEANMALLOC_TARGET_MB", v, "a whole number of MB or unlimited", num); }
    }
  }
  if ((v = env_lookup("LEANMALLOC_PURGE_DELAY_MS")) && *v) {
    int64_t ms;
    if (parse_uint(v, 3600000, &ms) == 0) o.purge_delay_ms = ms;
    else { lm_u64_to_str((uint64_t)profile.purge_delay_ms, num); complain("LEANMALLOC_PURGE_DELAY_MS", v, "0..3600000 milliseconds", num); }
  }
  if ((v = env_lookup("LEANMALLOC_STATS")) && *v) {
    if (word_eq(v, "1")) o.stats = 1;
    else if (word_eq(v, "0")) o.stats = 0;
    else complain("LEANMALLOC_STATS", v, "0 or 1", "0");
  }
#ifdef LM_PERTURB
  if ((v = env_lookup("LEANMALLOC_PERTURB_US")) && *v) {
    int64_t us;
    if (parse_uint(v, 100000, &us) == 0) o.perturb_us = us;
    else complain("LEANMALLOC_PERTURB_US", v, "0..100000 microseconds", "0");
  }
#endif
  if (o.lean != profile.lean || o.decommit != profile.decommit || o.target_mb != profile.target_mb ||
      o.purge_delay_ms != profile.purge_delay_ms)
    o.profile = "custom";
  knob_text.base_profile = profile.profile;
  if (o.target_mb < 0) memcpy(knob_text.target_mb, "unlimited", sizeof "unlimited");
  else lm_u64_to_str((uint64_t)o.target_mb, knob_text.target_mb);
  lm_u64_to_str((uint64_t)o.purge_delay_ms, knob_text.purge_delay_ms);
  lm_options = o;
  lm_purge_enabled = o.decommit != LM_DECOMMIT_OFF || o.target_mb >= 0;
}

__attribute__((visibility("default"))) int leanmalloc_get_config(leanmalloc_config_t *out) {
  if (out == NULL) return LEANMALLOC_STATS_EINVAL;
  if (out->size != sizeof *out || out->version != LEANMALLOC_CONFIG_VERSION) {
    out->size = (uint32_t)sizeof *out;   /* as leanmalloc_get_stats: the header always fits */
    out->version = LEANMALLOC_CONFIG_VERSION;
    return LEANMALLOC_STATS_MISMATCH;
  }
  lm_process_init();
  out->profile = lm_options.profile;
  out->base_profile = knob_text.base_profile;
  out->lean = lm_options.lean ? "1" : "0";
  out->decommit = decommit_name(lm_options.decommit);
  out->target_mb = knob_text.target_mb;
  out->purge_delay_ms = knob_text.purge_delay_ms;
  out->stats = lm_options.stats ? "1" : "0";
  return LEANMALLOC_STATS_OK;
}
