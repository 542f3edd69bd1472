import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationTarget } from '../../src/config.js';
import type { Destination } from '../../src/destinations/destination.js';
import { buildFacts } from '../../src/models/build-facts.js';
import { loadModels, type Model } from '../../src/models/build-models.js';
import type { BuildScope } from '../../src/models/scopes.js';
import { RAW_EVENT_VOLUME_HOURS, RAW_SUBSCRIPTION_PRICE_COSTS } from '../../src/schema/staging.js';
import type { TableDef } from '../../src/schema/table.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { ENGINES } from '../helpers/engines.js';
import { syncFrom, withDestination } from '../helpers/sync-fixture.js';

/** Staging rows a test adds carry run_id -1 (no run has it), so they can be taken out again. */
const DOCTORED = '-1';

/** Appends a second copy of one row of the latest version, in that version (same load_id): a record Orb sent twice. */
async function loadTwice(d: Destination, table: TableDef, where: string, params: unknown[]): Promise<void> {
  const columns = Object.keys(table.columns);
  const copied = columns.map((c) => (c === 'run_id' ? DOCTORED : c)).join(', ');
  await d.query(`insert into ${table.name} (${columns.join(', ')}) select ${copied} from ${table.name}_latest where ${where}`, params);
}

describe.each(ENGINES)('the fact grain audit on $name', (engine) => {
  let target: DestinationTarget;
  let schema: string;
  let cleanup: () => Promise<void>;
  let simulator: Simulator;

  beforeAll(async () => {
    ({ target, schema, cleanup } = await engine.fresh());
    simulator = createSimulator({ seed: 5, customers: 3, subscriptions: 4, days: 12, now: '2026-05-10T00:00:00Z' });
    await syncFrom(await simulator.listen(), target, schema);
  });

  afterEach(async () => {
    await withDestination(target, schema, async (d) => {
      for (const table of [RAW_SUBSCRIPTION_PRICE_COSTS, RAW_EVENT_VOLUME_HOURS]) await d.query(`delete from ${table.name} where run_id = ${DOCTORED}`);
    });
  });

  afterAll(async () => {
    await simulator?.close();
    await cleanup?.();
  });

  /** What the facts and the staging watermark are now, to compare after a build. */
  const snapshot = (d: Destination) =>
    Promise.all([
      d.query('select * from fct_daily_costs order by day, subscription_id, price_id'),
      d.query('select * from fct_hourly_event_volume order by hour'),
      d.query('select * from model_build_state'),
    ]);

  it.each<[string, (subscriptionId: string) => BuildScope]>([
    ['a full build', () => 'all'],
    ["a build of that subscription's days", (subscriptionId) => [{ subscriptionId, dayFrom: null, dayTo: null }]],
  ])("a price's cost loaded twice for one day fails %s, naming the row, and leaves the old facts", async (_, scope) => {
    await withDestination(target, schema, async (d) => {
      const [row] = await d.query<{ day: string; subscription_id: string; price_id: string }>(
        'select day, subscription_id, price_id from fct_daily_costs order by day desc, subscription_id, price_id limit 1',
      );
      await loadTwice(d, RAW_SUBSCRIPTION_PRICE_COSTS, 'subscription_id = $1 and price_id = $2 and day = cast($3 as date)', [row!.subscription_id, row!.price_id, row!.day]);
      const before = await snapshot(d);

      await expect(buildFacts(d, scope(row!.subscription_id))).rejects.toThrow(
        `audit failed, facts not changed: fct_daily_costs has 2 rows for (day, subscription_id, price_id) = (${row!.day}, ${row!.subscription_id}, ${row!.price_id})`,
      );
      expect(await snapshot(d)).toEqual(before);

      await d.query(`delete from ${RAW_SUBSCRIPTION_PRICE_COSTS.name} where run_id = ${DOCTORED}`);
      await buildFacts(d, scope(row!.subscription_id));
      expect((await snapshot(d)).slice(0, 2)).toEqual(before.slice(0, 2));
    });
  });

  it.each<[string, (subscriptionId: string) => BuildScope]>([
    ['a full build', () => 'all'],
    ["a build of that subscription's days", (subscriptionId) => [{ subscriptionId, dayFrom: null, dayTo: null }]],
  ])("daily totals that do not add up to Orb's cumulative total fail %s, naming the billing period, and leave the old facts", async (_, scope) => {
    await withDestination(target, schema, async (d) => {
      const [row] = await d.query<{ subscription_id: string }>('select subscription_id from fct_daily_subscription_costs order by day desc, subscription_id limit 1');
      // A model that adds a millionth to one subscription's every day.
      const skewed = loadModels().map((m): Model =>
        m.name === 'fct_daily_subscription_costs'
          ? { ...m, select: `SELECT day, subscription_id, customer_id, external_customer_id, plan_id, currency, subtotal, total + CASE WHEN subscription_id = '${row!.subscription_id}' THEN 0.000001 ELSE 0 END AS total FROM (${m.select}) m` }
          : m,
      );
      const before = await snapshot(d);

      await expect(buildFacts(d, scope(row!.subscription_id), { models: skewed })).rejects.toThrow(
        new RegExp(`^audit failed, facts not changed: subscription ${row!.subscription_id}, billing period from .+: daily totals add up to -?[\\d.]+, Orb's cumulative total is -?[\\d.]+$`),
      );
      expect(await snapshot(d)).toEqual(before);
    });
  });

  it('rows whose grains hash alike but differ pass: the hash only picks what the exact check reads', async () => {
    await withDestination(target, schema, async (d) => {
      const before = await snapshot(d);
      // Every row of every fact hashes alike, as if each grain collided with every other.
      const colliding: Destination = Object.assign(Object.create(d) as Destination, { rowHash: () => '0' });

      const built = await buildFacts(colliding, 'all');
      expect(built.rows.fct_daily_costs).toBe(before[0].length);
      expect((await snapshot(d)).slice(0, 2)).toEqual(before.slice(0, 2));
    });
  });

  it('an hour of event volume loaded twice fails any build (that fact is rebuilt whole), and leaves the old facts', async () => {
    await withDestination(target, schema, async (d) => {
      const [row] = await d.query<{ hour: string }>('select hour from fct_hourly_event_volume order by hour desc limit 1');
      await loadTwice(d, RAW_EVENT_VOLUME_HOURS, 'hour = cast($1 as timestamptz)', [row!.hour]);
      const before = await snapshot(d);

      await expect(buildFacts(d, [])).rejects.toThrow(`audit failed, facts not changed: fct_hourly_event_volume has 2 rows for (hour) = (${row!.hour})`);
      expect(await snapshot(d)).toEqual(before);
    });
  });
});
