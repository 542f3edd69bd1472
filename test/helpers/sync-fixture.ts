import { loadSettings, type DestinationTarget } from '../../src/config.js';
import type { Destination } from '../../src/destinations/destination.js';
import { openDestination } from '../../src/destinations/open-destination.js';
import { silentLogger } from '../../src/log.js';
import type { Simulator } from '../../src/simulator/index.js';
import { runSync, type SyncSummary } from '../../src/sync/run-sync.js';
import { canonicalDecimal } from '../../src/util/decimal.js';

/** Runs a real sync (real SDK over HTTP) from a listening simulator into a destination. */
export async function syncFrom(
  baseUrl: string,
  target: DestinationTarget,
  schema: string,
  overrides: Record<string, string> = {},
): Promise<SyncSummary> {
  const destination = target.engine === 'duckdb' ? `duckdb:${target.path}` : target.url;
  // Generous client-side limits keep tests fast; the simulator enforces none unless asked.
  const settings = loadSettings({ env: {}, flags: { baseUrl, destination, schema, analyticsRps: '1000', rps: '1000', ...overrides } });
  return runSync({ ...settings, apiKey: 'test-key', minRetryDelayMs: 20 }, silentLogger);
}

export async function withDestination<T>(target: DestinationTarget, schema: string, work: (d: Destination) => Promise<T>): Promise<T> {
  const destination = await openDestination(target, schema);
  try {
    return await work(destination);
  } finally {
    await destination.close();
  }
}

type Row = Record<string, string | number | boolean | null>;

/** Rows as sorted "k=v|k=v" strings, decimals canonical, for exact set comparison with the truth. */
export function asFacts(rows: readonly Row[], columns: readonly string[], decimals: readonly string[]): string[] {
  return rows
    .map((row) =>
      columns
        .map((column) => {
          const value = row[column];
          return `${column}=${decimals.includes(column) && value !== null ? canonicalDecimal(String(value)) : value}`;
        })
        .join('|'),
    )
    .sort();
}

export function simulatorTruth(simulator: Simulator) {
  return {
    dailyCosts: () =>
      asFacts(simulator.truth.dailyCosts() as never, COST_COLUMNS, MONEY_COLUMNS),
    dailySubscriptionCosts: () =>
      asFacts(simulator.truth.dailySubscriptionCosts() as never, SUBSCRIPTION_COST_COLUMNS, MONEY_COLUMNS),
  };
}

export const COST_COLUMNS = ['day', 'subscription_id', 'price_id', 'currency', 'quantity', 'subtotal', 'total'];
export const SUBSCRIPTION_COST_COLUMNS = ['day', 'subscription_id', 'currency', 'subtotal', 'total'];
export const MONEY_COLUMNS = ['quantity', 'subtotal', 'total'];

export async function factsIn(destination: Destination) {
  return {
    dailyCosts: asFacts(await destination.query(`select ${COST_COLUMNS.join(', ')} from fct_daily_costs`), COST_COLUMNS, MONEY_COLUMNS),
    dailySubscriptionCosts: asFacts(
      await destination.query(`select ${SUBSCRIPTION_COST_COLUMNS.join(', ')} from fct_daily_subscription_costs`),
      SUBSCRIPTION_COST_COLUMNS,
      MONEY_COLUMNS,
    ),
  };
}
