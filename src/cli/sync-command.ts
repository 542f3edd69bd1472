import { SETTINGS, loadConfig, type SettingName } from '../config.js';
import type { Command, OptionSpec } from './command.js';

/** Every setting as a flag; its environment variable, config key and default come from SETTINGS. */
const SETTING_OPTIONS: Record<string, OptionSpec> = Object.fromEntries(
  Object.entries(SETTINGS).map(([key, setting]) => [
    setting.flag,
    {
      value: setting.value,
      description: setting.description,
      default: setting.default,
      fallback: `env ${setting.env}, config key ${key}`,
    },
  ]),
);

export const syncCommand: Command = {
  summary: 'sync subscriptions and costs from Orb into the destination, then rebuild the models',
  about: `Needs ORB_API_KEY in the environment (never a flag or the config file). Each setting is read
from its flag, else its environment variable, else its key in the --config file, else its default.
Exit 0 on success; 1 with one line on stderr on failure.`,
  options: [
    {
      heading: 'Options:',
      options: {
        config: { value: 'FILE', description: 'JSON file of settings, by the config keys below' },
        ...SETTING_OPTIONS,
      },
    },
  ],
  async run({ values, log, stdout }) {
    const flags: Partial<Record<SettingName, string>> = {};
    for (const [name, { flag }] of Object.entries(SETTINGS)) {
      const value = values[flag];
      if (typeof value === 'string') flags[name as SettingName] = value;
    }
    const config = loadConfig({ flags, configFile: values.config as string | undefined });
    const { runSync } = await import('../sync/run-sync.js');
    const summary = await runSync(config, log);
    const rows = summary.streams.map((s) => `${s.stream}: ${s.rowsLoaded} rows`).join(', ');
    stdout.write(`sync run ${summary.runId} succeeded: ${rows}\n`);
  },
};
