#!/usr/bin/env node
/**
 * allocsoak — the command line (the package's bin).
 *   allocsoak daemon --plan F --db F [--host H] [--port P]
 *   allocsoak run --plan F --db F [--epochs N] [--epoch DURATION]
 *   allocsoak report --db F [--format md|json|csv]
 *   allocsoak compare --db F --baseline A --candidate B [--json]
 *   allocsoak drift --db F --variant V [--json]
 *   allocsoak history --db F --variant V [--json]
 *   allocsoak serve --db F [--host H] [--port P]
 *   allocsoak backup --db F --to F
 *   allocsoak bisect --repo DIR --good REV --bad REV --build CMD --library PATH --goal speed|memory --db F [--plan F]
 *   allocsoak bisect --db F --resume [ID]
 * Exit status: 0 done, 1 failure at run time, 2 bad arguments or an invalid plan (nothing started);
 * bisect: 130 when interrupted (its run is stored and can be resumed).
 */
import { PlanError } from '../plan/index.js';
import { UsageError } from './args.js';
import { backupCommand } from './commands/backup.js';
import { bisectCommand } from './commands/bisect.js';
import { compareCommand } from './commands/compare.js';
import { daemonCommand } from './commands/daemon.js';
import { driftCommand } from './commands/drift.js';
import { historyCommand } from './commands/history.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { serveCommand } from './commands/serve.js';

const COMMANDS: Record<string, (argv: readonly string[]) => Promise<number>> = {
  daemon: daemonCommand,
  run: runCommand,
  report: reportCommand,
  compare: compareCommand,
  drift: driftCommand,
  history: historyCommand,
  serve: serveCommand,
  backup: backupCommand,
  bisect: bisectCommand,
};

export const MAIN_HELP = `usage: allocsoak <command> [options]

Overnight soak testing for memory allocators.

commands:
  daemon   run a plan continuously (or at its schedule) and serve the HTTP API
  run      run a finite campaign in the foreground and print a summary
  report   print the results stored in a database (md, json or csv)
  compare  judge a candidate against a baseline: GO, NEUTRAL, NO-GO or INSUFFICIENT, with reasons
  drift    a variant's RSS drift and leak judgement
  history  a variant's builds in order, each judged against the one before, with change points marked
  serve    serve the HTTP API and web page over an existing database, starting nothing
  backup   copy a database safely while the daemon writes to it (SQLite's online backup)
  bisect   find the first commit that made an allocator slower or hungrier, each step judged in duet rounds

\`allocsoak <command> --help\` shows a command's options.
`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(MAIN_HELP);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (run === undefined) {
    process.stderr.write(`allocsoak: unknown command ${JSON.stringify(command)}; expected one of ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`allocsoak ${err.message}\n`);
      return 2;
    }
    if (err instanceof PlanError) {
      process.stderr.write(`allocsoak ${command}: invalid plan:\n${err.message}\n`);
      return 2;
    }
    // The message is for the user; the stack only when debugging.
    const detail =
      process.env.ALLOCSOAK_LOG_LEVEL === 'debug' ? ((err as Error).stack ?? String(err)) : ((err as Error).message ?? String(err));
    process.stderr.write(`allocsoak ${command}: ${detail}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`allocsoak: ${String(err)}\n`);
    process.exit(1);
  },
);
