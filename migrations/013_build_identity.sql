-- allocsoak schema v13 (009–012 belong to other changes).
-- Build identity per epoch, besides the library's sha256 (allocator_sha256): a label for the build (the plan
-- variant's `build`, else ALLOCSOAK_BUILD in the daemon's environment), and, when the allocator library lies
-- inside a git work tree, the commit checked out there and whether the tree had changes (git status
-- --porcelain printed anything). NULL when unknown: no label given, no library, no git, not a work tree, and
-- for every epoch before v13. Not part of the series: the series is the library's bytes.
ALTER TABLE epochs ADD COLUMN build_label TEXT;
ALTER TABLE epochs ADD COLUMN build_commit TEXT;
ALTER TABLE epochs ADD COLUMN build_dirty INTEGER;  -- 1 dirty, 0 clean, NULL unknown
