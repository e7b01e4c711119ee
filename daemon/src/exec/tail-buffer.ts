/**
 * Keeps only the last `capacity` bytes written to it (a ring): the stderr tail of a child that may
 * write gigabytes over a night costs a fixed 4 KiB. It also counts every line written, so that "how much
 * did it say" has an answer beyond the tail.
 */
export class TailBuffer {
  private readonly ring: Buffer;
  private writePos = 0;
  private filled = 0;
  private total = 0;
  private newlines = 0;
  private lastByte = -1;

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new RangeError(`capacity must be > 0, got ${capacity}`);
    this.ring = Buffer.alloc(capacity);
  }

  write(chunk: Buffer): void {
    this.total += chunk.length;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) this.newlines++;
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1] as number;
    const data = chunk;
    if (data.length >= this.capacity) {
      data.copy(this.ring, 0, data.length - this.capacity);
      this.writePos = 0;
      this.filled = this.capacity;
      return;
    }
    const first = Math.min(data.length, this.capacity - this.writePos);
    data.copy(this.ring, this.writePos, 0, first);
    if (first < data.length) data.copy(this.ring, 0, first);
    this.writePos = (this.writePos + data.length) % this.capacity;
    this.filled = Math.min(this.capacity, this.filled + data.length);
  }

  /** Bytes ever written (the tail may hold fewer). */
  get totalBytes(): number {
    return this.total;
  }

  /** Lines ever written: newlines, plus an unterminated last line. */
  get totalLines(): number {
    return this.newlines + (this.lastByte !== -1 && this.lastByte !== 10 ? 1 : 0);
  }

  toBuffer(): Buffer {
    if (this.filled < this.capacity) return Buffer.from(this.ring.subarray(0, this.filled));
    return Buffer.concat([this.ring.subarray(this.writePos), this.ring.subarray(0, this.writePos)]);
  }

  /** The tail as text; a multi-byte character cut at the start is replaced, never mis-decoded. */
  toString(): string {
    return this.toBuffer().toString('utf8');
  }
}
