/** What a route handler sees: the account and the clock reading taken when the request arrived. */
import { exists, type Account, type SubscriptionRecord } from '../account.js';
import { resourceNotFound } from '../orb-errors.js';

export interface RouteContext {
  readonly account: Account;
  readonly now: Date;
}

/** A subscription by id; one whose created_at is still in the future does not exist yet. */
export function findSubscription(ctx: RouteContext, id: string): SubscriptionRecord {
  const subscription = ctx.account.subscriptionsById.get(id);
  if (!subscription || !exists(subscription, ctx.now)) {
    throw resourceNotFound(`Subscription ${id} does not exist`);
  }
  return subscription;
}
