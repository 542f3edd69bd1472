/**
 * Monthly billing periods in local calendar dates. A subscription's periods are anchored on its
 * billing_cycle_day (the day of month it started); in short months the anchor clamps to the last
 * day (a cycle day of 31 gives Jan 31, Feb 28, Mar 31, …).
 */
export interface Period {
  readonly start: string; // local date, inclusive
  readonly end: string; // local date, exclusive
}

function anchor(year: number, monthIndex: number, billingCycleDay: number): string {
  const normalised = new Date(Date.UTC(year, monthIndex, 1));
  const y = normalised.getUTCFullYear();
  const m = normalised.getUTCMonth();
  const monthLength = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(billingCycleDay, monthLength))).toISOString().slice(0, 10);
}

/** The billing period containing local date `day`. */
export function periodContaining(day: string, billingCycleDay: number): Period {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7)) - 1;
  const thisMonth = anchor(year, month, billingCycleDay);
  return thisMonth <= day
    ? { start: thisMonth, end: anchor(year, month + 1, billingCycleDay) }
    : { start: anchor(year, month - 1, billingCycleDay), end: thisMonth };
}
