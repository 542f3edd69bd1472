import type { ParseArgsConfig } from 'node:util';
import { SETTING_FLAGS, type SettingName } from '../config.js';
import { UserError } from '../errors.js';
import type { Logger } from '../log.js';

export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: CommandArgs): Promise<void>;
}

export interface CommandArgs {
  values: Record<string, string | boolean | undefined>;
  /** Setting flags (--destination, --schema, …) picked out of `values`. */
  settings: Partial<Record<SettingName, string>>;
  log: Logger;
  stdout: NodeJS.WritableStream;
}

/** Every setting as a string flag; config.ts validates the values. */
export const SETTING_OPTIONS = Object.fromEntries(
  Object.keys(SETTING_FLAGS).map((flag) => [flag, { type: 'string' as const }]),
);

/** A flag that must be a whole number, with a clear error otherwise. */
export function integerFlag(values: CommandArgs['values'], name: string, fallback?: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw) || !Number.isSafeInteger(value)) {
    throw new UserError(`--${name} must be a whole number, got ${JSON.stringify(raw)}`);
  }
  return value;
}
