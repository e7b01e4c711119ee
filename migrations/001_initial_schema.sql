-- allocsoak schema v1. Applied by daemon/src/storage/migrate.ts inside one transaction;
-- PRAGMA user_version records the highest applied file number. Times are ISO-8601 UTC text,
-- sizes are bytes, durations are milliseconds, rates are per second.

CREATE TABLE hosts (
  id            INTEGER PRIMARY KEY,
  hostname      TEXT NOT NULL,
  kernel        TEXT NOT NULL,
  cpu_model     TEXT NOT NULL,
  cores         INTEGER NOT NULL,
  thp           TEXT NOT NULL,              -- /sys/kernel/mm/transparent_hugepage/enabled, e.g. "madvise"
  UNIQUE (hostname, kernel, cpu_model, cores, thp)
);

CREATE TABLE campaigns (
  id                 INTEGER PRIMARY KEY,
  name               TEXT NOT NULL,
  source             TEXT NOT NULL,         -- plan file path, or "api"
  plan_json          TEXT NOT NULL,         -- the validated, normalised plan
  status             TEXT NOT NULL CHECK (status IN ('running', 'completed', 'stopped', 'interrupted')),
  epochs_per_variant INTEGER,               -- NULL: continuous (daemon)
  started_at         TEXT NOT NULL,
  ended_at           TEXT
);

CREATE TABLE variants (
  id                INTEGER PRIMARY KEY,
  campaign_id       INTEGER NOT NULL REFERENCES campaigns(id),
  name              TEXT NOT NULL,
  allocator         TEXT,                   -- leanmalloc | glibc | mimalloc | ... | a path; NULL for a custom command
  allocator_library TEXT,                   -- resolved library path, NULL for glibc / custom command
  config_json       TEXT NOT NULL,          -- the variant as planned (env, args, command)
  UNIQUE (campaign_id, name)
);

CREATE TABLE epochs (
  id                       INTEGER PRIMARY KEY,
  campaign_id              INTEGER NOT NULL REFERENCES campaigns(id),
  variant_id               INTEGER NOT NULL REFERENCES variants(id),
  variant                  TEXT NOT NULL,   -- denormalised variant name
  round                    INTEGER NOT NULL,-- 1-based index of this variant's epoch in the campaign
  outcome                  TEXT NOT NULL CHECK (outcome IN
                             ('running', 'completed', 'crashed', 'timeout', 'oom', 'failed', 'interrupted', 'aborted')),
  outcome_reason           TEXT,            -- why, for every outcome other than completed
  exit_code                INTEGER,
  signal                   TEXT,            -- e.g. "SIGSEGV" when crashed
  stderr_tail              TEXT,            -- last 4 KiB of stderr of a non-completed epoch
  started_at               TEXT NOT NULL,
  ended_at                 TEXT,
  planned_ms               INTEGER NOT NULL,
  warmup_ms                INTEGER NOT NULL,
  interval_ms              INTEGER NOT NULL,
  pid                      INTEGER,
  host_id                  INTEGER REFERENCES hosts(id),
  load_avg_1m              REAL,
  load_avg_5m              REAL,
  load_avg_15m             REAL,
  allocator_sha256         TEXT,
  -- throughput, over the post-warm-up intervals
  ops                      INTEGER,
  elapsed_ms               INTEGER,
  throughput_mean          REAL,
  throughput_median        REAL,
  throughput_cv            REAL,            -- ratio (0.02 = 2 %)
  throughput_p1            REAL,
  throughput_p5            REAL,
  throughput_p50           REAL,
  throughput_p95           REAL,
  throughput_p99           REAL,
  -- RSS after warm-up
  rss_initial_bytes        INTEGER,
  rss_final_bytes          INTEGER,
  rss_peak_bytes           INTEGER,
  hwm_bytes                INTEGER,         -- VmHWM at the last sample (includes warm-up)
  rss_drift_pct            REAL,            -- (final - initial) / initial * 100
  rss_slope_bytes_per_hour REAL,            -- Theil-Sen
  rss_slope_low            REAL,            -- confidence interval of the slope (bytes/hour)
  rss_slope_high           REAL,
  adj_rss_initial_bytes    INTEGER,         -- RSS minus LazyFree (MADV_FREE pages not yet reclaimed)
  adj_rss_final_bytes      INTEGER,
  adj_rss_peak_bytes       INTEGER,
  adj_rss_drift_pct        REAL,
  -- memory syscalls made by the workload (counted by the launcher, any allocator)
  syscalls_mmap            INTEGER,
  syscalls_munmap          INTEGER,
  syscalls_madvise         INTEGER,
  syscalls_mremap          INTEGER,
  syscalls_brk             INTEGER,
  syscalls_total           INTEGER,
  syscalls_per_op          REAL,
  -- allocator counters: deltas over the epoch
  lean_decommit            INTEGER,
  lean_retire              INTEGER,
  counters_json            TEXT             -- {"delta": {...}, "per_op": {...}} for every counter reported
);
CREATE INDEX epochs_by_variant ON epochs (variant, id);
CREATE INDEX epochs_by_campaign ON epochs (campaign_id, id);
CREATE INDEX epochs_by_outcome ON epochs (outcome);

-- Every interval sample of every epoch: one row per protocol sample, RSS read from /proc at that moment.
CREATE TABLE samples (
  epoch_id        INTEGER NOT NULL REFERENCES epochs(id),
  t_ms            INTEGER NOT NULL,           -- ms since the workload started (protocol t_ms)
  ops             INTEGER NOT NULL,           -- cumulative ops
  ops_per_sec     REAL,                       -- over the interval that ended here
  rss_bytes       INTEGER,                    -- VmRSS
  hwm_bytes       INTEGER,                    -- VmHWM
  rss_anon_bytes  INTEGER,                    -- RssAnon
  pss_bytes       INTEGER,                    -- smaps_rollup Pss
  lazyfree_bytes  INTEGER,                    -- smaps_rollup LazyFree
  counters_json   TEXT,                       -- cumulative allocator counters as reported
  PRIMARY KEY (epoch_id, t_ms)
) WITHOUT ROWID;
