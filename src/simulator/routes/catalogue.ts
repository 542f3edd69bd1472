/**
 * GET /plans and GET /prices, newest first. Orb's /prices lists only add-on prices (those created
 * on their own through the price endpoint), never the prices that belong to a plan.
 */
import { compareNewestFirst } from '../account.js';
import type { PlanDef, PriceDef } from '../plans.js';
import { planJson, priceJson } from '../shapes.js';
import type { RouteContext } from './context.js';
import { newestFirst, paginate } from './pagination.js';
import { instantRange, oneOf } from './query.js';

const PLAN_STATUSES = ['active', 'archived', 'draft'] as const;

export function listPlans(ctx: RouteContext, query: URLSearchParams): unknown {
  // Every simulated plan is active (see planJson), so no filter and status=active list the same plans.
  const status = oneOf(query, 'status', PLAN_STATUSES, 'active');
  const createdAtMatches = instantRange(query, 'created_at');
  const matching = ctx.account.plans
    .filter((plan) => status === 'active' && createdAtMatches(plan.createdAt.getTime()))
    .sort(compareNewestFirst);
  return paginate(matching, query, newestFirst<PlanDef>(), 2, planJson);
}

export function listPrices(ctx: RouteContext, query: URLSearchParams): unknown {
  const addOns = [...ctx.account.catalogue.addOnPrices].sort(compareNewestFirst);
  return paginate(addOns, query, newestFirst<PriceDef>(), 2, priceJson);
}
