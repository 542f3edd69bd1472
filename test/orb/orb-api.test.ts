import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { OrbApi } from '../../src/orb/orb-api.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';

const PAGE = 10;
const CUSTOMERS = 25; // three pages

describe('OrbApi.pages', () => {
  let simulator: Simulator;
  const listening: Simulator[] = [];
  afterEach(async () => {
    for (const each of listening.splice(0)) await each.close();
  });

  async function customerPages(readAhead: boolean) {
    simulator = createSimulator({ customers: CUSTOMERS, subscriptions: CUSTOMERS, days: 10, now: '2026-06-15T12:00:00Z' });
    listening.push(simulator);
    const api = new OrbApi({ apiKey: 'test-key', baseUrl: await simulator.listen(), analyticsRps: 1000, rps: 1000, maxRetries: 0, log: silentLogger });
    return api.pages('default', 'GET customers', (orb) => orb.customers.list({ limit: PAGE }), { readAhead });
  }

  /** The pages a listing has left (Array.fromAsync needs Node 22). */
  async function rest<T>(pages: AsyncIterable<T>): Promise<T[]> {
    const result: T[] = [];
    for await (const page of pages) result.push(page);
    return result;
  }

  /** Waits until the simulator has answered `n` customer listings, or gives up after 5 s. */
  async function answered(n: number): Promise<number> {
    for (let waited = 0; simulator.requests.count('/customers') < n && waited < 5_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    return simulator.requests.count('/customers');
  }

  it('with readAhead, asks for the next page while the caller is still on this one, and hands over every page in order', async () => {
    const pages = await customerPages(true);
    const first = await pages.next();
    expect(await answered(2)).toBe(2); // page 2 requested, though the caller has not asked for it
    const ids = [first.value, ...(await rest(pages))].flat().map((customer) => customer.id);
    expect(simulator.requests.count('/customers')).toBe(3);

    const plain = await customerPages(false);
    const firstPlain = await plain.next();
    await new Promise((r) => setTimeout(r, 100));
    expect(simulator.requests.count('/customers')).toBe(1); // without it, one page at a time
    const plainIds = [firstPlain.value, ...(await rest(plain))].flat().map((customer) => customer.id);
    expect(ids).toHaveLength(CUSTOMERS);
    expect(new Set(ids).size).toBe(CUSTOMERS);
    expect(ids).toEqual(plainIds);
  });

  it('a read-ahead that fails after its caller stopped goes nowhere: no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const pages = await customerPages(true);
      // The first listing passes untouched; the read-ahead of page 2 is refused (503, and no retries).
      simulator.faults.inject({ path: '/customers', kind: 'mutate', mutate: () => undefined });
      simulator.faults.inject({ path: '/customers', status: 503 });
      await pages.next();
      expect(await answered(2)).toBe(2);
      await pages.return(undefined); // the caller stops on page 1
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a failed read-ahead fails the caller that goes on to that page', async () => {
    const pages = await customerPages(true);
    simulator.faults.inject({ path: '/customers', kind: 'mutate', mutate: () => undefined });
    simulator.faults.inject({ path: '/customers', status: 503 });
    await pages.next();
    await expect(pages.next()).rejects.toThrow(/GET customers: Orb answered 503/);
  });
});
