/** What a failed epoch said on stderr, trimmed for a report or a terminal. */

/** The last `lines` non-empty lines of a stderr tail, each cut to `width` characters. */
export function stderrExcerpt(tail: string | null, lines: number, width = 200): string[] {
  if (tail === null) return [];
  return tail
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '')
    .slice(-lines)
    .map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
}

/** A Markdown code block of `lines` whose fence no backtick run in them can close. */
export function fencedBlock(lines: readonly string[]): string {
  const longest = Math.max(0, ...lines.flatMap((l) => (l.match(/`+/g) ?? []).map((run) => run.length)));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [fence, ...lines, fence].join('\n');
}
