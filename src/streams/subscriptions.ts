import type { Subscription } from 'orb-billing/resources/subscriptions';
import { z } from 'zod';
import { RAW_CUSTOMERS, RAW_SUBSCRIPTIONS } from '../schema/staging.js';
import { isValidTimeZone } from '../util/time-zone.js';
import { canonicalJson } from '../util/hash.js';
import { priceVersion } from './prices.js';
import { version, type ListStream, type StagedVersion } from './stream.js';

const instant = z.iso.datetime({ offset: true }).transform((text) => new Date(text));

/** The customer fields orb-sync relies on; the whole object is kept verbatim in `payload`. */
export const customerShape = z.object({
  id: z.string().min(1),
  external_customer_id: z.string().nullable(),
  name: z.string().nullable(),
  email: z.string().nullish(),
  currency: z.string().nullable(),
  timezone: z.string().refine(isValidTimeZone, 'unknown time zone'),
  created_at: instant,
});

const subscriptionShape = z
  .object({
    id: z.string().min(1),
    status: z.enum(['active', 'ended', 'upcoming']),
    start_date: instant,
    end_date: instant.nullable(),
    created_at: instant,
    customer: customerShape,
    plan: z.object({ id: z.string(), name: z.string().nullable(), currency: z.string().min(1) }).nullable(),
  })
  .refine((s) => s.plan?.currency ?? s.customer.currency, 'neither the plan nor the customer has a currency');

/** A customer as a version of raw_customers (GET /customers and subscriptions embed the same object). */
export function customerVersion(raw: unknown): StagedVersion {
  const c = customerShape.parse(raw);
  return version(RAW_CUSTOMERS, {
      customer_id: c.id,
      external_customer_id: c.external_customer_id,
      name: c.name,
      email: c.email ?? null,
      timezone: c.timezone,
      currency: c.currency,
      created_at: c.created_at,
    payload: canonicalJson(raw),
  });
}

/** Subscriptions, new ones by created_at; every run also re-reads those that can still change. */
export const subscriptionsStream: ListStream<Subscription> = {
  kind: 'list',
  name: 'subscriptions',
  endpoint: 'default',
  recordKey: (subscription) => subscription.id,
  cursorField: (subscription) => new Date(subscription.created_at).toISOString(),
  // gte, not gt: a subscription created in the same instant as the cursor is read again, not lost.
  list: (orb, cursor) => orb.subscriptions.list({ limit: 100, ...(cursor ? { 'created_at[gte]': cursor } : {}) }),
  rereads: [(orb) => orb.subscriptions.list({ limit: 100, status: 'active' }), (orb) => orb.subscriptions.list({ limit: 100, status: 'upcoming' })],
  // Known subscriptions that were not ended, but no longer active or upcoming: they ended since.
  stale: {
    keys: async (ctx, seen) => {
      const rows = await ctx.destination.db.selectFrom('raw_subscriptions_latest').select('subscription_id').where('status', '<>', 'ended').execute();
      return rows.map((row) => row.subscription_id).filter((id) => !seen.has(id));
    },
    fetch: (orb, id) => orb.subscriptions.fetch(id),
  },
  toVersions: (subscription) => {
    const s = subscriptionShape.parse(subscription);
    return [
      version(RAW_SUBSCRIPTIONS, {
          subscription_id: s.id,
          customer_id: s.customer.id,
          external_customer_id: s.customer.external_customer_id,
          customer_name: s.customer.name,
          customer_timezone: s.customer.timezone,
          plan_id: s.plan?.id ?? null,
          plan_name: s.plan?.name ?? null,
          currency: (s.plan?.currency ?? s.customer.currency)!,
          status: s.status,
          start_date: s.start_date,
          end_date: s.end_date,
          created_at: s.created_at,
          payload: canonicalJson(subscription),
      }),
      customerVersion(subscription.customer),
      ...(subscription.price_intervals ?? []).map((interval) => priceVersion(interval.price)),
    ];
  },
};
