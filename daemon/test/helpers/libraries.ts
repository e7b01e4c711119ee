/** System libraries the identity tests preload: zlib (a library that is not an allocator) and glibc. */
import { existsSync } from 'node:fs';

const LIB_DIRS = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib/aarch64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/lib64',
  '/usr/lib64',
];

function find(soname: string): string {
  const found = LIB_DIRS.map((d) => `${d}/${soname}`).find((p) => existsSync(p));
  if (found === undefined) throw new Error(`${soname} not found in ${LIB_DIRS.join(', ')}`);
  return found;
}

/** zlib's shared library (Debian's libz1, which dpkg itself depends on): it imports malloc, it does not define it. */
export const LIBZ = find('libz.so.1');
/** glibc. */
export const LIBC = find('libc.so.6');
