-- allocsoak schema v3.
-- CPU time: workloads may report the CPU time they used (protocol field cpu_ms). Ops per CPU-second does
-- not move when a busy host takes the workload's core away, so the judgement compares throughput on that
-- basis when every epoch has it (docs/judgement.md). NULL for workloads that do not report cpu_ms.
ALTER TABLE samples ADD COLUMN cpu_ms REAL;               -- cumulative CPU ms reported with the sample
ALTER TABLE epochs ADD COLUMN cpu_ms REAL;                -- CPU ms used over the measured part (after warm-up)
ALTER TABLE epochs ADD COLUMN throughput_cpu REAL;        -- measured ops per CPU-second
ALTER TABLE epochs ADD COLUMN throughput_cpu_cv REAL;     -- CV of the per-interval ops per CPU-second (ratio)
-- Leak persistence: the Theil-Sen RSS slope over the later half of the measured part. A leak keeps growing;
-- an allocator settling after a burst grows early and stops, which the whole-window slope alone cannot tell.
ALTER TABLE epochs ADD COLUMN rss_slope_late_bytes_per_hour REAL;
-- Held memory: the median over the measured part of RSS minus LazyFree. With burst churn the peak is the
-- burst itself, the same for every allocator; what a memory-lean mode changes is what stays mapped between
-- bursts. A memory comparison may judge this instead of the peak (criterion judge_held_rss).
ALTER TABLE epochs ADD COLUMN rss_held_bytes INTEGER;
