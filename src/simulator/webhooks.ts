/**
 * Orb's webhooks, sent: given a URL and a secret, the simulator POSTs an event when a backfill
 * becomes reflected or reverted, and when the clock passes a subscription's start, a plan change
 * or its end (or a backdated cancellation ends it at once). Each is Orb's envelope (`id`,
 * `created_at`, `type`, the resource as the API renders it, `properties`), signed as Orb signs:
 * HMAC-SHA256 of `v1:{X-Orb-Timestamp}:{body}`, hex, in `X-Orb-Signature: v1=<hex>`, with the
 * simulator clock's time as X-Orb-Timestamp. Deliveries go out one at a time after the request
 * that caused them has been answered; a receiver that fails or hangs never holds up the API.
 *
 * The signature is computed here, apart from orb-sync's verifier, so that tests hold one against
 * the other (and against Orb's SDK).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { statusAt, type Account, type SubscriptionRecord } from './account.js';
import type { Clock } from './clock.js';
import type { History } from './history.js';
import type { Backfill } from './ledger.js';
import { makeId } from './random.js';
import { backfillJson } from './routes/backfills.js';
import { iso, subscriptionJson } from './shapes.js';

/** Orb gives a receiver 5 seconds to answer. */
const DELIVERY_TIMEOUT_MS = 5_000;

export interface WebhookTarget {
  /** Where to POST, e.g. http://127.0.0.1:9464/webhooks/orb. */
  readonly url: string;
  readonly secret: string;
}

export interface WebhookDelivery {
  readonly id: string;
  readonly type: string;
  /** The X-Orb-Timestamp header: the simulator clock when the event happened. */
  readonly timestamp: string;
  /** The X-Orb-Signature header. */
  readonly signature: string;
  /** The body exactly as sent. */
  readonly body: string;
  /** The receiver's HTTP status; null while in flight, or when it was not reached (see error). */
  readonly status: number | null;
  readonly error: string | null;
}

export interface Webhooks {
  /** Every event so far, oldest first, answered or not. */
  sent(): WebhookDelivery[];
  /** Resolves once every event so far has been answered or has failed. */
  settled(): Promise<void>;
}

/** The simulator's side: hooks into what changes, the deliveries, and close(). */
export interface WebhookSender extends Webhooks {
  /** For the ledger: a backfill became reflected or reverted at `at`. */
  backfillFinished(backfill: Backfill, at: Date): void;
  /** The clock, sending the subscription events of the instants it passes for the first time. */
  watchClock(clock: Clock): Clock;
  /** History, sending `subscription.ended` when a backdated cancellation ends a subscription before now. */
  watchHistory(history: History): History;
  /** Abandons the deliveries in flight. */
  close(): void;
}

type SubscriptionEventType = 'subscription.started' | 'subscription.plan_changed' | 'subscription.ended';

interface LifecycleMoment {
  readonly at: number;
  readonly type: SubscriptionEventType;
  readonly subscription: SubscriptionRecord;
  readonly properties: Record<string, unknown>;
}

/** The instants at which a subscription starts, changes plan and ends. */
function lifecycleOf(subscription: SubscriptionRecord): LifecycleMoment[] {
  const { phases } = subscription;
  const moments: LifecycleMoment[] = [{ at: subscription.start.getTime(), type: 'subscription.started', subscription, properties: {} }];
  for (let i = 1; i < phases.length; i++) {
    moments.push({ at: phases[i]!.start.getTime(), type: 'subscription.plan_changed', subscription, properties: { previous_plan_id: phases[i - 1]!.plan.id } });
  }
  if (subscription.end) moments.push({ at: subscription.end.getTime(), type: 'subscription.ended', subscription, properties: {} });
  return moments;
}

function checkedTarget(target: WebhookTarget): WebhookTarget {
  let url: URL | null = null;
  try {
    url = new URL(target.url);
  } catch {
    // reported below
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') throw new Error(`webhooks.url must be an http(s) URL, got ${JSON.stringify(target.url)}`);
  if (typeof target.secret !== 'string' || target.secret === '') throw new Error('webhooks.secret must be a non-empty string');
  return target;
}

const NO_WEBHOOKS: WebhookSender = {
  sent: () => [],
  settled: () => Promise.resolve(),
  backfillFinished: () => undefined,
  watchClock: (clock) => clock,
  watchHistory: (history) => history,
  close: () => undefined,
};

/** The sender for `target`; without one, hooks that do nothing (and cost nothing). */
export function createWebhookSender(target: WebhookTarget | undefined, account: Account, now: () => Date): WebhookSender {
  if (target === undefined) return NO_WEBHOOKS;
  const { url, secret } = checkedTarget(target);
  const deliveries: WebhookDelivery[] = [];
  const closing = new AbortController();
  // Receivers drop an event id they have seen, so ids differ between runs of the same seed.
  const instance = randomUUID();
  let queue = Promise.resolve();

  function send(type: string, createdAt: Date, resource: Record<string, unknown>, properties: Record<string, unknown>): void {
    const id = makeId('whe', instance, deliveries.length);
    const body = JSON.stringify({ id, created_at: iso(createdAt), type, ...resource, properties });
    const timestamp = now().toISOString();
    const signature = `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:${body}`).digest('hex')}`;
    const index = deliveries.push({ id, type, timestamp, signature, body, status: null, error: null }) - 1;
    const record = (outcome: Pick<WebhookDelivery, 'status' | 'error'>) => {
      deliveries[index] = { ...deliveries[index]!, ...outcome };
    };
    queue = queue.then(async () => {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Orb-Timestamp': timestamp, 'X-Orb-Signature': signature },
          body,
          signal: AbortSignal.any([closing.signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
        });
        await response.body?.cancel();
        record({ status: response.status, error: null });
      } catch (error) {
        record({ status: null, error: error instanceof Error ? error.message : String(error) });
      }
    });
  }

  const sendSubscriptionEvent = ({ at, type, subscription, properties }: LifecycleMoment) => {
    const instant = new Date(at);
    send(type, instant, { subscription: subscriptionJson(account.seed, subscription, instant) }, properties);
  };

  /** Events of every moment in (from, to], in time order. */
  const sendPassed = (from: number, to: number) =>
    account.subscriptions
      .flatMap(lifecycleOf)
      .filter((moment) => moment.at > from && moment.at <= to)
      .sort((a, b) => a.at - b.at)
      .forEach(sendSubscriptionEvent);

  const isEnded = (subscriptionId: string) => {
    const subscription = account.subscriptionsById.get(subscriptionId);
    return subscription !== undefined && statusAt(subscription, now()) === 'ended';
  };

  return {
    sent: () => [...deliveries],
    settled: () => queue,
    backfillFinished(backfill, at) {
      send(`backfill.${backfill.status}`, at, { backfill: backfillJson(backfill) }, {});
    },
    watchClock(clock) {
      // The furthest the clock has been: a moment is announced once, when the clock first passes it.
      let reached = clock.now().getTime();
      const moved = () => {
        const to = clock.now().getTime();
        if (to <= reached) return;
        sendPassed(reached, to);
        reached = to;
      };
      return {
        now: () => clock.now(),
        set(instant) {
          clock.set(instant);
          moved();
        },
        advance(by) {
          clock.advance(by);
          moved();
        },
      };
    },
    watchHistory: (history) => ({
      reprice: (priceId, change) => history.reprice(priceId, change),
      endSubscription(subscriptionId, at) {
        const wasEnded = isEnded(subscriptionId);
        history.endSubscription(subscriptionId, at);
        // Ended before now: Orb tells at once. Ending later: the clock sends it when it gets there.
        if (!wasEnded && isEnded(subscriptionId)) {
          sendSubscriptionEvent({ at: now().getTime(), type: 'subscription.ended', subscription: account.subscriptionsById.get(subscriptionId)!, properties: {} });
        }
      },
    }),
    close: () => closing.abort(new Error('the simulator closed')),
  };
}
