import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UserError } from '../errors.js';
import { createLogger } from '../log.js';
import type { Command, CommandArgs } from './command.js';
import { demoCommand } from './demo-command.js';
import { commandHelp, parseArgsOptions } from './help.js';
import { simulateCommand } from './simulate-command.js';
import { syncCommand } from './sync-command.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Light descriptors: each command imports its heavy modules only when it runs. */
const COMMANDS: Record<string, Command> = { sync: syncCommand, simulate: simulateCommand, demo: demoCommand };

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
    // No option is `multiple`, so no value is an array.
    values = parseArgs({ args: rest, options: parseArgsOptions(command), allowPositionals: false, strict: true }).values as CommandArgs['values'];
  } catch (error) {
    process.stderr.write(`orb-sync ${name}: ${(error as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    stdout.write(commandHelp(name, command));
    return 0;
  }
  try {
    await command.run({ values, log: createLogger(), stdout });
    return 0;
  } catch (error) {
    if (error instanceof UserError) {
      process.stderr.write(`orb-sync ${name}: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`orb-sync ${name}: unexpected error\n${(error as Error).stack ?? String(error)}\n`);
    return 70;
  }
}
