/** One thing wrong with a plan, already phrased for a human: `<source>: <path>: expected <what>, got <value>`. */
export interface PlanProblem {
  /** File name, or "api" for a plan that arrived over HTTP. */
  source: string;
  /** Field path such as `variants[1].allocator`; empty for the document itself. */
  path: string;
  expected: string;
  got: string;
  /** 1-based line in the YAML source, when known. */
  line?: number;
  /** Free-form advice appended to the message (e.g. which Debian package to install). */
  hint?: string;
}

export function formatProblem(p: PlanProblem): string {
  const where = p.path === '' ? `${p.source}:` : `${p.source}: ${p.path}:`;
  const line = p.line !== undefined ? ` (line ${p.line})` : '';
  const hint = p.hint !== undefined ? `; ${p.hint}` : '';
  return `${where} expected ${p.expected}, got ${p.got}${line}${hint}`;
}

/** Thrown when a plan is invalid; the message lists every problem, one per line. */
export class PlanError extends Error {
  readonly problems: readonly PlanProblem[];
  constructor(problems: readonly PlanProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'PlanError';
    this.problems = problems;
  }
}

/** Renders a value found in a plan for an error message, short and unambiguous. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  let s: string;
  try {
    // JSON has no form for functions and symbols: name the type instead
    s = JSON.stringify(v) ?? typeof v;
  } catch {
    s = '(unprintable value)';
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
