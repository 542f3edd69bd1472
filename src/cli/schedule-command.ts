import { UserError } from '../errors.js';
import type { ListenAddress } from '../service/http-server.js';
import type { Command, CommandArgs } from './command.js';
import { SETTINGS_GROUP, configFrom } from './settings-options.js';

/** HOST:PORT, with an IPv6 host in brackets ([::1]:9464). */
function listenAddress(values: CommandArgs['values']): ListenAddress | undefined {
  const raw = values.listen;
  if (raw === undefined) return undefined;
  const match = typeof raw === 'string' ? /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(raw) : null;
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new UserError(`--listen must be HOST:PORT (e.g. 127.0.0.1:9464, 0.0.0.0:9464, [::1]:9464), got ${JSON.stringify(raw)}`);
  return { host: (match[1] ?? match[2])!, port };
}

export const scheduleCommand: Command = {
  summary: 'sync on a cron schedule, as a long-running service with health, metrics and Orb webhooks',
  about: `Needs ORB_API_KEY in the environment. Runs a sync at every tick of --cron (--cron "0 * * * *":
every hour; --cron "*/30 * * * * *": every 30 seconds), never two at once: a tick while a sync runs
is skipped and logged. A failed sync is logged and the schedule goes on; bad settings, a bad --cron
or an address that cannot be had stop it at the start (exit 1). SIGTERM or SIGINT cancels the
running sync (recorded as cancelled, lock released) and exits 143 or 130.

With --listen: GET /healthz (JSON: ok, or failing with HTTP 503 after a failed sync; the last
run, the next one), GET /metrics (Prometheus text), and POST /webhooks/orb for Orb's webhooks,
signed with the secret in ORB_WEBHOOK_SECRET (environment only; without it the endpoint accepts
nothing): backfill.reflected, backfill.reverted and subscription.* start a sync at once (one
more is queued if one is running); other events are acknowledged and ignored.`,
  options: [
    {
      heading: 'Schedule:',
      options: {
        cron: {
          value: 'EXPR',
          description: 'when to sync (required): a cron expression of 5 fields, minute first, or 6, seconds first, in the local time zone (TZ)',
        },
        listen: { value: 'HOST:PORT', description: 'serve /healthz, /metrics and /webhooks/orb there; port 0 picks a free one (logged)' },
      },
    },
    SETTINGS_GROUP,
  ],
  async run({ values, log, signal }) {
    const cron = values.cron;
    if (typeof cron !== 'string') throw new UserError('--cron is required, e.g. --cron "0 * * * *" for every hour');
    const listen = listenAddress(values);
    const config = configFrom(values);
    const webhookSecret = process.env.ORB_WEBHOOK_SECRET?.trim() || undefined;
    const { runScheduleService } = await import('../service/schedule-service.js');
    await runScheduleService({ config, cron, listen, webhookSecret, log, signal });
    // The service ends only when a signal stopped it: exit 143 or 130 like any stopped command.
    signal.throwIfAborted();
  },
};
