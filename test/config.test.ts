import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS, loadConfig, loadSettings } from '../src/config.js';

function configFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'orb-sync-config-')), 'config.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('configuration', () => {
  it('has the documented defaults', () => {
    const settings = loadSettings({ env: {} });
    expect(settings).toMatchObject({
      baseUrl: 'https://api.withorb.com/v1',
      destination: { engine: 'duckdb', path: './orb-sync.duckdb' },
      schema: 'orb',
      analyticsRps: 10,
      rps: 100,
      lookbackDays: 2,
      startDate: undefined,
      concurrency: 4,
      maxRetries: 5,
      duckdbMemoryLimit: '100MB',
    });
  });

  it('takes flags over the environment over the config file', () => {
    const file = configFile({ schema: 'from_file', rps: 5, lookbackDays: 4 });
    const settings = loadSettings({ flags: { schema: 'from_flag' }, env: { ORB_SYNC_SCHEMA: 'from_env', ORB_SYNC_RPS: '7' }, configFile: file });
    expect(settings.schema).toBe('from_flag');
    expect(settings.rps).toBe(7);
    expect(settings.lookbackDays).toBe(4);
  });

  it('reads postgres URLs and duckdb paths', () => {
    expect(loadSettings({ env: { ORB_SYNC_DESTINATION: 'postgresql://u@h/db' } }).destination).toEqual({ engine: 'postgres', url: 'postgresql://u@h/db' });
    expect(loadSettings({ env: { ORB_SYNC_DESTINATION: 'duckdb:/tmp/x.duckdb' } }).destination).toEqual({ engine: 'duckdb', path: '/tmp/x.duckdb', memoryLimit: '100MB' });
  });

  it('hands DuckDB its memory limit with the destination', () => {
    const env = { ORB_SYNC_DESTINATION: 'duckdb:/tmp/x.duckdb', ORB_SYNC_DUCKDB_MEMORY_LIMIT: '1.5GB' };
    expect(loadSettings({ env }).destination).toEqual({ engine: 'duckdb', path: '/tmp/x.duckdb', memoryLimit: '1.5GB' });
    expect(loadSettings({ env: { ...env, ORB_SYNC_DESTINATION: 'postgres://u@h/db' } }).destination).toEqual({ engine: 'postgres', url: 'postgres://u@h/db' });
  });

  it.each([
    [{ ORB_SYNC_DESTINATION: 'duckdb:' }, /ORB_SYNC_DESTINATION/],
    [{ ORB_SYNC_SCHEMA: 'Robert"; drop' }, /ORB_SYNC_SCHEMA/],
    [{ ORB_SYNC_ANALYTICS_RPS: '0' }, /ORB_SYNC_ANALYTICS_RPS/],
    [{ ORB_SYNC_RPS: 'fast' }, /ORB_SYNC_RPS/],
    [{ ORB_BASE_URL: 'ftp://x' }, /ORB_BASE_URL/],
    [{ ORB_SYNC_START_DATE: '2026-13-01' }, /ORB_SYNC_START_DATE/],
    [{ ORB_SYNC_DUCKDB_MEMORY_LIMIT: 'lots' }, /ORB_SYNC_DUCKDB_MEMORY_LIMIT \(--duckdb-memory-limit\): must be a size like 100MB/],
    [{ ORB_SYNC_DUCKDB_MEMORY_LIMIT: '100' }, /ORB_SYNC_DUCKDB_MEMORY_LIMIT/],
  ])('names the setting in the error for %o', (env, message) => {
    expect(() => loadSettings({ env })).toThrow(message);
  });

  it('reads the API key from the environment only', () => {
    expect(loadConfig({ env: { ORB_API_KEY: 'k' } }).apiKey).toBe('k');
    expect(() => loadConfig({ env: {} })).toThrow(/ORB_API_KEY is not set/);
    expect(() => loadConfig({ env: { ORB_API_KEY: 'k' }, configFile: configFile({ apiKey: 'k2' }) })).toThrow(/must not hold the API key/);
  });

  it('rejects unknown keys and unreadable config files', () => {
    expect(() => loadSettings({ env: {}, configFile: configFile({ destnation: 'x' }) })).toThrow(/unknown setting\(s\) destnation/);
    expect(() => loadSettings({ env: {}, configFile: '/nonexistent/orb.json' })).toThrow(/cannot read config file/);
  });
});

describe('the example config file', () => {
  it('is valid as shipped', () => {
    const settings = loadSettings({ env: {}, configFile: join(import.meta.dirname, '../config/orb-sync.example.json') });
    expect(settings.destination).toMatchObject({ engine: 'postgres' });
  });
});

describe('the README configuration table', () => {
  it('lists every setting with the flag, environment variable, config key, default and meaning in SETTINGS', () => {
    const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');
    const start = readme.indexOf('### Configuration');
    const section = readme.slice(start, readme.indexOf('\n## ', start));
    const rows = section
      .split('\n')
      .filter((line) => line.startsWith('| `--'))
      .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
    const code = (text: string) => `\`${text}\``;
    expect(rows).toEqual(
      Object.entries(SETTINGS).map(([key, setting]) => [
        code(`--${setting.flag}`),
        code(setting.env),
        code(key),
        setting.default === undefined ? expect.not.stringContaining('`') : code(setting.default),
        // The README may set parts of the meaning in backticks.
        expect.toSatisfy((meaning: string) => meaning.replaceAll('`', '') === setting.description),
      ]),
    );
  });
});
