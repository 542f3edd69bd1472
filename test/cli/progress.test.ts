import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProgressDisplay, etaMs, finishedLine, runningLine, stoppedLine, withRunOutput, type StreamRun, type Terminal } from '../../src/cli/progress.js';
import { UserError } from '../../src/errors.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { STREAMS } from '../../src/streams/index.js';

const BIN = join(import.meta.dirname, '../../bin/orb-sync.js');
const run = promisify(execFile);
/** A partitioned stream's bar, only ever on a live line. */
const BAR = /\[[#-]{20}\]/;

/**
 * What a terminal shows after some output: enough of one to check a display that redraws in
 * place (carriage return, line feed, cursor up, erase in line; other escapes are ignored).
 */
class Screen {
  private rows: string[] = [''];
  private row = 0;
  private column = 0;

  write(text: string): void {
    for (let i = 0; i < text.length; i += 1) {
      const char = text[i]!;
      if (char === '\x1b') {
        const sequence = /^\x1b\[([?\d;]*)([A-Za-z])/.exec(text.slice(i));
        if (!sequence) throw new Error(`unexpected escape at ${JSON.stringify(text.slice(i, i + 8))}`);
        i += sequence[0].length - 1;
        const [, argument, command] = sequence;
        if (command === 'A') this.row = Math.max(0, this.row - Number(argument || 1));
        if (command === 'K') this.rows[this.row] = argument === '2' ? '' : this.rows[this.row]!.slice(0, this.column);
        continue;
      }
      if (char === '\r') this.column = 0;
      else if (char === '\n') {
        this.row += 1;
        this.column = 0;
        this.rows[this.row] ??= '';
      } else {
        const line = this.rows[this.row]!.padEnd(this.column);
        this.rows[this.row] = line.slice(0, this.column) + char + line.slice(this.column + 1);
        this.column += 1;
      }
    }
  }

  /** The non-empty lines on screen, top to bottom. */
  lines(): string[] {
    return this.rows.map((line) => line.trimEnd()).filter(Boolean);
  }
}

function fakeTerminal(screen: Screen, columns = 120): Terminal {
  return { isTTY: true, columns, write: (text: string | Uint8Array) => (screen.write(String(text)), true) } as Terminal;
}

describe('progress lines and ETA (fake clock)', () => {
  const costs = (done: number): StreamRun => ({ stream: 'subscription_costs', startedAt: 0, unit: 'partitions', done, total: 1000, perSecond: 10 });

  it('a partitioned stream: the ETA follows the rate limit from the start, then the measured rate', () => {
    expect(runningLine(costs(0), 0)).toBe('  subscription_costs        [--------------------]      0/1,000  limit 10/s  ETA 1m 40s');
    expect(etaMs(costs(0), 0)).toBe(100_000);
    // Under 3 s in, a few partitions say little about the rate: still the limit's.
    expect(runningLine(costs(20), 2_000)).toBe('  subscription_costs        [--------------------]     20/1,000  limit 10/s  ETA 1m 38s');
    // Then the measured rate: 100 in 4 s is 25/s, 900 left.
    expect(runningLine(costs(100), 4_000)).toBe('  subscription_costs        [##------------------]    100/1,000  25.0/s  ETA 36 s');
    expect(etaMs(costs(100), 4_000)).toBe(36_000);
    // Nothing done yet after 5 s: no measured rate, so the limit's.
    expect(etaMs(costs(0), 5_000)).toBe(100_000);
    expect(runningLine(costs(1000), 99_000)).toBe('  subscription_costs        [####################]  1,000/1,000  10.1/s  ETA 0.0 s');
  });

  it('a list: pages so far, the time and its rate, no ETA', () => {
    const pages: StreamRun = { stream: 'subscriptions', startedAt: 0, unit: 'pages', done: 3 };
    expect(runningLine(pages, 1_500)).toBe('  subscriptions             3 pages, 1.5 s');
    expect(runningLine(pages, 6_000)).toBe('  subscriptions             3 pages, 6.0 s  0.5 pages/s');
    expect(etaMs(pages, 6_000)).toBeUndefined();
  });

  it('finished and stopped streams', () => {
    expect(finishedLine(costs(1000), 101_000)).toBe('  subscription_costs        done: 1,000 partitions in 1m 41s (9.9/s)');
    expect(finishedLine({ stream: 'plans', startedAt: 0, unit: 'pages', done: 1, total: 1 }, 120)).toBe('  plans                     done: 1 page in 0.1 s');
    expect(stoppedLine(costs(412), 42_000)).toBe('  subscription_costs        stopped after 412/1,000 partitions in 42 s');
  });
});

describe('the display redraws in place (fake clock, fake terminal)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('one line per running stream, redrawn; a finished stream stays as one line above; log lines go above', () => {
    vi.useFakeTimers();
    let now = 0;
    const screen = new Screen();
    const display = new ProgressDisplay(fakeTerminal(screen), () => now);
    display.update({ stream: 'customers', phase: 'start', done: 0 });
    now = 300;
    display.update({ stream: 'customers', phase: 'progress', done: 1 });
    display.update({ stream: 'customers', phase: 'done', done: 2, total: 2 });
    display.update({ stream: 'subscription_costs', phase: 'start', done: 0, total: 1000, perSecond: 10 });
    expect(screen.lines()).toEqual([
      '  customers                 done: 2 pages in 0.3 s',
      '  subscription_costs        [--------------------]      0/1,000  limit 10/s  ETA 1m 40s',
    ]);
    now = 4_300;
    display.update({ stream: 'subscription_costs', phase: 'progress', done: 100, total: 1000, perSecond: 10 });
    display.printAbove('12:00:00 warn retrying Orb request\n');
    vi.advanceTimersByTime(200);
    expect(screen.lines()).toEqual([
      '  customers                 done: 2 pages in 0.3 s',
      '12:00:00 warn retrying Orb request',
      '  subscription_costs        [##------------------]    100/1,000  25.0/s  ETA 36 s',
    ]);
    now = 10_300;
    display.update({ stream: 'subscription_costs', phase: 'progress', done: 400, total: 1000, perSecond: 10 });
    display.stop();
    expect(screen.lines()).toEqual([
      '  customers                 done: 2 pages in 0.3 s',
      '12:00:00 warn retrying Orb request',
      '  subscription_costs        stopped after 400/1,000 partitions in 10 s',
    ]);
  });

  it('cuts live lines to the terminal width, so none wraps and the redraw finds its start', () => {
    const frames: string[] = [];
    const display = new ProgressDisplay({ isTTY: true, columns: 40, write: (text: string) => (frames.push(text), true) } as Terminal, () => 0);
    display.update({ stream: 'subscription_costs', phase: 'start', done: 0, total: 1000, perSecond: 10 });
    display.stop();
    expect(frames[0]).toBe('  subscription_costs        [----------\n');
  });
});

describe('withRunOutput: what the flags and the terminal make of logs and progress', () => {
  const pipe = { isTTY: false, columns: undefined, write: () => true } as unknown as Terminal;

  it.each([
    { values: {}, env: {}, level: 'info' },
    { values: {}, env: { ORB_SYNC_LOG_LEVEL: 'debug' }, level: 'debug' },
    { values: { 'log-level': 'error' }, env: { ORB_SYNC_LOG_LEVEL: 'debug' }, level: 'error' },
    { values: { quiet: true }, env: { ORB_SYNC_LOG_LEVEL: 'debug' }, level: 'warn' },
    { values: { quiet: true, 'log-level': 'trace' }, env: {}, level: 'trace' },
  ])('not a terminal, $values, env $env: JSON log at $level, no progress', async ({ values, env, level }) => {
    await withRunOutput(values, async (log, onProgress) => {
      expect(log.level).toBe(level);
      expect(onProgress).toBeUndefined();
    }, pipe, env);
  });

  it.each([
    { values: {}, env: {}, level: 'warn', progress: true },
    { values: { 'log-level': 'info' }, env: {}, level: 'info', progress: true },
    { values: {}, env: { ORB_SYNC_LOG_LEVEL: 'info' }, level: 'info', progress: true },
    { values: { quiet: true }, env: {}, level: 'warn', progress: false },
    { values: {}, env: { TERM: 'dumb' }, level: 'info', progress: false },
  ])('a terminal, $values, env $env: level $level, progress $progress', async ({ values, env, level, progress }) => {
    await withRunOutput(values, async (log, onProgress) => {
      expect(log.level).toBe(level);
      expect(onProgress !== undefined).toBe(progress);
    }, fakeTerminal(new Screen()), env);
  });

  it('refuses an unknown --log-level', async () => {
    await expect(withRunOutput({ 'log-level': 'verbose' }, async () => undefined, pipe, {})).rejects.toThrow(UserError);
  });

  it('on a terminal, log lines print above the display, and a failure leaves the stream stopped, the display ended', async () => {
    const screen = new Screen();
    const failure = withRunOutput({ 'log-level': 'info' }, async (log, onProgress) => {
      onProgress!({ stream: 'subscription_costs', phase: 'start', done: 0, total: 1000, perSecond: 10 });
      log.info({ stream: 'subscription_costs' }, 'restating');
      expect(screen.lines()).toEqual([
        expect.stringMatching(/^\d\d:\d\d:\d\d info restating stream=subscription_costs$/),
        '  subscription_costs        [--------------------]      0/1,000  limit 10/s  ETA 1m 40s',
      ]);
      throw new UserError('Orb unreachable');
    }, fakeTerminal(screen), {});
    await expect(failure).rejects.toThrow('Orb unreachable');
    expect(screen.lines()).toEqual([
      expect.stringMatching(/ info restating /),
      expect.stringMatching(/^ {2}subscription_costs {8}stopped after 0\/1,000 partitions in \d+\.\d s$/),
    ]);
  });
});

describe('orb-sync sync on a real terminal (a pseudo-terminal from script(1))', () => {
  let simulator: Simulator;
  let baseUrl: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orb-sync-progress-'));
    simulator = createSimulator({ seed: 3, customers: 6, subscriptions: 16, days: 40, now: '2026-05-01T00:00:00Z' });
    // Slow enough that the partitioned streams are drawn while they run.
    simulator.faults.configure({ latencyMs: 5 });
    baseUrl = await simulator.listen();
  });

  afterAll(async () => {
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs orb-sync with stdout and stderr on one pseudo-terminal of 100 columns; returns what was written to it. */
  async function onTerminal(args: string, file: string) {
    const command = `stty cols 100 rows 40 && exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args}`;
    const env = { PATH: process.env.PATH!, TERM: 'xterm', ORB_API_KEY: 'k', ORB_BASE_URL: baseUrl, ORB_SYNC_DESTINATION: `duckdb:${join(dir, file)}`, ORB_SYNC_ANALYTICS_RPS: '50' };
    const { stdout } = await run('script', ['-qfec', command, '/dev/null'], { env });
    const screen = new Screen();
    screen.write(stdout);
    return { raw: stdout, screen: screen.lines() };
  }

  it('draws each stream in place and leaves one line per stream, then the summary', async () => {
    const { raw, screen } = await onTerminal('sync', 'tty.duckdb');
    expect(raw).toMatch(/\r\x1b\[1A\x1b\[2K/); // redrawn in place
    expect(raw).toMatch(/\[#*-*\] +\d+\/16 {2}(limit [\d,]+\/s|\d+\.\d\/s)/); // a partitioned stream's live line
    const streamLines = screen.filter((line) => /^ {2}\w+ +(done|stopped)/.test(line));
    // Finished streams print in the order they finish; the two lanes run concurrently.
    expect(streamLines.map((line) => line.trim().split(/\s+/)[0]).sort()).toEqual(STREAMS.map((stream) => stream.name).sort());
    expect(streamLines.every((line) => / done: /.test(line))).toBe(true);
    expect(screen.some((line) => BAR.test(line))).toBe(false); // no live line left behind
    expect(screen.some((line) => line.startsWith('{'))).toBe(false); // no JSON log on a terminal
    expect(screen[streamLines.length]).toMatch(/^sync run 1 succeeded: /);
  });

  it('with --log-level info, whole log lines print above the display', async () => {
    const { screen } = await onTerminal('sync --log-level info', 'tty-info.duckdb');
    const logLines = screen.filter((line) => /^\d\d:\d\d:\d\d /.test(line));
    expect(logLines.some((line) => / info progress stream=subscription_costs /.test(line))).toBe(true);
    expect(logLines.every((line) => /^\d\d:\d\d:\d\d (info|warn) \S/.test(line) && !BAR.test(line))).toBe(true);
    const streamLines = screen.filter((line) => /^ {2}\w+ +(done|stopped)/.test(line));
    expect(streamLines).toHaveLength(STREAMS.length);
    expect(screen.some((line) => BAR.test(line))).toBe(false);
  });

  it('with --quiet: no display and no info lines, only the result', async () => {
    const { raw, screen } = await onTerminal('sync --quiet', 'tty-quiet.duckdb');
    expect(raw).not.toContain('\x1b');
    expect(screen[0]).toMatch(/^sync run 1 succeeded: /);
    expect(screen.some((line) => / info /.test(line))).toBe(false);
  });

  it('not on a terminal: the JSON log, progress lines included, and no escape codes', async () => {
    const env = { PATH: process.env.PATH!, TERM: 'xterm', ORB_API_KEY: 'k', ORB_BASE_URL: baseUrl, ORB_SYNC_DESTINATION: `duckdb:${join(dir, 'pipe.duckdb')}`, ORB_SYNC_ANALYTICS_RPS: '50' };
    const { stderr } = await run(process.execPath, [BIN, 'sync'], { env });
    expect(stderr).not.toContain('\x1b');
    const lines = stderr.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; stream?: string });
    expect(lines.some((line) => line.msg === 'progress' && line.stream === 'subscription_costs')).toBe(true);
  });
});
