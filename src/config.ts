import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError, errorMessage } from './errors.js';
import { parseSize } from './util/size.js';

export const DEFAULT_BASE_URL = 'https://api.withorb.com/v1';

export type DestinationTarget = { engine: 'duckdb'; path: string; memoryLimit?: string } | { engine: 'postgres'; url: string };

/** One setting as the user meets it; its key in the --config file is its name in SETTINGS. */
export interface SettingSpec {
  flag: string;
  /** The value's placeholder in the help. */
  value: string;
  env: string;
  /** Written as a user would type it and validated like one; undefined leaves the setting unset. */
  default: string | undefined;
  description: string;
}

/** Every setting: the one source of its default and its `sync --help` entry (a test holds the README table to it). */
export const SETTINGS = {
  baseUrl: {
    flag: 'base-url',
    value: 'URL',
    env: 'ORB_BASE_URL',
    default: DEFAULT_BASE_URL,
    description: "Orb API base URL (the simulator's URL for tests)",
  },
  destination: {
    flag: 'destination',
    value: 'TARGET',
    env: 'ORB_SYNC_DESTINATION',
    default: 'duckdb:./orb-sync.duckdb',
    description: 'duckdb:<path> or a postgres:// URL',
  },
  schema: { flag: 'schema', value: 'NAME', env: 'ORB_SYNC_SCHEMA', default: 'orb', description: 'schema holding every table' },
  duckdbMemoryLimit: {
    flag: 'duckdb-memory-limit',
    value: 'SIZE',
    env: 'ORB_SYNC_DUCKDB_MEMORY_LIMIT',
    default: '100MB',
    description:
      'memory DuckDB may take in a model build for its cache, joins, sorts and aggregates, e.g. 512MB or 2GB (loads take at most 64MB; past it, it spills to a .tmp directory beside the file; raise it if a sync stops with DuckDB out of memory); not used with PostgreSQL',
  },
  analyticsRps: {
    flag: 'analytics-rps',
    value: 'N',
    env: 'ORB_SYNC_ANALYTICS_RPS',
    default: '10',
    description: "requests/s to Orb's analytics endpoints (costs, usage)",
  },
  rps: { flag: 'rps', value: 'N', env: 'ORB_SYNC_RPS', default: '100', description: 'requests/s to all other endpoints' },
  lookbackDays: {
    flag: 'lookback-days',
    value: 'N',
    env: 'ORB_SYNC_LOOKBACK_DAYS',
    default: '2',
    description: 'days of costs and usage re-read every sync (late events)',
  },
  startDate: {
    flag: 'start-date',
    value: 'YYYY-MM-DD',
    env: 'ORB_SYNC_START_DATE',
    default: undefined,
    description: 'earliest day of costs, usage and event volume (unset: the whole history, and --volume-days of volume); moved earlier, it extends the history',
  },
  concurrency: { flag: 'concurrency', value: 'N', env: 'ORB_SYNC_CONCURRENCY', default: '4', description: 'Orb requests in flight' },
  maxRetries: {
    flag: 'max-retries',
    value: 'N',
    env: 'ORB_SYNC_MAX_RETRIES',
    default: '5',
    description: 'retries of a 429, 5xx or connection error (Retry-After honoured)',
  },
  requestTimeout: {
    flag: 'request-timeout',
    value: 'SECONDS',
    env: 'ORB_SYNC_REQUEST_TIMEOUT',
    default: '60',
    description: 'how long one Orb request may take before it is abandoned and retried',
  },
  customerRereadHours: {
    flag: 'customer-reread-hours',
    value: 'N',
    env: 'ORB_SYNC_CUSTOMER_REREAD_HOURS',
    default: '24',
    description: 'hours between re-reads of the whole customer list (new customers are read every sync)',
  },
  usageGroupBy: {
    flag: 'usage-group-by',
    value: 'METRIC=PROPERTY[,...]',
    env: 'ORB_SYNC_USAGE_GROUP_BY',
    default: undefined,
    description: 'daily usage of each billable metric METRIC split by the event property PROPERTY (fct_daily_usage_by_group)',
  },
  volumeDays: {
    flag: 'volume-days',
    value: 'N',
    env: 'ORB_SYNC_VOLUME_DAYS',
    default: '30',
    description: 'days of hourly event volume the first sync reads when no start date is set',
  },
  volumeRereadDays: {
    flag: 'volume-reread-days',
    value: 'N',
    env: 'ORB_SYNC_VOLUME_REREAD_DAYS',
    default: '2',
    description: 'days of hourly event volume re-read every sync (late events, backfills)',
  },
  eventRecheckHours: {
    flag: 'event-recheck-hours',
    value: 'N',
    env: 'ORB_SYNC_EVENT_RECHECK_HOURS',
    default: '48',
    description: 'hours after it was requested that an event id Orb does not have is looked up again on every sync',
  },
} satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;

const positiveNumber = z.coerce.number().positive();

// No defaults here: loadSettings fills them in from SETTINGS, so they pass the same checks as input.
const settingsSchema = z.object({
  baseUrl: z.url({ protocol: /^https?$/ }),
  destination: z.string().transform(parseDestination),
  schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (letters, digits, _)'),
  duckdbMemoryLimit: z.string().trim().refine((size) => parseSize(size) !== undefined, 'must be a size like 100MB or 2GB'),
  analyticsRps: positiveNumber,
  rps: positiveNumber,
  lookbackDays: z.coerce.number().int().min(0).max(90),
  startDate: z.iso.date('must be a date like 2026-01-31').optional(),
  concurrency: z.coerce.number().int().min(1).max(64),
  maxRetries: z.coerce.number().int().min(0).max(20),
  requestTimeout: positiveNumber.max(3600),
  customerRereadHours: z.coerce.number().min(0),
  usageGroupBy: z.string().optional().transform(parseGroupBy),
  volumeDays: z.coerce.number().int().min(1).max(3660),
  volumeRereadDays: z.coerce.number().int().min(0).max(90),
  eventRecheckHours: z.coerce.number().min(0),
})
  // The destination is opened from its target alone, so the engine's own settings travel in it.
  .transform((settings): typeof settings =>
    settings.destination.engine === 'duckdb' ? { ...settings, destination: { ...settings.destination, memoryLimit: settings.duckdbMemoryLimit } } : settings,
  );

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

/** Flags win over the environment, which wins over the config file, which wins over the defaults. */
export function loadSettings({ flags = {}, env = process.env, configFile }: ConfigSources): Settings {
  const fromFile = configFile ? readConfigFile(configFile) : {};
  const merged: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(SETTINGS)) {
    merged[name] = flags[name as SettingName] ?? nonEmpty(env[setting.env]) ?? fromFile[name] ?? setting.default;
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

/** METRIC=PROPERTY[,METRIC=PROPERTY] as { metric: property }; Orb groups one metric by one property per call. */
function parseGroupBy(value: string | undefined, ctx: z.RefinementCtx): Readonly<Record<string, string>> {
  const groupBy = new Map<string, string>();
  for (const pair of value?.split(',') ?? []) {
    const [metric, property, ...rest] = pair.split('=').map((part) => part.trim());
    if (!metric || !property || rest.length > 0) {
      ctx.addIssue({ code: 'custom', message: `expected METRIC=PROPERTY[,METRIC=PROPERTY], got ${JSON.stringify(pair)}` });
      return z.NEVER;
    }
    if (groupBy.has(metric)) {
      ctx.addIssue({ code: 'custom', message: `billable metric ${metric} is grouped twice` });
      return z.NEVER;
    }
    groupBy.set(metric, property);
  }
  return Object.fromEntries(groupBy);
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
