import { UserError } from '../errors.js';
import { backfillsStream } from './backfills.js';
import { customersStream } from './customers.js';
import { eventSearchStream } from './event-search.js';
import { eventVolumeStream } from './event-volume.js';
import { plansStream } from './plans.js';
import { pricesStream } from './prices.js';
import type { Stream } from './stream.js';
import { subscriptionCostsStream } from './subscription-costs.js';
import { subscriptionSchedulesStream } from './subscription-schedules.js';
import { subscriptionUsageGroupsStream } from './subscription-usage-groups.js';
import { subscriptionUsageStream } from './subscription-usage.js';
import { subscriptionsStream } from './subscriptions.js';

/** Every stream, in the order a sync runs them (partitioned streams read the subscriptions just loaded). */
export const STREAMS: readonly Stream[] = [
  customersStream,
  subscriptionsStream,
  plansStream,
  pricesStream,
  subscriptionSchedulesStream,
  backfillsStream,
  eventVolumeStream,
  eventSearchStream,
  subscriptionUsageStream,
  subscriptionUsageGroupsStream,
  subscriptionCostsStream,
];

/** What a stream reads that another stream loads: its partitions come from there. */
const NEEDS: Readonly<Record<string, readonly string[]>> = {
  subscription_schedules: ['subscriptions'],
  subscription_usage: ['subscriptions'],
  subscription_usage_groups: ['subscription_usage'],
  subscription_costs: ['subscriptions'],
};

/** The streams whose loads a stream reads: it runs after them. */
export function needsOf(name: string): readonly string[] {
  return NEEDS[name] ?? [];
}

/**
 * The streams named (by name, or by its last word when that is unique: `costs`), with what they
 * need, in run order; an unknown name is a UserError naming the known ones.
 */
export function selectStreams(names: readonly string[]): Stream[] {
  const chosen = new Set<string>();
  const add = (name: string): void => {
    if (chosen.has(name)) return;
    chosen.add(name);
    for (const need of needsOf(name)) add(need);
  };
  for (const name of names) {
    const matches = STREAMS.filter((s) => s.name === name || s.name.endsWith(`_${name}`));
    const exact = matches.find((s) => s.name === name);
    if (!exact && matches.length !== 1) {
      throw new UserError(`unknown stream ${JSON.stringify(name)}: use one of ${STREAMS.map((s) => s.name).join(', ')}`);
    }
    add((exact ?? matches[0]!).name);
  }
  return STREAMS.filter((s) => chosen.has(s.name));
}
