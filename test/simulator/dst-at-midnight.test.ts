/**
 * A customer in America/Santiago across 2026-09-06, when DST starts at local midnight: 00:00 -04
 * becomes 01:00 -03, so that day starts at 04:00Z and lasts 23 hours. The ground truth and the costs
 * and usage endpoints must give it exactly one window per price and per metric.
 */
import { expect, it } from 'vitest';
import { canonicalDecimal } from '../../src/util/decimal.js';
import { start, type Running } from './helpers.js';

const NOW = '2026-10-01T12:00:00Z';
// The local days around the change and their windows, worked out by hand.
const DAYS = [
  { day: '2026-09-05', start: '2026-09-05T04:00:00Z', end: '2026-09-06T04:00:00Z' },
  { day: '2026-09-06', start: '2026-09-06T04:00:00Z', end: '2026-09-07T03:00:00Z' },
  { day: '2026-09-07', start: '2026-09-07T03:00:00Z', end: '2026-09-08T03:00:00Z' },
];
const FROM = DAYS[0]!.start;
const TO = DAYS[DAYS.length - 1]!.end;
const timeframe = { timeframe_start: FROM, timeframe_end: TO, view_mode: 'periodic' };
const byKey = (a: string[], b: string[]) => a.join(' ').localeCompare(b.join(' '));

/** The Santiago subscriptions active over all three days. */
function acrossTheChange(r: Running) {
  const subscriptions = r.sim.truth
    .subscriptions()
    .filter((s) => s.timezone === 'America/Santiago' && s.start_date <= FROM && (s.end_date === null || s.end_date >= TO));
  expect(subscriptions.length).toBeGreaterThan(0);
  return subscriptions;
}

async function data(r: Running, path: string, query: Record<string, string>): Promise<any[]> {
  const response = await r.get(`/v1${path}?${new URLSearchParams(query)}`);
  expect(response.status).toBe(200);
  return response.body.data;
}

it('costs: one truth row per local day and price, and the costs endpoint starts 2026-09-06 at 04:00Z', async () => {
  const r = await start({ seed: 7, now: NOW, days: 120 });
  const truth = r.sim.truth.dailyCosts();
  for (const s of acrossTheChange(r)) {
    const windows = await data(r, `/subscriptions/${s.id}/costs`, timeframe);
    expect(windows.map((w) => [w.timeframe_start, w.timeframe_end])).toEqual(DAYS.map((d) => [d.start, d.end]));
    const served = DAYS.flatMap((d, i) => windows[i].per_price_costs.map((p: any) => [d.day, p.price_id, canonicalDecimal(p.total)]));
    const rows = truth.filter((row) => row.subscription_id === s.id && DAYS.some((d) => d.day === row.day));
    expect(rows.length).toBeGreaterThanOrEqual(DAYS.length);
    expect(rows.map((row) => [row.day, row.price_id, row.total]).sort(byKey)).toEqual(served.sort(byKey));
    expect(new Set(rows.map((row) => `${row.day} ${row.price_id}`)).size).toBe(rows.length);
  }
});

it('usage: one truth row per local day and metric, equal to the usage endpoint\'s day windows', async () => {
  const r = await start({ seed: 7, now: NOW, days: 120 });
  const truth = r.sim.truth.dailyUsage();
  for (const s of acrossTheChange(r)) {
    const metrics = await data(r, `/subscriptions/${s.id}/usage`, { ...timeframe, granularity: 'day' });
    expect(metrics.length).toBeGreaterThan(0);
    for (const metric of metrics) expect(metric.usage.map((w: any) => [w.timeframe_start, w.timeframe_end])).toEqual(DAYS.map((d) => [d.start, d.end]));
    const served = metrics.flatMap((metric) => metric.usage.map((w: any, i: number) => [DAYS[i]!.day, metric.billable_metric.id, String(w.quantity)]));
    const rows = truth.filter((row) => row.subscription_id === s.id && DAYS.some((d) => d.day === row.day));
    expect(rows.length).toBe(DAYS.length * metrics.length);
    expect(rows.map((row) => [row.day, row.billable_metric_id, row.quantity]).sort(byKey)).toEqual(served.sort(byKey));
  }
});
