import { describe, expect, it } from 'vitest';
import type { Destination } from '../../src/destinations/destination.js';
import { buildFacts } from '../../src/models/build-facts.js';
import { RAW_SUBSCRIPTIONS } from '../../src/schema/staging.js';
import { ENGINES } from '../helpers/engines.js';
import { simulatedAccounts, syncFrom, withDestination } from '../helpers/sync-fixture.js';

const SHAPE = { seed: 3, customers: 3, subscriptions: 6, days: 120, now: '2026-05-10T00:00:00Z' };
/** A month before SHAPE.now: where the billing period the first sync re-reads begins, at the earliest. */
const RECENT = '2026-04-09';

/** Columns of a subscription version that a billing-period rollover leaves alone (it changes status, payload, hash). */
const UNCHANGED_BY_ROLLOVER = ['customer_id', 'external_customer_id', 'customer_name', 'customer_timezone', 'plan_id', 'plan_name', 'currency', 'start_date', 'end_date', 'created_at'];

type ScopeRow = { subscription_id: string; day_from: string | null; day_to: string | null };

const watermark = async (d: Destination) => (await d.query<{ id: string }>('select built_through_load_id as id from model_build_state'))[0]!.id;

class Stop extends Error {}

/** The build_scope of a build of what staging changed since `since` (the build is rolled back). */
async function scopeSince(d: Destination, since: string): Promise<Map<string, ScopeRow>> {
  const current = await watermark(d);
  await d.query(`update model_build_state set built_through_load_id = ${since}`);
  let scope: ScopeRow[] = [];
  const build = buildFacts(d, [], {
    hooks: {
      before: async (db) => {
        scope = await db.selectFrom('build_scope').select(['subscription_id', 'day_from', 'day_to']).execute();
        throw new Stop();
      },
    },
  });
  await expect(build).rejects.toBeInstanceOf(Stop);
  await d.query(`update model_build_state set built_through_load_id = ${current}`);
  return new Map(scope.map((row) => [row.subscription_id, row]));
}

/** Appends a version of a subscription that changes one column (run_id -1 marks it doctored). */
async function changeSubscription(d: Destination, subscriptionId: string, column: string, value: string): Promise<void> {
  const columns = Object.keys(RAW_SUBSCRIPTIONS.columns);
  const values = columns.map((c) => (c === column ? '$2' : c === 'run_id' ? '-1' : c === 'load_id' ? "nextval('load_ids')" : c));
  await d.query(`insert into raw_subscriptions (${columns.join(', ')}) select ${values.join(', ')} from raw_subscriptions_latest where subscription_id = $1`, [subscriptionId, value]);
}

describe.each(ENGINES)('what an incremental build rebuilds, on $name', (engine) => {
  const account = simulatedAccounts(engine);

  it("a billing-period rollover (a new subscription version, the facts' columns unchanged) rebuilds only the recent days", async () => {
    const { target, schema, simulator, baseUrl } = await account(SHAPE);
    await syncFrom(baseUrl, target, schema);
    const since = await withDestination(target, schema, watermark);
    simulator.clock.advance({ days: 31 });
    await syncFrom(baseUrl, target, schema);

    await withDestination(target, schema, async (d) => {
      const versions = await d.query<Record<string, string | null>>(
        `select * from raw_subscriptions where subscription_id in (select subscription_id from raw_subscriptions where load_id > ${since}) order by subscription_id, load_id`,
      );
      const rescheduled = new Set((await d.query<{ subscription_id: string }>(`select subscription_id from raw_subscription_schedules where load_id > ${since}`)).map((r) => r.subscription_id));
      const rolledOver = versions.flatMap((version, i) => {
        const previous = versions[i - 1];
        if (!previous || previous.subscription_id !== version.subscription_id || Number(version.load_id) <= Number(since)) return [];
        const rolled = !rescheduled.has(version.subscription_id!) && UNCHANGED_BY_ROLLOVER.every((c) => String(version[c]) === String(previous[c]));
        return rolled ? [version.subscription_id!] : [];
      });
      expect(rolledOver.length).toBeGreaterThan(0);

      // Each is rebuilt from the billing period the first sync re-read on, not from its first day.
      const scope = await scopeSince(d, since);
      for (const id of rolledOver) expect(scope.get(id)?.day_from, id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      for (const id of rolledOver) expect(scope.get(id)!.day_from! >= RECENT, id).toBe(true);
    });
  });

  it.each([
    ['customer_id', 'cus_moved'],
    ['external_customer_id', 'ext_moved'],
    ['plan_id', 'plan_moved'],
    ['currency', 'XTS'],
    ['customer_timezone', 'Etc/GMT+12'],
  ])('a new version that changes %s rebuilds the whole history', async (column, value) => {
    const { target, schema, baseUrl } = await account(SHAPE);
    await syncFrom(baseUrl, target, schema);
    await withDestination(target, schema, async (d) => {
      const since = await watermark(d);
      const [{ subscription_id: id }] = (await d.query<{ subscription_id: string }>('select subscription_id from fct_daily_subscription_costs order by day limit 1')) as [{ subscription_id: string }];
      await changeSubscription(d, id, column, value);
      expect((await scopeSince(d, since)).get(id)).toEqual({ subscription_id: id, day_from: null, day_to: null });
    });
  });

  it("a changed external_customer_id reaches every day of the subscription's facts", async () => {
    const { target, schema, baseUrl } = await account(SHAPE);
    await syncFrom(baseUrl, target, schema);
    await withDestination(target, schema, async (d) => {
      const [{ subscription_id: id }] = (await d.query<{ subscription_id: string }>('select subscription_id from fct_daily_costs order by day limit 1')) as [{ subscription_id: string }];
      const rows = async () => d.query<{ day: string; external_customer_id: string }>('select day, external_customer_id from fct_daily_costs where subscription_id = $1 order by day, price_id', [id]);
      const before = await rows();
      await changeSubscription(d, id, 'external_customer_id', 'ext_moved');
      await buildFacts(d, []);
      expect(await rows()).toEqual(before.map((row) => ({ ...row, external_customer_id: 'ext_moved' })));
    });
  });
});
