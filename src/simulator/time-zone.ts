/**
 * The simulator's own calendar days in customers' time zones, kept apart from the product's
 * (src/util/time-zone.ts) so that the oracle cannot share the product's mistakes. It works from the
 * definitions rather than from UTC offsets: an instant's local date is the date Intl prints for it,
 * and a day starts at the first instant whose printed date is that day or later, found by bisection.
 * Slow per call, so day starts are memoized; the simulator asks for the same few hundred again and again.
 */
const DAY_MS = 86_400_000;
// Every UTC offset is under a day, so a day's first instant lies within a day of its midnight UTC.
const SEARCH_RADIUS_MS = DAY_MS;

const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(timeZone: string): Intl.DateTimeFormat {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timeZone, format);
  }
  return format;
}

/** The local calendar date ("YYYY-MM-DD") of an instant. */
export function localDate(instant: Date | number, timeZone: string): string {
  const fields: Record<string, string> = {};
  for (const part of dateFormat(timeZone).formatToParts(instant)) fields[part.type] = part.value;
  return `${fields.year}-${fields.month}-${fields.day}`;
}

const dayStarts = new Map<string, number>();

/**
 * The first instant whose local date is `date` ("YYYY-MM-DD") or later: local midnight, or the
 * instant the clocks jump where DST skips midnight. A date the zone skipped (Pacific/Apia 2011-12-30)
 * starts where the next day does, so it holds no instant. Bisection needs the local date never to
 * step back across midnight near `date`: true of every zone the simulator uses, though not of
 * America/St_Johns before 2011 (clocks fell back from 00:01 to 23:01), which the product handles.
 */
export function startOfLocalDay(date: string, timeZone: string): Date {
  const key = `${timeZone} ${date}`;
  let start = dayStarts.get(key);
  if (start === undefined) {
    const midnightAsUtc = Date.parse(date);
    let before = midnightAsUtc - SEARCH_RADIUS_MS; // always earlier than the day
    let atOrAfter = midnightAsUtc + SEARCH_RADIUS_MS; // always in the day or later
    while (atOrAfter - before > 1) {
      const middle = Math.floor((before + atOrAfter) / 2);
      if (localDate(middle, timeZone) >= date) atOrAfter = middle;
      else before = middle;
    }
    start = atOrAfter;
    dayStarts.set(key, start);
  }
  return new Date(start);
}

/** The date `days` calendar days after `date` (both "YYYY-MM-DD"). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(date) + days * DAY_MS).toISOString().slice(0, 10);
}
