import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Orb from 'orb-billing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';

const SECRET = 'whsec_simulated';
const BIN = join(import.meta.dirname, '../../bin/orb-sync.js');

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook endpoint that records what it gets and answers `status` (null: never answers). */
async function receiver(status: number | null = 200) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (status !== null) res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/orb`;
  cleanups.push(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return { url, received };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A simulator whose clock starts at the real time, so Orb's SDK finds its webhooks fresh. */
async function simulator(options: SimulatorOptions) {
  const sim: Simulator = createSimulator({ seed: 3, customers: 6, subscriptions: 20, days: 40, now: new Date(), ...options });
  cleanups.push(() => sim.close());
  const baseUrl = await sim.listen();
  return { sim, orb: new Orb({ apiKey: 'k', baseURL: baseUrl, maxRetries: 0 }) };
}

/** Signed as Orb documents it, independently of the simulator's code. */
function signatureOf({ headers, body }: Received | { headers: Record<string, string>; body: string }, secret = SECRET): boolean {
  const timestamp = String(headers['x-orb-timestamp']);
  return headers['x-orb-signature'] === `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:${body}`).digest('hex')}`;
}

/** A closed backfill of the first customer's last day; reflected on the next API request. */
async function closedBackfill(orb: Orb, sim: Simulator) {
  const customer = sim.truth.customers()[0]!;
  const to = new Date(Math.floor(sim.clock.now().getTime() / 3_600_000) * 3_600_000);
  const backfill = await orb.events.backfills.create({
    timeframe_start: new Date(to.getTime() - 86_400_000).toISOString(),
    timeframe_end: to.toISOString(),
    customer_id: customer.id,
  });
  await orb.events.backfills.close(backfill.id);
  return backfill.id;
}

const bodyOf = (received: Received) => JSON.parse(received.body) as Record<string, any>;

describe('the simulator sends Orb webhooks', () => {
  it('backfill.reflected and backfill.reverted, signed as Orb signs, with the backfill as the API renders it', async () => {
    const endpoint = await receiver();
    const { sim, orb } = await simulator({ webhooks: { url: endpoint.url, secret: SECRET } });
    const id = await closedBackfill(orb, sim);
    expect(sim.webhooks.sent()).toEqual([]); // closed, not yet reflected
    const reflected = await orb.events.backfills.fetch(id); // the request that reflects it
    await sim.webhooks.settled();
    expect(endpoint.received).toHaveLength(1);
    const [delivery] = endpoint.received;
    expect(delivery!.headers['x-orb-timestamp']).toBe(sim.clock.now().toISOString());
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(signatureOf(delivery!)).toBe(true);
    // Orb's SDK verifies it (signature and freshness) and reads the same event.
    const unwrapped = new Orb({ apiKey: 'k', webhookSecret: SECRET }).webhooks.unwrap(delivery!.body, delivery!.headers as Record<string, string>);
    expect(unwrapped).toEqual(bodyOf(delivery!));
    expect(bodyOf(delivery!)).toEqual({
      id: expect.stringMatching(/^whe_/),
      created_at: sim.clock.now().toISOString().replace('.000Z', 'Z'),
      type: 'backfill.reflected',
      backfill: reflected,
      properties: {},
    });
    expect(reflected.status).toBe('reflected');

    await orb.events.backfills.revert(id); // pending_revert, then reverted on the next request
    const reverted = await orb.events.backfills.fetch(id);
    await sim.webhooks.settled();
    expect(reverted.status).toBe('reverted');
    expect(endpoint.received.map((r) => bodyOf(r).type)).toEqual(['backfill.reflected', 'backfill.reverted']);
    expect(bodyOf(endpoint.received[1]!).backfill).toEqual(reverted);
    expect(signatureOf(endpoint.received[1]!)).toBe(true);
    expect(new Set(endpoint.received.map((r) => bodyOf(r).id)).size).toBe(2);

    // Every delivery is on record with the receiver's answer, exactly as sent.
    expect(sim.webhooks.sent().map(({ type, status, error }) => ({ type, status, error }))).toEqual([
      { type: 'backfill.reflected', status: 200, error: null },
      { type: 'backfill.reverted', status: 200, error: null },
    ]);
    expect(sim.webhooks.sent().map((d) => d.body)).toEqual(endpoint.received.map((r) => r.body));
  });

  it('subscription.ended for a backdated cancellation; started, plan_changed and ended as the clock passes them, once, in order', async () => {
    const endpoint = await receiver();
    const { sim } = await simulator({ webhooks: { url: endpoint.url, secret: SECRET } });
    const now = sim.clock.now();
    const active = sim.truth.subscriptions().find((s) => s.status === 'active' && s.end_date === null)!;
    sim.history.endSubscription(active.id, new Date(now.getTime() - 3 * 86_400_000));
    await sim.webhooks.settled();
    expect(endpoint.received).toHaveLength(1);
    expect(bodyOf(endpoint.received[0]!)).toMatchObject({ type: 'subscription.ended', subscription: { id: active.id, status: 'ended' }, properties: {} });
    expect(endpoint.received[0]!.headers['x-orb-timestamp']).toBe(now.toISOString());
    expect(bodyOf(endpoint.received[0]!).subscription.end_date).toBe(sim.truth.subscriptions().find((s) => s.id === active.id)!.end_date);

    // What the next 3 weeks hold, from the ground truth: starts, plan changes, ends.
    const later = new Date(now.getTime() + 21 * 86_400_000);
    const inWindow = (instant: string | null) => instant !== null && Date.parse(instant) > now.getTime() && Date.parse(instant) <= later.getTime();
    const schedules = sim.truth.schedules();
    const expected = sim.truth.subscriptions().flatMap((s) => {
      const items = schedules.filter((item) => item.subscription_id === s.id);
      return [
        ...(inWindow(s.start_date) ? [{ at: s.start_date, type: 'subscription.started', id: s.id, plan: items[0]!.plan_id }] : []),
        ...items.slice(1).filter((item) => inWindow(item.start_date)).map((item, i) => ({ at: item.start_date, type: 'subscription.plan_changed', id: s.id, plan: item.plan_id, previous: items[i]!.plan_id })),
        ...(inWindow(s.end_date) ? [{ at: s.end_date!, type: 'subscription.ended', id: s.id, plan: items.at(-1)!.plan_id }] : []),
      ];
    });
    expect(expected.map((e) => e.type)).toEqual(expect.arrayContaining(['subscription.started', 'subscription.plan_changed']));

    sim.clock.advance({ days: 7 });
    sim.clock.set(later);
    sim.clock.set(now); // moving back passes nothing
    sim.clock.set(later); // nor does passing the same instants again
    await sim.webhooks.settled();
    const events = endpoint.received.slice(1).map(bodyOf);
    expect(events.map((e) => e.created_at)).toEqual([...events.map((e) => e.created_at)].sort());
    const seen = events.map((e) => ({
      at: e.created_at,
      type: e.type,
      id: e.subscription.id,
      plan: e.subscription.plan.id,
      ...(e.type === 'subscription.plan_changed' && { previous: e.properties.previous_plan_id }),
    }));
    const byTime = (a: { at: string; id: string }, b: { at: string; id: string }) => (a.at === b.at ? (a.id < b.id ? -1 : 1) : a.at < b.at ? -1 : 1);
    const normalized = (list: typeof seen) => list.map((e) => ({ ...e, at: new Date(e.at).toISOString() })).sort(byTime);
    expect(normalized(seen)).toEqual(normalized(expected));
    expect(events.filter((e) => e.type !== 'subscription.started').every((e) => e.subscription.status !== 'upcoming')).toBe(true);
    expect(endpoint.received.every((r) => signatureOf(r))).toBe(true);
    // Sent when the clock got there: stamped with the clock's time then, not the moment's.
    const moves = [new Date(now.getTime() + 7 * 86_400_000).toISOString(), later.toISOString()];
    for (const received of endpoint.received.slice(1)) {
      expect(moves).toContain(received.headers['x-orb-timestamp']);
      expect(Date.parse(String(received.headers['x-orb-timestamp']))).toBeGreaterThanOrEqual(Date.parse(bodyOf(received).created_at));
    }
  });

  it('never holds up or fails the API: a receiver that is down, errs or hangs is on record, the requests are answered', async () => {
    for (const behaviour of ['down', 500, 'hang'] as const) {
      const endpoint = behaviour === 'down' ? { url: 'http://127.0.0.1:1/webhooks/orb', received: [] } : await receiver(behaviour === 'hang' ? null : behaviour);
      const { sim, orb } = await simulator({ webhooks: { url: endpoint.url, secret: SECRET } });
      const id = await closedBackfill(orb, sim);
      expect((await orb.events.backfills.fetch(id)).status, String(behaviour)).toBe('reflected');
      await orb.events.backfills.revert(id);
      expect((await orb.events.backfills.fetch(id)).status).toBe('reverted');
      if (behaviour === 'hang') {
        // The first delivery is still unanswered while the API has answered everything since.
        await vi.waitFor(() => expect(endpoint.received).toHaveLength(1));
        expect(sim.webhooks.sent().map((d) => [d.status, d.error])).toEqual([[null, null], [null, null]]);
        await sim.close();
      }
      await sim.webhooks.settled();
      const outcomes = sim.webhooks.sent().map((d) => (d.status === null ? 'error' : d.status));
      expect(outcomes, String(behaviour)).toEqual(behaviour === 500 ? [500, 500] : ['error', 'error']);
      expect(sim.webhooks.sent().every((d) => d.status !== null || d.error !== null)).toBe(true);
    }
  });

  it('sends nothing without a URL, and refuses a target that is not one', async () => {
    const { sim, orb } = await simulator({});
    const id = await closedBackfill(orb, sim);
    await orb.events.backfills.fetch(id);
    expect(sim.webhooks.sent()).toEqual([]);
    expect(() => createSimulator({ webhooks: { url: 'ftp://example.com/x', secret: SECRET } })).toThrow(/http\(s\) URL/);
    expect(() => createSimulator({ webhooks: { url: 'http://127.0.0.1:9/x', secret: '' } })).toThrow(/secret/);
  });

  it('orb-sync simulate --webhook-url --webhook-secret sends them, and refuses a URL without a secret', async () => {
    const endpoint = await receiver();
    const child = spawn(process.execPath, [BIN, 'simulate', '--port', '0', '--now', new Date().toISOString(), '--webhook-url', endpoint.url, '--webhook-secret', SECRET], {
      env: { PATH: process.env.PATH! },
    });
    cleanups.push(async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('close', resolve));
    });
    const baseUrl = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.once('close', (code) => reject(new Error(`simulate exited ${code}`)));
    });
    const orb = new Orb({ apiKey: 'k', baseURL: baseUrl, maxRetries: 0 });
    const customer = (await orb.customers.list()).data[0]!;
    const to = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const backfill = await orb.events.backfills.create({ timeframe_start: new Date(to.getTime() - 3_600_000).toISOString(), timeframe_end: to.toISOString(), customer_id: customer.id });
    await orb.events.backfills.close(backfill.id);
    await orb.events.backfills.fetch(backfill.id);
    await vi.waitFor(() => expect(endpoint.received).toHaveLength(1));
    expect(bodyOf(endpoint.received[0]!)).toMatchObject({ type: 'backfill.reflected', backfill: { id: backfill.id } });
    expect(signatureOf(endpoint.received[0]!)).toBe(true);

    const refused = spawn(process.execPath, [BIN, 'simulate', '--port', '0', '--webhook-url', endpoint.url], { env: { PATH: process.env.PATH! } });
    let stderr = '';
    refused.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await new Promise((resolve) => refused.once('close', resolve))).toBe(1);
    expect(stderr).toBe('orb-sync simulate: --webhook-url needs a secret: --webhook-secret or ORB_WEBHOOK_SECRET\n');
  });
});
