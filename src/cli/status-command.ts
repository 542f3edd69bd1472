import { UserError } from '../errors.js';
import { integerFlag, type Command } from './command.js';
import { SETTINGS_GROUP, configFrom } from './settings-options.js';

export const statusCommand: Command = {
  summary: 'what the destination holds: streams, cursors, rejects, latest runs, restatements, fact freshness',
  about: `Reads the destination and nothing else: no ORB_API_KEY, no call to Orb, never creates, migrates
or writes anything, never waits for a running sync. On PostgreSQL it says whether a sync holds the
lock and reads what that sync has committed so far; a DuckDB file a sync is writing cannot be opened
by another process, so then it says only that a sync is running.
Exit codes: 0 when it could report (a running sync or a failed run included); 1 when the database
cannot be reached or a setting is wrong; 2 usage error.`,
  options: [
    {
      heading: 'Report:',
      options: {
        json: { description: 'print one JSON document (its keys are in the README) instead of text' },
        runs: { value: 'N', description: 'how many of the latest runs to show', default: '10' },
      },
    },
    SETTINGS_GROUP,
  ],
  async run({ values, stdout }) {
    const runs = integerFlag(values, 'runs')!;
    if (runs < 1) throw new UserError(`--runs must be at least 1, got ${runs}`);
    const { destination, schema } = configFrom(values, { needsApiKey: false });
    const { readStatus } = await import('../status/read-status.js');
    const status = await readStatus(destination, schema, { runs });
    if (values.json) stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    else stdout.write((await import('../status/format-status.js')).formatStatus(status));
  },
};
