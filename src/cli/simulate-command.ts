import { UserError } from '../errors.js';
import { createSimulator, type FaultConfig } from '../simulator/index.js';
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
  usage: `orb-sync simulate [--port N] [--host ADDR] [--seed S] [--customers N] [--subscriptions N]
                         [--days N] [--now ISO-INSTANT] [--api-key KEY]
                         [--latency-ms N] [--jitter-ms N] [--rate-limits]
                         [--error-rate F] [--reset-rate F] [--hang-rate F] [--malformed-rate F]
                         [--backfill-reflect-requests N] [--backfill-reflect-ms N]

  Serves Orb's API at http://HOST:PORT and http://HOST:PORT/v1 until interrupted (Ctrl-C).
  Defaults: port 12111, host 127.0.0.1, seed 1, 12 customers, 30 subscriptions, 120 days of
  history, clock starting at the current hour, any non-empty Bearer key accepted, no faults.
  Point orb-sync at it with ORB_BASE_URL=http://127.0.0.1:12111 ORB_API_KEY=anything.

  Faults (jitter and the four rates are drawn per request from the seed, so the same seed and
  request order replay the same faults):
    --latency-ms N       wait N ms before every response
    --jitter-ms N        plus 0..N ms more, drawn from the seed
    --rate-limits        Orb's limits: 10/s for costs and usage, 100/s for everything else,
                         over a sliding second of real time; excess requests get 429 + Retry-After
    --error-rate F       answer a fraction F (0..1) with Orb's 500, 502 or 503
    --reset-rate F       send the headers and half the body, then drop the connection
    --hang-rate F        never answer (until the client gives up)
    --malformed-rate F   answer 200 with a truncated JSON body
  The four rates must add up to at most 1.

  Backfills: a closed backfill becomes reflected (and a reverted one reverted) once both
    --backfill-reflect-requests N   further Orb API requests have arrived (default 1), and
    --backfill-reflect-ms N         ms of simulator time have passed since (default 0).

  Control API (not Orb's, no API key): GET/POST /_simulator/clock, POST /_simulator/faults,
  PUT /_simulator/faults/config, DELETE /_simulator/faults, GET/DELETE /_simulator/requests,
  GET /_simulator/truth/{subscriptions,daily-costs,daily-subscription-costs,daily-usage,hourly-volume};
  see README.md.`,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    seed: { type: 'string' },
    customers: { type: 'string' },
    subscriptions: { type: 'string' },
    days: { type: 'string' },
    now: { type: 'string' },
    'api-key': { type: 'string' },
    'latency-ms': { type: 'string' },
    'jitter-ms': { type: 'string' },
    'rate-limits': { type: 'boolean' },
    'error-rate': { type: 'string' },
    'reset-rate': { type: 'string' },
    'hang-rate': { type: 'string' },
    'malformed-rate': { type: 'string' },
    'backfill-reflect-requests': { type: 'string' },
    'backfill-reflect-ms': { type: 'string' },
  },
  async run({ values, stdout }) {
    const now = values.now as string | undefined;
    if (now !== undefined && Number.isNaN(Date.parse(now))) throw new UserError(`--now must be an ISO instant, got ${JSON.stringify(now)}`);
    const faults = faultConfig(values);
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
      });
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    const url = await simulator.listen(integerFlag(values, 'port', 12111), (values.host as string | undefined) ?? '127.0.0.1');
    stdout.write(`Orb simulator listening on ${url} (also ${url}/v1); Ctrl-C to stop\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await simulator.close();
  },
};
