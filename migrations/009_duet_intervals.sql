-- allocsoak schema v9 (008 is the held-memory drift).
-- Per-interval paired ratios of a duet round: both arms run at once, and for each sampling interval after
-- warm-up that both arms covered, the candidate's throughput over the baseline's (per CPU-second when both
-- report CPU time, else per wall-clock second). For looking at only: verdicts use one ratio per round (the
-- epochs' own values), never these as independent observations (docs/judgement.md, "Duet epochs").
-- The arms' samples are put on the baseline's clock: the candidate's t_ms plus clock_offset_ms, the
-- difference of the two workloads' clock origins as the daemon received their samples.
CREATE TABLE duet_intervals (
  campaign_id        INTEGER NOT NULL REFERENCES campaigns(id),
  round              INTEGER NOT NULL,            -- the duet round (both arms' epochs have this round)
  t_ms               REAL NOT NULL,               -- end of the interval, on the baseline's clock (its sample's t_ms)
  baseline_epoch_id  INTEGER NOT NULL REFERENCES epochs(id),
  candidate_epoch_id INTEGER NOT NULL REFERENCES epochs(id),
  basis              TEXT NOT NULL CHECK (basis IN ('cpu', 'wall')),
  clock_offset_ms    REAL NOT NULL,               -- candidate clock origin − baseline clock origin (daemon time)
  ratio              REAL NOT NULL,               -- candidate throughput / baseline throughput over the interval
  PRIMARY KEY (baseline_epoch_id, candidate_epoch_id, t_ms)
);
CREATE INDEX duet_intervals_campaign ON duet_intervals (campaign_id, round);
