import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/simulator/index.js';
import { ENGINES } from '../helpers/engines.js';
import { simulatedAccounts, syncFrom, withDestination } from '../helpers/sync-fixture.js';

const SHAPE = { seed: 2, customers: 8, subscriptions: 12, days: 60 };
const NOW = '2026-05-20T09:00:00Z';
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const hours = (rows: ReadonlyArray<{ hour: string; event_count: string | number }>) =>
  rows.map((r) => `${new Date(r.hour).toISOString()}=${r.event_count}`).sort();
const truthHours = (simulator: Simulator, from: Date, to: Date) =>
  hours(simulator.truth.hourlyVolume(from, to).map((v) => ({ hour: v.timeframe_start, event_count: v.count })));
const volumePages = (simulator: Simulator) => simulator.requests.log().filter((r) => r.path === '/events/volume');

describe.each(ENGINES)('hourly event volume into $name', (engine) => {
  const account = simulatedAccounts(engine);

  async function setUp() {
    const fresh = await account({ ...SHAPE, now: NOW });
    const facts = () => withDestination(fresh.target, fresh.schema, async (d) => hours(await d.query('select hour, event_count from fct_hourly_event_volume')));
    return { ...fresh, facts };
  }

  it('reads volumeDays of whole hours in ceil(hours / 100) pages, then late events in the re-read window', async () => {
    const { target, schema, simulator, baseUrl, facts } = await setUp();
    const first = new Date(Date.parse(NOW) - 30 * DAY_MS);
    await syncFrom(baseUrl, target, schema);
    expect(await facts()).toEqual(truthHours(simulator, first, new Date(NOW)));
    expect(volumePages(simulator)).toHaveLength(Math.ceil((30 * 24) / 100));

    // Six hours on, events that arrived late (inside the 12-hour grace period) changed past hours.
    const before = truthHours(simulator, first, new Date(NOW));
    simulator.clock.advance({ hours: 6 });
    simulator.requests.reset();
    const now = new Date(Date.parse(NOW) + 6 * HOUR_MS);
    expect(truthHours(simulator, first, new Date(NOW))).not.toEqual(before);
    await syncFrom(baseUrl, target, schema);
    expect(await facts()).toEqual(truthHours(simulator, first, now));
    // The re-read: the last 2 days before the watermark, and the 6 new hours.
    expect(volumePages(simulator)).toHaveLength(Math.ceil((2 * 24 + 6) / 100));
  });

  it('reads from the start date, and volumeRereadDays back from the watermark', async () => {
    const { target, schema, simulator, baseUrl, facts } = await setUp();
    await syncFrom(baseUrl, target, schema, { startDate: '2026-05-01' });
    expect(await facts()).toEqual(truthHours(simulator, new Date('2026-05-01T00:00:00Z'), new Date(NOW)));
    expect(volumePages(simulator)).toHaveLength(Math.ceil((19 * 24 + 9) / 100));

    simulator.clock.advance({ days: 1 });
    simulator.requests.reset();
    await syncFrom(baseUrl, target, schema, { startDate: '2026-05-01', volumeRereadDays: '5' });
    expect(await facts()).toEqual(truthHours(simulator, new Date('2026-05-01T00:00:00Z'), new Date(Date.parse(NOW) + DAY_MS)));
    const [request] = volumePages(simulator);
    expect(new URLSearchParams(request!.query).get('timeframe_start')).toBe(new Date(Date.parse(NOW) - 5 * DAY_MS).toISOString());
  });

  it('stops with a clear error when a page\'s cursor repeats, and keeps no watermark', async () => {
    const { target, schema, simulator, baseUrl } = await setUp();
    simulator.faults.inject({ path: '/events/volume', kind: 'stuck-cursor', times: Infinity });
    await expect(syncFrom(baseUrl, target, schema)).rejects.toThrow(/event_volume.*cursor .* twice; pagination does not advance/);
    expect(volumePages(simulator)).toHaveLength(2);
    const state = await withDestination(target, schema, (d) => d.query("select * from sync_state where stream = 'event_volume'"));
    expect(state).toEqual([]);
  });
});
