import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { UserError } from './errors.js';

export type { Logger };

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
export const LOG_LEVELS = [...Object.values(LEVEL_NAMES), 'silent'];

/**
 * Logs go to stderr so stdout stays for what the user asked to see (tables, --help): JSON lines
 * for schedulers and log shippers, one readable line per event on a terminal. Anything that
 * could carry the API key is redacted wherever it appears. `writeLine` takes the readable lines
 * (a terminal's progress display prints them above itself).
 */
export function createLogger(
  level: string = process.env.ORB_SYNC_LOG_LEVEL || 'info',
  human: boolean = process.stderr.isTTY === true,
  writeLine: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  if (!LOG_LEVELS.includes(level)) {
    throw new UserError(`invalid log level ${JSON.stringify(level)} (--log-level, ORB_SYNC_LOG_LEVEL): use one of ${LOG_LEVELS.join(', ')}`);
  }
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ['apiKey', '*.apiKey', 'headers.authorization', '*.headers.authorization'], censor: '[redacted]' },
    },
    human ? readableLines(writeLine) : pino.destination({ fd: 2, sync: true }),
  );
}

function readableLines(writeLine: (line: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const { level, time, msg, ...fields } = JSON.parse(chunk.toString()) as Record<string, unknown>;
      const clock = new Date(time as number).toISOString().slice(11, 19);
      const details = Object.entries(fields)
        .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
        .join(' ');
      writeLine(`${clock} ${LEVEL_NAMES[level as number] ?? level} ${msg} ${details}\n`);
      done();
    },
  });
}

export const silentLogger: Logger = pino({ level: 'silent' });
