/**
 * GET /subscriptions/{id}/schedule: the subscription's plans over time, one item per phase, earliest
 * first. Phases that start in the future are listed too, so a scheduled plan change shows up ahead.
 */
import type { Phase } from '../account.js';
import { scheduleItemJson } from '../shapes.js';
import { findSubscription, type RouteContext } from './context.js';
import { paginate, type Ordering } from './pagination.js';
import { instantRange } from './query.js';

interface ScheduleEntry {
  readonly phase: Phase;
  readonly index: number; // position among the subscription's phases
}

/** By start_date ascending; the phase index makes the order total for the cursor. */
const byStartDate: Ordering<ScheduleEntry> = {
  key: ({ phase, index }) => [phase.start.getTime(), index],
  after: ({ phase, index }, [start, cursorIndex]) =>
    phase.start.getTime() > (start as number) || (phase.start.getTime() === start && index > (cursorIndex as number)),
};

export function fetchSchedule(ctx: RouteContext, id: string, query: URLSearchParams): unknown {
  const subscription = findSubscription(ctx, id);
  const startMatches = instantRange(query, 'start_date');
  const entries = subscription.phases
    .map((phase, index) => ({ phase, index }))
    .filter(({ phase }) => startMatches(phase.start.getTime()));
  return paginate(entries, query, byStartDate, 2, ({ phase }) => scheduleItemJson(subscription, phase));
}
