/**
 * Seeded, stateless randomness. Every random choice is a pure hash of (seed, labels…), so an entity's
 * attributes do not depend on how many other entities were generated or in which order, and the
 * simulator can recompute any value (e.g. one hour of usage) on demand without storing it.
 */
export type HashPart = number | string;

/** murmur3's 32-bit finaliser: good avalanche for a few integer operations. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixIn(h: number, value: number): number {
  return fmix32(Math.imul(h ^ value, 0x9e3779b1) + 0x7f4a7c15);
}

/** Unsigned 32-bit hash of the parts; numbers must be safe integers (hour indexes, entity indexes). */
export function hash(...parts: HashPart[]): number {
  let h = 0x2545f491;
  for (const part of parts) {
    if (typeof part === 'number') {
      // Two 32-bit halves so values above 2^32 (millisecond instants) stay distinct.
      h = mixIn(h, part % 0x100000000);
      h = mixIn(h, Math.floor(part / 0x100000000));
    } else {
      for (let i = 0; i < part.length; i++) h = mixIn(h, part.charCodeAt(i));
      h = mixIn(h, part.length);
    }
  }
  return h;
}

/** Uniform in [0, 1). */
export function unit(...parts: HashPart[]): number {
  return hash(...parts) / 0x100000000;
}

/** Uniform integer in [min, max] (inclusive). */
export function intBetween(min: number, max: number, ...parts: HashPart[]): number {
  return min + Math.floor(unit(...parts) * (max - min + 1));
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Orb-looking id (`sub_Xy12…`): 22 characters, each from its own hash (~130 bits, so no collisions in practice). */
export function makeId(prefix: string, ...parts: HashPart[]): string {
  let id = `${prefix}_`;
  for (let i = 0; i < 22; i++) id += ID_ALPHABET[hash(...parts, 'id', i) % ID_ALPHABET.length];
  return id;
}
