/**
 * Calendar days in a customer's time zone. Orb demarcates days at the customer's local midnight,
 * so a day can be 23, 24 or 25 hours long, start at :30 or :45 past a UTC hour, start at 01:00 where
 * DST begins at midnight (America/Santiago, America/Havana), or not exist at all (Pacific/Apia
 * skipped 2011-12-30).
 *
 * UTC offsets come from Intl, read once per zone and UTC day and cached: asking Intl for every
 * instant costs microseconds, and localDate runs for every cost window of a sync. In every zone
 * Intl knows, offset changes from 1900 to 2040 are at least a week apart (temporal-polyfill relies
 * on a similar bound), so a UTC day holds at most one change, found by bisection.
 */
const DAY_MS = 86_400_000;

/** A zone's UTC offsets (ms) during one UTC day: `before` until the instant `changesAt`, `after` from then on. */
interface UtcDayOffsets {
  readonly before: number;
  readonly after: number;
  readonly changesAt: number; // Infinity when the offset holds all day
}

class ZoneOffsets {
  private readonly days = new Map<number, UtcDayOffsets>();

  constructor(private readonly formatter: Intl.DateTimeFormat) {}

  /** The offset at `instant` (ms since the epoch). */
  at(instant: number): number {
    const day = this.utcDay(Math.floor(instant / DAY_MS));
    return instant < day.changesAt ? day.before : day.after;
  }

  /** The offsets during the UTC day starting at `index` × 24 h. */
  utcDay(index: number): UtcDayOffsets {
    let day = this.days.get(index);
    if (!day) {
      const before = this.read(index * DAY_MS);
      const after = this.read((index + 1) * DAY_MS);
      day = { before, after, changesAt: before === after ? Infinity : this.change(index, before) };
      this.days.set(index, day);
    }
    return day;
  }

  /** The instant of the one change in the UTC day; tzdata changes fall on whole seconds. */
  private change(index: number, before: number): number {
    let lastBefore = (index * DAY_MS) / 1000;
    let firstAfter = ((index + 1) * DAY_MS) / 1000;
    while (firstAfter - lastBefore > 1) {
      const middle = Math.floor((lastBefore + firstAfter) / 2);
      if (this.read(middle * 1000) === before) lastBefore = middle;
      else firstAfter = middle;
    }
    return firstAfter * 1000;
  }

  /** The offset Intl reports at a whole-second instant: the local wall clock read as UTC, minus the instant. */
  private read(instant: number): number {
    const fields: Record<string, number> = {};
    for (const part of this.formatter.formatToParts(instant)) {
      if (part.type !== 'literal') fields[part.type] = Number(part.value);
    }
    return Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!) - instant;
  }
}

const zones = new Map<string, ZoneOffsets>();

/** The zone's offsets; throws a RangeError for a name Intl does not know. */
function zoneOffsets(timeZone: string): ZoneOffsets {
  let zone = zones.get(timeZone);
  if (!zone) {
    zone = new ZoneOffsets(
      new Intl.DateTimeFormat('en-CA', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      }),
    );
    zones.set(timeZone, zone);
  }
  return zone;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    zoneOffsets(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Offset of the zone from UTC at that instant, in milliseconds (Asia/Kolkata: +19800000). */
export function offsetMs(instant: Date, timeZone: string): number {
  return zoneOffsets(timeZone).at(instant.getTime());
}

/** The local calendar date ("YYYY-MM-DD") of an instant. */
export function localDate(instant: Date, timeZone: string): string {
  const time = instant.getTime();
  return new Date(time + zoneOffsets(timeZone).at(time)).toISOString().slice(0, 10);
}

/**
 * The first instant whose local date is `date` ("YYYY-MM-DD"): local midnight, or where DST skips
 * midnight the instant the clocks jump (01:00 local). Where clocks turned back from just after
 * midnight to the day before (America/St_Johns, 00:01 to 23:01, until 2011) the day starts at its
 * first midnight and runs to the next day's, taking in the repeated hour. A date the zone skipped
 * (Pacific/Apia 2011-12-30) starts where the next day does, so it is empty: [start, start of the
 * next day) holds no instant, and localDate never returns it.
 */
export function startOfLocalDay(date: string, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const midnightAsUtc = Date.UTC(year, month - 1, day);
  const zone = zoneOffsets(timeZone);
  // Local midnight happens within 15 h of midnight UTC (no offset is larger), so only a change in
  // the UTC day before or the one starting then can matter, and those two days hold one at most.
  const index = midnightAsUtc / DAY_MS;
  const dayBefore = zone.utcDay(index - 1);
  const { before, after, changesAt } = dayBefore.changesAt !== Infinity ? dayBefore : zone.utcDay(index);
  // Under the old offset local time reaches midnight at midnightAsUtc − before. If the change comes
  // first, the day starts at the change (midnight skipped) or when the new offset reaches midnight.
  const underOldOffset = midnightAsUtc - before;
  return new Date(underOldOffset < changesAt ? underOldOffset : Math.max(changesAt, midnightAsUtc - after));
}

/** Calendar arithmetic on "YYYY-MM-DD" dates. */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** The local day on which a window that ends at `end` (exclusive) starts its last day. */
export function dayEndingAt(end: Date, timeZone: string): string {
  return localDate(new Date(end.getTime() - 1), timeZone);
}
