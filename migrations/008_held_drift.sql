-- allocsoak schema v8 (005 is the true peak, 006 the series identity, 007 the duet CPUs).
-- Held-memory drift: the endpoint drift (last sample over the first) reads +3,500 % when a 32 MB burst
-- happens to be live at the last sample and 0 % when it is not. The drift the judgement reads is the
-- growth of held memory (RSS − LazyFree) along its robust Theil–Sen line over the measured part, which
-- a burst between or at samples does not move. NULL before v8 (the judgement then reads rss_drift_pct).
ALTER TABLE epochs ADD COLUMN rss_held_drift_pct REAL;  -- (fitted end − fitted start) / fitted start × 100 of held memory
