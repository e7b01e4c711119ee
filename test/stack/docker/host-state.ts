/**
 * What a Docker engine could change on the host, taken before and after the stack test: network
 * interfaces and addresses, routes, firewall rules (iptables/ip6tables every table, nft when installed),
 * forwarding switches, the mount table, and the system paths a stock dockerd writes to.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { run } from './proc.js';

export type HostState = Record<string, string>;

/** System paths a default dockerd/containerd uses; the test's engine must leave them as they were. */
export const SYSTEM_PATHS = [
  '/etc/docker/key.json',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/run/docker',
  '/run/docker.sock',
  '/run/containerd',
  '/run/docker/plugins',
  '/run/containerd/s',
];

async function out(cmd: string, args: string[]): Promise<string> {
  try {
    const r = await run(cmd, args, { timeoutMs: 20_000, allowFailure: true });
    return `exit ${r.signal ?? r.code}\n${r.stdout}${r.stderr}`;
  } catch (e) {
    return `could not run: ${(e as Error).message}`;
  }
}

function haveCommand(cmd: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin')
    .split(':')
    .concat(['/usr/sbin', '/sbin'])
    .some((d) => d !== '' && existsSync(path.join(d, cmd)));
}

/** Address lifetimes count down by themselves; everything else in `ip addr` must stay. */
function normaliseIpAddr(text: string): string {
  return text.replace(/valid_lft \S+ preferred_lft \S+/g, 'valid_lft _ preferred_lft _');
}

/** Mount table lines, sorted (the order of unrelated mounts is not ours to keep). */
function mounts(): string {
  return readFileSync('/proc/self/mounts', 'utf8').trim().split('\n').sort().join('\n');
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function pathState(p: string): string {
  try {
    const st = statSync(p);
    if (!st.isDirectory()) return `file ${st.size} bytes, mtime ${st.mtimeMs}`;
    return `dir [${readdirSync(p).sort().join(', ')}]`;
  } catch {
    return 'absent';
  }
}

export async function snapshot(): Promise<HostState> {
  const s: HostState = {};
  s['ip addr'] = normaliseIpAddr(await out('ip', ['addr']));
  s['ip route'] = await out('ip', ['route', 'show', 'table', 'all']);
  s['ip -6 route'] = await out('ip', ['-6', 'route', 'show', 'table', 'all']);
  s['ip rule'] = await out('ip', ['rule']);
  for (const tool of ['iptables', 'ip6tables']) {
    if (!haveCommand(tool)) {
      s[tool] = 'not installed';
      continue;
    }
    for (const table of ['filter', 'nat', 'mangle', 'raw']) s[`${tool} -t ${table} -S`] = await out(tool, ['-w', '5', '-t', table, '-S']);
  }
  s['nft list ruleset'] = haveCommand('nft') ? await out('nft', ['list', 'ruleset']) : 'not installed';
  s['net.ipv4.ip_forward'] = readOr('/proc/sys/net/ipv4/ip_forward', 'unreadable');
  s['net.ipv6.conf.all.forwarding'] = readOr('/proc/sys/net/ipv6/conf/all/forwarding', 'unreadable');
  s['mounts'] = mounts();
  for (const p of SYSTEM_PATHS) s[`path ${p}`] = pathState(p);
  return s;
}

/** Human-readable differences (empty when the states are the same). */
export function diff(before: HostState, after: HostState): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[key] ?? '(not taken)';
    const b = after[key] ?? '(not taken)';
    if (a === b) continue;
    const la = new Set(a.split('\n'));
    const lb = new Set(b.split('\n'));
    const gone = [...la].filter((l) => !lb.has(l)).map((l) => `  - ${l}`);
    const added = [...lb].filter((l) => !la.has(l)).map((l) => `  + ${l}`);
    out.push(`${key}:\n${[...gone, ...added].join('\n') || '  (order changed)'}`);
  }
  return out;
}
