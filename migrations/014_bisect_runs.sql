-- allocsoak schema v14 (012 unused): `allocsoak bisect` runs and their steps.
-- A run searches the commits between a known-good and a known-bad revision for the first one that changed
-- the goal's measure. Each step builds one commit in a temporary worktree and judges its library against
-- the known-good build in a duet campaign of its own (campaign_id): the step's epochs, samples and verdict
-- live where every other campaign's do, and the step row keeps the verdict's figures for the summary.
CREATE TABLE bisect_runs (
  id            INTEGER PRIMARY KEY,
  repo          TEXT NOT NULL,   -- the git repository, absolute path (its work tree is never touched)
  good          TEXT NOT NULL,   -- the revisions as given on the command line
  bad           TEXT NOT NULL,
  build_command TEXT NOT NULL,   -- run with `sh -c` in each commit's temporary worktree
  library       TEXT NOT NULL,   -- the library the build produces, relative to the work tree
  goal          TEXT NOT NULL CHECK (goal IN ('speed', 'memory')),
  plan_json     TEXT NOT NULL,   -- the plan every step runs (its variants are the good build and the step's)
  commits_json  TEXT NOT NULL,   -- the range, oldest first: [{"commit": 40 hex, "subject": "..."}], good first, bad last
  status        TEXT NOT NULL CHECK (status IN ('running', 'found', 'no_change', 'inconclusive', 'interrupted', 'failed')),
  culprit       TEXT,            -- the first bad commit (status found)
  message       TEXT,            -- the outcome in words: the culprit and its evidence, or why there is none
  started_at    TEXT NOT NULL,
  ended_at      TEXT
);

CREATE TABLE bisect_steps (
  id             INTEGER PRIMARY KEY,
  run_id         INTEGER NOT NULL REFERENCES bisect_runs(id),
  commit_sha     TEXT NOT NULL,
  role           TEXT NOT NULL CHECK (role IN ('endpoint', 'probe', 'confirm')),
  build_ok       INTEGER NOT NULL,  -- 0: the build failed (the commit is skipped, like `git bisect skip`)
  build_note     TEXT,              -- why a build failed: exit status and the tail of its output
  library_sha256 TEXT,
  campaign_id    INTEGER REFERENCES campaigns(id),
  verdict        TEXT CHECK (verdict IN ('GO', 'NEUTRAL', 'NO-GO', 'INSUFFICIENT')),
  measure        TEXT,              -- what ratio is of, e.g. 'throughput per CPU-second', 'held RSS'
  ratio          REAL,              -- the step's build over the good build
  ratio_lo       REAL,              -- the verdict's interval for ratio
  ratio_hi       REAL,
  pairs          INTEGER,           -- duet rounds judged
  outcome        TEXT NOT NULL CHECK (outcome IN ('good', 'bad', 'skip', 'unclear')),
  started_at     TEXT NOT NULL,
  ended_at       TEXT NOT NULL
);
CREATE INDEX bisect_steps_run ON bisect_steps (run_id, id);
