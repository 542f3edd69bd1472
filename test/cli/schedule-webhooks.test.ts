import { createHmac } from 'node:crypto';
import Orb from 'orb-billing';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAccount } from '../../src/simulator/account.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { addDays, localDate, startOfLocalDay } from '../../src/util/time-zone.js';
import { ENGINES } from '../helpers/engines.js';
import { factsIn, simulatorTruth, syncFrom, withDestination } from '../helpers/sync-fixture.js';
import { byLabel } from '../service/prometheus.js';
import { eventually, freePort, startSchedule, syncEnv } from '../service/schedule-process.js';

const SECRET = 'whsec_schedule_test';
// Once a year: in this test only a webhook can start a sync.
const YEARLY = '0 0 1 1 *';
const SHAPE = { seed: 4, customers: 6, subscriptions: 10, days: 60 };

/** A webhook request signed as Orb signs, `minutesAgo` old. */
function signedRequest(body: string, { secret = SECRET, minutesAgo = 0 } = {}) {
  const timestamp = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const signature = `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:${body}`).digest('hex')}`;
  return { headers: { 'Content-Type': 'application/json', 'X-Orb-Timestamp': timestamp, 'X-Orb-Signature': signature }, body };
}

describe.each(ENGINES)('orb-sync schedule takes Orb webhooks, into $name', (engine) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('a signed backfill.reflected syncs at once and the facts equal the new truth; forged, stale and replayed ones change nothing', async () => {
    const { target, schema, cleanup } = await engine.fresh();
    const port = await freePort();
    const webhookUrl = `http://127.0.0.1:${port}/webhooks/orb`;
    // The clock is the real time (Orb's webhooks must be fresh); a closed backfill is reflected at the next look.
    const simulator: Simulator = createSimulator({
      ...SHAPE,
      now: new Date(Math.floor(Date.now() / 1000) * 1000),
      backfillReflection: { requests: 0 },
      webhooks: { url: webhookUrl, secret: SECRET },
    });
    const baseUrl = await simulator.listen();
    cleanups.push(async () => {
      await simulator.close();
      await cleanup();
    });
    await syncFrom(baseUrl, target, schema);
    const service = startSchedule(['--cron', YEARLY, '--listen', `127.0.0.1:${port}`], { ...syncEnv(baseUrl, target, schema), ORB_WEBHOOK_SECRET: SECRET });
    cleanups.push(async () => {
      service.child.kill('SIGKILL');
      await service.exited;
    });
    expect(await service.url).toBe(`http://127.0.0.1:${port}`);
    simulator.requests.reset();

    // Forged, stale, unsigned and malformed requests are refused; an event of no interest is acknowledged. None starts a sync.
    const event = (type: string, id: string) => JSON.stringify({ id, created_at: new Date().toISOString(), type, backfill: {}, properties: {} });
    const post = (request: { headers: Record<string, string>; body: string }) => fetch(webhookUrl, { method: 'POST', ...request }).then((r) => r.status);
    expect(await post(signedRequest(event('backfill.reflected', 'forged'), { secret: 'whsec_guessed' }))).toBe(401);
    expect(await post(signedRequest(event('backfill.reflected', 'stale'), { minutesAgo: 6 }))).toBe(400);
    expect(await post({ headers: { 'Content-Type': 'application/json' }, body: event('subscription.ended', 'unsigned') })).toBe(401);
    expect(await post(signedRequest('{"type":"backfill.reflected"'))).toBe(400);
    expect(await post(signedRequest(event('invoice.issued', 'other')))).toBe(200);
    expect((await service.health()).body).toMatchObject({ status: 'ok', last_run: null, running: false });
    expect(simulator.requests.log()).toEqual([]);

    // A backfill adds usage on a day older than the look-back, inside the current billing period.
    const subscription = simulator.truth.subscriptions().find((s) => s.status === 'active' && Date.parse(s.start_date) < Date.now() - 20 * 86_400_000)!;
    const metricId = simulator.truth.dailyUsage().find((u) => u.subscription_id === subscription.id)!.billable_metric_id;
    const metric = generateAccount({ ...SHAPE, now: simulator.clock.now() }).catalogue.metrics.find((m) => m.id === metricId)!;
    const day = addDays(localDate(simulator.clock.now(), subscription.timezone), -4);
    const from = startOfLocalDay(day, subscription.timezone);
    const orb = new Orb({ apiKey: 'test-key', baseURL: baseUrl, maxRetries: 0 });
    const backfill = await orb.events.backfills.create({
      timeframe_start: from.toISOString(),
      timeframe_end: startOfLocalDay(addDays(day, 1), subscription.timezone).toISOString(),
      customer_id: subscription.customer_id,
      replace_existing_events: false,
    });
    await orb.events.ingest({
      backfill_id: backfill.id,
      events: [{ customer_id: subscription.customer_id, event_name: metric.eventName, timestamp: new Date(from.getTime() + 3_600_000).toISOString(), properties: { [metric.property]: 250_000 }, idempotency_key: 'backfilled-1' }],
    });
    await orb.events.backfills.close(backfill.id);
    const factsBefore = await withDestination(target, schema, factsIn);
    simulator.requests.reset();

    // Reading the truth reflects the backfill (Orb's side of it), and the simulator sends backfill.reflected.
    const truth = simulatorTruth(simulator);
    expect(truth.dailySubscriptionCosts()).not.toEqual(factsBefore.dailySubscriptionCosts);
    await simulator.webhooks.settled();
    expect(simulator.webhooks.sent().map((d) => [d.type, d.status])).toEqual([['backfill.reflected', 202]]);
    const health = await eventually(async () => {
      const { body } = await service.health();
      expect(body).toMatchObject({ running: false, last_run: { status: 'succeeded', trigger: 'webhook' } });
      return body;
    });

    // A replay of the delivery, byte for byte, is acknowledged and does nothing.
    const [delivery] = simulator.webhooks.sent();
    const callsAfterSync = simulator.requests.countsByEndpoint();
    const replay = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Orb-Timestamp': delivery!.timestamp, 'X-Orb-Signature': delivery!.signature },
      body: delivery!.body,
    });
    expect([replay.status, await replay.json()]).toEqual([200, { outcome: 'duplicate', reason: 'this event was already received' }]);
    const { body: afterReplay } = await service.health();
    expect(afterReplay).toMatchObject({ running: false, last_run: health.last_run });

    // The figures: one sync, its Orb calls exactly those the simulator received; every webhook counted by outcome.
    const { samples } = await service.metrics();
    expect(byLabel(samples, 'orb_sync_runs_total', 'status')).toEqual({ succeeded: 1, failed: 0, cancelled: 0 });
    expect(byLabel(samples, 'orb_sync_api_calls_total', 'endpoint')).toEqual(callsAfterSync);
    expect(simulator.requests.countsByEndpoint()).toEqual(callsAfterSync);
    expect(byLabel(samples, 'orb_sync_webhooks_total', 'outcome')).toEqual({ accepted: 1, bad_signature: 1, duplicate: 1, ignored: 1, malformed: 1, stale: 1, unsigned: 1 });

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(143);
    const facts = await withDestination(target, schema, factsIn);
    expect(facts.dailyCosts).toEqual(truth.dailyCosts());
    expect(facts.dailySubscriptionCosts).toEqual(truth.dailySubscriptionCosts());
    const recorded = await withDestination(target, schema, async (d) => ({
      runs: await d.query<{ status: string }>('select status from sync_runs order by run_id'),
      restatements: await d.query<{ trigger: string; status: string }>("select trigger, status from restatements where trigger = 'backfill'"),
    }));
    // The first sync here, then the webhook's: nothing else ran.
    expect(recorded.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(recorded.restatements).toEqual([{ trigger: 'backfill', status: 'done' }]);
  });
});
