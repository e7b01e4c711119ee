/**
 * Splits a byte stream into lines with a per-line length cap, so a child that prints megabytes
 * without a newline cannot make the daemon buffer without bound. Works on Buffers (indexOf of a
 * byte) and decodes only complete lines: cheap enough to sit next to a workload being measured.
 */
export interface LineSink {
  /** A complete line (without the trailing newline, "\r" stripped). */
  onLine(line: string): void;
  /** A line exceeded the cap; its bytes up to the next newline are dropped. */
  onOverlong(bytesSeen: number): void;
}

const NEWLINE = 0x0a;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Inside an overlong line: drop bytes until the next newline. */
  private discarding = false;
  private discardedBytes = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly sink: LineSink,
  ) {
    if (!(maxLineBytes > 0)) throw new RangeError(`maxLineBytes must be > 0, got ${maxLineBytes}`);
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      this.take(chunk.subarray(start, end));
      if (nl === -1) return;
      this.finishLine();
      start = nl + 1;
    }
  }

  /** End of stream: a last line without a newline is still a line. */
  end(): void {
    if (this.pendingBytes > 0 || this.discarding) this.finishLine();
  }

  private take(part: Buffer): void {
    if (part.length === 0) return;
    if (this.discarding) {
      this.discardedBytes += part.length;
      return;
    }
    if (this.pendingBytes + part.length > this.maxLineBytes) {
      this.discarding = true;
      this.discardedBytes = this.pendingBytes + part.length;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    this.pending.push(part);
    this.pendingBytes += part.length;
  }

  private finishLine(): void {
    if (this.discarding) {
      const seen = this.discardedBytes;
      this.discarding = false;
      this.discardedBytes = 0;
      this.sink.onOverlong(seen);
      return;
    }
    const buf = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let line = buf.toString('utf8');
    if (line.endsWith('\r')) line = line.slice(0, -1);
    this.sink.onLine(line);
  }
}
