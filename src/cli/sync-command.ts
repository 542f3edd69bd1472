import { loadConfig } from '../config.js';
import { runSync } from '../sync/run-sync.js';
import { SETTING_OPTIONS, type Command } from './command.js';

export const syncCommand: Command = {
  summary: 'sync subscriptions and costs from Orb into the destination, then rebuild the models',
  usage: `orb-sync sync [--config FILE] [--destination duckdb:PATH|postgres://URL] [--schema NAME]
                     [--base-url URL] [--analytics-rps N] [--rps N] [--lookback-days N]
                     [--start-date YYYY-MM-DD] [--concurrency N] [--max-retries N]

  Needs ORB_API_KEY in the environment. Every flag also reads from the environment
  (ORB_BASE_URL, ORB_SYNC_DESTINATION, ORB_SYNC_SCHEMA, ORB_SYNC_ANALYTICS_RPS, ORB_SYNC_RPS,
  ORB_SYNC_LOOKBACK_DAYS, ORB_SYNC_START_DATE, ORB_SYNC_CONCURRENCY, ORB_SYNC_MAX_RETRIES)
  and from the JSON --config file (keys: baseUrl, destination, schema, analyticsRps, rps,
  lookbackDays, startDate, concurrency, maxRetries); flags win, then the environment.
  Defaults: destination duckdb:./orb-sync.duckdb, schema orb, 10 analytics and 100 other
  requests per second (Orb's live limits), 2 look-back days, 4 requests in flight, 5 retries.
  Exit 0 on success; 1 with one line on stderr on failure.`,
  options: { config: { type: 'string' }, ...SETTING_OPTIONS },
  async run({ values, settings, log, stdout }) {
    const config = loadConfig({ flags: settings, configFile: values.config as string | undefined });
    const summary = await runSync(config, log);
    const rows = summary.streams.map((s) => `${s.stream}: ${s.rowsLoaded} rows`).join(', ');
    stdout.write(`sync run ${summary.runId} succeeded: ${rows}\n`);
  },
};
