/**
 * Paces the requests of one Orb rate-limit class (analytics, or everything else) and adapts to the
 * limit Orb actually enforces, which can be lower than the configured one (test mode, trial, a key
 * shared with another client).
 *
 * Pacing. Orb counts requests per second as they arrive, and arrivals jitter. Grants follow a
 * schedule spaced (1000 + jitterMarginMs) / rate ms apart. A timer that fires a little late (the
 * event loop was busy parsing a page) does not push the schedule back, else every late wake-up
 * would be lost throughput (4 % measured); one later than LATE_TIMER_FORGIVEN_MS restarts the
 * schedule from now, so a long stall cannot release a burst. Any rate + 1 consecutive grants then
 * span at least 1000 + margin - LATE_TIMER_FORGIVEN_MS, and a server allowing `rate` requests in
 * any sliding second never sees one too many while the one-way delays of two requests differ by
 * less than that excess (40 ms by default: network jitter plus event-loop delay before the request
 * leaves). The default margin keeps 1000 / 1050 = 95 % of the configured rate.
 *
 * Adaptation. `rate` is the number of requests per second Orb is believed to allow: at first the
 * configured rate, never above it, never below MIN_PER_SECOND.
 * - The first 429 at the configured rate (Orb's published limit, as a rule) is more likely a
 *   burst of arrivals than a lower limit: step to the whole rate below (not below half), which
 *   becomes the level of the last decrease.
 * - A 429 while the rate is at the level of the last decrease means that level is wrong by an
 *   unknown amount: halve it.
 * - A 429 after the rate has risen above that level means the climb just crossed Orb's limit. Orb's
 *   limits are whole requests per second and at `rate` at most ceil(rate) requests arrive in a
 *   second, so the key allows at most ceil(rate) - 1: fall back to that, but not below the level.
 * - Either way, no request is granted for the Retry-After (at least one window, so Orb's window
 *   drains and the requests already in flight are answered; their 429s are echoes of the same
 *   event, counted but not acted on). The rate is then held: briefly after a first step or halving
 *   (the halved rate may be up to 2x too low); for HOLD_AT_LEARNED_LIMIT_MS at a limit just learned,
 *   twice as long each time the same limit is learned again (up to MAX_HOLD_AT_LEARNED_LIMIT_MS).
 * - After the hold, each success adds INCREASE_PER_SECOND / rate, so the rate climbs by about
 *   INCREASE_PER_SECOND every second, and only while requests go through.
 * Against a fixed limit this settles at the limit and probes one step above it once per hold
 * (a 429 or two each time, ever rarer), which is also how it notices the limit going back up.
 */

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface RateLimiterOptions {
  clock?: Clock;
  /** The arrival jitter the pacing absorbs without a 429 (default 50 ms). */
  jitterMarginMs?: number;
}

export interface RateLimiterSummary {
  configuredPerSecond: number;
  /** The rate in force now: the configured rate unless Orb answered 429. */
  settledPerSecond: number;
  /** 429s reported through onRateLimited, echoes included. */
  rateLimited: number;
  /** Times the rate was lowered. */
  decreases: number;
}

const DEFAULT_JITTER_MARGIN_MS = 50;
const LATE_TIMER_FORGIVEN_MS = 10;
const WINDOW_MS = 1000; // Orb's rate-limit window
const MIN_PER_SECOND = 0.2;
const DECREASE_FACTOR = 0.5;
const HOLD_AFTER_DECREASE_MS = 3_000;
// At a limit just learned, stay long enough that the next probe above it (a 429 and a paused
// window) costs about 3 % of throughput.
const HOLD_AT_LEARNED_LIMIT_MS = 30_000;
// A limit confirmed again and again is probed less often; one that went back up is still found
// within this long plus the climb.
const MAX_HOLD_AT_LEARNED_LIMIT_MS = 240_000;
const INCREASE_PER_SECOND = 0.5;

const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class RateLimiter {
  private readonly clock: Clock;
  private readonly configuredPerSecond: number;
  private readonly minPerSecond: number;
  private readonly spacingSpanMs: number;
  private rate: number;
  /** The rate of the last multiplicative decrease; a 429 at or below it halves the rate again. */
  private decreasedTo: number;
  /** The limit the last climb ran into, and how long the rate is held there next time. */
  private learnedLimit = NaN;
  private learnedHoldMs = HOLD_AT_LEARNED_LIMIT_MS;
  /** When the next grant is due by the schedule (not when the last one happened). */
  private nextDueAt = -Infinity;
  private pausedUntil = -Infinity;
  private holdUntil = -Infinity;
  private queueTail: Promise<void> = Promise.resolve();
  private rateLimited = 0;
  private decreases = 0;

  constructor(perSecond: number, options: RateLimiterOptions = {}) {
    const { clock = realClock, jitterMarginMs = DEFAULT_JITTER_MARGIN_MS } = options;
    if (!(perSecond > 0 && Number.isFinite(perSecond))) throw new Error(`RateLimiter: perSecond must be a positive number, got ${perSecond}`);
    if (!(jitterMarginMs >= 0 && Number.isFinite(jitterMarginMs))) throw new Error(`RateLimiter: jitterMarginMs must be >= 0, got ${jitterMarginMs}`);
    this.clock = clock;
    this.configuredPerSecond = perSecond;
    this.minPerSecond = Math.min(MIN_PER_SECOND, perSecond);
    this.spacingSpanMs = WINDOW_MS + jitterMarginMs;
    this.rate = this.decreasedTo = perSecond;
  }

  /** The requests per second Orb is believed to allow now (pacing keeps a margin below it). */
  get perSecond(): number {
    return this.rate;
  }

  /** Resolves when the caller may send one request; callers are served in the order they called. */
  acquire(): Promise<void> {
    const turn = this.queueTail.then(() => this.waitForGrant());
    this.queueTail = turn;
    return turn;
  }

  /** Orb accepted a request this limiter granted. */
  onSuccess(): void {
    if (this.clock.now() < this.holdUntil) return;
    // Below 1/s a success adds no more than a second's climb, so one success cannot jump the rate.
    this.rate = Math.min(this.configuredPerSecond, this.rate + INCREASE_PER_SECOND / Math.max(this.rate, 1));
  }

  /** Orb answered 429 to a request this limiter granted. */
  onRateLimited(retryAfterMs = 0): void {
    this.rateLimited++;
    const now = this.clock.now();
    const echo = now < this.pausedUntil;
    this.pausedUntil = Math.max(this.pausedUntil, now + Math.max(retryAfterMs, WINDOW_MS));
    if (echo) return;
    this.decreases++;
    if (this.decreases === 1) {
      this.rate = this.decreasedTo = Math.max(this.minPerSecond, this.rate * DECREASE_FACTOR, Math.ceil(this.rate) - 1);
      this.holdUntil = this.pausedUntil + HOLD_AFTER_DECREASE_MS;
    } else if (this.rate > this.decreasedTo) {
      this.rate = Math.max(this.decreasedTo, Math.ceil(this.rate) - 1);
      this.learnedHoldMs = this.rate === this.learnedLimit ? Math.min(2 * this.learnedHoldMs, MAX_HOLD_AT_LEARNED_LIMIT_MS) : HOLD_AT_LEARNED_LIMIT_MS;
      this.learnedLimit = this.rate;
      this.holdUntil = this.pausedUntil + this.learnedHoldMs;
    } else {
      this.rate = this.decreasedTo = Math.max(this.minPerSecond, this.rate * DECREASE_FACTOR);
      this.holdUntil = this.pausedUntil + HOLD_AFTER_DECREASE_MS;
    }
  }

  summary(): RateLimiterSummary {
    return {
      configuredPerSecond: this.configuredPerSecond,
      settledPerSecond: this.rate,
      rateLimited: this.rateLimited,
      decreases: this.decreases,
    };
  }

  /** Re-checks after every sleep: a 429 reported meanwhile lowers the rate or pauses granting. */
  private async waitForGrant(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const due = Math.max(this.pausedUntil, this.nextDueAt);
      if (now >= due) {
        const onSchedule = now - due <= LATE_TIMER_FORGIVEN_MS;
        this.nextDueAt = (onSchedule ? due : now) + this.spacingSpanMs / this.rate;
        return;
      }
      await this.clock.sleep(due - now);
    }
  }
}
