import Orb from 'orb-billing';
import { describe, expect, it } from 'vitest';
import type { DestinationTarget } from '../../src/config.js';
import { ENGINES } from '../helpers/engines.js';
import { simulatedAccounts, syncFrom, withDestination } from '../helpers/sync-fixture.js';

const SHAPE = { seed: 6, customers: 6, subscriptions: 8, days: 40 };
const NOW = '2026-05-20T09:00:00Z';
const DAY_MS = 86_400_000;
const DIM_COLUMNS = ['backfill_id', 'customer_id', 'timeframe_start', 'timeframe_end', 'status', 'replace_existing_events', 'created_at', 'close_time', 'reverted_at'];

const instant = (value: unknown) => (value === null ? 'null' : new Date(String(value)).toISOString());

/** Orb's backfills as dim_backfills rows: every column, from the simulator's own listing. */
async function orbBackfills(orb: Orb): Promise<string[]> {
  const rows: string[] = [];
  for await (const b of orb.events.backfills.list({ limit: 100 })) {
    rows.push([b.id, b.customer_id, instant(b.timeframe_start), instant(b.timeframe_end), b.status, b.replace_existing_events, instant(b.created_at), instant(b.close_time), instant(b.reverted_at)].map(String).join('|'));
  }
  return rows.sort();
}

async function dimBackfills(target: DestinationTarget, schema: string): Promise<string[]> {
  const rows = await withDestination(target, schema, (d) => d.query(`select ${DIM_COLUMNS.join(', ')} from dim_backfills`));
  return rows
    .map((r) => DIM_COLUMNS.map((c) => (/(_start|_end|_at|_time)$/.test(c) ? instant(r[c]) : String(r[c]))).join('|'))
    .sort();
}

async function history(target: DestinationTarget, schema: string): Promise<Array<{ backfill_id: string; status: string; run_id: string }>> {
  return withDestination(target, schema, (d) => d.query('select backfill_id, status, run_id from backfill_status_history order by backfill_id, seen_at'));
}

describe.each(ENGINES)('backfills into $name', (engine) => {
  const account = simulatedAccounts(engine);

  async function setUp() {
    // A closed backfill is reflected (and a revert done) an hour after, whatever the requests.
    const fresh = await account({ ...SHAPE, now: NOW, backfillReflection: { requests: 0, ms: 3_600_000 } });
    const { simulator, baseUrl } = fresh;
    const orb = new Orb({ apiKey: 'test-key', baseURL: baseUrl, maxRetries: 0 });
    let runs = 0;
    /** A sync, then dim_backfills compared with Orb's list; returns the run's id and the backfill pages it read. */
    const sync = async () => {
      runs += 1;
      simulator.requests.reset();
      await syncFrom(baseUrl, fresh.target, fresh.schema);
      const pages = simulator.requests.log().filter((r) => r.path === '/events/backfills' && r.method === 'GET').length;
      expect(await dimBackfills(fresh.target, fresh.schema)).toEqual(await orbBackfills(orb));
      return { runId: String(runs), pages };
    };
    return { ...fresh, simulator, orb, sync };
  }

  it('records each status a backfill moves through between syncs, once, and dim_backfills equals Orb\'s', async () => {
    const { target, schema, simulator, orb, sync } = await setUp();
    const [customer] = simulator.truth.customers();
    const from = new Date(Date.parse(NOW) - 5 * DAY_MS).toISOString();
    const to = new Date(Date.parse(NOW) - 4 * DAY_MS).toISOString();
    const scoped = await orb.events.backfills.create({ timeframe_start: from, timeframe_end: to, customer_id: customer!.id, replace_existing_events: true });
    const everyone = await orb.events.backfills.create({
      timeframe_start: new Date(Date.parse(NOW) - 20 * DAY_MS).toISOString(),
      timeframe_end: new Date(Date.parse(NOW) - 19 * DAY_MS).toISOString(),
      replace_existing_events: false,
    });
    const created = (await sync()).runId;
    await orb.events.backfills.close(scoped.id);
    await sync(); // closed, not reflected yet: still pending
    simulator.clock.advance({ hours: 1 });
    const reflected = (await sync()).runId;
    await orb.events.backfills.revert(scoped.id);
    const reverting = (await sync()).runId;
    simulator.clock.advance({ hours: 1 });
    const reverted = (await sync()).runId;
    await sync(); // nothing changed

    expect(await history(target, schema)).toEqual(
      [
        { backfill_id: everyone.id, status: 'pending', run_id: created },
        { backfill_id: scoped.id, status: 'pending', run_id: created },
        { backfill_id: scoped.id, status: 'reflected', run_id: reflected },
        { backfill_id: scoped.id, status: 'pending_revert', run_id: reverting },
        { backfill_id: scoped.id, status: 'reverted', run_id: reverted },
      ].sort((a, b) => (a.backfill_id < b.backfill_id ? -1 : a.backfill_id > b.backfill_id ? 1 : 0)),
    );
    const [dim] = await withDestination(target, schema, (d) => d.query('select customer_id from dim_backfills where backfill_id = $1', [everyone.id]));
    expect(dim!.customer_id).toBeNull();
  });

  it('keeps a transition it saw even when the run fails after it', async () => {
    const { target, schema, simulator, orb, sync } = await setUp();
    const backfill = await orb.events.backfills.create({
      timeframe_start: new Date(Date.parse(NOW) - 3 * DAY_MS).toISOString(),
      timeframe_end: new Date(Date.parse(NOW) - 2 * DAY_MS).toISOString(),
      replace_existing_events: false,
    });
    await sync();
    await orb.events.backfills.close(backfill.id);
    simulator.clock.advance({ hours: 1 });
    simulator.faults.inject({ path: /\/costs$/, status: 500, times: Infinity });
    await expect(sync()).rejects.toThrow(/500/);
    expect((await history(target, schema)).map((h) => h.status)).toEqual(['pending', 'reflected']);
  });

  it('once read whole, stops after a page of reverted backfills when no older one can still change', async () => {
    const { simulator, orb, sync } = await setUp();
    const day = (n: number) => new Date(Date.parse(NOW) - n * DAY_MS).toISOString();
    // 150 backfills, reverted before they were closed; the oldest one is reflected.
    const oldest = await orb.events.backfills.create({ timeframe_start: day(30), timeframe_end: day(29), replace_existing_events: false });
    await orb.events.backfills.close(oldest.id);
    simulator.clock.advance({ hours: 1 });
    for (let n = 0; n < 149; n += 1) {
      const b = await orb.events.backfills.create({ timeframe_start: day(28), timeframe_end: day(27), replace_existing_events: false });
      await orb.events.backfills.revert(b.id);
    }
    // orb-sync starts watching after they were created: none of them is a change it must restate.
    simulator.clock.advance({ ms: 60_000 });
    expect((await sync()).pages).toBe(2);
    // The reflected one on page 2 could still be reverted: read whole again.
    expect((await sync()).pages).toBe(2);

    await orb.events.backfills.revert(oldest.id);
    simulator.clock.advance({ hours: 1 });
    expect((await sync()).pages).toBe(2); // sees it reverted
    expect((await sync()).pages).toBe(1);
  });
});
