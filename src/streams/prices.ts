import type { Price } from 'orb-billing/resources/shared';
import { z } from 'zod';
import { RAW_PRICES } from '../schema/staging.js';
import { canonicalJson } from '../util/hash.js';
import { badAmountPath, instant } from './fields.js';
import { version, type ListStream, type StagedVersion } from './stream.js';

/** Fields every price model has (Orb's spec); the rest of a price is its model-specific config. */
const COMMON_KEYS = new Set([
  'billable_metric', 'billing_cycle_configuration', 'billing_mode', 'cadence', 'composite_price_filters', 'conversion_rate',
  'conversion_rate_config', 'created_at', 'credit_allocation', 'currency', 'dimensional_price_configuration', 'discount',
  'external_price_id', 'fixed_price_quantity', 'id', 'invoice_grouping_key', 'invoicing_cycle_configuration', 'item',
  'license_type', 'maximum', 'maximum_amount', 'metadata', 'minimum', 'minimum_amount', 'model_type', 'name',
  'plan_phase_order', 'price_type', 'replaces_price_id',
]);

const priceShape = z.object({
  id: z.string().min(1),
  name: z.string().nullish(),
  model_type: z.string().min(1),
  currency: z.string().nullish(),
  billable_metric: z.object({ id: z.string() }).nullish(),
  created_at: instant.nullish(),
});

/**
 * A price as a version of raw_prices, whatever its model_type (one Orb adds later loads too).
 * Prices appear in plans, in GET /prices, in subscriptions' price intervals and in cost rows.
 */
export function priceVersion(raw: unknown): StagedVersion {
  const price = priceShape.parse(raw);
  const badAmount = badAmountPath(raw);
  if (badAmount) throw new Error(`price ${price.id}: ${badAmount} is not a plain decimal amount`);
  const config = Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter(([key]) => !COMMON_KEYS.has(key)));
  return version(RAW_PRICES, {
    price_id: price.id,
    name: price.name ?? null,
    model_type: price.model_type,
    currency: price.currency ?? null,
    billable_metric_id: price.billable_metric?.id ?? null,
    created_at: price.created_at ?? null,
    config: canonicalJson(config),
    payload: canonicalJson(raw),
  });
}

/** Add-on prices (GET /prices lists only those created on their own), the whole list each sync. */
export const pricesStream: ListStream<Price> = {
  kind: 'list',
  name: 'prices',
  endpoint: 'default',
  recordKey: (price) => price.id,
  list: (orb) => orb.prices.list({ limit: 100 }),
  rereads: [],
  toVersions: (price) => [priceVersion(price)],
};
