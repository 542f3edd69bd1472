/**
 * Customer-local days, checked on the product's time-zone code and on the simulator's own (a
 * different algorithm, so that the oracle the sync tests rely on cannot share a mistake with it).
 */
import { describe, expect, it } from 'vitest';
import * as simulator from '../../src/simulator/time-zone.js';
import * as product from '../../src/util/time-zone.js';

const HOUR_MS = 3_600_000;
const IMPLEMENTATIONS = [
  ['product', product],
  ['simulator', simulator],
] as const;

/**
 * [zone, local date, its first instant, its length in hours], worked out by hand from the zones'
 * rules (and matching Temporal's ZonedDateTime.startOfDay/hoursInDay).
 */
const DAYS: readonly (readonly [string, string, string, number])[] = [
  ['America/Santiago', '2026-09-05', '2026-09-05T04:00:00Z', 24],
  // DST starts at midnight: 00:00 -04 becomes 01:00 -03, so the day starts at 01:00.
  ['America/Santiago', '2026-09-06', '2026-09-06T04:00:00Z', 23],
  ['America/Santiago', '2026-09-07', '2026-09-07T03:00:00Z', 24],
  // DST ends at midnight: 24:00 -03 becomes 23:00 -04 of the same day, and the next day starts an hour later.
  ['America/Santiago', '2026-04-04', '2026-04-04T03:00:00Z', 25],
  ['America/Santiago', '2026-04-05', '2026-04-05T04:00:00Z', 24],
  // Havana: 00:00 -05 becomes 01:00 -04; in November 01:00 -04 becomes 00:00 -05, and the first midnight counts.
  ['America/Havana', '2026-03-08', '2026-03-08T05:00:00Z', 23],
  ['America/Havana', '2026-11-01', '2026-11-01T04:00:00Z', 25],
  ['Asia/Kolkata', '2026-03-02', '2026-03-01T18:30:00Z', 24],
  ['Asia/Kathmandu', '2026-06-01', '2026-05-31T18:15:00Z', 24],
  ['Australia/Adelaide', '2026-04-05', '2026-04-04T13:30:00Z', 25],
  ['Australia/Adelaide', '2026-10-04', '2026-10-03T14:30:00Z', 23],
  ['Australia/Adelaide', '2026-10-05', '2026-10-04T13:30:00Z', 24],
  ['America/Los_Angeles', '2026-03-08', '2026-03-08T08:00:00Z', 23],
  ['America/Los_Angeles', '2026-11-01', '2026-11-01T07:00:00Z', 25],
  ['Europe/Berlin', '2026-03-29', '2026-03-28T23:00:00Z', 23],
  ['Europe/Berlin', '2026-10-25', '2026-10-24T22:00:00Z', 25],
  ['UTC', '2026-06-15', '2026-06-15T00:00:00Z', 24],
  // Samoa moved from -10 to +14 at the end of 2011-12-29: 2011-12-30 never happened there.
  ['Pacific/Apia', '2011-12-29', '2011-12-29T10:00:00Z', 24],
  ['Pacific/Apia', '2011-12-30', '2011-12-30T10:00:00Z', 0],
  ['Pacific/Apia', '2011-12-31', '2011-12-30T10:00:00Z', 24],
];

const hoursBetween = (from: Date, to: Date) => (to.getTime() - from.getTime()) / HOUR_MS;
const iso = (instant: Date) => instant.toISOString().replace('.000Z', 'Z');

describe.each(IMPLEMENTATIONS)('%s: customer-local days', (_, tz) => {
  it.each(DAYS)('%s %s starts at %s and lasts %i h', (zone, date, start, hours) => {
    const first = tz.startOfLocalDay(date, zone);
    expect(iso(first)).toBe(start);
    expect(hoursBetween(first, tz.startOfLocalDay(tz.addDays(date, 1), zone))).toBe(hours);
    expect(tz.localDate(new Date(first.getTime() - 1), zone) < date).toBe(true);
    // A skipped date is empty: its start is already the next day.
    expect(tz.localDate(first, zone)).toBe(hours === 0 ? tz.addDays(date, 1) : date);
  });

  it('never names the date Pacific/Apia skipped', () => {
    const dates = new Set<string>();
    // From the start of 2011-12-29 to the end of 2011-12-31, local time.
    for (let t = Date.parse('2011-12-29T10:00:00Z'); t < Date.parse('2011-12-31T10:00:00Z'); t += 15 * 60_000) {
      dates.add(tz.localDate(new Date(t), 'Pacific/Apia'));
    }
    expect(dates).toEqual(new Set(['2011-12-29', '2011-12-31']));
    expect(tz.localDate(new Date('2011-12-30T09:59:59.999Z'), 'Pacific/Apia')).toBe('2011-12-29');
    expect(tz.localDate(new Date('2011-12-30T10:00:00Z'), 'Pacific/Apia')).toBe('2011-12-31');
  });

  it.each(['America/Santiago', 'America/Havana', 'Australia/Adelaide', 'Asia/Kathmandu', 'Asia/Kolkata', 'Europe/Berlin', 'America/Los_Angeles', 'UTC'])(
    '%s: every day of 2024-2027 starts at the first instant of its date and ends where the next begins',
    (zone) => {
      for (let date = '2024-01-01'; date < '2028-01-01'; date = tz.addDays(date, 1)) {
        const start = tz.startOfLocalDay(date, zone);
        const next = tz.startOfLocalDay(tz.addDays(date, 1), zone);
        expect(tz.localDate(start, zone)).toBe(date);
        expect(tz.localDate(new Date(start.getTime() - 1), zone) < date).toBe(true);
        expect(tz.localDate(new Date(next.getTime() - 1), zone)).toBe(date);
        expect([23, 24, 25]).toContain(hoursBetween(start, next));
      }
    },
  );
});

describe('the product', () => {
  it.each([
    // Clocks fell back at 00:01 to 23:01 of the day before: the day starts at its first midnight
    // and takes in the repeated hour. (The simulator's bisection assumes no such step back.)
    ['America/St_Johns', '2006-10-29', '2006-10-29T02:30:00Z', 25],
    // 02:00 +11 became 23:00 +08 of the day before.
    ['Antarctica/Casey', '2010-03-05', '2010-03-04T13:00:00Z', 27],
  ] as const)('starts a day whose local date steps back (%s %s) at its first instant', (zone, date, start, hours) => {
    const first = product.startOfLocalDay(date, zone);
    expect(iso(first)).toBe(start);
    expect(hoursBetween(first, product.startOfLocalDay(product.addDays(date, 1), zone))).toBe(hours);
    expect(product.localDate(first, zone)).toBe(date);
    expect(product.localDate(new Date(first.getTime() - 1), zone) < date).toBe(true);
  });

  it('names the day a window ending at local midnight belongs to', () => {
    expect(product.dayEndingAt(new Date('2026-03-02T18:30:00Z'), 'Asia/Kolkata')).toBe('2026-03-02');
    expect(product.dayEndingAt(new Date('2026-03-03T00:00:00Z'), 'UTC')).toBe('2026-03-02');
    expect(product.dayEndingAt(new Date('2026-09-07T03:00:00Z'), 'America/Santiago')).toBe('2026-09-06');
    expect(product.dayEndingAt(new Date('2011-12-30T10:00:00Z'), 'Pacific/Apia')).toBe('2011-12-29');
  });

  it('reports UTC offsets, including half- and quarter-hour ones, on each side of a change', () => {
    expect(product.offsetMs(new Date('2026-03-01T12:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * HOUR_MS);
    expect(product.offsetMs(new Date('2026-03-01T12:00:00Z'), 'Asia/Kathmandu')).toBe(5.75 * HOUR_MS);
    expect(product.offsetMs(new Date('2026-09-06T03:59:59.999Z'), 'America/Santiago')).toBe(-4 * HOUR_MS);
    expect(product.offsetMs(new Date('2026-09-06T04:00:00Z'), 'America/Santiago')).toBe(-3 * HOUR_MS);
    expect(product.offsetMs(new Date('2026-10-03T16:29:59Z'), 'Australia/Adelaide')).toBe(9.5 * HOUR_MS);
    expect(product.offsetMs(new Date('2026-10-03T16:30:00Z'), 'Australia/Adelaide')).toBe(10.5 * HOUR_MS);
  });

  it('agrees with the simulator on the local date of every quarter hour of 2026', () => {
    const zones = ['America/Santiago', 'America/Havana', 'Australia/Adelaide', 'Asia/Kathmandu', 'Europe/Berlin'];
    for (const zone of zones) {
      for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 15 * 60_000) {
        const instant = new Date(t);
        expect(product.localDate(instant, zone)).toBe(simulator.localDate(instant, zone));
      }
    }
  });

  it('knows valid zone names from invalid ones', () => {
    expect(product.isValidTimeZone('America/Santiago')).toBe(true);
    expect(product.isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
