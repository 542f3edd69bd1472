/** The simulator's notion of "now". Tests move it explicitly; it never follows the wall clock. */
export interface Clock {
  now(): Date;
  set(instant: string | Date): void;
  advance(by: { days?: number; hours?: number; ms?: number }): void;
}

const HOUR_MS = 3_600_000;

export function toInstant(value: string | Date): Date {
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) throw new Error(`not a valid instant: ${String(value)}`);
  return instant;
}

/** The current wall-clock time truncated to the UTC hour: the default "now" when none is given. */
export function currentHour(): Date {
  return new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS);
}

export function createClock(initial: Date): Clock {
  let current = initial.getTime();
  return {
    now: () => new Date(current),
    set(instant) {
      current = toInstant(instant).getTime();
    },
    // Days are 24 h of elapsed time here, not calendar days: the clock is UTC and zone-agnostic.
    advance({ days = 0, hours = 0, ms = 0 }) {
      current += days * 24 * HOUR_MS + hours * HOUR_MS + ms;
    },
  };
}
