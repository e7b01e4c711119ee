/**
 * The files a process has mapped (/proc/PID/maps): its program, the dynamic loader, and every shared
 * library it loaded, LD_PRELOAD ones included. Read once per epoch, when the workload's start line says
 * it is running its own code (the launcher's exec is done by then).
 */
import { readFileSync } from 'node:fs';

/** Pathnames of the file mappings of a maps listing, each once, in the order they first appear. */
export function parseMappedFiles(maps: string): string[] {
  const files = new Set<string>();
  for (const line of maps.split('\n')) {
    // address perms offset dev inode pathname — the pathname may contain spaces
    const m = /^\S+\s+\S+\s+\S+\s+\S+\s+\d+\s+(\/.*)$/.exec(line);
    if (m === null) continue;
    files.add((m[1] as string).replace(/ \(deleted\)$/, ''));
  }
  return [...files];
}

/** The files `pid` has mapped; null when the process is gone (or has not been reaped: a zombie maps nothing). */
export function mappedFiles(pid: number): string[] | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch {
    return null;
  }
  const files = parseMappedFiles(text);
  return files.length === 0 ? null : files;
}
