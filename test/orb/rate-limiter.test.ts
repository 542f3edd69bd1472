import { describe, expect, it } from 'vitest';
import { RateLimiter, type Clock } from '../../src/orb/rate-limiter.js';

/**
 * Simulated time: sleeps resolve only when the test advances the clock, in deadline order, and
 * `lateMs` later than asked, as real timers fire late when the event loop is busy.
 */
class FakeClock implements Clock {
  private time = 0;
  private sequence = 0;
  private timers: { at: number; sequence: number; wake: () => void }[] = [];

  constructor(private readonly lateMs: () => number = () => 0) {}

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => this.timers.push({ at: this.time + Math.max(0, ms) + this.lateMs(), sequence: this.sequence++, wake }));
  }

  /** Fires every timer due by `end`, letting the code each one wakes run before the next. */
  async runUntil(end: number): Promise<void> {
    for (;;) {
      await settle();
      const next = this.timers.reduce<(typeof this.timers)[number] | undefined>(
        (earliest, timer) => (!earliest || timer.at < earliest.at || (timer.at === earliest.at && timer.sequence < earliest.sequence) ? timer : earliest),
        undefined,
      );
      if (!next || next.at > end) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.time = next.at;
      next.wake();
    }
    this.time = end;
  }
}

/** Every pending promise continuation has run once a macrotask comes round. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A seeded PRNG (mulberry32), so a failing run replays. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Orb's limiter as the simulator models it: `limit` admitted arrivals in any sliding second. */
class SlidingWindowServer {
  private admitted: number[] = [];
  readonly accepted: number[] = [];
  readonly rejected: number[] = [];

  constructor(public limit: number) {}

  arrive(at: number): boolean {
    while (this.admitted.length > 0 && this.admitted[0]! <= at - 1000) this.admitted.shift();
    const admit = this.admitted.length < this.limit;
    if (admit) this.admitted.push(at);
    (admit ? this.accepted : this.rejected).push(at);
    return admit;
  }
}

const countIn = (times: number[], from: number, to: number) => times.filter((t) => t >= from && t < to).length;

/** The most of `times` (sorted) inside any half-open window of `windowMs`. */
function busiestWindow(times: number[], windowMs = 1000): number {
  let most = 0;
  for (let first = 0, last = 0; last < times.length; last++) {
    while (times[last]! - times[first]! >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/**
 * A limiter configured for `configuredPerSecond` against a server allowing `serverLimit`, and
 * `workers` concurrent callers doing what orb-api does: acquire, send (arriving after a one-way
 * delay of latencyMs plus up to jitterMs), report the answer, and after a 429 wait its Retry-After.
 */
function drive(configuredPerSecond: number, serverLimit: number, { workers = 64, latencyMs = 20, jitterMs = 40, seed = 1 } = {}) {
  const clock = new FakeClock();
  const limiter = new RateLimiter(configuredPerSecond, { clock });
  const server = new SlidingWindowServer(serverLimit);
  const next = random(seed);
  const oneWay = () => latencyMs + next() * jitterMs;
  const worker = async () => {
    for (;;) {
      await limiter.acquire();
      await clock.sleep(oneWay());
      const accepted = server.arrive(clock.now());
      await clock.sleep(oneWay());
      if (accepted) {
        limiter.onSuccess();
      } else {
        limiter.onRateLimited(1000);
        await clock.sleep(1000);
      }
    }
  };
  for (let i = 0; i < workers; i++) void worker();
  return { clock, limiter, server };
}

/** When each grant happened, for `workers` callers acquiring back to back and never answered. */
function grantTimes(limiter: RateLimiter, clock: FakeClock, workers = 64): number[] {
  const granted: number[] = [];
  const worker = async () => {
    for (;;) {
      await limiter.acquire();
      granted.push(clock.now());
    }
  };
  for (let i = 0; i < workers; i++) void worker();
  return granted;
}

describe('RateLimiter pacing', () => {
  it('never grants more than the rate in any second, with 50 ms to spare, and keeps >= 0.9 of it', async () => {
    for (const perSecond of [10, 5, 1, 100]) {
      const clock = new FakeClock();
      const granted = grantTimes(new RateLimiter(perSecond, { clock }), clock);
      await clock.runUntil(10_000);
      expect(busiestWindow(granted, 1050), `${perSecond}/s`).toBeLessThanOrEqual(perSecond);
      expect(granted.length / 10, `${perSecond}/s`).toBeGreaterThanOrEqual(0.9 * perSecond);
    }
  });

  it('keeps the spacing when timers fire late', async () => {
    const late = random(7);
    const clock = new FakeClock(() => (late() < 0.1 ? 200 * late() : 0));
    const granted = grantTimes(new RateLimiter(10, { clock }), clock);
    await clock.runUntil(60_000);
    // 10 ms of the 50 ms margin may go to a timer that fired late.
    expect(busiestWindow(granted, 1040)).toBeLessThanOrEqual(10);
  });

  it('loses no throughput to timers that fire a few ms late', async () => {
    const clock = new FakeClock(() => 4);
    const granted = grantTimes(new RateLimiter(10, { clock }), clock);
    await clock.runUntil(60_000);
    expect(granted.length).toBeGreaterThanOrEqual(Math.floor(60_000 / 105));
  });

  it('meets a server allowing exactly the configured rate without a 429 while jitter stays under 50 ms', async () => {
    for (const [perSecond, seed] of [[10, 1], [10, 2], [5, 3], [100, 4]] as const) {
      const { clock, limiter, server } = drive(perSecond, perSecond, { jitterMs: 49, seed });
      await clock.runUntil(60_000);
      expect(server.rejected, `${perSecond}/s`).toEqual([]);
      expect(server.accepted.length / 60, `${perSecond}/s`).toBeGreaterThanOrEqual(0.9 * perSecond);
      expect(limiter.summary()).toEqual({ configuredPerSecond: perSecond, settledPerSecond: perSecond, rateLimited: 0, decreases: 0 });
    }
  });

  it('serves callers in the order they called, also when a 429 pauses granting while they wait', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(10, { clock });
    const served: number[] = [];
    const enqueue = (from: number, to: number) => {
      for (let caller = from; caller < to; caller++) void limiter.acquire().then(() => served.push(caller));
    };
    enqueue(0, 64);
    await clock.runUntil(50);
    limiter.onRateLimited(1000);
    enqueue(64, 80); // these sleep until the pause ends, before the earlier callers re-check
    await clock.runUntil(60_000);
    expect(served).toEqual(Array.from({ length: 80 }, (_, caller) => caller));
  });

  it('waits out a Retry-After before granting anything', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(10, { clock });
    const granted = grantTimes(limiter, clock, 4);
    await clock.runUntil(300);
    limiter.onRateLimited(3000);
    const before = granted.length;
    await clock.runUntil(3299);
    expect(granted.length).toBe(before);
    await clock.runUntil(3300);
    expect(granted.length).toBe(before + 1);
  });
});

describe('RateLimiter adaptation', () => {
  it('steps below the configured rate on a first 429, halves when that fails too, steps to the whole rate below after a climb, and ignores echoes', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(10, { clock });
    limiter.onRateLimited(1000);
    limiter.onRateLimited(1000); // an echo: a request already in flight when the first 429 came back
    expect(limiter.perSecond).toBe(9);
    await clock.runUntil(1000); // past the pause: a new 429 at 9 means the key's limit is lower still
    limiter.onRateLimited(1000);
    expect(limiter.perSecond).toBe(4.5);
    limiter.onSuccess(); // held: no climb yet
    expect(limiter.perSecond).toBe(4.5);
    await clock.runUntil(5000); // past the pause and the hold
    limiter.onSuccess();
    limiter.onSuccess();
    expect(limiter.perSecond).toBeCloseTo(4.72, 2);
    while (limiter.perSecond <= 5) limiter.onSuccess();
    limiter.onRateLimited(1000); // the climb crossed a limit of 5
    expect(limiter.perSecond).toBe(5);
    await clock.runUntil(6000);
    limiter.onRateLimited(1000); // 5 itself fails: back to the level of the last decrease
    expect(limiter.perSecond).toBe(4.5);
    await clock.runUntil(7000);
    limiter.onRateLimited(1000); // and that fails: halve again
    expect(limiter.perSecond).toBe(2.25);
    expect(limiter.summary()).toEqual({ configuredPerSecond: 10, settledPerSecond: 2.25, rateLimited: 6, decreases: 5 });
  });

  it('takes a lone 429 at the configured rate for jitter: one step down, back within seconds', async () => {
    const { clock, limiter, server } = drive(10, 10, { jitterMs: 20 });
    await clock.runUntil(10_000);
    limiter.onRateLimited(1000); // one request arrived in a burst
    await clock.runUntil(60_000);
    expect(server.rejected).toEqual([]);
    expect(limiter.perSecond).toBe(10);
    expect(server.accepted.length / 60).toBeGreaterThanOrEqual(0.93 * 10);
  });

  it('converges from 10/s configured to a 5/s key, with 429s only while adapting', async () => {
    for (const seed of [1, 2, 3]) {
      const { clock, limiter, server } = drive(10, 5, { seed });
      await clock.runUntil(60_000);
      expect(server.rejected.length, `seed ${seed}`).toBeLessThan(6);
      // After the first 10 s: one probe above the learned limit per 30 s hold, at most.
      expect(countIn(server.rejected, 10_000, 60_000), `seed ${seed}`).toBeLessThanOrEqual(2);
      const settledThroughput = countIn(server.accepted, 10_000, 60_000) / 50;
      expect(settledThroughput, `seed ${seed}`).toBeGreaterThanOrEqual(0.8 * 5);
      expect(settledThroughput, `seed ${seed}`).toBeLessThanOrEqual(5);
      expect(limiter.summary()).toMatchObject({ settledPerSecond: 5, rateLimited: server.rejected.length });
    }
  });

  it('probes a limit it keeps running into ever more rarely', async () => {
    const { clock, server } = drive(10, 5);
    await clock.runUntil(600_000);
    // Holds of 30, 60, 120 and then 240 s: three probes after the first minute, a 429 or two each.
    expect(countIn(server.rejected, 60_000, 600_000)).toBeLessThanOrEqual(6);
    expect(countIn(server.accepted, 60_000, 600_000) / 540).toBeGreaterThanOrEqual(0.93 * 5);
  });

  it('climbs back to the configured rate once the key allows it again, within the hold in force plus the climb', async () => {
    const { clock, limiter, server } = drive(10, 5);
    await clock.runUntil(60_000);
    server.limit = 10;
    let second = 60;
    while (limiter.perSecond < 10 && second < 180) await clock.runUntil(++second * 1000);
    expect(second).toBeLessThanOrEqual(60 + 75); // worst case: a fresh 60 s hold (the second at 5/s), then 5 -> 10 at 0.5/s per s
    const rejectedBefore = server.rejected.length;
    await clock.runUntil((second + 30) * 1000);
    expect(server.rejected.length).toBe(rejectedBefore);
    expect(countIn(server.accepted, (second + 10) * 1000, (second + 30) * 1000) / 20).toBeGreaterThanOrEqual(0.9 * 10);
  });

  it('never goes above the configured rate nor below 0.2/s', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(10, { clock });
    const granted = grantTimes(limiter, clock);
    for (let i = 0; i < 1000; i++) limiter.onSuccess();
    await clock.runUntil(10_000);
    expect(limiter.perSecond).toBe(10);
    expect(Math.min(...granted.slice(1).map((at, i) => at - granted[i]!))).toBeGreaterThanOrEqual(1050 / 10);

    for (let second = 10; second < 30; second += 2) {
      limiter.onRateLimited(1000);
      await clock.runUntil(second * 1000); // past the pause, so each 429 is a new event
    }
    expect(limiter.perSecond).toBe(0.2);
    const slowerThanTheFloor = new RateLimiter(0.1, { clock });
    slowerThanTheFloor.onRateLimited(1000);
    expect(slowerThanTheFloor.perSecond).toBe(0.1);
  });
});
