/**
 * Round-robin interleaving: epoch slot i runs variant i mod k, as its (⌊i/k⌋+1)-th round, so
 * A B C A B C ... — slow drift of the machine (thermal, background load, fragmentation of the page
 * cache) then hits every variant alike. Every epoch ever started in a campaign takes a slot, whatever
 * its outcome, so after a restart the campaign continues exactly where the rotation was.
 */
export interface Slot {
  /** 0-based position in the campaign. */
  index: number;
  variantIndex: number;
  /** 1-based round of that variant. */
  round: number;
}

export function slotAt(index: number, variantCount: number): Slot {
  if (!(variantCount > 0)) throw new RangeError('a campaign needs at least one variant');
  return { index, variantIndex: index % variantCount, round: Math.floor(index / variantCount) + 1 };
}

/** Total slots of a finite campaign, null for a continuous one. */
export function totalSlots(epochsPerVariant: number | null, variantCount: number): number | null {
  return epochsPerVariant === null ? null : epochsPerVariant * variantCount;
}
