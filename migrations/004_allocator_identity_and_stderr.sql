-- allocsoak schema v4.
-- The identity of what ran: the allocator that actually served malloc in the workload, as its start line
-- reported it (random_mixed through its allocator probe) or as the daemon found it in /proc/PID/maps for a
-- workload that does not say. The daemon checks it against the plan: another allocator, or another
-- leanmalloc profile or knob than the plan asks, ends the epoch `failed` naming both. NULL when not
-- known (epochs before v4, workloads that report nothing and preload nothing).
ALTER TABLE epochs ADD COLUMN allocator_reported TEXT;          -- leanmalloc, glibc, mimalloc, jemalloc, tcmalloc, unknown
ALTER TABLE epochs ADD COLUMN allocator_library_reported TEXT;  -- the file of the object that provides malloc
ALTER TABLE epochs ADD COLUMN allocator_version TEXT;           -- as the allocator's own API gives it
ALTER TABLE epochs ADD COLUMN allocator_profile TEXT;           -- leanmalloc's effective profile (speed, balanced, lean, custom)
ALTER TABLE epochs ADD COLUMN allocator_knobs TEXT;             -- leanmalloc's effective knobs, JSON {"LEANMALLOC_…": "value"}
-- Warnings kept: stderr_tail is now stored for every epoch, completed ones too; stderr_lines counts the
-- lines the launcher and the workload wrote on stderr over the whole epoch (0: nothing; NULL before v4).
ALTER TABLE epochs ADD COLUMN stderr_lines INTEGER;
