/**
 * The mutable part of the account's events: events ingested through POST /ingest and event
 * backfills with their lifecycle. Generated events (events.ts) are the base layer; this ledger says
 * which of them are deprecated and which extra events count.
 *
 * Versions order the layers: generated events are version 0, a live ingest batch and a backfill's
 * reflection each take the next version. A reflected backfill with `replace_existing_events`
 * deprecates every older-version event in its scope (customer and [timeframe_start, timeframe_end));
 * reverting it brings them back exactly. A backfill's effects count while it is `reflected` or
 * `pending_revert`, never before or after.
 */
import type { Account, CustomerRecord } from './account.js';
import { GRACE_PERIOD_MS, type PropertyValue, type UsageEvent } from './events.js';
import { constraintViolation, requestValidationError, resourceNotFound } from './orb-errors.js';
import { makeId } from './random.js';

const DAY_MS = 86_400_000;
const MAX_BACKFILL_MS = 31 * DAY_MS;
const MAX_FUTURE_MS = 5 * 60_000;

export type BackfillStatus = 'pending' | 'reflected' | 'pending_revert' | 'reverted';

/** When a closed (or reverting) backfill finishes: after this many further API requests and this much simulated time. */
export interface ReflectionDelay {
  readonly requests: number;
  readonly ms: number;
}

export interface Backfill {
  readonly id: string;
  readonly createdAt: number;
  readonly timeframeStart: number;
  readonly timeframeEnd: number;
  readonly customer: CustomerRecord | null; // null: every customer
  readonly replaceExisting: boolean;
  status: BackfillStatus;
  closeTime: number; // scheduled while open, actual once closed
  closed: boolean;
  revertedAt: number | null;
  version: number; // set when reflected
  readonly events: UsageEvent[];
  /** Progress of the pending transition (close → reflected, revert → reverted). */
  transition: { since: number; requests: number } | null;
}

export interface NewBackfill {
  timeframeStart: Date;
  timeframeEnd: Date;
  closeTime: Date | null;
  customer: CustomerRecord | null;
  replaceExisting: boolean;
}

/** An event as sent to POST /ingest, already shape-checked by the route. */
export interface IncomingEvent {
  idempotencyKey: string;
  customerId: string | null;
  externalCustomerId: string | null;
  eventName: string;
  timestamp: Date;
  properties: Record<string, PropertyValue>;
}

interface VersionedEvent {
  readonly event: UsageEvent;
  readonly version: number;
}

export class EventLedger {
  private version = 0;
  private readonly live = new Map<string, VersionedEvent>();
  private readonly liveByCustomer = new Map<CustomerRecord | null, VersionedEvent[]>();
  private readonly backfills: Backfill[] = []; // newest first

  constructor(
    private readonly account: Account,
    private readonly delay: ReflectionDelay,
    /** Told when a backfill becomes reflected or reverted (the simulator's webhooks). */
    private readonly onFinished: (backfill: Backfill, at: Date) => void = () => undefined,
  ) {}

  /** Called once per API request: counts towards pending transitions, then applies the due ones. */
  onRequest(now: Date): void {
    for (const backfill of this.backfills) if (backfill.transition) backfill.transition.requests += 1;
    this.settle(now);
  }

  /** Applies every transition that is due at `now` (close times passing, reflection delays elapsing). */
  settle(now: Date): void {
    const at = now.getTime();
    for (const backfill of [...this.backfills].reverse()) {
      if (backfill.status === 'pending' && !backfill.closed && at >= backfill.closeTime) this.close(backfill, backfill.closeTime);
      const { transition } = backfill;
      if (!transition || transition.requests < this.delay.requests || at < transition.since + this.delay.ms) continue;
      backfill.transition = null;
      if (backfill.status === 'pending') {
        backfill.status = 'reflected';
        backfill.version = ++this.version;
      } else if (backfill.status === 'pending_revert') {
        backfill.status = 'reverted';
        backfill.revertedAt = at;
      }
      this.onFinished(backfill, now);
    }
  }

  list(): readonly Backfill[] {
    return this.backfills;
  }

  get(id: string): Backfill {
    const backfill = this.backfills.find((b) => b.id === id);
    if (!backfill) throw resourceNotFound(`Backfill ${id} does not exist`);
    return backfill;
  }

  create(request: NewBackfill, now: Date): Backfill {
    const start = request.timeframeStart.getTime();
    const end = request.timeframeEnd.getTime();
    if (end <= start) throw constraintViolation('timeframe_end must be after timeframe_start');
    if (end - start > MAX_BACKFILL_MS) throw constraintViolation('A backfill may span at most 31 days');
    const overlapping = this.backfills.find(
      (b) => (b.status === 'pending' || b.status === 'pending_revert') && b.timeframeStart < end && start < b.timeframeEnd,
    );
    if (overlapping) {
      throw constraintViolation(`Backfill ${overlapping.id} is ${overlapping.status} with an overlapping timeframe`);
    }
    const closeTime = request.closeTime?.getTime() ?? now.getTime() + DAY_MS;
    const backfill: Backfill = {
      id: makeId('bf', this.account.seed, 'backfill', this.backfills.length),
      createdAt: now.getTime(),
      timeframeStart: start,
      timeframeEnd: end,
      customer: request.customer,
      replaceExisting: request.replaceExisting,
      status: 'pending',
      closeTime,
      closed: false,
      revertedAt: null,
      version: 0,
      events: [],
      transition: null,
    };
    this.backfills.unshift(backfill);
    this.settle(now); // a close_time already in the past closes it at once
    return backfill;
  }

  closeBackfill(id: string, now: Date): Backfill {
    const backfill = this.get(id);
    if (backfill.status !== 'pending' || backfill.closed) {
      throw constraintViolation(`Backfill ${id} is ${backfill.status === 'pending' ? 'already closed' : backfill.status}`);
    }
    this.close(backfill, now.getTime());
    return backfill;
  }

  revert(id: string, now: Date): Backfill {
    const backfill = this.get(id);
    if (backfill.status === 'reverted' || backfill.status === 'pending_revert') {
      throw constraintViolation(`Backfill ${id} is already ${backfill.status}`);
    }
    if (backfill.status === 'pending') {
      // Never reflected: nothing to undo.
      backfill.status = 'reverted';
      backfill.closed = true;
      backfill.transition = null;
      backfill.revertedAt = now.getTime();
      this.onFinished(backfill, now);
    } else {
      backfill.status = 'pending_revert';
      backfill.transition = { since: now.getTime(), requests: 0 };
    }
    return backfill;
  }

  private close(backfill: Backfill, at: number): void {
    backfill.closed = true;
    backfill.closeTime = at;
    backfill.transition = { since: at, requests: 0 };
  }

  /**
   * Validates and stores a batch: all or nothing, as a 400 listing every failure. Keys already
   * ingested are skipped (Orb's idempotency), within the live stream or within the backfill.
   */
  ingest(incoming: readonly IncomingEvent[], backfillId: string | null, now: Date): void {
    const backfill = backfillId === null ? null : this.get(backfillId);
    if (backfill && (backfill.status !== 'pending' || backfill.closed)) {
      throw constraintViolation(`Backfill ${backfill.id} is closed and accepts no more events`);
    }
    const failures: string[] = [];
    const accepted: UsageEvent[] = [];
    const seen = new Set(backfill ? backfill.events.map((e) => e.id) : this.live.keys());
    const batch = new Map<string, IncomingEvent>();
    for (const event of incoming) {
      const problems = this.problems(event, backfill, now);
      // Orb rejects a batch that repeats a key with a different body (a repeat with the same body is a retry).
      const earlier = batch.get(event.idempotencyKey);
      if (earlier && !sameEvent(earlier, event)) problems.push('the idempotency_key is repeated in the batch with a different body');
      batch.set(event.idempotencyKey, event);
      if (problems.length > 0) failures.push(...problems.map((p) => `${event.idempotencyKey}: ${p}`));
      else if (!seen.has(event.idempotencyKey)) {
        seen.add(event.idempotencyKey);
        accepted.push(this.toUsageEvent(event, now));
      }
    }
    if (failures.length > 0) throw requestValidationError(failures.join('; '), failures);
    if (backfill) {
      backfill.events.push(...accepted);
      return;
    }
    const version = ++this.version;
    for (const event of accepted) {
      const versioned = { event, version };
      this.live.set(event.id, versioned);
      const list = this.liveByCustomer.get(event.customer) ?? [];
      list.push(versioned);
      this.liveByCustomer.set(event.customer, list);
    }
  }

  private problems(event: IncomingEvent, backfill: Backfill | null, now: Date): string[] {
    const problems: string[] = [];
    if ((event.customerId === null) === (event.externalCustomerId === null)) {
      problems.push('exactly one of customer_id and external_customer_id must be set');
    } else if (event.customerId !== null && !this.account.customersById.has(event.customerId)) {
      problems.push(`customer ${event.customerId} does not exist`);
    }
    const at = event.timestamp.getTime();
    if (at > now.getTime() + MAX_FUTURE_MS) problems.push('timestamp is more than 5 minutes in the future');
    if (backfill) {
      if (at < backfill.timeframeStart || at >= backfill.timeframeEnd) problems.push("timestamp is outside the backfill's timeframe");
      const customer = this.customerOf(event);
      if (backfill.customer && customer !== backfill.customer) problems.push(`the backfill is scoped to customer ${backfill.customer.id}`);
    } else if (at < now.getTime() - GRACE_PERIOD_MS) {
      problems.push('timestamp is older than the 12-hour grace period; use a backfill');
    }
    return problems;
  }

  private customerOf(event: IncomingEvent): CustomerRecord | null {
    if (event.customerId !== null) return this.account.customersById.get(event.customerId) ?? null;
    return this.account.customersByExternalId.get(event.externalCustomerId ?? '') ?? null;
  }

  private toUsageEvent(event: IncomingEvent, now: Date): UsageEvent {
    const customer = this.customerOf(event);
    return {
      id: event.idempotencyKey,
      customer,
      externalCustomerId: customer?.externalId ?? event.externalCustomerId,
      eventName: event.eventName,
      timestamp: event.timestamp.getTime(),
      ingestedAt: now.getTime(),
      properties: event.properties,
    };
  }

  private activeBackfills(customer: CustomerRecord | null): Backfill[] {
    return this.backfills.filter(
      (b) =>
        (b.status === 'reflected' || b.status === 'pending_revert') && (b.customer === null || b.customer === customer),
    );
  }

  /** The [from, to) windows, with their version, in which this customer's older events are deprecated. */
  replacements(customer: CustomerRecord | null): { from: number; to: number; version: number }[] {
    return this.activeBackfills(customer)
      .filter((b) => b.replaceExisting)
      .map((b) => ({ from: b.timeframeStart, to: b.timeframeEnd, version: b.version }));
  }

  /**
   * Events beyond the generated ones that belong to this customer with a timestamp in [from, to):
   * live ones and those of active backfills, each with the version that decides deprecation.
   */
  extraEvents(customer: CustomerRecord | null, from: number, to: number): VersionedEvent[] {
    const inRange = (e: UsageEvent) => e.timestamp >= from && e.timestamp < to;
    const result = (this.liveByCustomer.get(customer) ?? []).filter((v) => inRange(v.event));
    for (const backfill of this.activeBackfills(customer)) {
      for (const event of backfill.events) {
        if (event.customer === customer && inRange(event)) result.push({ event, version: backfill.version });
      }
    }
    return result;
  }

  /** Every extra event of every customer with a timestamp in [from, to); for volume and search. */
  allExtraEvents(from: number, to: number): VersionedEvent[] {
    const customers = new Set<CustomerRecord | null>([...this.liveByCustomer.keys()]);
    for (const backfill of this.backfills) for (const event of backfill.events) customers.add(event.customer);
    return [...customers].flatMap((customer) => this.extraEvents(customer, from, to));
  }
}

function sameEvent(a: IncomingEvent, b: IncomingEvent): boolean {
  const keys = Object.keys(a.properties);
  return (
    a.customerId === b.customerId &&
    a.externalCustomerId === b.externalCustomerId &&
    a.eventName === b.eventName &&
    a.timestamp.getTime() === b.timestamp.getTime() &&
    keys.length === Object.keys(b.properties).length &&
    keys.every((key) => a.properties[key] === b.properties[key])
  );
}

/** Whether an event of this version at this timestamp is deprecated by a replacing backfill. */
export function isDeprecated(
  replacements: readonly { from: number; to: number; version: number }[],
  timestamp: number,
  version: number,
): boolean {
  return replacements.some((r) => r.version > version && timestamp >= r.from && timestamp < r.to);
}
