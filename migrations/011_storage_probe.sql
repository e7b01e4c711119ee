-- Where the daemon checks that the database accepts writes again after a disk-full or I/O error
-- (storage/faults.ts, probeWritable): it commits a row of a given size here and deletes it. Empty otherwise.
CREATE TABLE storage_probe (
  id INTEGER PRIMARY KEY,
  payload BLOB NOT NULL
);
