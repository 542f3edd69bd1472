import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CancelledError, UserError } from '../errors.js';
import { createLogger } from '../log.js';
import type { Command, CommandArgs } from './command.js';
import { buildCommand } from './build-command.js';
import { demoCommand } from './demo-command.js';
import { commandHelp, parseArgsOptions } from './help.js';
import { restateCommand } from './restate-command.js';
import { scheduleCommand } from './schedule-command.js';
import { simulateCommand } from './simulate-command.js';
import { statusCommand } from './status-command.js';
import { syncCommand } from './sync-command.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Light descriptors: each command imports its heavy modules only when it runs. */
const COMMANDS: Record<string, Command> = {
  sync: syncCommand,
  restate: restateCommand,
  status: statusCommand,
  schedule: scheduleCommand,
  build: buildCommand,
  simulate: simulateCommand,
  demo: demoCommand,
};

function mainHelp(): string {
  const commands = Object.entries(COMMANDS)
    .map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`)
    .join('\n');
  return `orb-sync ${VERSION}: sync Orb billing data into DuckDB or PostgreSQL and build daily cost facts

Usage: orb-sync <command> [options]

Commands:
${commands}

Run "orb-sync <command> --help" for a command's options; "orb-sync sync --help" lists every setting.
ORB_API_KEY is read from the environment only.
`;
}

/** Runs the CLI; returns the exit code. Errors the user can fix print as one line on stderr. */
export async function main(argv: string[], stdout: NodeJS.WritableStream = process.stdout): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    stdout.write(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`orb-sync: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')}; see --help)\n`);
    return 2;
  }
  let values: CommandArgs['values'];
  try {
    values = parseArgs({ args: rest, options: parseArgsOptions(command), allowPositionals: false, strict: true }).values as CommandArgs['values'];
  } catch (error) {
    // parseArgs explains some mistakes over several lines; the CLI's errors are one line.
    process.stderr.write(`orb-sync ${name}: ${(error as Error).message.replace(/\s*\n\s*/g, ' ')}\n`);
    return 2;
  }
  if (values.help) {
    stdout.write(commandHelp(name, command));
    return 0;
  }
  const stop = stopOnSignals(name);
  try {
    // A --log-level flag wins over ORB_SYNC_LOG_LEVEL, even an invalid one.
    const level = typeof values['log-level'] === 'string' ? values['log-level'] : undefined;
    await command.run({ values, log: createLogger(level), stdout, signal: stop.signal });
    return 0;
  } catch (error) {
    if (error instanceof CancelledError) {
      process.stderr.write(`orb-sync ${name}: ${error.message}; work committed before it is kept\n`);
      return error.exitCode;
    }
    if (error instanceof UserError) {
      process.stderr.write(`orb-sync ${name}: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`orb-sync ${name}: unexpected error\n${(error as Error).stack ?? String(error)}\n`);
    return 70;
  } finally {
    stop.dispose();
  }
}

/**
 * The first SIGINT or SIGTERM asks the command to stop: Orb calls are abandoned, the open
 * transaction finishes, the run is recorded as cancelled and the lock released. A second one
 * exits at once (the database rolls back whatever transaction was open).
 */
function stopOnSignals(command: string): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (controller.signal.aborted) process.exit(new CancelledError(signal).exitCode);
    process.stderr.write(`orb-sync ${command}: ${signal} received; stopping cleanly (send it again to stop at once)\n`);
    controller.abort(new CancelledError(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
