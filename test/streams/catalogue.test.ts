import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationTarget } from '../../src/config.js';
import { RejectedRecordsError } from '../../src/errors.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { ENGINES } from '../helpers/engines.js';
import { asFacts, factsIn, simulatorTruth, syncFrom, withDestination } from '../helpers/sync-fixture.js';

const PLAN_COLUMNS = ['plan_id', 'external_plan_id', 'name', 'currency', 'status', 'created_at'];
const PRICE_COLUMNS = ['price_id', 'plan_id', 'name', 'model_type', 'currency', 'billable_metric_id'];
const SCHEDULE_COLUMNS = ['subscription_id', 'plan_id', 'start_date', 'end_date'];

describe.each(ENGINES)('the catalogue in $name', (engine) => {
  let target: DestinationTarget;
  let schema: string;
  let cleanup: () => Promise<void>;
  let simulator: Simulator;
  let baseUrl: string;
  const read = (sql: string, columns: string[]) => withDestination(target, schema, async (d) => asFacts(await d.query(sql), columns));
  const schedulesRead = () => simulator.requests.log().filter((r) => /^\/subscriptions\/[^/]+\/schedule$/.test(r.path)).length;

  beforeAll(async () => {
    ({ target, schema, cleanup } = await engine.fresh());
    simulator = createSimulator({ seed: 7, now: '2026-06-15T07:00:00Z', unknownPriceModel: true });
    baseUrl = await simulator.listen();
    await syncFrom(baseUrl, target, schema);
  });

  afterAll(async () => {
    await simulator?.close();
    await cleanup?.();
  });

  it('dim_plans holds every plan Orb serves', async () => {
    const truth = asFacts(simulator.truth.plans().map((p) => ({ ...p, plan_id: p.id })), PLAN_COLUMNS);
    expect(await read(`select ${PLAN_COLUMNS.join(', ')} from dim_plans`, PLAN_COLUMNS)).toEqual(truth);
  });

  it('dim_prices holds every price served anywhere: plan prices, add-ons, one seen only in cost rows, an unknown model_type', async () => {
    const truth = asFacts(simulator.truth.prices().map((p) => ({ ...p, price_id: p.id })), PRICE_COLUMNS);
    expect(await read(`select ${PRICE_COLUMNS.join(', ')} from dim_prices`, PRICE_COLUMNS)).toEqual(truth);
    const kinds = simulator.truth.prices();
    expect(kinds.some((p) => p.plan_id === null && p.model_type === 'unit')).toBe(true);
    const unknown = await withDestination(target, schema, (d) =>
      d.query<{ config: string }>("select config from dim_prices where model_type = 'stepped_flux'"),
    );
    expect(unknown.map((row) => JSON.parse(row.config))).toEqual([{ stepped_flux_config: { flux_window: 'hour', step_size: 500, unit_amount: '0.0375' } }]);
  });

  it('dim_subscription_schedule equals every subscription\'s schedule', async () => {
    const truth = asFacts(simulator.truth.schedules(), SCHEDULE_COLUMNS);
    expect(await read(`select ${SCHEDULE_COLUMNS.join(', ')} from dim_subscription_schedule`, SCHEDULE_COLUMNS)).toEqual(truth);
  });

  it('an incremental sync reads schedules only of changed subscriptions, and every non-ended one once a day', async () => {
    simulator.requests.reset();
    simulator.clock.advance({ hours: 1 });
    const { runId } = await syncFrom(baseUrl, target, schema);
    const changed = await withDestination(target, schema, (d) =>
      d.query<{ n: string }>('select count(distinct subscription_id) as n from raw_subscriptions where run_id = $1', [runId]),
    );
    expect(schedulesRead()).toBe(Number(changed[0]!.n));

    simulator.requests.reset();
    simulator.clock.advance({ days: 1, hours: 1 });
    await syncFrom(baseUrl, target, schema);
    expect(schedulesRead()).toBe(simulator.truth.subscriptions().filter((s) => s.status !== 'ended').length);
  });

  it('takes the plan in force each day, across a scheduled change once the clock passes it', async () => {
    const now = simulator.clock.now().toISOString();
    const upcoming = simulator.truth.schedules().find((item) => item.start_date > now && item.start_date < '2026-07-15')!;
    expect(upcoming).toBeDefined();
    simulator.clock.set(new Date(Date.parse(upcoming.start_date) + 2 * 86_400_000));
    await syncFrom(baseUrl, target, schema);
    const truth = simulatorTruth(simulator);
    const facts = await withDestination(target, schema, factsIn);
    expect(facts.dailyCosts).toEqual(truth.dailyCosts());
    expect(facts.dailySubscriptionCosts).toEqual(truth.dailySubscriptionCosts());
    const after = facts.dailySubscriptionCosts.filter((row) => row.includes(`subscription_id=${upcoming.subscription_id}|`) && row.slice(4, 14) >= upcoming.start_date.slice(0, 10));
    expect(after.some((row) => row.includes(`plan_id=${upcoming.plan_id}|`))).toBe(true);
  });

  it('a schedule whose pages repeat under changing cursors fails that subscription alone, and the run exits non-zero', async () => {
    const victim = simulator.truth.subscriptions().find((s) => s.status === 'active')!;
    simulator.clock.advance({ days: 1, hours: 1 }); // every non-ended schedule is due again
    simulator.faults.inject({ path: `/subscriptions/${victim.id}/schedule`, kind: 'repeat-page', times: Infinity });
    const failure = await syncFrom(baseUrl, target, schema).catch((error: unknown) => error);
    simulator.faults.clear();
    expect(failure).toBeInstanceOf(RejectedRecordsError);
    expect((failure as Error).message).toMatch(new RegExp(`subscription_schedules, ${victim.id}: .*pagination does not advance`));
    // Everything else completed: the facts are exact.
    const truth = simulatorTruth(simulator);
    expect((await withDestination(target, schema, factsIn)).dailyCosts).toEqual(truth.dailyCosts());
  });
});
