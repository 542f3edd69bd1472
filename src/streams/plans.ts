import type { Plan } from 'orb-billing/resources/plans/plans';
import { z } from 'zod';
import { RAW_PLAN_PRICES, RAW_PLANS } from '../schema/staging.js';
import { canonicalJson } from '../util/hash.js';
import { instant } from './fields.js';
import { priceVersion } from './prices.js';
import { childRows, version, type ListStream } from './stream.js';

const planShape = z.object({
  id: z.string().min(1),
  external_plan_id: z.string().nullish(),
  name: z.string().nullish(),
  currency: z.string().nullish(),
  status: z.string().nullish(),
  created_at: instant.nullish(),
  prices: z.array(z.object({ id: z.string().min(1) }).loose()),
});

/** Every plan with its prices, the whole list each sync; a plan gets a new version only when it changed. */
export const plansStream: ListStream<Plan> = {
  kind: 'list',
  name: 'plans',
  endpoint: 'default',
  recordKey: (plan) => plan.id,
  list: (orb) => orb.plans.list({ limit: 100 }),
  rereads: [],
  toVersions: (raw) => {
    const plan = planShape.parse(raw);
    return [
      version(
        RAW_PLANS,
        {
          plan_id: plan.id,
          external_plan_id: plan.external_plan_id ?? null,
          name: plan.name ?? null,
          currency: plan.currency ?? null,
          status: plan.status ?? null,
          created_at: plan.created_at ?? null,
          payload: canonicalJson(raw),
        },
        childRows(RAW_PLAN_PRICES, plan.prices.map((price) => ({ plan_id: plan.id, price_id: price.id }))),
      ),
      ...plan.prices.map(priceVersion),
    ];
  },
};
