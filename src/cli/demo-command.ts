import { rmSync } from 'node:fs';
import { loadSettings } from '../config.js';
import { formatDecimal, parseDecimal, roundDecimal } from '../util/decimal.js';
import type { Command } from './command.js';

const DEMO_FILE = './orb-demo.duckdb';

export const demoCommand: Command = {
  summary: `start the built-in Orb simulator, sync it into ${DEMO_FILE}, and print the last 7 days of costs`,
  about: `Starts the simulator in-process, replaces ${DEMO_FILE} with a fresh sync of it (schema orb),
builds the models and prints cost per day and currency for the last 7 days. Needs no API key
and no network. Query the file afterwards, e.g. with the duckdb CLI:
  select * from orb.fct_daily_costs order by day desc limit 20;`,
  options: [],
  async run({ log, stdout }) {
    const [{ createSimulator }, { runSync }, { openDestination }] = await Promise.all([
      import('../simulator/index.js'),
      import('../sync/run-sync.js'),
      import('../destinations/open-destination.js'),
    ]);
    rmSync(DEMO_FILE, { force: true });
    rmSync(`${DEMO_FILE}.wal`, { force: true });
    const simulator = createSimulator();
    try {
      const baseUrl = await simulator.listen();
      const settings = loadSettings({ env: {}, flags: { baseUrl, destination: `duckdb:${DEMO_FILE}` } });
      await runSync({ ...settings, apiKey: 'demo' }, log);
    } finally {
      await simulator.close();
    }
    const destination = await openDestination({ engine: 'duckdb', path: DEMO_FILE }, 'orb');
    try {
      const rows = await destination.query<{ day: string; currency: string; subscriptions: string; subtotal: string; total: string }>(
        `select day, currency, count(*) as subscriptions, sum(subtotal) as subtotal, sum(total) as total
         from fct_daily_subscription_costs
         where day > (select max(day) from fct_daily_subscription_costs) - 7
         group by day, currency order by day, currency`,
      );
      stdout.write(`\nCost per day, last 7 days (orb.fct_daily_subscription_costs in ${DEMO_FILE}):\n\n`);
      stdout.write(formatTable(['day', 'currency', 'subscriptions', 'subtotal', 'total'], rows.map((r) => [
        r.day, r.currency, r.subscriptions, money(r.subtotal), money(r.total),
      ])));
    } finally {
      await destination.close();
    }
  },
};

/** Rounded to cents for display only; the table holds the exact amounts. */
function money(value: string): string {
  const cents = formatDecimal(roundDecimal(parseDecimal(value), 2));
  const [whole, fraction = ''] = cents.split('.');
  return `${whole}.${fraction.padEnd(2, '0')}`;
}

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
