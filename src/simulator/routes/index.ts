/** The route table: method + path pattern (without the /v1 prefix) to handler. */
import type { RouteContext } from './context.js';
import { fetchSubscriptionCosts } from './costs.js';
import { getSubscription, listSubscriptions } from './subscriptions.js';

export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  /** `params` are the pattern's capture groups, URL-decoded. */
  readonly handle: (ctx: RouteContext, params: string[], query: URLSearchParams) => unknown;
}

export const ROUTES: readonly Route[] = [
  { method: 'GET', pattern: /^\/subscriptions$/, handle: (ctx, _, query) => listSubscriptions(ctx, query) },
  { method: 'GET', pattern: /^\/subscriptions\/([^/]+)$/, handle: (ctx, [id]) => getSubscription(ctx, id!) },
  {
    method: 'GET',
    pattern: /^\/subscriptions\/([^/]+)\/costs$/,
    handle: (ctx, [id], query) => fetchSubscriptionCosts(ctx, id!, query),
  },
];
