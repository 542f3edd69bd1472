import type { Subscription } from 'orb-billing/resources/subscriptions';
import { z } from 'zod';
import type { TableShape } from '../destinations/destination.js';
import { isValidTimeZone } from '../util/time-zone.js';
import { contentHash } from './hash.js';
import type { ListStream } from './stream.js';

export const RAW_SUBSCRIPTIONS: TableShape = {
  name: 'raw_subscriptions',
  columns: [
    { name: 'run_id', type: 'bigint' },
    { name: 'load_id', type: 'bigint' },
    { name: 'extracted_at', type: 'timestamptz' },
    { name: 'subscription_id', type: 'text' },
    { name: 'customer_id', type: 'text' },
    { name: 'external_customer_id', type: 'text' },
    { name: 'customer_name', type: 'text' },
    { name: 'customer_timezone', type: 'text' },
    { name: 'plan_id', type: 'text' },
    { name: 'plan_name', type: 'text' },
    { name: 'currency', type: 'text' },
    { name: 'status', type: 'text' },
    { name: 'start_date', type: 'timestamptz' },
    { name: 'end_date', type: 'timestamptz' },
    { name: 'created_at', type: 'timestamptz' },
    { name: 'content_hash', type: 'text' },
    { name: 'payload', type: 'json' },
  ],
};

/** The fields orb-sync relies on; the rest of the object is kept verbatim in `payload`. */
const subscriptionShape = z.object({
  id: z.string().min(1),
  status: z.enum(['active', 'ended', 'upcoming']),
  start_date: z.iso.datetime({ offset: true }),
  end_date: z.iso.datetime({ offset: true }).nullable(),
  created_at: z.iso.datetime({ offset: true }),
  customer: z.object({
    id: z.string().min(1),
    external_customer_id: z.string().nullable(),
    name: z.string().nullable(),
    currency: z.string().nullable(),
    timezone: z.string().refine(isValidTimeZone, 'unknown time zone'),
  }),
  plan: z.object({ id: z.string(), name: z.string().nullable(), currency: z.string().min(1) }).nullable(),
}).refine((s) => s.plan?.currency ?? s.customer.currency, 'neither the plan nor the customer has a currency');

export const subscriptionsStream: ListStream<Subscription> = {
  name: 'subscriptions',
  endpoint: 'default',
  table: RAW_SUBSCRIPTIONS,
  keyColumn: 'subscription_id',
  cursorField: (subscription) => new Date(subscription.created_at).toISOString(),
  // gte, not gt: a subscription created in the same instant as the cursor is read again, not lost.
  list: (orb, cursor) => orb.subscriptions.list({ limit: 100, ...(cursor ? { 'created_at[gte]': cursor } : {}) }),
  rereads: [(orb) => orb.subscriptions.list({ limit: 100, status: 'active' }), (orb) => orb.subscriptions.list({ limit: 100, status: 'upcoming' })],
  // Known subscriptions that were not ended, but no longer active or upcoming: they ended since.
  staleKeys: async (ctx, seen) => {
    const rows = await ctx.destination.query<{ subscription_id: string }>(
      "select subscription_id from stg_subscriptions where status <> 'ended'",
    );
    return rows.map((row) => row.subscription_id).filter((id) => !seen.has(id));
  },
  fetchOne: (orb, id) => orb.subscriptions.fetch(id),
  toGroup: (subscription, ctx) => {
    const s = subscriptionShape.parse(subscription);
    const values = [
      s.id, s.customer.id, s.customer.external_customer_id, s.customer.name, s.customer.timezone,
      s.plan?.id ?? null, s.plan?.name ?? null, s.plan?.currency ?? s.customer.currency, s.status,
      new Date(s.start_date), s.end_date ? new Date(s.end_date) : null, new Date(s.created_at),
    ];
    const hash = contentHash(subscription);
    return {
      key: s.id,
      hash,
      rows: new Map([[RAW_SUBSCRIPTIONS, [[ctx.startedAt, ...values, hash, JSON.stringify(subscription)]]]]),
    };
  },
};
