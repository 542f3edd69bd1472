/**
 * Cost math for one billing period, on exact decimals. Everything is cumulative from the start of
 * the billing period: tiers apply to the period's cumulative quantity and minimums to its cumulative
 * amount, so the daily (periodic) values are differences of these. There is no proration: a fixed
 * fee or minimum is charged in full even for a partial first or last period.
 */
import { max, multiply, parseDecimal, sum, type Decimal } from '../util/decimal.js';
import type { PlanDef, PriceDef, PriceModel } from './plans.js';

function quantityDecimal(quantity: number): Decimal {
  return parseDecimal(String(quantity));
}

/** Amount before minimums for `quantity` (the period's cumulative quantity) under `model`. */
export function priceSubtotal(model: PriceModel, quantity: number): Decimal {
  switch (model.kind) {
    case 'unit':
      return multiply(quantityDecimal(quantity), parseDecimal(model.unitAmount));
    case 'fixed':
      return multiply(quantityDecimal(quantity), parseDecimal(model.amount));
    case 'tiered':
      return sum(
        model.tiers.map((tier) => {
          const ceiling = tier.lastUnit === null ? quantity : Math.min(quantity, tier.lastUnit);
          const units = Math.max(0, ceiling - tier.firstUnit);
          return multiply(quantityDecimal(units), parseDecimal(tier.unitAmount));
        }),
      );
  }
}

/** A fixed fee is billed in advance: its full quantity (1) counts from the first day of the period. */
export function periodQuantity(price: PriceDef, usage: ReadonlyMap<number, number>): number {
  return price.metric === null ? 1 : (usage.get(price.metric.key) ?? 0);
}

function atLeast(amount: Decimal, minimum: string | null): Decimal {
  return minimum === null ? amount : max(amount, parseDecimal(minimum));
}

export interface PriceAmount {
  readonly price: PriceDef;
  readonly quantity: number;
  readonly subtotal: Decimal; // excludes minimums
  readonly total: Decimal; // includes the price-level minimum
}

export interface PeriodAmounts {
  readonly prices: readonly PriceAmount[];
  readonly subtotal: Decimal; // Σ price subtotals
  readonly total: Decimal; // max(Σ price totals, plan minimum)
}

/** Cumulative amounts of the period given each metric's cumulative usage (keyed by Metric.key). */
export function periodAmounts(plan: PlanDef, usage: ReadonlyMap<number, number>): PeriodAmounts {
  const prices = plan.prices.map((price) => {
    const quantity = periodQuantity(price, usage);
    const subtotal = priceSubtotal(price.model, quantity);
    return { price, quantity, subtotal, total: atLeast(subtotal, price.minimum) };
  });
  return {
    prices,
    subtotal: sum(prices.map((p) => p.subtotal)),
    total: atLeast(sum(prices.map((p) => p.total)), plan.minimum),
  };
}
