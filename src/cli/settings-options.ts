import { SETTINGS, loadConfig, loadSettings, type Config, type SettingName } from '../config.js';
import type { CommandArgs, OptionGroup, OptionSpec } from './command.js';

/** Every setting as a flag; its environment variable, config key and default come from SETTINGS. */
export const SETTINGS_GROUP: OptionGroup = {
  heading: 'Settings (each from its flag, else its environment variable, else its key in the --config file, else its default):',
  options: {
    config: { value: 'FILE', description: 'JSON file of settings, by the config keys below' },
    ...Object.fromEntries(
      Object.entries(SETTINGS).map(([key, setting]): [string, OptionSpec] => [
        setting.flag,
        { value: setting.value, description: setting.description, default: setting.default, fallback: `env ${setting.env}, config key ${key}` },
      ]),
    ),
  },
};

/** The settings a command's flags, the environment and the --config file give; with the API key when Orb is called. */
export function configFrom(values: CommandArgs['values'], { needsApiKey = true } = {}): Config {
  const flags: Partial<Record<SettingName, string>> = {};
  for (const [name, { flag }] of Object.entries(SETTINGS)) {
    const value = values[flag];
    if (typeof value === 'string') flags[name as SettingName] = value;
  }
  const sources = { flags, configFile: values.config as string | undefined };
  return needsApiKey ? loadConfig(sources) : { ...loadSettings(sources), apiKey: '' };
}
