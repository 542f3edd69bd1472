import { afterEach } from 'vitest';
import { loadSettings, type DestinationTarget } from '../../src/config.js';
import type { Destination } from '../../src/destinations/destination.js';
import { openDestination } from '../../src/destinations/open-destination.js';
import { silentLogger } from '../../src/log.js';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { runRestate, runSync, type RestateRequest, type SyncSummary } from '../../src/sync/run-sync.js';
import { canonicalDecimal } from '../../src/util/decimal.js';
import type { EngineFixture } from './engines.js';

/**
 * For a describe block: a fresh destination and a listening simulator per call, both closed and
 * dropped after each test (with anything else registered through `onCleanup`).
 */
export function simulatedAccounts(engine: EngineFixture) {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const account = async (options: SimulatorOptions) => {
    const fresh = await engine.fresh();
    cleanups.push(fresh.cleanup);
    const simulator = createSimulator(options);
    const baseUrl = await simulator.listen();
    cleanups.push(() => simulator.close());
    return { ...fresh, simulator, baseUrl };
  };
  const onCleanup = (cleanup: () => Promise<void>) => void cleanups.push(cleanup);
  return Object.assign(account, { onCleanup });
}

/** Runs a real sync (real SDK over HTTP) from a listening simulator into a destination. */
export async function syncFrom(
  baseUrl: string,
  target: DestinationTarget,
  schema: string,
  { streams, fullRefresh, ...overrides }: { [setting: string]: string | boolean | undefined; streams?: string; fullRefresh?: boolean } = {},
): Promise<SyncSummary> {
  const destination = target.engine === 'duckdb' ? `duckdb:${target.path}` : target.url;
  // Generous client-side limits keep tests fast; the simulator enforces none unless asked.
  const flags = { baseUrl, destination, schema, analyticsRps: '1000', rps: '1000', ...(overrides as Record<string, string>) };
  const settings = loadSettings({ env: {}, flags });
  return runSync({ ...settings, apiKey: 'test-key', minRetryDelayMs: 20, streams: streams?.split(','), fullRefresh }, silentLogger);
}

/** Runs `orb-sync restate` in-process, as syncFrom runs a sync. */
export async function restateFrom(baseUrl: string, target: DestinationTarget, schema: string, request: RestateRequest) {
  const destination = target.engine === 'duckdb' ? `duckdb:${target.path}` : target.url;
  const settings = loadSettings({ env: {}, flags: { baseUrl, destination, schema, analyticsRps: '1000', rps: '1000' } });
  return runRestate({ ...settings, apiKey: 'test-key', minRetryDelayMs: 20 }, silentLogger, request);
}

export async function withDestination<T>(target: DestinationTarget, schema: string, work: (d: Destination) => Promise<T>): Promise<T> {
  const destination = await openDestination(target, schema);
  try {
    return await work(destination);
  } finally {
    await destination.close();
  }
}

type Row = Record<string, string | number | boolean | null | undefined>;

/**
 * Rows as sorted "k=v|k=v" strings for exact set comparison with the truth: decimals canonical,
 * instants as ISO strings with milliseconds.
 */
export function asFacts(rows: readonly object[], columns: readonly string[]): string[] {
  return rows
    .map((row) =>
      columns
        .map((column) => {
          const value = (row as Row)[column] ?? null;
          if (value === null) return `${column}=null`;
          if (MONEY_COLUMNS.includes(column)) return `${column}=${canonicalDecimal(String(value))}`;
          if (INSTANT_COLUMNS.includes(column)) return `${column}=${new Date(String(value)).toISOString()}`;
          return `${column}=${value}`;
        })
        .join('|'),
    )
    .sort();
}

const MONEY_COLUMNS = ['quantity', 'subtotal', 'total'];
const INSTANT_COLUMNS = ['start_date', 'end_date', 'created_at'];

export const COST_COLUMNS = ['day', 'subscription_id', 'customer_id', 'external_customer_id', 'plan_id', 'price_id', 'billable_metric_id', 'currency', 'quantity', 'subtotal', 'total'];
export const SUBSCRIPTION_COST_COLUMNS = ['day', 'subscription_id', 'customer_id', 'external_customer_id', 'plan_id', 'currency', 'subtotal', 'total'];
export const SUBSCRIPTION_COLUMNS = ['subscription_id', 'customer_id', 'external_customer_id', 'plan_id', 'currency', 'status', 'start_date', 'end_date', 'created_at'];
export const CUSTOMER_COLUMNS = ['customer_id', 'external_customer_id', 'name', 'email', 'timezone', 'currency', 'created_at'];
export const USAGE_COLUMNS = ['day', 'subscription_id', 'customer_id', 'billable_metric_id', 'quantity'];
export const VOLUME_COLUMNS = ['hour', 'event_count'];

/** The simulator's ground truth in the shape of orb-sync's public tables, every column. */
export function simulatorTruth(simulator: Simulator) {
  const customerOf = () => new Map(simulator.truth.subscriptions().map((s) => [s.id, { customer_id: s.customer_id, external_customer_id: s.external_customer_id }]));
  return {
    dailyCosts: () => {
      const customers = customerOf();
      const metrics = new Map(simulator.truth.prices().map((p) => [p.id, p.billable_metric_id]));
      return asFacts(
        simulator.truth.dailyCosts().map((row) => ({ ...row, ...customers.get(row.subscription_id), billable_metric_id: metrics.get(row.price_id) ?? null })),
        COST_COLUMNS,
      );
    },
    dailySubscriptionCosts: () => {
      const customers = customerOf();
      return asFacts(simulator.truth.dailySubscriptionCosts().map((row) => ({ ...row, ...customers.get(row.subscription_id) })), SUBSCRIPTION_COST_COLUMNS);
    },
    dailyUsage: () => {
      const customers = customerOf();
      return asFacts(simulator.truth.dailyUsage().map((row) => ({ ...row, customer_id: customers.get(row.subscription_id)!.customer_id })), USAGE_COLUMNS);
    },
    /** Event counts of the UTC hours in [from, to), as fct_hourly_event_volume rows. */
    hourlyVolume: (from: Date, to: Date) =>
      asFacts(simulator.truth.hourlyVolume(from, to).map((v) => ({ hour: new Date(v.timeframe_start).toISOString(), event_count: v.count })), VOLUME_COLUMNS),
    subscriptions: () => asFacts(simulator.truth.subscriptions().map((s) => ({ ...s, subscription_id: s.id })), SUBSCRIPTION_COLUMNS),
    customers: () => asFacts(simulator.truth.customers().map((c) => ({ ...c, customer_id: c.id })), CUSTOMER_COLUMNS),
  };
}

/** The same tables as orb-sync built them. */
export async function factsIn(destination: Destination) {
  const read = async (table: string, columns: readonly string[]) =>
    asFacts(await destination.query(`select ${columns.join(', ')} from ${table}`), columns);
  return {
    dailyCosts: await read('fct_daily_costs', COST_COLUMNS),
    dailySubscriptionCosts: await read('fct_daily_subscription_costs', SUBSCRIPTION_COST_COLUMNS),
    subscriptions: await read('dim_subscriptions', SUBSCRIPTION_COLUMNS),
    customers: await read('dim_customers', CUSTOMER_COLUMNS),
    dailyUsage: await read('fct_daily_usage', USAGE_COLUMNS),
    hourlyVolume: asFacts(
      (await destination.query<{ hour: string; event_count: string }>('select hour, event_count from fct_hourly_event_volume')).map((v) => ({
        ...v,
        hour: new Date(v.hour).toISOString(),
      })),
      VOLUME_COLUMNS,
    ),
  };
}
