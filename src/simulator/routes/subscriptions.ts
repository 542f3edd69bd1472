/** GET /subscriptions (cursor-paginated, newest first) and GET /subscriptions/{id}. */
import { exists, statusAt, type SubscriptionRecord } from '../account.js';
import { requestValidationError } from '../orb-errors.js';
import { subscriptionJson } from '../shapes.js';
import { findSubscription, type RouteContext } from './context.js';
import { integerInRange, optionalInstant } from './query.js';

/**
 * The cursor is the (created_at, id) of the last item returned, not an offset, so a page boundary
 * stays put when subscriptions are created (the clock moves) between page requests.
 */
interface Cursor {
  readonly createdAt: number;
  readonly id: string;
}

function encodeCursor(subscription: SubscriptionRecord): string {
  return Buffer.from(JSON.stringify([subscription.start.getTime(), subscription.id])).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { createdAt: value[0] as number, id: value[1] };
    }
  } catch {
    // fall through to the validation error
  }
  throw requestValidationError(`cursor: ${JSON.stringify(text)} is not a valid cursor`);
}

/** Strictly after the cursor in newest-first order. */
function isAfter(subscription: SubscriptionRecord, cursor: Cursor): boolean {
  const createdAt = subscription.start.getTime();
  return createdAt < cursor.createdAt || (createdAt === cursor.createdAt && subscription.id < cursor.id);
}

function createdAtFilter(query: URLSearchParams): (createdAt: number) => boolean {
  const gte = optionalInstant(query, 'created_at[gte]')?.getTime() ?? -Infinity;
  const gt = optionalInstant(query, 'created_at[gt]')?.getTime() ?? -Infinity;
  const lte = optionalInstant(query, 'created_at[lte]')?.getTime() ?? Infinity;
  const lt = optionalInstant(query, 'created_at[lt]')?.getTime() ?? Infinity;
  return (createdAt) => createdAt >= gte && createdAt > gt && createdAt <= lte && createdAt < lt;
}

const STATUSES = ['active', 'ended', 'upcoming'] as const;

/** `status=x` or repeated `status[]=x` (Orb accepts both); unknown values are a 400 as in Orb. */
function statusFilter(query: URLSearchParams): (subscription: SubscriptionRecord, now: Date) => boolean {
  const wanted = [...query.getAll('status'), ...query.getAll('status[]')];
  const unknown = wanted.find((status) => !(STATUSES as readonly string[]).includes(status));
  if (unknown !== undefined) throw requestValidationError(`status: ${JSON.stringify(unknown)} is not one of ${STATUSES.join(', ')}`);
  return (subscription, now) => wanted.length === 0 || wanted.includes(statusAt(subscription, now));
}

export function listSubscriptions(ctx: RouteContext, query: URLSearchParams): unknown {
  const limit = integerInRange(query, 'limit', 1, 100, 20);
  const cursorText = query.get('cursor');
  const cursor = cursorText ? decodeCursor(cursorText) : null;
  const createdAtMatches = createdAtFilter(query);
  const statusMatches = statusFilter(query);

  const page: SubscriptionRecord[] = [];
  let hasMore = false;
  for (const subscription of ctx.account.subscriptions) {
    if (!exists(subscription, ctx.now) || !createdAtMatches(subscription.start.getTime())) continue;
    if (!statusMatches(subscription, ctx.now)) continue;
    if (cursor && !isAfter(subscription, cursor)) continue;
    if (page.length === limit) {
      hasMore = true;
      break;
    }
    page.push(subscription);
  }
  const last = page[page.length - 1];
  return {
    data: page.map((s) => subscriptionJson(ctx.account.seed, s, ctx.now)),
    pagination_metadata: { has_more: hasMore, next_cursor: hasMore && last ? encodeCursor(last) : null },
  };
}

export function getSubscription(ctx: RouteContext, id: string): unknown {
  return subscriptionJson(ctx.account.seed, findSubscription(ctx, id), ctx.now);
}
