import { UserError } from '../errors.js';
import type { FaultConfig, WebhookTarget } from '../simulator/index.js';
import { integerFlag, type Command, type CommandArgs } from './command.js';

const RATE_FLAGS = {
  'error-rate': 'errorRate',
  'reset-rate': 'resetRate',
  'hang-rate': 'hangRate',
  'malformed-rate': 'malformedRate',
} as const;

function countFlag(values: CommandArgs['values'], name: string, unit: string): number | undefined {
  const value = integerFlag(values, name);
  if (value !== undefined && value < 0) throw new UserError(`--${name} must be 0 or more ${unit}, got ${value}`);
  return value;
}

/** A plain decimal fraction such as 0.05 (no exponent, no sign). */
function fractionFlag(values: CommandArgs['values'], name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^(\d+\.?\d*|\.\d+)$/.test(raw) || Number(raw) > 1) {
    throw new UserError(`--${name} must be a number from 0 to 1, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/** Both the URL and a secret, or neither; the secret may come from the environment, as the receiver's does. */
function webhookTarget(values: CommandArgs['values']): WebhookTarget | undefined {
  const url = values['webhook-url'] as string | undefined;
  const secret = (values['webhook-secret'] as string | undefined) ?? (process.env.ORB_WEBHOOK_SECRET?.trim() || undefined);
  if (url === undefined) {
    if (values['webhook-secret'] !== undefined) throw new UserError('--webhook-secret needs --webhook-url');
    return undefined;
  }
  if (secret === undefined) throw new UserError('--webhook-url needs a secret: --webhook-secret or ORB_WEBHOOK_SECRET');
  return { url, secret };
}

function faultConfig(values: CommandArgs['values']): FaultConfig {
  const config: FaultConfig = {
    latencyMs: countFlag(values, 'latency-ms', 'milliseconds'),
    jitterMs: countFlag(values, 'jitter-ms', 'milliseconds'),
    rateLimits: values['rate-limits'] === true,
  };
  for (const [flag, key] of Object.entries(RATE_FLAGS)) config[key] = fractionFlag(values, flag);
  return config;
}

export const simulateCommand: Command = {
  summary: 'serve a deterministic fake Orb account over HTTP (for tests, demos and your own pipelines)',
  about: `Serves Orb's API at http://HOST:PORT and http://HOST:PORT/v1 until interrupted (Ctrl-C).
Point orb-sync at it with ORB_BASE_URL=http://127.0.0.1:12111 ORB_API_KEY=anything.

Control API (not Orb's, no API key): GET/POST /_simulator/clock, POST /_simulator/faults,
PUT /_simulator/faults/config, DELETE /_simulator/faults, GET/DELETE /_simulator/requests,
GET /_simulator/truth/{subscriptions,daily-costs,daily-subscription-costs,daily-usage,hourly-volume};
see README.md.`,
  options: [
    {
      heading: 'Options:',
      options: {
        port: { value: 'N', default: '12111', description: 'port to listen on; 0 picks a free one' },
        host: { value: 'ADDR', default: '127.0.0.1', description: 'address to listen on' },
        seed: { value: 'S', default: '1', description: 'the account and every fault draw derive from it' },
        customers: { value: 'N', default: '12', description: 'customers in the account' },
        subscriptions: { value: 'N', default: '30', description: 'subscriptions in the account' },
        days: { value: 'N', default: '120', description: 'days of history before the clock starts' },
        now: { value: 'ISO-INSTANT', description: "the clock's start, by default the current hour; it only moves when told to" },
        'api-key': { value: 'KEY', description: 'accept only Bearer KEY; by default any non-empty key' },
      },
    },
    {
      heading: `Faults (jitter and the four rates are drawn per request from the seed, so the same seed and
request order replay the same faults; the four rates must add up to at most 1):`,
      options: {
        'latency-ms': { value: 'N', default: '0', description: 'wait N ms before every response' },
        'jitter-ms': { value: 'N', default: '0', description: 'plus 0..N ms more, drawn from the seed' },
        'rate-limits': {
          description: "Orb's limits: 10/s for costs and usage, 100/s for everything else, over a sliding second of real time; excess requests get 429 + Retry-After",
        },
        'error-rate': { value: 'F', default: '0', description: "answer a fraction F (0..1) with Orb's 500, 502 or 503" },
        'reset-rate': { value: 'F', default: '0', description: 'send the headers and half the body, then drop the connection' },
        'hang-rate': { value: 'F', default: '0', description: 'never answer, until the client gives up' },
        'malformed-rate': { value: 'F', default: '0', description: 'answer 200 with a truncated JSON body' },
      },
    },
    {
      heading: 'Backfills (a closed backfill becomes reflected, and a reverted one reverted, once both hold):',
      options: {
        'backfill-reflect-requests': { value: 'N', default: '1', description: 'N further Orb API requests have arrived' },
        'backfill-reflect-ms': { value: 'N', default: '0', description: 'N ms of simulator time have passed' },
      },
    },
    {
      heading: `Webhooks (Orb's, signed, stamped with the simulator clock: a receiver that checks Orb's 5-minute
tolerance needs the clock within 5 minutes of its own):`,
      options: {
        'webhook-url': {
          value: 'URL',
          description: 'POST backfill.reflected, backfill.reverted and subscription.started, .plan_changed and .ended events there',
        },
        'webhook-secret': { value: 'SECRET', description: 'the secret they are signed with', fallback: 'env ORB_WEBHOOK_SECRET' },
      },
    },
  ],
  async run({ values, stdout, signal }) {
    const now = values.now as string | undefined;
    if (now !== undefined && Number.isNaN(Date.parse(now))) throw new UserError(`--now must be an ISO instant, got ${JSON.stringify(now)}`);
    const faults = faultConfig(values);
    const webhooks = webhookTarget(values);
    const { createSimulator } = await import('../simulator/index.js');
    let simulator;
    try {
      simulator = createSimulator({
        seed: integerFlag(values, 'seed'),
        customers: integerFlag(values, 'customers'),
        subscriptions: integerFlag(values, 'subscriptions'),
        days: integerFlag(values, 'days'),
        now,
        apiKey: values['api-key'] as string | undefined,
        faults,
        backfillReflection: {
          requests: countFlag(values, 'backfill-reflect-requests', 'requests'),
          ms: countFlag(values, 'backfill-reflect-ms', 'milliseconds'),
        },
        webhooks,
      });
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    const port = integerFlag(values, 'port');
    const host = values.host as string;
    const url = await simulator.listen(port, host).catch((error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? 'the port is in use' : error.code === 'EADDRNOTAVAIL' ? 'no such address here' : error.message;
      throw new UserError(`cannot listen on ${host}:${port}: ${reason}`);
    });
    stdout.write(`Orb simulator listening on ${url} (also ${url}/v1); Ctrl-C to stop\n`);
    await new Promise<void>((resolve) => {
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await simulator.close();
  },
};
