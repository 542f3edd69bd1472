import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDestination } from '../../src/destinations/open-destination.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { parseEventIds } from '../../src/streams/event-search.js';

const BIN = join(import.meta.dirname, '../../bin/orb-sync.js');
const run = promisify(execFile);

describe('an --event-ids file', () => {
  it('takes one id per line or id,timestamp; ignores blank lines; collapses repeats', () => {
    const text = 'evt_a\n\n  evt_b , 2026-03-01T12:00:00Z \r\nevt_a\nevt_c,2026-03-01T17:30:00+05:30\n   \nevt_b,2026-03-01T12:00:00.000Z\nevt_d\nevt_d,2026-03-02T00:00:00Z\n';
    expect(parseEventIds(text, 'ids.txt')).toEqual([
      { event_id: 'evt_a', timestamp: null },
      { event_id: 'evt_b', timestamp: new Date('2026-03-01T12:00:00Z') },
      { event_id: 'evt_c', timestamp: new Date('2026-03-01T12:00:00Z') },
      { event_id: 'evt_d', timestamp: new Date('2026-03-02T00:00:00Z') },
    ]);
    expect(parseEventIds('\n\n', 'ids.txt')).toEqual([]);
  });

  it.each([
    ['evt_a\nevt_b,yesterday\n', /^ids\.txt line 2: malformed timestamp "yesterday"/],
    ['evt_a\n\nevt_b,2026-03-01 12:00\n', /^ids\.txt line 3: malformed timestamp/],
    ['evt_a,2026-03-01T12:00:00\n', /^ids\.txt line 1: malformed timestamp/], // no offset: whose midnight?
    ['evt_a,\n', /^ids\.txt line 1: malformed timestamp ""/],
    ['evt_a,2026-03-01T12:00:00Z,x\n', /^ids\.txt line 1: malformed timestamp/],
    [',2026-03-01T12:00:00Z\n', /^ids\.txt line 1: no event id/],
    ['evt_a,2026-03-01T12:00:00Z\nevt_a,2026-03-02T12:00:00Z\n', /^ids\.txt line 2: event evt_a was given another timestamp on line 1/],
  ])('rejects %j with one error naming the line', (text, message) => {
    expect(() => parseEventIds(text, 'ids.txt')).toThrow(message);
  });
});

describe('orb-sync sync --event-ids', () => {
  let dir: string;
  let simulator: Simulator;
  let baseUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orb-sync-event-ids-'));
    simulator = createSimulator({ seed: 5, subscriptions: 6, days: 10, now: '2026-04-02T00:00:00Z', apiKey: 'right-key' });
    baseUrl = await simulator.listen();
  });

  afterAll(async () => {
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function sync(file: string, database: string) {
    const env = { PATH: process.env.PATH!, ORB_API_KEY: 'right-key', ORB_BASE_URL: baseUrl, ORB_SYNC_DESTINATION: `duckdb:${database}` };
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, 'sync', '--event-ids', file], { env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      return error as { code: number; stdout: string; stderr: string };
    }
  }

  it('fails with one line naming the bad line, before any call to Orb or the database', async () => {
    const file = join(dir, 'bad.txt');
    writeFileSync(file, 'evt_1\n\nevt_2,2026-13-01T00:00:00Z\n');
    simulator.requests.reset();
    const result = await sync(file, join(dir, 'bad.duckdb'));
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([expect.stringMatching(/bad\.txt line 3: malformed timestamp "2026-13-01T00:00:00Z"/)]);
    expect(simulator.requests.log()).toEqual([]);
    expect(existsSync(join(dir, 'bad.duckdb'))).toBe(false);
  });

  it('adds the file\'s ids to event_search_requests and reconciles them', async () => {
    const file = join(dir, 'ids.txt');
    writeFileSync(file, 'evt_never_sent\n\nevt_never_sent\nevt_also_never_sent,2026-04-01T10:00:00Z\n');
    const database = join(dir, 'ids.duckdb');
    const result = await sync(file, database);
    expect(result.stderr.split('\n').filter((line) => line.includes('"level":50'))).toEqual([]);
    expect(result.code).toBe(0);
    const destination = await openDestination({ engine: 'duckdb', path: database }, 'orb');
    try {
      const rows = await destination.query('select event_id, status, timestamp from fct_event_reconciliation order by event_id');
      expect(rows).toEqual([
        { event_id: 'evt_also_never_sent', status: 'missing', timestamp: '2026-04-01T10:00:00.000Z' },
        { event_id: 'evt_never_sent', status: 'missing', timestamp: null },
      ]);
    } finally {
      await destination.close();
    }
  });
});
