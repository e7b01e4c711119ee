-- allocsoak schema v6.
-- The series an epoch belongs to: sha256 over what it ran (the workload program's bytes, the allocator
-- library's bytes, the variant's env and arguments). Epochs of one variant name with the same series
-- accumulate across campaigns and daemon restarts; a rebuilt library or changed arguments start a new
-- series. NULL for epochs before v6, which are judged within their own campaign as before.
ALTER TABLE epochs ADD COLUMN series_sha256 TEXT;
CREATE INDEX epochs_variant_series ON epochs (variant, series_sha256);
