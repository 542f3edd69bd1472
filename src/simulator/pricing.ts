/**
 * Cost math for one stretch of a billing period on one plan, on exact decimals. Everything is
 * cumulative from the start of the stretch: tiers and packages apply to its cumulative quantity and
 * minimums and the discount to its cumulative amounts, so daily (periodic) values are differences of
 * these. There is no proration: a fixed fee or minimum is charged in full even for a partial period.
 */
import { compare, max, multiply, parseDecimal, subtract, sum, ZERO, type Decimal } from '../util/decimal.js';
import type { PlanDef, PriceDef, PriceModel } from './plans.js';

const ONE = parseDecimal('1');

function integer(value: number): Decimal {
  return { units: BigInt(value), scale: 0 };
}

/** ceil(quantity / size) for a non-negative decimal quantity and a positive integer size. */
function packagesFor(quantity: Decimal, size: number): Decimal {
  const divisor = BigInt(size) * 10n ** BigInt(quantity.scale);
  return { units: (quantity.units + divisor - 1n) / divisor, scale: 0 };
}

/** Amount before minimums for `quantity` (the cumulative quantity) under `model`. */
export function priceSubtotal(model: PriceModel, quantity: Decimal): Decimal {
  switch (model.kind) {
    case 'unit':
      return multiply(quantity, parseDecimal(model.unitAmount));
    case 'fixed':
      return multiply(quantity, parseDecimal(model.amount));
    case 'package':
      return multiply(packagesFor(quantity, model.packageSize), parseDecimal(model.packageAmount));
    case 'tiered':
      return sum(
        model.tiers.map((tier) => {
          const first = integer(tier.firstUnit);
          const ceiling = tier.lastUnit === null ? quantity : minDecimal(quantity, integer(tier.lastUnit));
          const units = compare(ceiling, first) > 0 ? subtract(ceiling, first) : ZERO;
          return multiply(units, parseDecimal(tier.unitAmount));
        }),
      );
  }
}

function minDecimal(a: Decimal, b: Decimal): Decimal {
  return compare(a, b) <= 0 ? a : b;
}

/** A fixed fee is billed in advance: its full quantity (1) counts from the first day. */
export function cumulativeQuantity(price: PriceDef, usage: ReadonlyMap<number, Decimal>): Decimal {
  return price.metric === null ? ONE : (usage.get(price.metric.key) ?? ZERO);
}

function atLeast(amount: Decimal, minimum: string | null): Decimal {
  return minimum === null ? amount : max(amount, parseDecimal(minimum));
}

export interface PriceAmount {
  readonly price: PriceDef;
  readonly quantity: Decimal;
  readonly subtotal: Decimal; // excludes minimums
  readonly total: Decimal; // includes the price-level minimum
}

export interface Amounts {
  readonly prices: readonly PriceAmount[];
  readonly subtotal: Decimal; // Σ price subtotals
  readonly total: Decimal; // with the plan's discount and minimum
}

/**
 * Cumulative amounts of one stretch on `plan` given each metric's cumulative usage (by Metric.key):
 * total = max(Σ price totals − discount, plan minimum), the discount being a percentage of the
 * totals of the prices it applies to. Neither is carried by any single price, as in Orb.
 */
export function planAmounts(plan: PlanDef, usage: ReadonlyMap<number, Decimal>): Amounts {
  const prices = plan.prices.map((price) => {
    const quantity = cumulativeQuantity(price, usage);
    const subtotal = priceSubtotal(price.model, quantity);
    return { price, quantity, subtotal, total: atLeast(subtotal, price.minimum) };
  });
  const { discount } = plan;
  const discounted = discount
    ? multiply(sum(prices.filter((p) => discount.priceIds.includes(p.price.id)).map((p) => p.total)), parseDecimal(discount.percentage))
    : ZERO;
  return {
    prices,
    subtotal: sum(prices.map((p) => p.subtotal)),
    total: atLeast(subtract(sum(prices.map((p) => p.total)), discounted), plan.minimum),
  };
}

/** Stretches of one billing period on successive plans add up. */
export function combineAmounts(parts: readonly Amounts[]): Amounts {
  return {
    prices: parts.flatMap((p) => p.prices),
    subtotal: sum(parts.map((p) => p.subtotal)),
    total: sum(parts.map((p) => p.total)),
  };
}
