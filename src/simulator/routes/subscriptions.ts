/** GET /subscriptions (cursor-paginated, newest first) and GET /subscriptions/{id}. */
import { exists, statusAt, type SubscriptionRecord } from '../account.js';
import { requestValidationError } from '../orb-errors.js';
import { subscriptionJson } from '../shapes.js';
import { findSubscription, type RouteContext } from './context.js';
import { newestFirst, paginate } from './pagination.js';
import { instantRange } from './query.js';

const STATUSES = ['active', 'ended', 'upcoming'] as const;

/** A filter's values given as `name=x` or repeated `name[]=x`: Orb accepts both forms. */
function valuesOf(query: URLSearchParams, name: string): string[] {
  return [...query.getAll(name), ...query.getAll(`${name}[]`)];
}

/** Unknown values are a 400 as in Orb. */
function statusFilter(query: URLSearchParams): (subscription: SubscriptionRecord, now: Date) => boolean {
  const wanted = valuesOf(query, 'status');
  const unknown = wanted.find((status) => !(STATUSES as readonly string[]).includes(status));
  if (unknown !== undefined) throw requestValidationError(`status: ${JSON.stringify(unknown)} is not one of ${STATUSES.join(', ')}`);
  return (subscription, now) => wanted.length === 0 || wanted.includes(statusAt(subscription, now));
}

/**
 * `customer_id` and `external_customer_id`: values of one parameter are OR-ed, the two parameters
 * AND-ed like every other filter. An id no customer has matches nothing (an empty list, not a 404).
 */
function customerFilter(query: URLSearchParams): (subscription: SubscriptionRecord) => boolean {
  const ids = new Set(valuesOf(query, 'customer_id'));
  const externalIds = new Set(valuesOf(query, 'external_customer_id'));
  return ({ customer }) => (ids.size === 0 || ids.has(customer.id)) && (externalIds.size === 0 || externalIds.has(customer.externalId));
}

export function listSubscriptions(ctx: RouteContext, query: URLSearchParams): unknown {
  const createdAtMatches = instantRange(query, 'created_at');
  const statusMatches = statusFilter(query);
  const customerMatches = customerFilter(query);
  const matching = ctx.account.subscriptions.filter(
    (s) => exists(s, ctx.now) && createdAtMatches(s.createdAt.getTime()) && statusMatches(s, ctx.now) && customerMatches(s),
  );
  return paginate(matching, query, newestFirst<SubscriptionRecord>(), 2, (s) => subscriptionJson(ctx.account.seed, s, ctx.now));
}

export function getSubscription(ctx: RouteContext, id: string): unknown {
  return subscriptionJson(ctx.account.seed, findSubscription(ctx, id), ctx.now);
}
