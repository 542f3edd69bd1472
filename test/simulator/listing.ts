/** Shared by the list-endpoint tests: the account records behind a simulator, and walking every page of a list. */
import { expect } from 'vitest';
import { generateAccount, type Account, type AccountShape } from '../../src/simulator/account.js';
import { NOW, type Running } from './helpers.js';

export type Shape = Omit<AccountShape, 'now'>;

/** The records a simulator started with `shape` at NOW serves, generated without going through any route. */
export function accountOf(shape: Shape): Account {
  return generateAccount({ ...shape, now: new Date(NOW) });
}

/**
 * Every item of a list, fetched page by page over raw HTTP with `limit`, following next_cursor.
 * Checks on the way that has_more agrees with next_cursor and that pages are as full as they can be.
 */
export async function allPages(r: Running, path: string, limit: number): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await r.get(`${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.status).toBe(200);
    const { data, pagination_metadata: meta } = page.body;
    cursor = meta.next_cursor;
    expect(meta.has_more).toBe(cursor !== null);
    if (cursor !== null) expect(data).toHaveLength(limit);
    items.push(...data);
    pages++;
  } while (cursor);
  expect(pages).toBe(Math.max(1, Math.ceil(items.length / limit)));
  return items;
}

/** Orb's order for lists of customers, subscriptions, plans and prices, written out independently of the routes. */
export function newestFirst(a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1);
}

/** The Orb body of a 400 request-validation error. */
export const VALIDATION_ERROR = {
  type: 'https://docs.withorb.com/reference/error-responses#400-request-validation-errors',
  status: 400,
};
