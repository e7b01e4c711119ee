/**
 * What in a plan would run another program or load another library than the built-in ones.
 * The REST API refuses such plans unless the daemon was started with --allow-commands.
 */
import type { Plan } from './types.js';
import { NAMED_ALLOCATORS } from './types.js';

/** One privileged feature per entry, e.g. `variants[2].command`, `variants[0].env.LD_LIBRARY_PATH`. */
export function privilegedFeatures(plan: Plan): string[] {
  const out: string[] = [];
  plan.variants.forEach((v, i) => {
    if (v.command !== null) out.push(`variants[${i}].command`);
    if (v.allocator !== null && !NAMED_ALLOCATORS.includes(v.allocator)) out.push(`variants[${i}].allocator`);
    for (const key of Object.keys(v.env)) if (key.startsWith('LD_')) out.push(`variants[${i}].env.${key}`);
  });
  return out;
}
