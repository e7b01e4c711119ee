/**
 * Command-line options: node's parseArgs underneath, with the rules allocsoak promises:
 * a repeated option takes its last value (`npm start -- --plan other.yaml` appends to the defaults),
 * and every mistake is a UsageError naming the option and what was expected (exit status 2).
 */
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** For help: e.g. "FILE", "N", "DURATION". */
  value?: string;
  description: string;
  required?: boolean;
  default?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export type ParsedOptions<S extends OptionSpecs> = {
  [K in keyof S]: S[K]['type'] extends 'boolean'
    ? boolean
    : S[K]['required'] extends true
      ? string
      : S[K]['default'] extends string
        ? string
        : string | undefined;
} & { help: boolean };

export function parseOptions<S extends OptionSpecs>(command: string, argv: readonly string[], specs: S): ParsedOptions<S> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple: true }> = { help: { type: 'boolean', multiple: true } };
  for (const [name, spec] of Object.entries(specs)) options[name] = { type: spec.type, multiple: true };
  let values: Record<string, Array<string | boolean> | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }) as {
      values: Record<string, Array<string | boolean> | undefined>;
    });
  } catch (err) {
    throw new UsageError(`${command}: ${explainParseError(err as Error & { code?: string })}`);
  }
  const out: Record<string, string | boolean | undefined> = { help: (values.help?.length ?? 0) > 0 };
  if (out.help) return out as ParsedOptions<S>;
  for (const [name, spec] of Object.entries(specs)) {
    const given = values[name];
    const last = given?.[given.length - 1];
    if (spec.type === 'boolean') {
      out[name] = last === true;
      continue;
    }
    if (typeof last === 'string' && last.startsWith('--')) {
      throw new UsageError(`${command}: option --${name} expects ${spec.value ?? 'a value'}, got the option ${last}`);
    }
    const value = (last as string | undefined) ?? spec.default;
    if (value === undefined && spec.required) throw new UsageError(`${command}: option --${name} ${spec.value ?? 'VALUE'} is required`);
    if (value === '') throw new UsageError(`${command}: option --${name} expects ${spec.value ?? 'a value'}, got an empty string`);
    out[name] = value;
  }
  return out as ParsedOptions<S>;
}

/**
 * A command's options, or undefined when --help was given: then its help text is printed, and the command
 * has nothing more to do (exit 0).
 */
export function parseOrHelp<S extends OptionSpecs>(
  command: string,
  argv: readonly string[],
  specs: S,
  help: string,
): ParsedOptions<S> | undefined {
  const opts = parseOptions(command, argv, specs);
  if (!opts.help) return opts;
  process.stdout.write(help);
  return undefined;
}

function explainParseError(err: Error & { code?: string }): string {
  const m = /'([^']*)'/.exec(err.message);
  const opt = m?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${opt ?? ''} (see --help)`.replace('  ', ' ');
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return opt !== undefined && /argument missing/.test(err.message)
        ? `option ${opt.split(' ')[0]} expects a value, got nothing`
        : err.message.replace(/\. To specify.*$/, '');
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${opt ?? ''}: every input is given as an option (see --help)`;
    default:
      return err.message;
  }
}

/** A positive integer option. */
export function positiveInt(command: string, name: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
    throw new UsageError(`${command}: option --${name} expects a positive integer, got ${JSON.stringify(v)}`);
  }
  return Number(v);
}

/** A TCP port (0 = any free port). */
export function port(command: string, name: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 65535) {
    throw new UsageError(`${command}: option --${name} expects a port number 0..65535, got ${JSON.stringify(v)}`);
  }
  return Number(v);
}

export function oneOf<T extends string>(command: string, name: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`${command}: option --${name} expects one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

/** Help text of a command from its option specs. */
export function helpText(usage: string, summary: string, specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const left = `  --${name}${s.type === 'string' ? ` ${s.value ?? 'VALUE'}` : ''}`;
    const extra = s.required ? ' (required)' : s.default !== undefined ? ` (default ${s.default})` : '';
    return [left, `${s.description}${extra}`] as const;
  });
  rows.push(['  --help', 'this text']);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return `usage: ${usage}\n\n${summary}\n\noptions:\n${rows.map(([l, r]) => l.padEnd(width) + r).join('\n')}\n`;
}
