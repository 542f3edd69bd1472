import { z } from 'zod';
import { dataEnvelope, type EnvelopeCheck } from '../orb/orb-api.js';
import { addDays, localDate, startOfLocalDay } from '../util/time-zone.js';
import { instant, quantity } from './fields.js';
import { orbHour, readWatermark, type StreamContext, type SubscriptionPartition, type Window } from './stream.js';

/**
 * What the usage streams share: the window of a subscription's read, its cursor, and the pivot of
 * Orb's record-major usage (one record per metric or group value, each with its day windows) into
 * days, the unit a usage stream validates and versions.
 */

/**
 * Usage is periodic (a day stands alone, unlike cumulative costs): the first read starts at the
 * start date or the subscription start, later ones `lookbackDays` before the last day read; every
 * read ends at Orb's current hour (a later end would add a day Orb has not begun). In a
 * restatement's re-read, its days.
 */
export function usageWindow(s: SubscriptionPartition, cursorText: string | undefined, ctx: StreamContext): Window | null {
  const cursor = readWatermark(cursorText);
  const tz = s.customer_timezone;
  const start = new Date(s.start_date);
  const end = s.end_date ? new Date(s.end_date) : undefined;
  const reread = ctx.reread?.get(s.subscription_id);
  if (reread) {
    // A restatement reads its days whatever the subscription's end says now: a day Orb no longer
    // has is read as empty, and its usage vanishes.
    const from = reread.dayFrom ? latest(start, startOfLocalDay(reread.dayFrom, tz)) : start;
    const to = earliest(orbHour(ctx), startOfLocalDay(reread.dayTo, tz));
    return from < to ? { from, to } : null;
  }
  const wanted = ctx.settings.startDate ? latest(start, startOfLocalDay(ctx.settings.startDate, tz)) : start;
  if (cursor && wanted >= new Date(cursor.from)) {
    if (end && new Date(cursor.end) >= end) return null;
    const lastDay = localDate(new Date(Date.parse(cursor.end) - 1), tz);
    const from = latest(wanted, startOfLocalDay(addDays(lastDay, -ctx.settings.lookbackDays), tz));
    return between(from, end, ctx);
  }
  return between(wanted, end, ctx);
}

function between(from: Date, end: Date | undefined, ctx: StreamContext): Window | null {
  const to = end && end < orbHour(ctx) ? end : orbHour(ctx);
  return from < to ? { from, to } : null;
}

interface RawWindow {
  timeframe_start: string;
  timeframe_end: string;
}

/** A usage body: one record per metric (or group value), each with its windows. */
export interface UsageBody {
  data: Array<{ usage: RawWindow[] }>;
}

/** Checks what pivoting needs (records with windows bounded by instants); the values are checked per day. */
export const usageEnvelope: EnvelopeCheck = (body) => {
  const problem = dataEnvelope(body);
  if (problem) return problem;
  const windows = (body as { data: Array<{ usage?: unknown } | null> }).data.flatMap((record) => (Array.isArray(record?.usage) ? record.usage : [null]));
  const isInstant = (at: unknown) => typeof at === 'string' && !Number.isNaN(Date.parse(at));
  const bounded = (w: Partial<RawWindow> | null) => isInstant(w?.timeframe_start) && isInstant(w?.timeframe_end);
  return windows.every(bounded) ? undefined : 'a usage record without windows from timeframe_start to timeframe_end';
};

/** One customer-local day of a read: each record's window on it, and the part of the day the read covered. */
export interface RawUsageDay {
  day: string;
  covered: Window;
  entries: Array<{ record: unknown; window: RawWindow }>;
}

/**
 * Pivots Orb's record-major response into days. Every day the read covered is a unit, with or
 * without records, so a day whose usage vanished is read as empty (Orb lists a group value only
 * when it has usage somewhere in the timeframe).
 */
export function usageDays(body: UsageBody, tz: string, window: Window): RawUsageDay[] {
  const days = new Map<string, RawUsageDay>();
  const dayOf = (day: string) => {
    const covered = { from: latest(startOfLocalDay(day, tz), window.from), to: earliest(startOfLocalDay(addDays(day, 1), tz), window.to) };
    if (!days.has(day)) days.set(day, { day, covered, entries: [] });
    return days.get(day)!;
  };
  for (let day = localDate(window.from, tz); startOfLocalDay(day, tz) < window.to; day = addDays(day, 1)) dayOf(day);
  for (const record of body.data) {
    for (const w of record.usage) dayOf(localDate(new Date(w.timeframe_start), tz)).entries.push({ record, window: w });
  }
  return [...days.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
}

/** A checked day: its window (every record's has the same bounds) and each record with its quantity. */
export interface UsageDay<R> {
  day: string;
  timeframe_start: Date;
  timeframe_end: Date;
  series: Array<{ record: R; quantity: string }>;
}

const windowShape = z.object({ timeframe_start: instant, timeframe_end: instant, quantity });

export function parseUsageDay<R>(unit: RawUsageDay, recordShape: z.ZodType<R>, seriesKey: (record: R) => string): UsageDay<R> {
  const entries = unit.entries.map(({ record, window }) => ({ record: recordShape.parse(record), ...windowShape.parse(window) }));
  const { timeframe_start, timeframe_end } = entries[0] ?? { timeframe_start: unit.covered.from, timeframe_end: unit.covered.to };
  if (entries.some((e) => e.timeframe_start.getTime() !== timeframe_start.getTime() || e.timeframe_end.getTime() !== timeframe_end.getTime())) {
    throw new Error('its windows do not share the same bounds');
  }
  const keys = entries.map((e) => seriesKey(e.record));
  const repeated = keys.find((key, i) => keys.indexOf(key) !== i);
  if (repeated !== undefined) throw new Error(`${repeated} has two windows`);
  return { day: unit.day, timeframe_start, timeframe_end, series: entries.map(({ record, quantity }) => ({ record, quantity })) };
}

export const describeUsageDay = (unit: unknown) => `day ${String((unit as Partial<RawUsageDay> | undefined)?.day ?? '?')}`;

function latest(a: Date, b: Date): Date {
  return a > b ? a : b;
}

function earliest(a: Date, b: Date): Date {
  return a < b ? a : b;
}

