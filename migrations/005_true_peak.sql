-- allocsoak schema v5 (004 is the allocator-identity fields).
-- True peak: the largest sample misses a burst that falls between two samples (a 32 MB burst freed within
-- 500 ms reads as a few MiB). At the warm-up end the daemon resets the workload's VmHWM (writes 5 to
-- /proc/PID/clear_refs), so VmHWM at the end is the peak of the measured part, bursts between samples included.
ALTER TABLE epochs ADD COLUMN rss_hwm_bytes INTEGER;      -- true peak RSS after warm-up (VmHWM since the reset)
ALTER TABLE epochs ADD COLUMN hwm_reset INTEGER;          -- 1: VmHWM was reset at the warm-up end; 0: refused (see analysis_note)
