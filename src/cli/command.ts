import { UserError } from '../errors.js';
import type { Logger } from '../log.js';

/** One flag: the single source of how it is parsed and how the help describes it. */
export interface OptionSpec {
  /** The value's placeholder in the help; a flag without one is a switch. */
  value?: string;
  /** May be given more than once; its value is then a list. */
  multiple?: boolean;
  description: string;
  /** The value when the flag is absent (after the fallback, if any); shown in the help. */
  default?: string;
  /** Read when the flag is absent, before the default: a setting's environment variable and config key. */
  fallback?: string;
}

export interface OptionGroup {
  /** The group's heading: what its flags have in common. */
  heading: string;
  options: Record<string, OptionSpec>;
}

/**
 * A command as the CLI knows it before running it: enough to parse its flags and print its help.
 * `run` imports what it needs (DuckDB, pg, the simulator) itself, so --help and --version stay light.
 */
export interface Command {
  summary: string;
  /** What the command does and needs, printed between the usage line and the options. */
  about: string;
  options: OptionGroup[];
  run(args: CommandArgs): Promise<void>;
}

export interface CommandArgs {
  values: Record<string, string | string[] | boolean | undefined>;
  log: Logger;
  stdout: NodeJS.WritableStream;
  /** Aborted with a CancelledError on SIGINT or SIGTERM. */
  signal: AbortSignal;
}

/** A flag that must be a whole number, with a clear error otherwise. */
export function integerFlag(values: CommandArgs['values'], name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw) || !Number.isSafeInteger(value)) {
    throw new UserError(`--${name} must be a whole number, got ${JSON.stringify(raw)}`);
  }
  return value;
}
