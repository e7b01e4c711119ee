/**
 * The functions and data a shared library defines for others: the defined global symbols of its ELF
 * dynamic symbol table (.dynsym), read from the file. The daemon asks it of a preloaded library whose
 * workload does not say which malloc it runs: a library that does not define `malloc` cannot be the
 * allocator, however it was named (libz.so.1 imports malloc, it does not define it).
 *
 * Only the few bytes needed are read (ELF header, section headers, .dynsym and its string table), with
 * 32- and 64-bit, little- and big-endian files alike. Nothing is executed or loaded.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export type DefinedSymbols = { ok: true; symbols: ReadonlySet<string> } | { ok: false; reason: string };

const SHT_DYNSYM = 11;
const SHN_UNDEF = 0;
const STB_GLOBAL = 1;
const STB_WEAK = 2;
const STB_GNU_UNIQUE = 10;
const STV_HIDDEN = 2;
const STV_INTERNAL = 1;
/** Larger tables than this are not a shared library this daemon should be reading (libc's is ~100 KiB). */
const MAX_TABLE_BYTES = 64 << 20;

interface Layout {
  is64: boolean;
  le: boolean;
}

function readAt(fd: number, offset: number, length: number, size: number): Buffer {
  if (offset < 0 || length < 0 || offset + length > size) throw new RangeError(`bytes ${offset}..${offset + length} outside the file`);
  if (length > MAX_TABLE_BYTES) throw new RangeError(`a table of ${length} bytes`);
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, offset + got);
    if (n === 0) throw new RangeError('the file ended early');
    got += n;
  }
  return buf;
}

function u16(b: Buffer, at: number, l: Layout): number {
  return l.le ? b.readUInt16LE(at) : b.readUInt16BE(at);
}
function u32(b: Buffer, at: number, l: Layout): number {
  return l.le ? b.readUInt32LE(at) : b.readUInt32BE(at);
}
/** An address-sized field (offsets and sizes); a 64-bit value beyond 2^53 is no real file's. */
function word(b: Buffer, at: number, l: Layout): number {
  if (!l.is64) return u32(b, at, l);
  return Number(l.le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at));
}

interface Section {
  type: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

function sectionAt(table: Buffer, i: number, entsize: number, l: Layout): Section {
  const at = i * entsize;
  return l.is64
    ? {
        type: u32(table, at + 4, l),
        offset: word(table, at + 0x18, l),
        size: word(table, at + 0x20, l),
        link: u32(table, at + 0x28, l),
        entsize: word(table, at + 0x38, l),
      }
    : {
        type: u32(table, at + 4, l),
        offset: word(table, at + 0x10, l),
        size: word(table, at + 0x14, l),
        link: u32(table, at + 0x18, l),
        entsize: word(table, at + 0x24, l),
      };
}

function cString(b: Buffer, at: number): string {
  const end = b.indexOf(0, at);
  return b.toString('latin1', at, end === -1 ? b.length : end);
}

function readSymbols(fd: number, size: number): ReadonlySet<string> {
  const ident = readAt(fd, 0, Math.min(64, size), size);
  if (ident.length < 52 || ident.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  const cls = ident[4];
  const data = ident[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) throw new Error('an ELF file of unknown class or byte order');
  const l: Layout = { is64: cls === 2, le: data === 1 };
  if (l.is64 && ident.length < 64) throw new Error('a truncated ELF header');
  const shoff = word(ident, l.is64 ? 0x28 : 0x20, l);
  const shentsize = u16(ident, l.is64 ? 0x3a : 0x2e, l);
  const shnum = u16(ident, l.is64 ? 0x3c : 0x30, l);
  if (shoff === 0 || shnum === 0) throw new Error('no section headers');
  if (shentsize < (l.is64 ? 64 : 40)) throw new Error(`section headers of ${shentsize} bytes`);
  const table = readAt(fd, shoff, shnum * shentsize, size);
  const sections = Array.from({ length: shnum }, (_, i) => sectionAt(table, i, shentsize, l));
  const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
  if (dynsym === undefined) throw new Error('no dynamic symbol table (.dynsym)');
  const strtab = sections[dynsym.link];
  if (strtab === undefined) throw new Error('the dynamic symbol table has no string table');
  const syms = readAt(fd, dynsym.offset, dynsym.size, size);
  const strings = readAt(fd, strtab.offset, strtab.size, size);
  const entsize = dynsym.entsize > 0 ? dynsym.entsize : l.is64 ? 24 : 16;
  const names = new Set<string>();
  for (let at = 0; at + entsize <= syms.length; at += entsize) {
    const nameAt = u32(syms, at, l);
    const info = syms[at + (l.is64 ? 4 : 12)] as number;
    const other = syms[at + (l.is64 ? 5 : 13)] as number;
    const shndx = u16(syms, at + (l.is64 ? 6 : 14), l);
    const bind = info >> 4;
    const visibility = other & 3;
    if (shndx === SHN_UNDEF || nameAt === 0) continue;
    if (bind !== STB_GLOBAL && bind !== STB_WEAK && bind !== STB_GNU_UNIQUE) continue;
    if (visibility === STV_HIDDEN || visibility === STV_INTERNAL) continue;
    names.add(cString(strings, nameAt));
  }
  return names;
}

/** The symbols `path` defines for other objects (what a preloaded library can interpose), or why they cannot be read. */
export function definedSymbols(path: string): DefinedSymbols {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return { ok: false, reason: `${path}: ${(err as Error).message}` };
  }
  try {
    return { ok: true, symbols: readSymbols(fd, fstatSync(fd).size) };
  } catch (err) {
    return { ok: false, reason: `${path}: ${(err as Error).message}` };
  } finally {
    closeSync(fd);
  }
}
