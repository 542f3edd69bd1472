/** What a route handler sees: the simulator state and the clock reading taken when the request arrived. */
import { exists, type Account, type CustomerRecord, type SubscriptionRecord } from '../account.js';
import type { EventLedger } from '../ledger.js';
import { resourceNotFound } from '../orb-errors.js';
import type { SimulatorState } from '../state.js';

export interface RouteContext {
  readonly state: SimulatorState;
  readonly account: Account;
  readonly ledger: EventLedger;
  readonly now: Date;
}

/** One per Orb API request; the request also moves pending backfills along (see EventLedger). */
export function createRouteContext(state: SimulatorState, now: Date): RouteContext {
  state.ledger.onRequest(now);
  return { state, account: state.account, ledger: state.ledger, now };
}

/** A subscription by id; one whose created_at is still in the future does not exist yet. */
export function findSubscription(ctx: RouteContext, id: string): SubscriptionRecord {
  const subscription = ctx.account.subscriptionsById.get(id);
  if (!subscription || !exists(subscription, ctx.now)) {
    throw resourceNotFound(`Subscription ${id} does not exist`);
  }
  return subscription;
}

/** A customer by id; like a subscription, it does not exist before its created_at. */
export function findCustomer(ctx: RouteContext, id: string): CustomerRecord {
  const customer = ctx.account.customersById.get(id);
  if (!customer || !exists(customer, ctx.now)) throw resourceNotFound(`Customer ${id} does not exist`);
  return customer;
}
