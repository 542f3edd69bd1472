import { UserError } from '../errors.js';
import type { Command, CommandArgs } from './command.js';
import { OUTPUT_GROUP, withRunOutput } from './progress.js';
import { SETTINGS_GROUP, configFrom } from './settings-options.js';
import { EXIT_CODES } from './sync-command.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const restateCommand: Command = {
  summary: 'restate days Orb changed without a backfill: re-read them and rebuild their facts',
  about: `For history Orb changed with no backfill (a price edited retroactively, a backdated
cancellation). Re-reads the costs of the given customer-local days from the start of their billing
period, rebuilds those facts in one transaction, and records it in restatements (trigger manual)
with the totals before and after. Without --customer or --subscription, every subscription.
Restatements a crash left pending are completed first. Needs ORB_API_KEY.
${EXIT_CODES}`,
  options: [
    {
      heading: 'What to restate:',
      options: {
        from: { value: 'YYYY-MM-DD', description: 'first customer-local day (required)' },
        to: { value: 'YYYY-MM-DD', description: 'last customer-local day, inclusive (required)' },
        customer: { value: 'ID', multiple: true, description: "every subscription of this Orb customer id" },
        subscription: { value: 'ID', multiple: true, description: 'this subscription' },
        reason: { value: 'TEXT', description: 'why, kept with the restatement' },
      },
    },
    SETTINGS_GROUP,
    OUTPUT_GROUP,
  ],
  async run({ values, stdout, signal }) {
    const from = dateFlag(values, 'from');
    const to = dateFlag(values, 'to');
    if (to < from) throw new UserError(`--to ${to} is before --from ${from}`);
    const config = configFrom(values);
    const { runRestate } = await import('../sync/run-sync.js');
    const request = { from, to, customers: list(values.customer), subscriptions: list(values.subscription), reason: values.reason as string | undefined };
    const outcomes = await withRunOutput(values, (log, onProgress) => runRestate({ ...config, signal, onProgress }, log, request));
    for (const o of outcomes) {
      const totals = o.totals.map((t) => `${t.currency} ${t.before} -> ${t.after}`).join(', ') || 'no costs in scope';
      stdout.write(`restatement ${o.restatementId} (${o.trigger}, ${o.subscriptions} subscriptions) done: ${totals}\n`);
    }
  },
};

function dateFlag(values: CommandArgs['values'], name: string): string {
  const value = values[name];
  if (typeof value !== 'string') throw new UserError(`--${name} YYYY-MM-DD is required`);
  if (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    throw new UserError(`--${name} must be a date like 2026-01-31, got ${JSON.stringify(value)}`);
  }
  return value;
}

function list(value: CommandArgs['values'][string]): string[] {
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}
