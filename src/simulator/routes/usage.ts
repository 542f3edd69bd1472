/**
 * GET /subscriptions/{id}/usage: a subscription's usage per billable metric, or one metric grouped
 * by an event property, over the current billing period or a custom timeframe, as one window or
 * in windows of the customer's local days, periodic or cumulative.
 */
import { formatDecimal, ZERO } from '../../util/decimal.js';
import type { SubscriptionRecord } from '../account.js';
import { constraintViolation, requestValidationError, resourceNotFound } from '../orb-errors.js';
import type { Metric } from '../plans.js';
import { iso } from '../shapes.js';
import {
  dayWindows,
  groupMeasure,
  metricsMeasure,
  subscriptionMetrics,
  VIEW_MODES,
  wholeWindow,
  windowQuantities,
  type ViewMode,
  type WindowQuantities,
} from '../subscription-usage.js';
import { findSubscription, type RouteContext } from './context.js';
import { defaultStart } from './costs.js';
import { oneOf, optionalInstant } from './query.js';

/** Both bounds or neither; by default the current billing period (or an ended one's last) up to now. */
function timeframe(subscription: SubscriptionRecord, query: URLSearchParams, now: Date): { from: Date; to: Date } {
  const from = optionalInstant(query, 'timeframe_start');
  const to = optionalInstant(query, 'timeframe_end');
  if (from === null && to === null) return { from: defaultStart(subscription, now), to: now };
  if (from === null || to === null) throw requestValidationError('timeframe_start and timeframe_end must be specified together');
  if (from.getTime() > to.getTime()) throw constraintViolation('timeframe_start must not be after timeframe_end');
  return { from, to };
}

/** `day` windows the usage by local day; absent, the whole timeframe is one window. */
function windowsOf(subscription: SubscriptionRecord, query: URLSearchParams, from: Date, to: Date) {
  const granularity = query.get('granularity');
  if (granularity === null || granularity === '') return wholeWindow(subscription, from, to);
  if (granularity !== 'day') throw requestValidationError(`granularity: must be day, got ${JSON.stringify(granularity)}`);
  return dayWindows(subscription, from, to);
}

/** The metric and property to group by, or null; Orb requires billable_metric_id and group_by together. */
function grouping(subscription: SubscriptionRecord, query: URLSearchParams): { metric: Metric; property: string } | null {
  const metricId = query.get('billable_metric_id') || null;
  const property = query.get('group_by') || null;
  if (metricId === null && property === null) return null;
  if (metricId === null || property === null) throw requestValidationError('billable_metric_id and group_by must be specified together');
  const metric = subscriptionMetrics(subscription).find((m) => m.id === metricId);
  if (!metric) throw resourceNotFound(`Billable metric ${metricId} is not billed by subscription ${subscription.id}`);
  return { metric, property };
}

function usageJson(windows: readonly WindowQuantities[], series: string): unknown[] {
  return windows.map(({ window, quantities }) => ({
    quantity: Number(formatDecimal(quantities.get(series) ?? ZERO)),
    timeframe_start: iso(window.start),
    timeframe_end: iso(window.end),
  }));
}

export function fetchSubscriptionUsage(ctx: RouteContext, id: string, query: URLSearchParams): unknown {
  const subscription = findSubscription(ctx, id);
  const { from, to } = timeframe(subscription, query, ctx.now);
  const windows = windowsOf(subscription, query, from, to);
  const mode: ViewMode = oneOf(query, 'view_mode', VIEW_MODES, 'periodic');
  const group = grouping(subscription, query);
  const now = ctx.now.getTime();

  if (group === null) {
    const metrics = subscriptionMetrics(subscription);
    const quantities = [...windowQuantities(subscription, windows, mode, metricsMeasure(ctx.state, subscription, metrics, now))];
    return {
      data: metrics.map((m) => ({ billable_metric: { id: m.id, name: m.name }, usage: usageJson(quantities, m.id), view_mode: mode })),
    };
  }

  const { metric, property } = group;
  const quantities = [...windowQuantities(subscription, windows, mode, groupMeasure(ctx.state, subscription, metric, property, now))];
  // One record per property value seen in any window, each with every window (zero where absent).
  const values = [...new Set(quantities.flatMap((w) => [...w.quantities.keys()]))].sort();
  return {
    data: values.map((value) => ({
      billable_metric: { id: metric.id, name: metric.name },
      metric_group: { property_key: property, property_value: value },
      usage: usageJson(quantities, value),
      view_mode: mode,
    })),
    pagination_metadata: null, // Orb pages beyond 1000 groups; a property here has only a handful of values
  };
}
