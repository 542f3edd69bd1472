import { createHash } from 'node:crypto';

/** Content hash of a record's shaped values, to append a version only when something changed. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}
