/** GET /events/volume: hourly UTC buckets by event timestamp, cursor-paged, agreeing with the ground truth. */
import { describe, expect, it } from 'vitest';
import { NOW, start, type Running } from './helpers.js';

const HOUR_MS = 3_600_000;

async function volume(r: Running, query: Record<string, string>): Promise<any> {
  const response = await r.get(`/v1/events/volume?${new URLSearchParams(query)}`);
  expect(response.status).toBe(200);
  return response.body;
}

/** Every bucket from the first page on, following next_cursor. */
async function allPages(r: Running, query: Record<string, string>): Promise<{ buckets: any[]; pages: number }> {
  const buckets = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await volume(r, cursor ? { ...query, cursor } : query);
    buckets.push(...page.data);
    cursor = page.pagination_metadata.next_cursor;
    expect(page.pagination_metadata.has_more).toBe(cursor !== null);
    pages++;
  } while (cursor);
  return { buckets, pages };
}

const hourStarts = (from: string, hours: number) => Array.from({ length: hours }, (_, k) => new Date(Date.parse(from) + k * HOUR_MS).toISOString().replace('.000Z', 'Z'));

describe('event volume', () => {
  it("buckets are whole UTC hours in ascending order, and a day's counts are the truth's hour by hour", async () => {
    const r = await start();
    const [from, to] = ['2025-03-13T00:00:00Z', '2025-03-14T00:00:00Z'];
    const page = await volume(r, { timeframe_start: from, timeframe_end: to, limit: '24' });
    expect(page.pagination_metadata).toEqual({ has_more: false, next_cursor: null });
    expect(page.data.map((b: any) => b.timeframe_start)).toEqual(hourStarts(from, 24));
    for (const b of page.data) expect(Date.parse(b.timeframe_end) - Date.parse(b.timeframe_start)).toBe(HOUR_MS);
    const truth = r.sim.truth.hourlyVolume(new Date(from), new Date(to));
    expect(page.data.map((b: any) => ({ timeframe_start: b.timeframe_start, count: b.count }))).toEqual(truth);
    const total = page.data.reduce((n: number, b: any) => n + b.count, 0);
    expect(total).toBe(truth.reduce((n, h) => n + h.count, 0));
    expect(total).toBeGreaterThan(0);
  });

  it('timestamps inside an hour include that hour; an hour-aligned end is exclusive', async () => {
    const r = await start();
    const starts = async (query: Record<string, string>) => (await volume(r, query)).data.map((b: any) => b.timeframe_start);
    const expected = hourStarts('2025-03-13T05:00:00Z', 4);
    expect(await starts({ timeframe_start: '2025-03-13T05:30:00Z', timeframe_end: '2025-03-13T08:15:00Z' })).toEqual(expected);
    expect(await starts({ timeframe_start: '2025-03-13T05:30:00Z', timeframe_end: '2025-03-13T08:00:00Z' })).toEqual(expected.slice(0, 3));
  });

  it('timeframe_end defaults to now, and a clock inside an hour includes that hour so far', async () => {
    const r = await start();
    const lastHours = await volume(r, { timeframe_start: '2025-03-15T05:00:00Z' });
    expect(lastHours.data.map((b: any) => b.timeframe_start)).toEqual(hourStarts('2025-03-15T05:00:00Z', 5));
    expect(lastHours.data.at(-1).timeframe_end).toBe(NOW);

    r.sim.clock.set('2025-03-15T10:30:00Z');
    const current = (await volume(r, { timeframe_start: NOW })).data;
    expect(current).toEqual([{ timeframe_start: NOW, timeframe_end: '2025-03-15T11:00:00Z', count: r.sim.truth.hourlyVolume(new Date(NOW))[0]!.count }]);
  });

  it('paging through three days with any limit from 1 to 30 returns every hour exactly once, with the default limit 20', async () => {
    const r = await start();
    const query = { timeframe_start: '2025-03-10T00:00:00Z', timeframe_end: '2025-03-13T00:00:00Z' };
    const truth = r.sim.truth.hourlyVolume(new Date(query.timeframe_start), new Date(query.timeframe_end));
    expect(truth).toHaveLength(72);
    for (let limit = 1; limit <= 30; limit++) {
      const { buckets, pages } = await allPages(r, { ...query, limit: String(limit) });
      expect(pages).toBe(Math.ceil(72 / limit));
      expect(buckets.map((b) => ({ timeframe_start: b.timeframe_start, count: b.count }))).toEqual(truth);
    }
    expect((await volume(r, query)).data).toHaveLength(20);
  });

  it('a missing or invalid timeframe_start, a bad limit or a reversed timeframe is a 400', async () => {
    const r = await start();
    const bad: Record<string, string>[] = [
      {},
      { timeframe_start: 'last week' },
      { timeframe_start: '2025-03-10T00:00:00Z', limit: '0' },
      { timeframe_start: '2025-03-10T00:00:00Z', limit: '101' },
      { timeframe_start: '2025-03-10T00:00:00Z', cursor: 'not-a-cursor' },
      { timeframe_start: '2025-03-10T00:00:00Z', timeframe_end: '2025-03-09T00:00:00Z' },
    ];
    for (const query of bad) {
      const response = await r.get(`/v1/events/volume?${new URLSearchParams(query)}`);
      expect(response.status, JSON.stringify(query)).toBe(400);
      expect(response.body.type).toMatch(/^https:\/\/docs\.withorb\.com\/reference\/error-responses#400-/);
    }
  });

  it('the SDK reads a page', async () => {
    const r = await start();
    const page = await r.client.events.volume.list({ timeframe_start: '2025-03-14T00:00:00Z', limit: 3 });
    expect(page.data.map((b) => b.timeframe_start)).toEqual(hourStarts('2025-03-14T00:00:00Z', 3));
  });
});
