/** Shared set-up for the simulator tests: a listening simulator, an SDK client and raw fetch. */
import Orb from 'orb-billing';
import { afterEach } from 'vitest';
import { createSimulator, type Simulator, type SimulatorOptions, type TruthDailyCost, type TruthSubscription } from '../../src/simulator/index.js';
import { canonicalDecimal } from '../../src/util/decimal.js';
import { localDate } from '../../src/util/time-zone.js';

export const NOW = '2025-03-15T10:00:00Z';

export interface Running {
  sim: Simulator;
  url: string;
  client: Orb;
  get(path: string, token?: string | null): Promise<{ status: number; headers: Headers; body: any }>;
  /** POSTs `body` as JSON (a string is sent as it is, to test unparsable bodies). */
  post(path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

const running: Simulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

export async function start(options: SimulatorOptions = {}): Promise<Running> {
  const sim = createSimulator({ now: NOW, ...options });
  running.push(sim);
  const url = await sim.listen();
  const client = new Orb({ apiKey: options.apiKey ?? 'test', baseURL: `${url}/v1`, maxRetries: 0 });
  return {
    sim,
    url,
    client,
    async get(path, token = options.apiKey ?? 'test') {
      const response = await fetch(`${url}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
    async post(path, body) {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.apiKey ?? 'test'}`, 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
  };
}

/** Every ground-truth list a change of events can touch, at the clock's now; volume from `volumeFrom`. */
export function truthSnapshot(sim: Simulator, volumeFrom: Date) {
  return {
    costs: sim.truth.dailyCosts(),
    subscriptionCosts: sim.truth.dailySubscriptionCosts(),
    usage: sim.truth.dailyUsage(),
    volume: sim.truth.hourlyVolume(volumeFrom),
  };
}

export type TruthSnapshot = ReturnType<typeof truthSnapshot>;

/** GET /subscriptions/{id}/costs (periodic, whole history) as truth dailyCosts rows without plan_id. */
export async function periodicCostRows(r: Running, s: TruthSubscription): Promise<Omit<TruthDailyCost, 'plan_id'>[]> {
  const query = new URLSearchParams({ timeframe_start: s.start_date, view_mode: 'periodic' });
  const response = await r.get(`/v1/subscriptions/${s.id}/costs?${query}`);
  if (response.status !== 200) throw new Error(`costs of ${s.id}: HTTP ${response.status}`);
  return response.body.data.flatMap((w: any) =>
    w.per_price_costs.map((p: any) => ({
      day: localDate(new Date(w.timeframe_start), s.timezone),
      subscription_id: s.id,
      price_id: p.price_id,
      currency: s.currency,
      quantity: String(p.quantity),
      subtotal: canonicalDecimal(p.subtotal),
      total: canonicalDecimal(p.total),
    })),
  );
}
