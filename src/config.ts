import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError, errorMessage } from './errors.js';

export const DEFAULT_BASE_URL = 'https://api.withorb.com/v1';

export type DestinationTarget = { engine: 'duckdb'; path: string } | { engine: 'postgres'; url: string };

/** Every setting: its flag, its environment variable, its key in the config file. */
const SETTINGS = {
  baseUrl: { flag: 'base-url', env: 'ORB_BASE_URL' },
  destination: { flag: 'destination', env: 'ORB_SYNC_DESTINATION' },
  schema: { flag: 'schema', env: 'ORB_SYNC_SCHEMA' },
  analyticsRps: { flag: 'analytics-rps', env: 'ORB_SYNC_ANALYTICS_RPS' },
  rps: { flag: 'rps', env: 'ORB_SYNC_RPS' },
  lookbackDays: { flag: 'lookback-days', env: 'ORB_SYNC_LOOKBACK_DAYS' },
  startDate: { flag: 'start-date', env: 'ORB_SYNC_START_DATE' },
  concurrency: { flag: 'concurrency', env: 'ORB_SYNC_CONCURRENCY' },
  maxRetries: { flag: 'max-retries', env: 'ORB_SYNC_MAX_RETRIES' },
} as const;

export type SettingName = keyof typeof SETTINGS;
export const SETTING_FLAGS = Object.fromEntries(
  Object.entries(SETTINGS).map(([name, { flag }]) => [flag, name]),
) as Record<string, SettingName>;

const positiveNumber = z.coerce.number().positive();

const settingsSchema = z.object({
  baseUrl: z.url({ protocol: /^https?$/ }).default(DEFAULT_BASE_URL),
  destination: z.string().default('duckdb:./orb-sync.duckdb').transform(parseDestination),
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (letters, digits, _)')
    .default('orb'),
  analyticsRps: positiveNumber.default(10),
  rps: positiveNumber.default(100),
  lookbackDays: z.coerce.number().int().min(0).max(90).default(2),
  startDate: z.iso.date('must be a date like 2026-01-31').optional(),
  concurrency: z.coerce.number().int().min(1).max(64).default(4),
  maxRetries: z.coerce.number().int().min(0).max(20).default(5),
});

export type Settings = z.output<typeof settingsSchema>;
export interface Config extends Settings {
  /** From ORB_API_KEY only: a secret never read from files or flags, never logged. */
  readonly apiKey: string;
}

export interface ConfigSources {
  flags?: Partial<Record<SettingName, string>>;
  env?: NodeJS.ProcessEnv;
  configFile?: string;
}

/** Flags win over the environment, which wins over the config file. */
export function loadSettings({ flags = {}, env = process.env, configFile }: ConfigSources): Settings {
  const fromFile = configFile ? readConfigFile(configFile) : {};
  const merged: Record<string, unknown> = {};
  for (const [name, { env: envName }] of Object.entries(SETTINGS)) {
    merged[name] = flags[name as SettingName] ?? nonEmpty(env[envName]) ?? fromFile[name];
  }
  const parsed = settingsSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]) as SettingName;
    const where = SETTINGS[name] ? `${SETTINGS[name].env} (--${SETTINGS[name].flag})` : name;
    throw new UserError(`invalid ${where}: ${issue.message}`);
  }
  return parsed.data;
}

export function loadConfig(sources: ConfigSources): Config {
  const settings = loadSettings(sources);
  const apiKey = nonEmpty((sources.env ?? process.env).ORB_API_KEY);
  if (!apiKey) throw new UserError('ORB_API_KEY is not set: export your Orb API key in the environment');
  return { ...settings, apiKey };
}

function readConfigFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UserError(`cannot read config file ${path}: ${errorMessage(error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UserError(`config file ${path} must hold a JSON object`);
  }
  const keys = Object.keys(parsed);
  if (keys.some((key) => /api.?key/i.test(key))) {
    throw new UserError(`config file ${path} must not hold the API key: set ORB_API_KEY in the environment`);
  }
  const unknown = keys.filter((key) => !(key in SETTINGS));
  if (unknown.length > 0) {
    throw new UserError(`config file ${path}: unknown setting(s) ${unknown.join(', ')}`);
  }
  return parsed as Record<string, unknown>;
}

function parseDestination(value: string, ctx: z.RefinementCtx): DestinationTarget {
  if (value.startsWith('duckdb:')) {
    const path = value.slice('duckdb:'.length);
    if (path) return { engine: 'duckdb', path };
  } else if (/^postgres(ql)?:\/\/./.test(value)) {
    return { engine: 'postgres', url: value };
  }
  ctx.addIssue({ code: 'custom', message: `expected duckdb:<path> or a postgres:// URL, got ${JSON.stringify(redactUrl(value))}` });
  return z.NEVER;
}

/** A destination as it may be shown: never with a password. */
export function describeDestination(target: DestinationTarget): string {
  return target.engine === 'duckdb' ? `duckdb:${target.path}` : redactUrl(target.url);
}

function redactUrl(value: string): string {
  return value.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

export function settingsHelp(): string {
  return Object.values(SETTINGS)
    .map(({ flag, env }) => `  --${flag.padEnd(16)} ${env}`)
    .join('\n');
}
