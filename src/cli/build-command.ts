import type { Command } from './command.js';
import { SETTINGS_GROUP, configFrom } from './settings-options.js';
import { EXIT_CODES } from './sync-command.js';

export const buildCommand: Command = {
  summary: 'rebuild the facts from staging: what changed since the last build, or --full',
  about: `Builds the fact tables from what is already in the destination, without calling Orb (no API
key needed). Normally a sync does this itself; --full rebuilds every fact of every day, in one
transaction, e.g. after an upgrade of orb-sync.
${EXIT_CODES}`,
  options: [{ heading: 'Build:', options: { full: { description: 'rebuild every fact, not only what changed' } } }, SETTINGS_GROUP],
  async run({ values, log, stdout, signal }) {
    const config = configFrom(values, { needsApiKey: false });
    const { runBuild } = await import('../sync/run-sync.js');
    const result = await runBuild({ ...config, signal }, log, values.full === true);
    const rows = Object.entries(result.rows).map(([table, n]) => `${table}: ${n} rows`).join(', ');
    stdout.write(`build done (${result.subscriptions === 'all' ? 'every' : result.subscriptions} subscriptions): ${rows}\n`);
  },
};
