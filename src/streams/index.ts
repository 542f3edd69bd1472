import { customersStream } from './customers.js';
import { plansStream } from './plans.js';
import { pricesStream } from './prices.js';
import type { Stream } from './stream.js';
import { subscriptionCostsStream } from './subscription-costs.js';
import { subscriptionSchedulesStream } from './subscription-schedules.js';
import { subscriptionsStream } from './subscriptions.js';

/** Every stream, in the order a sync runs them (partitioned streams read the subscriptions just loaded). */
export const STREAMS: readonly Stream[] = [
  customersStream,
  subscriptionsStream,
  plansStream,
  pricesStream,
  subscriptionSchedulesStream,
  subscriptionCostsStream,
];
