import { describe, expect, it } from 'vitest';
import { dayEndingAt, localDate, startOfLocalDay } from '../../src/util/time-zone.js';

describe('customer-local days', () => {
  it('starts a Kolkata day at 18:30Z the day before', () => {
    expect(startOfLocalDay('2026-03-02', 'Asia/Kolkata').toISOString()).toBe('2026-03-01T18:30:00.000Z');
    expect(localDate(new Date('2026-03-01T18:30:00Z'), 'Asia/Kolkata')).toBe('2026-03-02');
    expect(localDate(new Date('2026-03-01T18:29:59Z'), 'Asia/Kolkata')).toBe('2026-03-01');
  });

  it('follows DST changes (23- and 25-hour days) and quarter-hour offsets', () => {
    const la = (day: string) => startOfLocalDay(day, 'America/Los_Angeles').getTime();
    expect((la('2026-03-09') - la('2026-03-08')) / 3_600_000).toBe(23);
    expect((la('2026-11-02') - la('2026-11-01')) / 3_600_000).toBe(25);
    expect(startOfLocalDay('2026-06-01', 'Asia/Kathmandu').toISOString()).toBe('2026-05-31T18:15:00.000Z');
    expect(startOfLocalDay('2026-10-05', 'Australia/Adelaide').toISOString()).toBe('2026-10-04T13:30:00.000Z');
  });

  it('names the day a window ending at local midnight belongs to', () => {
    expect(dayEndingAt(new Date('2026-03-02T18:30:00Z'), 'Asia/Kolkata')).toBe('2026-03-02');
    expect(dayEndingAt(new Date('2026-03-03T00:00:00Z'), 'UTC')).toBe('2026-03-02');
  });
});
