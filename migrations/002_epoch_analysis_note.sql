-- allocsoak schema v2: a place to say how an epoch's statistics were computed when it was not the normal way
-- (e.g. the epoch ended before its warm-up did, so every sample was used). NULL when there is nothing to say.
ALTER TABLE epochs ADD COLUMN analysis_note TEXT;

-- The exporter reads the last completed epoch per variant at every scrape.
CREATE INDEX epochs_by_variant_outcome ON epochs (variant, outcome, id);
