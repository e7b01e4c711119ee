/**
 * What a plan posted over HTTP may do without `--allow-commands`: the named allocators, random_mixed's
 * own arguments and allocator knobs. Anything that would run another program or load another library
 * is refused (403): `command`, an allocator given as a library path, LD_* variables (the plan module's
 * privilegedFeatures), and — an allowlist, safer than a denylist — any environment variable that is
 * not an allocator knob (GCONV_PATH, PATH, ... can also make a process load or run other code).
 */
import { privilegedFeatures, type Plan } from '../plan/index.js';

/** Environment variables a remote plan may set: allocator tuning only. */
export const ALLOCATOR_KNOB_PATTERNS: readonly RegExp[] = [
  /^LEANMALLOC_[A-Z0-9_]*$/, // leanmalloc profiles and knobs
  /^MIMALLOC_[A-Z0-9_]*$/, // mimalloc options
  /^MALLOC_CONF$/, // jemalloc
  /^TCMALLOC_[A-Z0-9_]*$/, // tcmalloc flags
  /^GLIBC_TUNABLES$/, // glibc.malloc.* tunables
  /^MALLOC_(ARENA_MAX|ARENA_TEST|MMAP_MAX_|MMAP_THRESHOLD_|TOP_PAD_|TRIM_THRESHOLD_|PERTURB_|CHECK_)$/, // glibc malloc env
];

export const ALLOWED_ENV_DESCRIPTION = 'LEANMALLOC_*, MIMALLOC_*, MALLOC_CONF, TCMALLOC_*, GLIBC_TUNABLES and glibc MALLOC_* knobs';

/** The fields of `plan` a remote client may not use without --allow-commands (empty: the plan is fine). */
export function refusedOverHttp(plan: Plan): string[] {
  const out = new Set(privilegedFeatures(plan));
  plan.variants.forEach((v, i) => {
    for (const key of Object.keys(v.env)) {
      if (!ALLOCATOR_KNOB_PATTERNS.some((re) => re.test(key))) out.add(`variants[${i}].env.${key}`);
    }
  });
  return [...out];
}
