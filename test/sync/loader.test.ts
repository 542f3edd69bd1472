import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Destination } from '../../src/destinations/destination.js';
import { RAW_SUBSCRIPTION_COST_DAYS, RAW_SUBSCRIPTION_PRICE_COSTS } from '../../src/schema/staging.js';
import { childRows, version, type StreamContext } from '../../src/streams/stream.js';
import { commitBatch, keyedVersions, type CommitItem } from '../../src/sync/loader.js';
import { ENGINES, migratedDestination } from '../helpers/engines.js';

/** A cost day of sub_a with one price row; `total` tells versions apart. */
function costDay(day: string, total: string) {
  const bounds = { subscription_id: 'sub_a', day, timeframe_start: '2026-03-01T00:00:00.000Z', timeframe_end: `${day}T00:00:00.000Z` };
  return version(
    RAW_SUBSCRIPTION_COST_DAYS,
    { ...bounds, subtotal: total, total, period_first_day: '2026-03-01', before_start_date: false, is_deleted: false },
    childRows(RAW_SUBSCRIPTION_PRICE_COSTS, [{ ...bounds, price_id: 'price_1', billable_metric_id: null, currency: 'USD', quantity: '1', subtotal: total, total }]),
  );
}

/** One partition of sub_a: these days returned by a read that covered [from, to). */
function read(days: ReturnType<typeof costDay>[], from: string, to: string): CommitItem {
  return {
    partition: 'sub_a',
    versions: keyedVersions(days),
    cursor: to,
    coverage: { table: RAW_SUBSCRIPTION_COST_DAYS, partition: { subscription_id: 'sub_a' }, from, to },
  };
}

describe.each(ENGINES)('commitBatch on $name', (engine) => {
  let destination: Destination;
  let ctx: StreamContext;
  let close: () => Promise<void>;

  beforeEach(async () => {
    ({ destination, close } = await migratedDestination(engine));
    const tally = { rowsLoaded: 0, stagingRows: {}, factRows: {}, durationsMs: {}, restatements: [] };
    ctx = { destination, runId: '1', startedAt: new Date(), tally, log: { error() {} }, rejects: [] } as unknown as StreamContext;
  });

  afterEach(async () => {
    await close?.();
  });

  /** Every stored version of sub_a's days, oldest first: day, total, deleted, its content hash. */
  const stored = () =>
    destination.query<{ day: string; total: string | null; is_deleted: boolean; content_hash: string; load_id: string }>(
      "select day, total, is_deleted, content_hash, load_id from raw_subscription_cost_days where subscription_id = 'sub_a' order by load_id, day",
    );

  it('appends what changed, once per key, each row with its content hash', async () => {
    const first = read([costDay('2026-03-02', '1.5'), costDay('2026-03-03', '2.5')], '2026-03-01', '2026-03-04');
    expect(await commitBatch(ctx, 'subscription_costs', [first])).toBe(4); // two days, a price row each
    const hashes = new Map(first.versions.map(({ version, hash }) => [version.row.day, hash]));
    expect((await stored()).map(({ day, content_hash }) => [day, content_hash])).toEqual([...hashes]);

    // The same read again: nothing to append. A day read twice in one commit: its last version, once.
    expect(await commitBatch(ctx, 'subscription_costs', [first])).toBe(0);
    const again = read([costDay('2026-03-02', '1.5'), costDay('2026-03-03', '9.75')], '2026-03-01', '2026-03-04');
    const twice = read([costDay('2026-03-03', '3.25')], '2026-03-03', '2026-03-04');
    expect(await commitBatch(ctx, 'subscription_costs', [again, twice])).toBe(2);
    expect((await stored()).slice(2).map(({ day, total }) => [day, total])).toEqual([['2026-03-03', '3.25']]);
    expect(await destination.query('select count(*) as n from raw_subscription_price_costs')).toEqual([{ n: '3' }]);
  });

  it('deletes the stored days a read covered and did not return, once, and no day outside it', async () => {
    await commitBatch(ctx, 'subscription_costs', [
      read([costDay('2026-03-02', '1'), costDay('2026-03-03', '2'), costDay('2026-03-04', '3'), costDay('2026-03-05', '4')], '2026-03-01', '2026-03-06'),
    ]);
    // A re-read of [03-03, 03-05) returns 03-04 only: 03-03 is gone; 03-02 and 03-05 lie outside it.
    expect(await commitBatch(ctx, 'subscription_costs', [read([costDay('2026-03-04', '3')], '2026-03-03', '2026-03-05')])).toBe(1);
    const latest = async () => {
      const byDay = new Map((await stored()).map((row) => [row.day, row]));
      return [...byDay.values()].map(({ day, total, is_deleted }) => [day, total, is_deleted]);
    };
    expect(await latest()).toEqual([
      ['2026-03-02', '1', false],
      ['2026-03-03', null, true],
      ['2026-03-04', '3', false],
      ['2026-03-05', '4', false],
    ]);
    // Gone already: the same re-read deletes nothing more; a read returning it again restores it.
    expect(await commitBatch(ctx, 'subscription_costs', [read([costDay('2026-03-04', '3')], '2026-03-03', '2026-03-05')])).toBe(0);
    expect(await commitBatch(ctx, 'subscription_costs', [read([costDay('2026-03-03', '2')], '2026-03-03', '2026-03-04')])).toBe(2);
    expect((await latest()).find(([day]) => day === '2026-03-03')).toEqual(['2026-03-03', '2', false]);
    // A read that returned nothing: every stored day it covered is gone.
    expect(await commitBatch(ctx, 'subscription_costs', [read([], '2026-03-05', '2026-03-06')])).toBe(1);
    expect((await latest()).find(([day]) => day === '2026-03-05')).toEqual(['2026-03-05', null, true]);
  });
});
