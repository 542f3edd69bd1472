import type { Stream } from './stream.js';
import { subscriptionCostsStream } from './subscription-costs.js';
import { subscriptionsStream } from './subscriptions.js';

/** Every stream, in the order a sync runs them (costs read the subscriptions just loaded). */
export const STREAMS: readonly Stream[] = [subscriptionsStream, subscriptionCostsStream];
