import { createHash } from 'node:crypto';

/** Content hash of a record's shaped values, to append a version only when something changed. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}

/**
 * JSON with object keys sorted at every depth: Orb serialises one object with its keys in
 * different orders in different places (a price in a plan, in a cost row), and the same content
 * must give the same text, so it is stored once.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}
