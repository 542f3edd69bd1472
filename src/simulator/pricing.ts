/**
 * Cost math for one stretch of a billing period on one plan, on exact decimals. Everything is
 * cumulative from the start of the stretch: tiers and packages apply to its cumulative quantity and
 * minimums and the discount to its cumulative amounts, so daily (periodic) values are differences of
 * these. There is no proration: a fixed fee or minimum is charged in full even for a partial period.
 * A unit price edited retroactively (history.ts) charges each part of the usage its own amount.
 */
import { compare, max, min, multiply, parseDecimal, subtract, sum, ZERO, type Decimal } from '../util/decimal.js';
import type { PlanDef, PriceDef, PriceModel } from './plans.js';

const ONE = parseDecimal('1');

/**
 * A stretch's cumulative usage of one metric, in parts: the quantity used since each instant (ms)
 * at which a unit price on the metric changed amount (see history.ts), -Infinity before any change.
 */
export type MetricUsage = ReadonlyMap<number, Decimal>;

/** Cumulative usage per metric key. */
export type Usage = ReadonlyMap<number, MetricUsage>;

/** The unit amount a unit price charged for usage at `instant` (ms). */
export type UnitAmountAt = (price: PriceDef, instant: number) => string;

function integer(value: number): Decimal {
  return { units: BigInt(value), scale: 0 };
}

/** ceil(quantity / size) for a non-negative decimal quantity and a positive integer size. */
function packagesFor(quantity: Decimal, size: number): Decimal {
  const divisor = BigInt(size) * 10n ** BigInt(quantity.scale);
  return { units: (quantity.units + divisor - 1n) / divisor, scale: 0 };
}

/** Amount before minimums for the cumulative `quantity` under a model that prices it as a whole. */
function wholeQuantitySubtotal(model: Exclude<PriceModel, { kind: 'unit' }>, quantity: Decimal): Decimal {
  switch (model.kind) {
    case 'fixed':
      return multiply(quantity, parseDecimal(model.amount));
    case 'package':
      return multiply(packagesFor(quantity, model.packageSize), parseDecimal(model.packageAmount));
    case 'tiered':
      return sum(
        model.tiers.map((tier) => {
          const first = integer(tier.firstUnit);
          const ceiling = tier.lastUnit === null ? quantity : min(quantity, integer(tier.lastUnit));
          const units = compare(ceiling, first) > 0 ? subtract(ceiling, first) : ZERO;
          return multiply(units, parseDecimal(tier.unitAmount));
        }),
      );
    case 'unknown':
      throw new Error(`price model ${model.modelType} is listed, never billed`);
  }
}

/** A fixed fee is billed in advance: its full quantity (1) counts from the first day. */
function cumulativeQuantity(price: PriceDef, usage: Usage): Decimal {
  return price.metric === null ? ONE : sum(usage.get(price.metric.key)?.values() ?? []);
}

/** Unit prices are linear, so each part of the usage is priced at the amount in force when it was used. */
function priceSubtotal(price: PriceDef, quantity: Decimal, usage: Usage, unitAmountAt: UnitAmountAt): Decimal {
  if (price.model.kind !== 'unit') return wholeQuantitySubtotal(price.model, quantity);
  const parts = [...(usage.get(price.metric!.key) ?? [])];
  return sum(parts.map(([since, part]) => multiply(part, parseDecimal(unitAmountAt(price, since)))));
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

function priceAmount(price: PriceDef, usage: Usage, unitAmountAt: UnitAmountAt): PriceAmount {
  const quantity = cumulativeQuantity(price, usage);
  const subtotal = priceSubtotal(price, quantity, usage, unitAmountAt);
  return { price, quantity, subtotal, total: atLeast(subtotal, price.minimum) };
}

export interface Amounts {
  readonly prices: readonly PriceAmount[];
  readonly subtotal: Decimal; // Σ price subtotals
  readonly total: Decimal; // with the plan's discount and minimum
}

/**
 * Cumulative amounts of one stretch on `plan` given each metric's cumulative usage:
 * total = max(Σ price totals − discount, plan minimum), the discount being a percentage of the
 * totals of the prices it applies to. Neither is carried by any single price, as in Orb.
 */
export function planAmounts(plan: PlanDef, usage: Usage, unitAmountAt: UnitAmountAt): Amounts {
  const prices = plan.prices.map((price) => priceAmount(price, usage, unitAmountAt));
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

/** A price billed on its own, without usage (a one-off fixed charge): outside any plan's discount and minimum. */
export function chargeAmounts(charge: PriceDef, unitAmountAt: UnitAmountAt): Amounts {
  const amount = priceAmount(charge, new Map(), unitAmountAt);
  return { prices: [amount], subtotal: amount.subtotal, total: amount.total };
}

/** Stretches of one billing period on successive plans, and charges outside them, add up. */
export function combineAmounts(parts: readonly Amounts[]): Amounts {
  return {
    prices: parts.flatMap((p) => p.prices),
    subtotal: sum(parts.map((p) => p.subtotal)),
    total: sum(parts.map((p) => p.total)),
  };
}
