/**
 * Orb's cursor pagination for every list route: `limit` 1..100 (default 20), an opaque `cursor`,
 * and `pagination_metadata { has_more, next_cursor }`. The cursor is the sort key of the last item
 * returned, not an offset, so a page boundary stays put when items are added between requests.
 */
import { requestValidationError } from '../orb-errors.js';
import { integerInRange } from './query.js';

export type CursorKey = readonly (string | number)[];

/** A total order over a list's items, by a key that the cursor carries. */
export interface Ordering<T> {
  key(item: T): CursorKey;
  /** Whether `item` comes strictly after the item whose key is `cursor`. */
  after(item: T, cursor: CursorKey): boolean;
}

/** Newest first by (created_at, id), ties broken by id descending: Orb's order for most lists. */
export function newestFirst<T extends { createdAt: Date | number; id: string }>(): Ordering<T> {
  const time = (item: T) => (typeof item.createdAt === 'number' ? item.createdAt : item.createdAt.getTime());
  return {
    key: (item) => [time(item), item.id],
    after: (item, [createdAt, id]) => time(item) < (createdAt as number) || (time(item) === createdAt && item.id < (id as string)),
  };
}

function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(text: string, length: number): CursorKey {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === length && value.every((v) => typeof v === 'string' || Number.isFinite(v))) {
      return value as CursorKey;
    }
  } catch {
    // fall through to the validation error
  }
  throw requestValidationError(`cursor: ${JSON.stringify(text)} is not a valid cursor`);
}

/** One page of `items` (already filtered and in `ordering`'s order), rendered with `render`. */
export function paginate<T>(
  items: Iterable<T>,
  query: URLSearchParams,
  ordering: Ordering<T>,
  keyLength: number,
  render: (item: T) => unknown,
): { data: unknown[]; pagination_metadata: { has_more: boolean; next_cursor: string | null } } {
  const limit = integerInRange(query, 'limit', 1, 100, 20);
  const cursorText = query.get('cursor');
  const cursor = cursorText ? decodeCursor(cursorText, keyLength) : null;
  const page: T[] = [];
  let hasMore = false;
  for (const item of items) {
    if (cursor && !ordering.after(item, cursor)) continue;
    if (page.length === limit) {
      hasMore = true;
      break;
    }
    page.push(item);
  }
  const last = page[page.length - 1];
  return {
    data: page.map(render),
    pagination_metadata: { has_more: hasMore, next_cursor: hasMore && last !== undefined ? encodeCursor(ordering.key(last)) : null },
  };
}
