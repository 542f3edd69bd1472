import type { Command } from './command.js';
import { OUTPUT_GROUP, withRunOutput } from './progress.js';
import { formatSummary } from './run-report.js';
import { SETTINGS_GROUP, configFrom } from './settings-options.js';

export const EXIT_CODES = `Exit codes: 0 success; 1 failure, one line on stderr (rejected records, unreachable Orb or
database, bad settings); 2 usage error; 130/143 stopped by SIGINT/SIGTERM (committed work kept).`;

export const syncCommand: Command = {
  summary: 'sync Orb into the destination, rebuild the facts that changed, restate what Orb changed',
  about: `Needs ORB_API_KEY in the environment (never a flag or the config file). Reads what changed in
Orb since the last run, rebuilds the facts of the days it changed, and restates the days a reflected
or reverted backfill changed.
${EXIT_CODES}`,
  options: [
    SETTINGS_GROUP,
    {
      heading: 'This run only:',
      options: {
        'event-ids': {
          value: 'FILE',
          description: 'event ids to look up in Orb (fct_event_reconciliation), added to event_search_requests: one per line, or id,timestamp (ISO 8601)',
        },
        streams: {
          value: 'NAME[,NAME]',
          description:
            'run only these streams and what they need (customers, subscriptions, plans, prices, subscription_schedules, backfills, event_volume, event_search, subscription_usage, subscription_usage_groups, subscription_costs; a last word like costs will do)',
        },
        'full-refresh': {
          description: "forget the cursors of the streams run (all, or --streams) and read them again from the start date; every fact is rebuilt and the rebuild recorded in restatements",
        },
      },
    },
    OUTPUT_GROUP,
  ],
  async run({ values, stdout, signal }) {
    const config = configFrom(values);
    const file = values['event-ids'];
    // Read first: a malformed line fails the run before any call to Orb.
    const eventIds = typeof file === 'string' ? (await import('../streams/event-search.js')).readEventIdsFile(file) : undefined;
    const { runSync } = await import('../sync/run-sync.js');
    const streams = typeof values.streams === 'string' ? values.streams.split(',').map((name) => name.trim()).filter(Boolean) : undefined;
    const fullRefresh = values['full-refresh'] === true;
    const summary = await withRunOutput(values, (log, onProgress) => runSync({ ...config, signal, eventIds, onProgress, streams, fullRefresh }, log));
    const rows = summary.streams.map((s) => `${s.stream}: ${s.rowsLoaded} rows`).join(', ');
    stdout.write(`sync run ${summary.runId} succeeded: ${rows}\n${formatSummary(summary.summary)}`);
  },
};
