/**
 * History that changes without a backfill, as when someone edits a price retroactively or backdates
 * a cancellation in Orb: costs (and, for a cancellation, usage) change from the edit's instant on
 * and nowhere before it. Events are not touched, so event volume and search stay as they were.
 * Price objects keep showing the price as it was created; only the amounts move.
 */
import { endedOn, replaceSubscription } from './account.js';
import { toInstant, type Clock } from './clock.js';
import type { PriceDef } from './plans.js';
import type { SimulatorState } from './state.js';
import { addDays, localDate, startOfLocalDay } from './time-zone.js';

export interface History {
  /**
   * Usage of the unit price `priceId` from `from` (not after the clock's now) on costs `unitAmount`
   * per unit; usage before it keeps its amount. A later call with an earlier `from` overrides.
   */
  reprice(priceId: string, change: { unitAmount: string; from: string | Date }): void;
  /**
   * Ends the subscription at the first local midnight at or after `at` (not after the clock's now):
   * the day containing `at` is its last, and its costs and usage after that are gone.
   */
  endSubscription(subscriptionId: string, at: string | Date): void;
}

/** From `from` (ms) on, until the next change, a unit price charges `unitAmount`. */
interface AmountChange {
  readonly from: number;
  readonly unitAmount: string;
}

/** Retroactive unit-amount changes per price id, for the costs engine. */
export class PriceChanges {
  private readonly changes = new Map<string, AmountChange[]>(); // ascending `from`

  /** The instants (ms) at which the price's amount changed, ascending. */
  instantsOf(price: PriceDef): number[] {
    return (this.changes.get(price.id) ?? []).map((c) => c.from);
  }

  /** The unit amount the price charges for usage at `instant`. */
  unitAmountAt = (price: PriceDef, instant: number): string => {
    if (price.model.kind !== 'unit') throw new Error(`price ${price.id} has no unit amount`);
    let amount = price.model.unitAmount;
    for (const change of this.changes.get(price.id) ?? []) if (change.from <= instant) amount = change.unitAmount;
    return amount;
  };

  /** Every change from `change.from` on is replaced by this one. */
  add(price: PriceDef, change: AmountChange): void {
    const kept = (this.changes.get(price.id) ?? []).filter((c) => c.from < change.from);
    this.changes.set(price.id, [...kept, change]);
  }
}

const UNIT_AMOUNT = /^\d+(\.\d+)?$/;

function allPrices(state: SimulatorState): PriceDef[] {
  const { catalogue } = state.account;
  return [...catalogue.plans.flatMap((plan) => plan.prices), ...catalogue.addOnPrices, ...catalogue.oneOffCharges];
}

/** An instant not after now; `what` names it in the error. */
function pastInstant(value: string | Date, clock: Clock, what: string): Date {
  const instant = toInstant(value);
  if (instant.getTime() > clock.now().getTime()) throw new Error(`${what} must not be after the clock's now (${clock.now().toISOString()})`);
  return instant;
}

export function createHistory(state: SimulatorState, clock: Clock): History {
  return {
    reprice(priceId, { unitAmount, from }) {
      const price = allPrices(state).find((p) => p.id === priceId);
      if (!price) throw new Error(`history.reprice: no price ${priceId}`);
      if (price.model.kind !== 'unit') throw new Error(`history.reprice: price ${priceId} is ${price.model.kind}, not a unit price`);
      if (typeof unitAmount !== 'string' || !UNIT_AMOUNT.test(unitAmount)) {
        throw new Error(`history.reprice: unitAmount must be a decimal string like "0.02", got ${JSON.stringify(unitAmount)}`);
      }
      const instant = pastInstant(from, clock, 'history.reprice: from');
      state.priceChanges.add(price, { from: instant.getTime(), unitAmount });
    },
    endSubscription(subscriptionId, at) {
      const subscription = state.account.subscriptionsById.get(subscriptionId);
      if (!subscription) throw new Error(`history.endSubscription: no subscription ${subscriptionId}`);
      const instant = pastInstant(at, clock, 'history.endSubscription: at');
      const tz = subscription.customer.timezone;
      const day = localDate(instant, tz);
      const endDate = startOfLocalDay(day, tz).getTime() === instant.getTime() ? day : addDays(day, 1);
      if (endDate <= subscription.startDate) {
        throw new Error(`history.endSubscription: ${subscriptionId} starts on ${subscription.startDate}; it cannot end on ${endDate}`);
      }
      if (subscription.endDate !== null && endDate >= subscription.endDate) {
        throw new Error(`history.endSubscription: ${subscriptionId} already ends on ${subscription.endDate}, not after ${endDate}`);
      }
      replaceSubscription(state.account, endedOn(subscription, endDate));
    },
  };
}
