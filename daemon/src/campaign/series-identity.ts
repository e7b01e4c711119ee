/**
 * The series of an epoch: what it ran, as one sha256. Verdicts accumulate the epochs of a variant that
 * share a series across campaigns and daemon restarts, so it must change whenever the measured thing
 * can: the workload program's bytes, the allocator library's bytes, the variant's env and arguments
 * (threads and sizes are arguments). The variant's name, the campaign and the epoch length are not part
 * of it: renaming nothing, restarting the daemon or lengthening epochs keeps a series going.
 */
import { createHash } from 'node:crypto';
import type { LibraryHasher } from '../host/index.js';
import { findProgram, type ResolvedVariant } from '../plan/index.js';

export interface SeriesParts {
  /** sha256 of the workload program (random_mixed, or the command's program), null when unreadable. */
  program: string | null;
  /** sha256 of the preloaded allocator library, null without one (or when it cannot be read). */
  library: string | null;
  /** The plan's allocator (a name or a path): it tells glibc from a library that could not be read. */
  allocator: string | null;
  env: Readonly<Record<string, string>>;
  /** The workload's arguments after the program: random_mixed's args, or the rest of the command. */
  args: readonly string[];
}

/** The series sha256 of these parts; the env is taken in sorted key order so that its order in the plan does not matter. */
export function seriesSha256(parts: SeriesParts): string {
  const env = Object.keys(parts.env)
    .sort()
    .map((k) => [k, parts.env[k]]);
  return createHash('sha256')
    .update(
      JSON.stringify({
        v: 1,
        program: parts.program,
        // The library's bytes identify it wherever it lies; without them, the name the plan gave.
        library: parts.library ?? { unread: parts.allocator },
        env,
        args: parts.args,
      }),
    )
    .digest('hex');
}

/** The program a variant runs, as execvp would find it. */
function programOf(variant: ResolvedVariant): string | null {
  const program = variant.argv[0];
  if (program === undefined) return null;
  const found = findProgram(program, variant.env['PATH'] ?? process.env['PATH'] ?? '');
  return found.ok ? found.file : null;
}

async function hashOrNull(hasher: LibraryHasher, file: string | null): Promise<string | null> {
  if (file === null) return null;
  try {
    return await hasher.sha256(file);
  } catch {
    return null;
  }
}

/** The series of the next epoch of `variant`; `library` is the library's sha256 already computed for the epoch. */
export async function seriesOf(hasher: LibraryHasher, variant: ResolvedVariant, library: string | null): Promise<string> {
  return seriesSha256({
    program: await hashOrNull(hasher, programOf(variant)),
    library,
    allocator: variant.allocator,
    env: variant.env,
    args: variant.argv.slice(1),
  });
}
