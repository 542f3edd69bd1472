/**
 * GET /subscriptions/{id}/usage against Orb's documented semantics (local-day windows, clipping,
 * periodic vs cumulative, grouping) and the ground truth; late events within the grace period.
 */
import { describe, expect, it } from 'vitest';
import { add, compare, parseDecimal, sum, ZERO, type Decimal } from '../../src/util/decimal.js';
import { NOW, start, type Running } from './helpers.js';
import { accountOf, type Shape } from './listing.js';

const ERRORS = 'https://docs.withorb.com/reference/error-responses';
const REGIONS = ['ap-south-1', 'eu-west-1', 'us-east-1'];
const DAY_MS = 86_400_000;
const DEFAULT_SHAPE: Shape = { seed: 1, customers: 12, subscriptions: 30, days: 120 }; // what start() serves

/** The local calendar date of an instant, computed independently of the simulator's helpers. */
function localDate(instant: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));
}

const q = (quantity: number): Decimal => parseDecimal(String(quantity));
const same = (a: Decimal, b: Decimal) => compare(a, b) === 0;

async function usage(r: Running, id: string, query: Record<string, string> = {}): Promise<any[]> {
  const response = await r.get(`/v1/subscriptions/${id}/usage?${new URLSearchParams(query)}`);
  expect(response.status).toBe(200);
  return response.body.data;
}

/** Subscriptions with some history at NOW (upcoming ones have none). */
function started(r: Running) {
  return r.sim.truth.subscriptions().filter((s) => s.status !== 'upcoming');
}

async function currentPeriodStart(r: Running, id: string): Promise<string> {
  return (await r.get(`/v1/subscriptions/${id}`)).body.current_billing_period_start_date;
}

const history = (s: { start_date: string }) => ({ granularity: 'day', timeframe_start: s.start_date, timeframe_end: NOW });

/** Whether local date `day` starts a billing period anchored on `cycleDay` (clamped in short months). */
function startsPeriod(day: string, cycleDay: number): boolean {
  const [year, month] = day.split('-').map(Number) as [number, number];
  const monthLength = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return Number(day.slice(8, 10)) === Math.min(cycleDay, monthLength);
}

describe('daily usage', () => {
  it('periodic daily usage equals the ground truth, day by day, for every subscription and metric', async () => {
    const r = await start();
    const expected = new Map<string, { day: string; quantity: string }[]>();
    for (const row of r.sim.truth.dailyUsage()) {
      const key = `${row.subscription_id} ${row.billable_metric_id}`;
      expected.set(key, [...(expected.get(key) ?? []), { day: row.day, quantity: row.quantity }]);
    }
    let compared = 0;
    for (const s of started(r)) {
      const data = await usage(r, s.id, { ...history(s), view_mode: 'periodic' });
      expect(data.length).toBeGreaterThan(0);
      for (const record of data) {
        expect(record.view_mode).toBe('periodic');
        const actual = record.usage.map((w: any) => ({ day: localDate(w.timeframe_start, s.timezone), quantity: String(w.quantity) }));
        expect(actual).toEqual(expected.get(`${s.id} ${record.billable_metric.id}`));
        expected.delete(`${s.id} ${record.billable_metric.id}`);
        compared += actual.length;
      }
    }
    expect(expected.size).toBe(0); // every truth series was served
    expect(compared).toBeGreaterThan(1000);
  });

  it('Σ periodic over a billing period equals the cumulative usage of its last window, and cumulative is the running sum', async () => {
    const r = await start();
    let completePeriods = 0;
    for (const s of started(r)) {
      const cycleDay = (await r.get(`/v1/subscriptions/${s.id}`)).body.billing_cycle_day;
      const periodic = await usage(r, s.id, { ...history(s), view_mode: 'periodic' });
      const cumulative = await usage(r, s.id, { ...history(s), view_mode: 'cumulative' });
      expect(cumulative.map((m) => m.billable_metric.id)).toEqual(periodic.map((m) => m.billable_metric.id));
      periodic.forEach((metric, i) => {
        const totals = cumulative[i].usage;
        expect(cumulative[i].view_mode).toBe('cumulative');
        expect(totals.map((w: any) => [w.timeframe_start, w.timeframe_end])).toEqual(metric.usage.map((w: any) => [w.timeframe_start, w.timeframe_end]));
        let running = ZERO;
        metric.usage.forEach((w: any, k: number) => {
          const day = localDate(w.timeframe_start, s.timezone);
          if (k > 0 && startsPeriod(day, cycleDay)) {
            expect(same(running, q(totals[k - 1].quantity))).toBe(true); // the finished period's last window
            running = ZERO;
            if (i === 0) completePeriods++;
          }
          running = add(running, q(w.quantity));
          expect(same(running, q(totals[k].quantity))).toBe(true);
        });
      });
    }
    expect(completePeriods).toBeGreaterThan(10);
  });

  it('cumulative usage counts from the billing period start even when the timeframe starts mid-period', async () => {
    const r = await start();
    // A subscription past its first period whose current period began at least 4 days ago.
    const candidates = started(r).filter((x) => x.status === 'active' && Date.parse(NOW) - Date.parse(x.start_date) > 40 * DAY_MS);
    const periodStarts = await Promise.all(candidates.map((x) => currentPeriodStart(r, x.id)));
    const k = periodStarts.findIndex((p) => Date.parse(NOW) - Date.parse(p) > 4 * DAY_MS);
    const [s, current] = [candidates[k]!, periodStarts[k]!];
    const daily = await usage(r, s.id, { ...history(s), view_mode: 'periodic' });
    const fromPeriod = daily[0].usage.findIndex((w: any) => w.timeframe_start === current);
    expect(fromPeriod).toBeGreaterThan(0);
    const later = daily[0].usage[fromPeriod + 3].timeframe_start;
    const cumulative = await usage(r, s.id, { granularity: 'day', timeframe_start: later, timeframe_end: NOW, view_mode: 'cumulative' });
    daily.forEach((metric, i) => {
      const upToLater = metric.usage.slice(fromPeriod, metric.usage.findIndex((w: any) => w.timeframe_start === later) + 1);
      expect(cumulative[i].usage[0].timeframe_start).toBe(later);
      expect(same(q(cumulative[i].usage[0].quantity), sum(upToLater.map((w: any) => q(w.quantity))))).toBe(true);
    });
  });

  it('grouped by region: one record per region, and per day the groups sum to the ungrouped quantity, in both view modes', async () => {
    const r = await start();
    const s = started(r).sort((a, b) => Date.parse(a.start_date) - Date.parse(b.start_date))[0]!;
    for (const view_mode of ['periodic', 'cumulative']) {
      const ungrouped = await usage(r, s.id, { ...history(s), view_mode });
      for (const metric of ungrouped) {
        const response = await r.get(
          `/v1/subscriptions/${s.id}/usage?${new URLSearchParams({ ...history(s), view_mode, billable_metric_id: metric.billable_metric.id, group_by: 'region' })}`,
        );
        expect(response.status).toBe(200);
        expect(response.body.pagination_metadata).toBeNull();
        const groups = response.body.data;
        expect(groups.map((g: any) => g.metric_group)).toEqual(REGIONS.map((value) => ({ property_key: 'region', property_value: value })));
        for (const g of groups) {
          expect(g.billable_metric).toEqual(metric.billable_metric);
          expect(g.view_mode).toBe(view_mode);
        }
        metric.usage.forEach((w: any, k: number) => {
          for (const g of groups) expect([g.usage[k].timeframe_start, g.usage[k].timeframe_end]).toEqual([w.timeframe_start, w.timeframe_end]);
          expect(same(sum(groups.map((g: any) => q(g.usage[k].quantity))), q(w.quantity))).toBe(true);
        });
      }
    }
  });

  it('dailyUsageByGroup() equals every grouped daily series the endpoint serves, less the zeros of values without events that day', async () => {
    const r = await start();
    const truth = r.sim.truth.dailyUsageByGroup('region');
    const served: unknown[] = [];
    let zeros = 0;
    for (const s of started(r)) {
      for (const metric of await usage(r, s.id, history(s))) {
        const metricId = metric.billable_metric.id;
        const groups = await usage(r, s.id, { ...history(s), billable_metric_id: metricId, group_by: 'region' });
        for (const group of groups) {
          for (const w of group.usage) {
            if (w.quantity === 0) zeros++;
            else {
              const day = localDate(w.timeframe_start, s.timezone);
              served.push({ day, subscription_id: s.id, billable_metric_id: metricId, group_key: 'region', group_value: group.metric_group.property_value, quantity: String(w.quantity) });
            }
          }
        }
      }
    }
    const order = (rows: any[]) => rows.map((row) => JSON.stringify(row)).sort();
    expect(order(truth)).toEqual(order(served));
    expect(truth.length).toBeGreaterThan(1000);
    expect(zeros).toBeGreaterThan(0); // the zeros left out are real
    // Per day and metric the groups add up to the ungrouped truth (every generated event has a region).
    const totals = new Map<string, Decimal>();
    for (const row of truth) {
      const key = `${row.day} ${row.subscription_id} ${row.billable_metric_id}`;
      totals.set(key, add(totals.get(key) ?? ZERO, parseDecimal(row.quantity)));
    }
    for (const row of r.sim.truth.dailyUsage()) {
      expect(same(totals.get(`${row.day} ${row.subscription_id} ${row.billable_metric_id}`) ?? ZERO, parseDecimal(row.quantity))).toBe(true);
    }
  });

  it('dailyUsageByGroup() groups by any property, counts ingested events, and has no rows for a property no event carries', async () => {
    const r = await start();
    expect(r.sim.truth.dailyUsageByGroup('tier')).toEqual([]);
    const s = started(r).find((x) => x.status === 'active')!;
    const [{ billable_metric: billed }] = await usage(r, s.id);
    const metric = accountOf(DEFAULT_SHAPE).catalogue.metrics.find((m) => m.id === billed.id)!;
    const at = new Date(Date.parse(NOW) - 3_600_000).toISOString();
    const event = { idempotency_key: 'tiered-1', customer_id: s.customer_id, event_name: metric.eventName, timestamp: at, properties: { [metric.property]: 7, tier: 'gold' } };
    expect((await r.post('/v1/ingest', { events: [event] })).status).toBe(200);

    const truth = r.sim.truth.dailyUsageByGroup('tier');
    expect(truth).toContainEqual({ day: localDate(at, s.timezone), subscription_id: s.id, billable_metric_id: metric.id, group_key: 'tier', group_value: 'gold', quantity: '7' });
    // Every subscription of the customer that bills the metric counts it, as the endpoint does.
    for (const row of truth) {
      const subscription = started(r).find((x) => x.id === row.subscription_id)!;
      const [group] = await usage(r, row.subscription_id, { ...history(subscription), billable_metric_id: row.billable_metric_id, group_by: 'tier' });
      const served = group.usage.filter((w: any) => w.quantity !== 0);
      expect(served.map((w: any) => [localDate(w.timeframe_start, subscription.timezone), String(w.quantity)])).toEqual([[row.day, row.quantity]]);
    }
  });

  it('grouping by a property no event carries gives no groups', async () => {
    const r = await start();
    const s = started(r)[0]!;
    const metric = (await usage(r, s.id))[0].billable_metric.id;
    expect(await usage(r, s.id, { billable_metric_id: metric, group_by: 'cluster' })).toEqual([]);
  });
});

describe('windows', () => {
  it("an Asia/Kolkata customer's daily windows start at local midnight, 18:30Z; the last one ends now", async () => {
    const r = await start();
    const s = started(r).find((x) => x.timezone === 'Asia/Kolkata' && x.status === 'active')!;
    const [metric] = await usage(r, s.id, { granularity: 'day' });
    expect(metric.usage.length).toBeGreaterThan(1);
    for (const w of metric.usage) expect(w.timeframe_start).toMatch(/T18:30:00Z$/);
    for (const w of metric.usage.slice(0, -1)) expect(w.timeframe_end).toMatch(/T18:30:00Z$/);
    expect(metric.usage.at(-1).timeframe_end).toBe(NOW);
  });

  it("a custom timeframe not at midnight gives clipped first and last windows, as in Orb's Los Angeles example", async () => {
    const r = await start();
    const [from, to] = ['2025-03-10T05:00:00Z', '2025-03-13T01:00:00Z'];
    const s = started(r).find(
      (x) => x.timezone === 'America/Los_Angeles' && x.start_date <= from && (x.end_date === null || x.end_date >= to),
    )!;
    const daily = await usage(r, s.id, { granularity: 'day', timeframe_start: from, timeframe_end: to });
    // Daylight time since 2025-03-09: local midnight is 07:00Z.
    const expected = [
      [from, '2025-03-10T07:00:00Z'],
      ['2025-03-10T07:00:00Z', '2025-03-11T07:00:00Z'],
      ['2025-03-11T07:00:00Z', '2025-03-12T07:00:00Z'],
      ['2025-03-12T07:00:00Z', to],
    ];
    const whole = await usage(r, s.id, { timeframe_start: from, timeframe_end: to });
    daily.forEach((metric, i) => {
      expect(metric.usage.map((w: any) => [w.timeframe_start, w.timeframe_end])).toEqual(expected);
      // Without a granularity the timeframe is one window holding the days' total.
      expect(whole[i].usage).toEqual([{ quantity: metric.usage.reduce((n: number, w: any) => n + w.quantity, 0), timeframe_start: from, timeframe_end: to }]);
    });
  });

  it('by default one periodic window per metric covers the current billing period up to now', async () => {
    const r = await start();
    const s = started(r).find((x) => x.status === 'active')!;
    const current = await currentPeriodStart(r, s.id);
    const data = await usage(r, s.id);
    expect(data.length).toBeGreaterThan(0);
    for (const metric of data) {
      expect(metric.view_mode).toBe('periodic');
      expect(metric.usage).toEqual([{ quantity: expect.any(Number), timeframe_start: current, timeframe_end: NOW }]);
    }
  });

  it("an ended subscription's default timeframe is its last billing period, ending with the subscription", async () => {
    const r = await start();
    const s = started(r).find((x) => x.status === 'ended')!;
    const [metric] = await usage(r, s.id, { granularity: 'day' });
    expect(metric.usage.at(-1).timeframe_end).toBe(s.end_date);
    expect(Date.parse(metric.usage[0].timeframe_start)).toBeGreaterThanOrEqual(Date.parse(s.start_date));
  });
});

describe('validation', () => {
  it('bad parameter combinations are 400 request validation errors; unknown subscriptions and metrics 404', async () => {
    const r = await start();
    const s = started(r)[0]!;
    const metric = (await usage(r, s.id))[0].billable_metric.id;
    const bad: Record<string, string>[] = [
      { group_by: 'region' },
      { billable_metric_id: metric },
      { timeframe_start: '2025-03-01T00:00:00Z' },
      { timeframe_end: '2025-03-01T00:00:00Z' },
      { granularity: 'hour' },
      { view_mode: 'daily' },
      { timeframe_start: 'yesterday', timeframe_end: NOW },
    ];
    for (const query of bad) {
      const response = await r.get(`/v1/subscriptions/${s.id}/usage?${new URLSearchParams(query)}`);
      expect(response.status, JSON.stringify(query)).toBe(400);
      expect(response.body).toMatchObject({ type: `${ERRORS}#400-request-validation-errors`, status: 400, validation_errors: [expect.any(String)] });
    }
    const reversed = await r.get(`/v1/subscriptions/${s.id}/usage?timeframe_start=${NOW}&timeframe_end=2025-03-01T00:00:00Z`);
    expect(reversed.body).toMatchObject({ type: `${ERRORS}#400-constraint-violation`, status: 400 });
    expect((await r.get('/v1/subscriptions/sub_missing/usage')).body).toMatchObject({ type: `${ERRORS}#404-resource-not-found`, status: 404 });
    const unknownMetric = await r.get(`/v1/subscriptions/${s.id}/usage?billable_metric_id=bm_missing&group_by=region`);
    expect(unknownMetric.body).toMatchObject({ type: `${ERRORS}#404-resource-not-found`, status: 404 });
  });
});

describe('late events', () => {
  const YESTERDAY = { timeframe_start: '2025-03-14T00:00:00Z', timeframe_end: '2025-03-15T00:00:00Z' };
  const RECENT_HOURS = '/v1/events/volume?timeframe_start=2025-03-14T22:00:00Z';

  it("within the 12-hour grace period late events raise yesterday's usage and past hours' volume, never lower them", async () => {
    const r = await start();
    const subscriptions = started(r).filter(
      (s) => s.start_date < YESTERDAY.timeframe_end && (s.end_date === null || s.end_date > YESTERDAY.timeframe_start),
    );
    const before = new Map<string, any[]>();
    for (const s of subscriptions) before.set(s.id, await usage(r, s.id, YESTERDAY));
    const volumeBefore = (await r.get(RECENT_HOURS)).body.data;

    r.sim.clock.advance({ hours: 12 });
    let grew = 0;
    for (const s of subscriptions) {
      const after = await usage(r, s.id, YESTERDAY);
      after.forEach((metric, i) => {
        const [was, is] = [before.get(s.id)![i].usage[0].quantity, metric.usage[0].quantity];
        expect(is).toBeGreaterThanOrEqual(was);
        if (is > was) grew++;
      });
    }
    expect(grew).toBeGreaterThan(0);
    const volumeAfter = (await r.get(`${RECENT_HOURS}&timeframe_end=${NOW}`)).body.data;
    expect(volumeAfter.map((h: any) => h.timeframe_start)).toEqual(volumeBefore.map((h: any) => h.timeframe_start));
    volumeAfter.forEach((h: any, k: number) => expect(h.count).toBeGreaterThanOrEqual(volumeBefore[k].count));
    expect(volumeAfter.some((h: any, k: number) => h.count > volumeBefore[k].count)).toBe(true);
  });

  it('nothing older than the grace period changes when the clock advances', async () => {
    const r = await start();
    const settled = '2025-03-14T22:00:00Z'; // NOW - 12 h
    const snapshot = async () => {
      const usages = [];
      for (const s of started(r).filter((x) => x.start_date < settled)) {
        usages.push(await usage(r, s.id, { granularity: 'day', timeframe_start: s.start_date, timeframe_end: settled }));
      }
      const volume = (await r.get(`/v1/events/volume?timeframe_start=2025-03-11T00:00:00Z&timeframe_end=${settled}&limit=100`)).body;
      return { usages, volume };
    };
    const before = await snapshot();
    for (const hours of [1, 5, 6, 30]) {
      r.sim.clock.advance({ hours });
      expect(await snapshot()).toEqual(before);
    }
  });
});
