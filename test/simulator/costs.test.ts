/**
 * GET /subscriptions/{id}/costs against Orb's documented semantics: local days, billing periods,
 * cumulative vs periodic views, minimums, and agreement with the ground truth.
 */
import { describe, expect, it } from 'vitest';
import { add, canonicalDecimal, compare, formatDecimal, max, multiply, parseDecimal, subtract, sum, ZERO, type Decimal } from '../../src/util/decimal.js';
import { periodicCostRows, start, type Running } from './helpers.js';

const DAY_MS = 86_400_000;

/** Local wall-clock time of an instant, computed independently of the simulator's helpers. */
function local(instant: string, timeZone: string): { date: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

const d = (text: string | null | undefined): Decimal => (text ? parseDecimal(text) : ZERO);
const eq = (a: Decimal, b: Decimal) => compare(a, b) === 0;

async function costs(r: Running, id: string, query: Record<string, string> = {}): Promise<any[]> {
  const response = await r.get(`/v1/subscriptions/${id}/costs?${new URLSearchParams(query)}`);
  expect(response.status).toBe(200);
  return response.body.data;
}

async function subscription(r: Running, id: string): Promise<any> {
  return (await r.get(`/v1/subscriptions/${id}`)).body;
}

/** Tiered amount from the price's published tier table. */
function tiered(quantity: number, tiers: Array<{ first_unit: number; last_unit: number | null; unit_amount: string }>): Decimal {
  return sum(
    tiers.map((t) => {
      const units = Math.max(0, Math.min(quantity, t.last_unit ?? Infinity) - t.first_unit);
      return multiply(parseDecimal(String(units)), parseDecimal(t.unit_amount));
    }),
  );
}

describe('cost windows are local days', () => {
  it("an Asia/Kolkata customer's days start at 18:30Z", async () => {
    const r = await start();
    const subs = r.sim.truth.subscriptions().filter((s) => s.timezone === 'Asia/Kolkata' && s.status === 'active');
    const growth = [];
    for (const s of subs) if ((await subscription(r, s.id)).plan.name === 'Growth') growth.push(s);
    expect(growth.length).toBeGreaterThan(0);
    const windows = await costs(r, growth[0]!.id, { view_mode: 'periodic', timeframe_start: growth[0]!.start_date });
    expect(windows.length).toBeGreaterThan(1);
    for (const w of windows) {
      expect(w.timeframe_start).toMatch(/T18:30:00Z$/);
      expect(w.timeframe_end).toMatch(/T18:30:00Z$/);
      expect(Date.parse(w.timeframe_end) - Date.parse(w.timeframe_start)).toBe(DAY_MS);
    }
    const cumulative = await costs(r, growth[0]!.id);
    for (const w of cumulative) expect(w.timeframe_start).toMatch(/T18:30:00Z$/);
  });

  it('every window of every subscription spans one local day, from local midnight to local midnight (23 h on a DST day)', async () => {
    const r = await start();
    const lengths = new Map<string, Set<number>>();
    for (const s of r.sim.truth.subscriptions()) {
      const windows = await costs(r, s.id, { view_mode: 'periodic', timeframe_start: s.start_date });
      for (const w of windows) {
        const from = local(w.timeframe_start, s.timezone);
        const to = local(w.timeframe_end, s.timezone);
        expect([from.time, to.time]).toEqual(['00:00', '00:00']);
        expect(Date.parse(to.date) - Date.parse(from.date)).toBe(DAY_MS);
        lengths.set(s.timezone, (lengths.get(s.timezone) ?? new Set()).add(Date.parse(w.timeframe_end) - Date.parse(w.timeframe_start)));
      }
    }
    // Los Angeles moved to daylight time on 2025-03-09, inside the history.
    expect(lengths.get('America/Los_Angeles')).toEqual(new Set([DAY_MS, DAY_MS - 3_600_000]));
    expect(lengths.get('UTC')).toEqual(new Set([DAY_MS]));
  });

  it('a day when clocks fall back lasts 25 hours', async () => {
    const r = await start({ now: '2024-12-01T00:00:00Z', days: 60, subscriptions: 60 });
    const long = new Map<string, number>();
    for (const s of r.sim.truth.subscriptions()) {
      for (const w of await costs(r, s.id, { timeframe_start: s.start_date, view_mode: 'periodic' })) {
        if (Date.parse(w.timeframe_end) - Date.parse(w.timeframe_start) === DAY_MS + 3_600_000) {
          long.set(s.timezone, (long.get(s.timezone) ?? 0) + 1);
          expect(local(w.timeframe_start, s.timezone).date).toBe(s.timezone === 'Europe/Berlin' ? '2024-10-27' : '2024-11-03');
        }
      }
    }
    expect([...long.keys()].sort()).toEqual(['America/Los_Angeles', 'Europe/Berlin']);
  });
});

describe('billing periods and views', () => {
  it('Σ periodic over a completed billing period equals the cumulative value on its last day, per price and per subscription', async () => {
    const r = await start();
    let checked = 0;
    for (const s of r.sim.truth.subscriptions()) {
      if (s.status === 'upcoming') continue;
      const cumulative = await costs(r, s.id, { timeframe_start: s.start_date });
      const periodic = await costs(r, s.id, { timeframe_start: s.start_date, view_mode: 'periodic' });
      expect(periodic.map((w) => w.timeframe_end)).toEqual(cumulative.map((w) => w.timeframe_end));
      const firstPeriodStart = cumulative[0].timeframe_start;
      expect(firstPeriodStart).toBe(s.start_date);
      const inFirst = cumulative.filter((w) => w.timeframe_start === firstPeriodStart);
      if (inFirst.length === cumulative.length) continue; // first period still open: not complete
      const last = inFirst[inFirst.length - 1];
      // The next period starts exactly where the first one's last day ends.
      expect(cumulative[inFirst.length].timeframe_start).toBe(last.timeframe_end);
      const days = periodic.slice(0, inFirst.length);
      expect(eq(sum(days.map((w) => d(w.subtotal))), d(last.subtotal))).toBe(true);
      expect(eq(sum(days.map((w) => d(w.total))), d(last.total))).toBe(true);
      // After a plan change a period carries both plans' prices; match them by id, not position.
      for (const p of last.per_price_costs) {
        const daily = days.map((w) => w.per_price_costs.find((x: any) => x.price_id === p.price_id)).filter(Boolean);
        expect(formatDecimal(sum(daily.map((x) => d(x.subtotal))))).toBe(canonicalDecimal(p.subtotal));
        expect(formatDecimal(sum(daily.map((x) => d(x.total))))).toBe(canonicalDecimal(p.total));
        expect(daily.reduce((n, x) => n + x.quantity, 0)).toBe(p.quantity);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('amounts follow the published prices: unit, tiered and package on the period quantity, fixed fee in advance, minimums, discount, one-off charges beside the plan', async () => {
    const r = await start();
    const seen = { priceMinimumBinds: false, planMinimumBinds: false, tinyAmount: false, upperTier: false, packageRoundsUp: false, discount: false, oneOffCharge: false };
    for (const s of r.sim.truth.subscriptions()) {
      const sub = await subscription(r, s.id);
      const plan = sub.plan;
      // Subscriptions that changed plan are covered by the Σ test; here one plan prices every day.
      if (s.status === 'upcoming' || sub.price_intervals.length !== plan.prices.length) continue;
      const discount = plan.adjustments.find((a: any) => a.adjustment_type === 'percentage_discount');
      for (const w of await costs(r, s.id, { timeframe_start: s.start_date })) {
        // A one-off charge is no price of the plan: it is billed beside it, outside its discount and minimum.
        const planPrices = w.per_price_costs.filter((p: any) => plan.prices.some((x: any) => x.id === p.price_id));
        const charges = w.per_price_costs.filter((p: any) => !planPrices.includes(p));
        expect(planPrices.map((p: any) => p.price_id)).toEqual(plan.prices.map((p: any) => p.id));
        for (const charge of charges) expect(charge.price).toMatchObject({ cadence: 'one_time', price_type: 'fixed_price' });
        if (charges.length > 0) seen.oneOffCharge = true;
        for (const p of w.per_price_costs) {
          const price = p.price;
          let expected: Decimal;
          if (price.price_type === 'fixed_price') {
            expect(p.quantity).toBe(price.fixed_price_quantity);
            expected = multiply(parseDecimal(String(price.fixed_price_quantity)), parseDecimal(price.unit_config.unit_amount));
          } else if (price.model_type === 'package') {
            const { package_amount, package_size } = price.package_config;
            const packages = Math.ceil(p.quantity / package_size);
            expected = multiply(parseDecimal(String(packages)), parseDecimal(package_amount));
            if (p.quantity % package_size !== 0) seen.packageRoundsUp = true;
          } else if (price.model_type === 'tiered') {
            expected = tiered(p.quantity, price.tiered_config.tiers);
            if (p.quantity > price.tiered_config.tiers.at(-1).first_unit) seen.upperTier = true;
          } else {
            expected = multiply(parseDecimal(String(p.quantity)), parseDecimal(price.unit_config.unit_amount));
          }
          expect(p.subtotal).toBe(formatDecimal(expected));
          expect(p.total).toBe(formatDecimal(max(expected, d(price.minimum_amount))));
          if (compare(d(p.total), d(p.subtotal)) > 0) seen.priceMinimumBinds = true;
          if ((p.subtotal.split('.')[1] ?? '').length > 10) seen.tinyAmount = true;
        }
        let priceTotals = sum(planPrices.map((p: any) => d(p.total)));
        if (discount) {
          const discounted = sum(planPrices.filter((p: any) => discount.applies_to_price_ids.includes(p.price_id)).map((p: any) => d(p.total)));
          priceTotals = subtract(priceTotals, multiply(discounted, parseDecimal(String(discount.percentage_discount))));
          if (compare(discounted, ZERO) > 0) seen.discount = true;
        }
        expect(w.subtotal).toBe(formatDecimal(sum(w.per_price_costs.map((p: any) => d(p.subtotal)))));
        expect(w.total).toBe(formatDecimal(add(max(priceTotals, d(plan.minimum_amount)), sum(charges.map((p: any) => d(p.total))))));
        if (compare(d(w.total), priceTotals) > 0) seen.planMinimumBinds = true;
      }
    }
    expect(seen).toEqual({ priceMinimumBinds: true, planMinimumBinds: true, tinyAmount: true, upperTier: true, packageRoundsUp: true, discount: true, oneOffCharge: true });
  });

  it('periodic total is zero while a minimum is unmet, and the minimum lands on the first day of the period', async () => {
    const r = await start();
    const growth = [];
    for (const s of r.sim.truth.subscriptions()) {
      const sub = await subscription(r, s.id);
      // Growth from its first day (not upgraded onto it mid-period).
      if (s.status !== 'upcoming' && sub.plan.minimum_amount !== null && sub.price_intervals.length === sub.plan.prices.length) growth.push(s);
    }
    let sawZeroTotalDay = false;
    let sawMinimumOnFirstDay = false;
    for (const s of growth) {
      const periodic = await costs(r, s.id, { timeframe_start: s.start_date, view_mode: 'periodic' });
      const first = periodic[0];
      expect(compare(d(first.total), parseDecimal('250'))).toBeGreaterThanOrEqual(0);
      if (compare(d(first.total), d(first.subtotal)) > 0) sawMinimumOnFirstDay = true;
      if (periodic.some((w) => w.total === '0' && compare(d(w.subtotal), ZERO) > 0)) sawZeroTotalDay = true;
    }
    expect(sawMinimumOnFirstDay).toBe(true);
    expect(sawZeroTotalDay).toBe(true);
  });

  it('defaults to the current billing period, or the last active one for an ended subscription', async () => {
    const r = await start();
    for (const s of r.sim.truth.subscriptions()) {
      const sub = await subscription(r, s.id);
      const windows = await costs(r, s.id);
      if (s.status === 'upcoming') {
        expect(windows).toEqual([]); // nothing has started yet
        continue;
      }
      expect(windows.length).toBeGreaterThan(0);
      const starts = new Set(windows.map((w) => w.timeframe_start));
      expect(starts.size).toBe(1);
      const lastEnd = windows.at(-1).timeframe_end;
      if (s.status === 'active') {
        expect([...starts]).toEqual([sub.current_billing_period_start_date]);
        expect(Date.parse(lastEnd)).toBeGreaterThan(r.sim.clock.now().getTime()); // today's partial day
        expect(Date.parse(windows.at(-1).timeframe_end) - DAY_MS).toBeLessThanOrEqual(r.sim.clock.now().getTime());
      } else {
        expect(lastEnd).toBe(s.end_date);
      }
    }
  });

  it('honours timeframe bounds: a mid-period start still reports cumulative values from the period start', async () => {
    const r = await start();
    const s = r.sim.truth.subscriptions().find((x) => x.status === 'active' && Date.parse(x.start_date) < Date.parse('2025-01-01'))!;
    const all = await costs(r, s.id, { timeframe_start: s.start_date });
    const slice = await costs(r, s.id, { timeframe_start: all[40].timeframe_end, timeframe_end: all[45].timeframe_end });
    // Days intersecting [start, end): the day starting at timeframe_start through the one ending at timeframe_end.
    expect(slice).toEqual(all.slice(41, 46));
    // An instant inside a day includes that whole day.
    const inside = new Date(Date.parse(all[40].timeframe_end) + 3_600_000).toISOString();
    expect((await costs(r, s.id, { timeframe_start: inside, timeframe_end: all[42].timeframe_end }))[0]).toEqual(all[41]);
  });

  it('rejects bad parameters and returns nothing for another currency', async () => {
    const r = await start();
    const s = r.sim.truth.subscriptions().find((x) => x.status === 'active')!;
    for (const query of ['timeframe_start=last-week', 'timeframe_end=2025-13-45T00:00:00Z', 'view_mode=daily']) {
      const response = await r.get(`/subscriptions/${s.id}/costs?${query}`);
      expect(response.status).toBe(400);
      expect(response.body.status).toBe(400);
    }
    const reversed = await r.get(`/subscriptions/${s.id}/costs?timeframe_start=2025-03-02T00:00:00Z&timeframe_end=2025-03-01T00:00:00Z`);
    expect(reversed.body).toMatchObject({ status: 400, type: 'https://docs.withorb.com/reference/error-responses#400-constraint-violation' });
    const other = s.currency === 'USD' ? 'EUR' : 'USD';
    expect(await costs(r, s.id, { currency: other })).toEqual([]);
    expect((await costs(r, s.id, { currency: s.currency })).length).toBeGreaterThan(0);
  });
});

describe('the clock drives usage', () => {
  it('advancing a day adds exactly one window for an active subscription and leaves earlier days unchanged', async () => {
    const r = await start();
    const s = r.sim.truth.subscriptions().find((x) => x.status === 'active' && x.timezone === 'UTC')!;
    const query = { timeframe_start: s.start_date, view_mode: 'periodic' };
    const before = await costs(r, s.id, query);
    r.sim.clock.advance({ days: 1 });
    const after = await costs(r, s.id, query);
    expect(after).toHaveLength(before.length + 1);
    expect(after.slice(0, -2)).toEqual(before.slice(0, -1));
  });

  it("today's partial day grows hour by hour; hours are counted only once started", async () => {
    const r = await start();
    const s = r.sim.truth.subscriptions().find((x) => x.status === 'active' && x.timezone === 'Asia/Kathmandu')!;
    const quantities: number[] = [];
    for (let hour = 0; hour < 6; hour++) {
      const today = (await costs(r, s.id)).at(-1);
      const usage = today.per_price_costs.filter((p: any) => p.price.price_type === 'usage_price');
      quantities.push(usage.reduce((n: number, p: any) => n + p.quantity, 0));
      r.sim.clock.advance({ hours: 1 });
    }
    for (let i = 1; i < quantities.length; i++) expect(quantities[i]).toBeGreaterThanOrEqual(quantities[i - 1]!);
    expect(quantities.at(-1)).toBeGreaterThan(quantities[0]!);
  });
});

describe('ground truth', () => {
  it('dailyCosts() and dailySubscriptionCosts() equal the periodic view of every subscription', async () => {
    const r = await start();
    // plan_id (the plan in force that day) is checked against the schedule in schedule.test.ts.
    const truthRows = r.sim.truth.dailyCosts().map(({ plan_id: _, ...row }) => row);
    const truthSubRows = r.sim.truth.dailySubscriptionCosts().map(({ plan_id: _, ...row }) => row);
    const httpRows: unknown[] = [];
    const httpSubRows: unknown[] = [];
    for (const s of r.sim.truth.subscriptions()) {
      for (const w of await costs(r, s.id, { timeframe_start: s.start_date, view_mode: 'periodic' })) {
        const day = local(w.timeframe_start, s.timezone).date;
        httpSubRows.push({ day, subscription_id: s.id, currency: s.currency, subtotal: canonicalDecimal(w.subtotal), total: canonicalDecimal(w.total) });
      }
      httpRows.push(...(await periodicCostRows(r, s)));
    }
    expect(truthRows.length).toBeGreaterThan(1000);
    expect(truthRows).toEqual(httpRows);
    expect(truthSubRows).toEqual(httpSubRows);
    // Per subscription and day, price subtotals add up to the subscription subtotal.
    const bySubDay = new Map<string, Decimal>();
    for (const row of truthRows) {
      const key = `${row.subscription_id}/${row.day}`;
      bySubDay.set(key, add(bySubDay.get(key) ?? ZERO, parseDecimal(row.subtotal)));
    }
    for (const row of truthSubRows) expect(formatDecimal(bySubDay.get(`${row.subscription_id}/${row.day}`)!)).toBe(row.subtotal);
  });
});
