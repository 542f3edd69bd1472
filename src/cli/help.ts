import type { ParseArgsConfig } from 'node:util';
import type { Command, OptionSpec } from './command.js';

type ParseArgsOptions = NonNullable<ParseArgsConfig['options']>;

const WIDTH = 100;

/**
 * The command's flags for node:util parseArgs, plus -h/--help. Defaults are left out for flags with a
 * fallback, which applies them itself, after the fallback (config.ts for settings).
 */
export function parseArgsOptions(command: Command): ParseArgsOptions {
  const options: ParseArgsOptions = { help: { type: 'boolean', short: 'h' } };
  for (const group of command.options) {
    for (const [flag, option] of Object.entries(group.options)) {
      if (option.value === undefined) options[flag] = { type: 'boolean' };
      else if (option.multiple) options[flag] = { type: 'string', multiple: true };
      else if (option.default === undefined || option.fallback !== undefined) options[flag] = { type: 'string' };
      else options[flag] = { type: 'string', default: option.default };
    }
  }
  return options;
}

/** `orb-sync <name> --help`: the option part is generated from the command's option table. */
export function commandHelp(name: string, command: Command): string {
  const entries = command.options.flatMap((group) => Object.entries(group.options));
  const column = Math.max(0, ...entries.map(([flag, option]) => flagText(flag, option).length)) + 4;
  const groups = command.options.map(({ heading, options }) =>
    [wrap(words(heading), 0), ...Object.entries(options).map(([flag, option]) => optionHelp(flag, option, column))].join('\n'),
  );
  const usage = `Usage: orb-sync ${name}${groups.length > 0 ? ' [options]' : ''}`;
  return [`orb-sync ${name}: ${command.summary}`, usage, command.about, ...groups].join('\n\n') + '\n';
}

function flagText(flag: string, { value, multiple }: OptionSpec): string {
  return value === undefined ? `--${flag}` : `--${flag} ${value}${multiple ? '...' : ''}`;
}

/** A flag's line with its default; after a fallback, on a second line listing in order where else the value comes from. */
function optionHelp(flag: string, option: OptionSpec, column: number): string {
  const flagColumn = `  ${flagText(flag, option)}`.padEnd(column);
  if (option.fallback === undefined) {
    const defaultText = option.default === undefined ? [] : [`(default ${option.default})`];
    return flagColumn + wrap([...words(option.description), ...defaultText], column);
  }
  const sources = option.default === undefined ? words(option.fallback) : [...words(`${option.fallback},`), `default ${option.default}`];
  return `${flagColumn}${wrap(words(option.description), column)}\n${' '.repeat(column)}${wrap(sources, column)}`;
}

function words(text: string): string[] {
  return text.split(/\s+/);
}

/** Words joined into lines of at most WIDTH columns; continuation lines start at column `indent`. */
function wrap(words: string[], indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line].join(`\n${' '.repeat(indent)}`);
}
