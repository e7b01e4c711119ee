/**
 * sha256 of an allocator library, so each epoch records exactly which build it ran. Hashing a
 * library every epoch would be wasted work next to a running workload, so hashes are cached by
 * path + mtime + size: a rebuilt library (new mtime or size) is hashed again.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

interface CacheEntry {
  mtimeMs: number;
  size: number;
  sha256: string;
}

export class LibraryHasher {
  private readonly cache = new Map<string, CacheEntry>();
  /** How many times a file was actually read (for tests and logs). */
  computed = 0;

  async sha256(path: string): Promise<string> {
    const st = await stat(path);
    const hit = this.cache.get(path);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.sha256;
    const sha256 = await sha256File(path);
    this.computed++;
    this.cache.set(path, { mtimeMs: st.mtimeMs, size: st.size, sha256 });
    return sha256;
  }
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
