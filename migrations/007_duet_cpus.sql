-- allocsoak schema v7.
-- Duet epochs: the two arms of a round run at the same time, each pinned to CPUs of its own; `cpus` says
-- which (comma-separated CPU numbers). NULL for an epoch that was not pinned (sequential mode).
ALTER TABLE epochs ADD COLUMN cpus TEXT;
