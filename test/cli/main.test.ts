import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';

const BIN = join(import.meta.dirname, '../../bin/orb-sync.js');
const RECORD_IMPORTS = pathToFileURL(join(import.meta.dirname, 'record-imports.mjs')).href;
const run = promisify(execFile);

/** Runs the built CLI as a user would, with only the environment given (plus PATH). */
async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH!, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('orb-sync CLI', () => {
  let dir: string;
  let simulator: Simulator;
  let baseUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orb-sync-cli-'));
    simulator = createSimulator({ seed: 5, subscriptions: 8, days: 15, now: '2026-04-02T00:00:00Z', apiKey: 'right-key' });
    baseUrl = await simulator.listen();
  });

  afterAll(async () => {
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints help that names every command, and the package version', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['sync', 'simulate', 'demo']) expect(help.stdout).toContain(`  ${command} `);
    const version = await cli(['--version']);
    const { version: expected } = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8'));
    expect(version.stdout.trim()).toBe(expected);
  });

  it('answers --version and --help without loading DuckDB, pg or the simulator', async () => {
    const commands = [['--version'], ['--help'], ['sync', '--help'], ['simulate', '--help'], ['demo', '--help']];
    await Promise.all(commands.map(async (args) => {
      const log = join(dir, `imports${args.join('')}.log`);
      const result = await cli(args, { NODE_OPTIONS: `--import=${RECORD_IMPORTS}`, IMPORT_LOG: log });
      expect(result.code, args.join(' ')).toBe(0);
      const imports = readFileSync(log, 'utf8').split('\n');
      expect(imports, 'the import log works').toContainEqual(expect.stringMatching(/\/dist\/cli\/main\.js$/));
      const heavy = imports.filter((url) => /\/node_modules\/(@duckdb|pg|pg-copy-streams|kysely|orb-billing)\/|\/dist\/(simulator|sync|destinations)\//.test(url));
      expect(heavy, args.join(' ')).toEqual([]);
    }));
  });

  it('describes every setting in sync --help: flag, environment variable, config key and default', async () => {
    const help = await cli(['sync', '--help']);
    expect(help.code).toBe(0);
    for (const [key, setting] of Object.entries(SETTINGS)) {
      // A flag's entry runs from its line to the next flag's.
      // Wrapped lines are joined back: a description may span several.
      const entry = help.stdout
        .split(/\n(?=  --)/)
        .find((text) => text.startsWith(`  --${setting.flag} ${setting.value} `))
        ?.replace(/\s+/g, ' ');
      expect(entry, setting.flag).toBeDefined();
      expect(entry).toContain(setting.description);
      expect(entry).toContain(`env ${setting.env}, config key ${key}`);
      if (setting.default !== undefined) expect(entry).toContain(`default ${setting.default}`);
      else expect(entry).not.toContain('default');
    }
  });

  it('rejects an unknown command or flag with a usage error', async () => {
    expect((await cli(['fetch'])).code).toBe(2);
    const badFlag = await cli(['sync', '--destinaton', 'duckdb:x']);
    expect(badFlag.code).toBe(2);
    expect(lines(badFlag.stderr)).toHaveLength(1);
  });

  it('fails with one line and writes nothing when ORB_SYNC_DESTINATION is bad', async () => {
    const result = await cli(['sync'], { ORB_API_KEY: 'right-key', ORB_BASE_URL: baseUrl, ORB_SYNC_DESTINATION: 'mysql://db/x' });
    expect(result.code).not.toBe(0);
    expect(lines(result.stderr)).toEqual([expect.stringContaining('ORB_SYNC_DESTINATION')]);
  });

  it('fails with one line when ORB_API_KEY is missing', async () => {
    const path = join(dir, 'no-key.duckdb');
    const result = await cli(['sync'], { ORB_BASE_URL: baseUrl, ORB_SYNC_DESTINATION: `duckdb:${path}` });
    expect(result.code).not.toBe(0);
    expect(lines(result.stderr)).toEqual([expect.stringContaining('ORB_API_KEY')]);
    expect(existsSync(path)).toBe(false);
  });

  it('fails with one line, never echoing the key, and writes nothing when Orb rejects the API key', async () => {
    const path = join(dir, 'wrong-key.duckdb');
    const result = await cli(['sync'], { ORB_API_KEY: 'wrong-key-123', ORB_BASE_URL: baseUrl, ORB_SYNC_DESTINATION: `duckdb:${path}` });
    expect(result.code).not.toBe(0);
    expect(lines(result.stderr)).toEqual([expect.stringContaining('API key')]);
    expect(result.stderr + result.stdout).not.toContain('wrong-key-123');
    expect(existsSync(path)).toBe(false);
  });

  it('fails with one line when PostgreSQL is unreachable, without showing the password', async () => {
    const result = await cli(['sync'], {
      ORB_API_KEY: 'right-key',
      ORB_BASE_URL: baseUrl,
      ORB_SYNC_DESTINATION: 'postgres://me:secret-pw@127.0.0.1:1/nowhere',
    });
    expect(result.code).not.toBe(0);
    expect(lines(result.stderr)).toEqual([expect.stringContaining('cannot connect to PostgreSQL at 127.0.0.1:1')]);
    expect(result.stderr).not.toContain('secret-pw');
  });

  it('syncs into a DuckDB file from the environment alone and reports the run on stdout', async () => {
    const path = join(dir, 'sync.duckdb');
    const result = await cli(['sync'], { ORB_API_KEY: 'right-key', ORB_BASE_URL: baseUrl, ORB_SYNC_DESTINATION: `duckdb:${path}` });
    expect(result.stderr.split('\n').filter((l) => l.includes('"level":50'))).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^sync run 1 succeeded: customers: \d+ rows, subscriptions: \d+ rows, .*subscription_costs: \d+ rows$/m);
  });
});
