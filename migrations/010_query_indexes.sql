-- allocsoak schema v10: the indexes the per-variant and per-campaign reads need as history grows (a year
-- of hourly epochs is ~8,800 epochs), and the record of sample thinning (retention, docs/daemon.md).

-- drift with a campaign, compare's latest shared campaign and series lookup, a campaign's next round:
-- WHERE variant = ? AND campaign_id = ? (or <=) ... ORDER BY id.
CREATE INDEX epochs_by_variant_campaign ON epochs (variant, campaign_id, id);
-- A campaign's epoch counts by variant and outcome (GET /campaigns, the controller), read from the index only.
CREATE INDEX epochs_by_campaign_variant_outcome ON epochs (campaign_id, variant, outcome);

-- Epochs whose samples were thinned by retention: at most one sample per resolution_ms bucket of t_ms was
-- kept (the first of each bucket, and the epoch's last sample). The epoch row's analysis columns were
-- computed from the full samples when the epoch ended and are never recomputed. resolution_ms is 0 while the
-- first pass over the epoch is under way (samples_before is recorded when it begins).
CREATE TABLE thinned_epochs (
  epoch_id       INTEGER PRIMARY KEY REFERENCES epochs(id),
  resolution_ms  INTEGER NOT NULL,
  thinned_at     TEXT NOT NULL,
  samples_before INTEGER NOT NULL,
  samples_after  INTEGER NOT NULL
);
