/** The route table: method + path pattern (without the /v1 prefix) to handler. */
import { closeBackfill, createBackfill, getBackfill, listBackfills, revertBackfill } from './backfills.js';
import { listPlans, listPrices } from './catalogue.js';
import type { RouteContext } from './context.js';
import { fetchSubscriptionCosts } from './costs.js';
import { fetchCustomerCosts, getCustomer, listCustomers } from './customers.js';
import { fetchEventVolume, searchEvents } from './events.js';
import { ingestEvents } from './ingest.js';
import { fetchSchedule } from './schedule.js';
import { getSubscription, listSubscriptions } from './subscriptions.js';
import { fetchSubscriptionUsage } from './usage.js';

export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  /** `params` are the pattern's capture groups, URL-decoded; `body` is the parsed JSON body (POST). */
  readonly handle: (ctx: RouteContext, params: string[], query: URLSearchParams, body: unknown) => unknown;
}

const ID = '([^/]+)';
const path = (text: string) => new RegExp(`^${text.replaceAll('{id}', ID)}$`);

export const ROUTES: readonly Route[] = [
  { method: 'GET', pattern: path('/customers'), handle: (ctx, _, query) => listCustomers(ctx, query) },
  { method: 'GET', pattern: path('/customers/{id}'), handle: (ctx, [id]) => getCustomer(ctx, id!) },
  { method: 'GET', pattern: path('/customers/{id}/costs'), handle: (ctx, [id], query) => fetchCustomerCosts(ctx, id!, query) },
  { method: 'GET', pattern: path('/subscriptions'), handle: (ctx, _, query) => listSubscriptions(ctx, query) },
  { method: 'GET', pattern: path('/subscriptions/{id}'), handle: (ctx, [id]) => getSubscription(ctx, id!) },
  { method: 'GET', pattern: path('/subscriptions/{id}/costs'), handle: (ctx, [id], query) => fetchSubscriptionCosts(ctx, id!, query) },
  { method: 'GET', pattern: path('/subscriptions/{id}/schedule'), handle: (ctx, [id], query) => fetchSchedule(ctx, id!, query) },
  { method: 'GET', pattern: path('/subscriptions/{id}/usage'), handle: (ctx, [id], query) => fetchSubscriptionUsage(ctx, id!, query) },
  { method: 'GET', pattern: path('/plans'), handle: (ctx, _, query) => listPlans(ctx, query) },
  { method: 'GET', pattern: path('/prices'), handle: (ctx, _, query) => listPrices(ctx, query) },
  { method: 'GET', pattern: path('/events/volume'), handle: (ctx, _, query) => fetchEventVolume(ctx, query) },
  { method: 'POST', pattern: path('/events/search'), handle: (ctx, _, _query, body) => searchEvents(ctx, body) },
  { method: 'GET', pattern: path('/events/backfills'), handle: (ctx, _, query) => listBackfills(ctx, query) },
  { method: 'POST', pattern: path('/events/backfills'), handle: (ctx, _, _query, body) => createBackfill(ctx, body) },
  { method: 'GET', pattern: path('/events/backfills/{id}'), handle: (ctx, [id]) => getBackfill(ctx, id!) },
  { method: 'POST', pattern: path('/events/backfills/{id}/close'), handle: (ctx, [id]) => closeBackfill(ctx, id!) },
  { method: 'POST', pattern: path('/events/backfills/{id}/revert'), handle: (ctx, [id]) => revertBackfill(ctx, id!) },
  { method: 'POST', pattern: path('/ingest'), handle: (ctx, _, query, body) => ingestEvents(ctx, query, body) },
];
