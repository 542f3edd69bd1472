import { UserError } from '../errors.js';
import { LOG_LEVELS, createLogger, type Logger } from '../log.js';
import type { ProgressEvent } from '../streams/stream.js';
import type { CommandArgs, OptionGroup } from './command.js';

/** The flags of the commands that run streams (sync, restate): how much they say while they run. */
export const OUTPUT_GROUP: OptionGroup = {
  heading: 'Output (logs and progress go to stderr, the result to stdout):',
  options: {
    quiet: { description: 'no progress display, and log warnings and errors only' },
    'log-level': {
      value: 'LEVEL',
      description: `log this level and above: ${LOG_LEVELS.join(', ')}`,
      fallback: 'env ORB_SYNC_LOG_LEVEL',
      default: 'info, or warn on a terminal showing progress',
    },
  },
};

/** Where the display draws: stderr, or a fake terminal in tests. */
export type Terminal = Pick<NodeJS.WriteStream, 'write' | 'isTTY' | 'columns'>;

type OnProgress = (event: ProgressEvent) => void;

/**
 * Runs `work` with the logger the flags ask for and, on a terminal, a progress display (none
 * with --quiet, or when stderr is not a terminal: the JSON log then says it). Log lines print
 * above the display; the display's last frame stays on screen, ended cleanly, whatever happens.
 */
export async function withRunOutput<T>(
  values: CommandArgs['values'],
  work: (log: Logger, onProgress: OnProgress | undefined) => Promise<T>,
  terminal: Terminal = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  const flagLevel = values['log-level'];
  if (typeof flagLevel === 'string' && !LOG_LEVELS.includes(flagLevel)) {
    throw new UserError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(flagLevel)}`);
  }
  const quiet = values.quiet === true;
  const human = terminal.isTTY === true;
  // A terminal that cannot move its cursor (TERM=dumb) gets the plain log.
  const showProgress = human && !quiet && env.TERM !== 'dumb';
  const level = typeof flagLevel === 'string' ? flagLevel : quiet ? 'warn' : env.ORB_SYNC_LOG_LEVEL || (showProgress ? 'warn' : 'info');
  if (!showProgress) return work(createLogger(level, human), undefined);

  const display = new ProgressDisplay(terminal);
  // The CLI prints a line when a signal arrives (main.ts): the display steps aside for it.
  const stepAside = () => display.stepAside();
  process.prependListener('SIGINT', stepAside);
  process.prependListener('SIGTERM', stepAside);
  try {
    return await work(
      createLogger(level, true, (line) => display.printAbove(line)),
      (event) => display.update(event),
    );
  } finally {
    process.off('SIGINT', stepAside);
    process.off('SIGTERM', stepAside);
    display.stop();
  }
}

/** How often the running streams' lines are redrawn (rate and ETA move between events too). */
const REDRAW_MS = 200;
/** Until a stream has run this long, its ETA follows the rate its endpoint is held to; then the measured rate. */
const MEASURED_AFTER_MS = 3_000;
const NAME_WIDTH = 26;
const BAR_WIDTH = 20;

/** A stream being run: partitions of a known total, or pages of a list (no total until it ends). */
export interface StreamRun {
  readonly stream: string;
  readonly startedAt: number;
  readonly unit: 'partitions' | 'pages';
  done: number;
  total?: number;
  /** The request rate the stream's endpoint is held to. */
  readonly perSecond?: number;
}

/**
 * One line per stream, redrawn in place with plain ANSI (cursor up, erase line): a finished
 * stream's line is printed once, above the lines of the streams still running, so the live
 * part stays as short as the streams in flight and nothing scrolls out from under it.
 */
export class ProgressDisplay {
  private readonly running = new Map<string, StreamRun>();
  /** Lines of the live part on screen, below which the cursor sits. */
  private drawnLines = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly terminal: Terminal,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.redraw(), REDRAW_MS);
    this.timer.unref();
  }

  update(event: ProgressEvent): void {
    if (event.phase === 'start') {
      this.running.set(event.stream, {
        stream: event.stream,
        startedAt: this.now(),
        unit: event.total === undefined ? 'pages' : 'partitions',
        done: event.done,
        total: event.total,
        perSecond: event.perSecond,
      });
      this.redraw();
      return;
    }
    const run = this.running.get(event.stream);
    if (!run) return;
    run.done = event.done;
    run.total = event.total ?? run.total;
    if (event.phase === 'done') {
      this.running.delete(event.stream);
      this.printAbove(`${finishedLine(run, this.now())}\n`);
    }
  }

  /** Prints text (whole lines) above the live part, which is drawn again below it. */
  printAbove(text: string): void {
    this.terminal.write(this.erase() + text + this.frame());
  }

  /** Clears the live part for someone else's line, and draws it again once that is printed. */
  stepAside(): void {
    this.terminal.write(this.erase());
    setImmediate(() => this.redraw());
  }

  /** Ends the display: streams still running (a failure, a signal) keep a last line saying where they stopped. */
  stop(): void {
    clearInterval(this.timer);
    const stopped = [...this.running.values()].map((run) => `${stoppedLine(run, this.now())}\n`).join('');
    this.running.clear();
    this.printAbove(stopped);
  }

  private redraw(): void {
    if (this.running.size > 0 || this.drawnLines > 0) this.terminal.write(this.erase() + this.frame());
  }

  /**
   * Line by line (cursor up, erase line): erasing down from the top-left corner would clear the
   * whole screen, which some terminals (tmux) then keep in their scrollback.
   */
  private erase(): string {
    const lines = this.drawnLines;
    this.drawnLines = 0;
    return lines === 0 ? '' : `\r${'\x1b[1A\x1b[2K'.repeat(lines)}`;
  }

  private frame(): string {
    // A line as wide as the terminal would wrap, and the cursor would no longer go back to its start.
    const width = Math.max(20, (this.terminal.columns || 80) - 1);
    const lines = [...this.running.values()].map((run) => runningLine(run, this.now()).slice(0, width));
    this.drawnLines = lines.length;
    return lines.map((line) => `${line}\n`).join('');
  }
}

/** "subscription_costs  [######--------------]  412/1,000  9.8/s  ETA 1m 00s" */
export function runningLine(run: StreamRun, now: number): string {
  const measured = measuredRate(run, now);
  if (run.unit === 'pages') {
    const rate = measured === undefined ? '' : `  ${measured.toFixed(1)} pages/s`;
    return `${name(run)}${plural(run.done, 'page')}, ${formatDuration(now - run.startedAt)}${rate}`;
  }
  const total = run.total ?? 0;
  const filled = total === 0 ? BAR_WIDTH : Math.floor((run.done / total) * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const counts = `${formatCount(run.done).padStart(formatCount(total).length)}/${formatCount(total)}`;
  const rate = measured !== undefined ? `${measured.toFixed(1)}/s` : run.perSecond !== undefined ? `limit ${formatCount(run.perSecond)}/s` : undefined;
  const eta = etaMs(run, now);
  return name(run) + [bar, counts, rate, eta === undefined ? undefined : `ETA ${formatDuration(eta)}`].filter((part) => part !== undefined).join('  ');
}

export function finishedLine(run: StreamRun, now: number): string {
  const took = formatDuration(now - run.startedAt);
  if (run.unit === 'pages') return `${name(run)}done: ${plural(run.done, 'page')} in ${took}`;
  const rate = measuredRate(run, now, 0);
  return `${name(run)}done: ${plural(run.done, 'partition')} in ${took}${rate === undefined ? '' : ` (${rate.toFixed(1)}/s)`}`;
}

export function stoppedLine(run: StreamRun, now: number): string {
  const where = run.unit === 'pages' ? plural(run.done, 'page') : `${formatCount(run.done)}/${formatCount(run.total ?? 0)} partitions`;
  return `${name(run)}stopped after ${where} in ${formatDuration(now - run.startedAt)}`;
}

/**
 * Time left for a stream of known total: at the rate its endpoint is held to until the stream has
 * run MEASURED_AFTER_MS (1,000 subscriptions at 10/s say 1m 40s from the start), then at the
 * rate measured since it started. Undefined when neither rate is known.
 */
export function etaMs(run: StreamRun, now: number): number | undefined {
  if (run.total === undefined) return undefined;
  const rate = measuredRate(run, now) ?? run.perSecond;
  if (rate === undefined || rate <= 0) return undefined;
  return (Math.max(0, run.total - run.done) / rate) * 1000;
}

function measuredRate(run: StreamRun, now: number, after = MEASURED_AFTER_MS): number | undefined {
  const elapsed = now - run.startedAt;
  return elapsed >= after && elapsed > 0 && run.done > 0 ? run.done / (elapsed / 1000) : undefined;
}

function name(run: StreamRun): string {
  return `  ${run.stream.padEnd(NAME_WIDTH)}`;
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "4.2 s", "42 s", "1m 40s", "2h 05m". */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m ${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}
