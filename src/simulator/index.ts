/**
 * The Orb simulator: a deterministic, seeded fake Orb account served over HTTP with Orb's response
 * shapes, plus a controllable clock, fault injection, a request log, retroactive history edits and
 * the ground truth.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateAccount } from './account.js';
import { createClock, currentHour, toInstant, type Clock } from './clock.js';
import { createFaults, type FaultConfig, type Faults } from './faults.js';
import { createHistory, type History } from './history.js';
import { createRequestListener } from './http-server.js';
import { createRequestLog, type RequestLog } from './requests.js';
import type { ReflectionDelay } from './ledger.js';
import { createState } from './state.js';
import { createTruth, type Truth } from './truth.js';
import { createWebhookSender, type WebhookTarget, type Webhooks } from './webhooks.js';

export type { AppliedFault, BodyMutation, EndpointClass, FaultConfig, FaultKind, FaultRule } from './faults.js';
export type { History } from './history.js';
export { endpointClass, responseDelayMs } from './faults.js';
export type { RequestEntry } from './requests.js';
export type { ReflectionDelay } from './ledger.js';
export type { WebhookDelivery, WebhookTarget, Webhooks } from './webhooks.js';
export type {
  TruthCustomer,
  TruthDailyCost,
  TruthDailySubscriptionCost,
  TruthDailyUsage,
  TruthDailyUsageByGroup,
  TruthHourlyVolume,
  TruthPlan,
  TruthPrice,
  TruthScheduleItem,
  TruthSubscription,
} from './truth.js';

export interface SimulatorOptions {
  seed?: number; // default 1
  customers?: number; // default 12
  subscriptions?: number; // default 30 (every customer but the last has >= 1 subscription when subscriptions >= customers - 1)
  days?: number; // days of history before `now`, default 120
  now?: string | Date; // initial clock instant; default: the current wall-clock time truncated to the UTC hour
  apiKey?: string; // when set only `Bearer <apiKey>` is accepted; otherwise any non-empty bearer token
  faults?: FaultConfig; // rate-based faults from the start (latency, rate limits, failure rates); default none
  /** When a closed backfill becomes reflected (and a reverting one reverted); default after 1 more request, no clock time. */
  backfillReflection?: Partial<ReflectionDelay>;
  /** Adds an add-on price of a model_type Orb does not have ('stepped_flux'), listed by GET /prices; default false. */
  unknownPriceModel?: boolean;
  /** Sends Orb's webhooks there, signed with the secret, for backfill and subscription changes; default none. */
  webhooks?: WebhookTarget;
}

export interface Simulator {
  readonly clock: Clock;
  readonly faults: Faults;
  readonly truth: Truth;
  readonly requests: RequestLog;
  /** Changes past costs without a backfill (a retroactive price edit, a backdated cancellation). */
  readonly history: History;
  /** The webhooks sent (none without the `webhooks` option). */
  readonly webhooks: Webhooks;
  /** Resolves to the base URL, e.g. http://127.0.0.1:12345 (routes are served at / and at /v1). */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

function integerOption(name: string, value: number | undefined, fallback: number, min: number): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result < min) throw new Error(`${name} must be an integer >= ${min}`);
  return result;
}

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const now = options.now === undefined ? currentHour() : toInstant(options.now);
  const account = generateAccount({
    seed: integerOption('seed', options.seed, 1, Number.MIN_SAFE_INTEGER),
    customers: integerOption('customers', options.customers, 12, 1),
    subscriptions: integerOption('subscriptions', options.subscriptions, 30, 0),
    days: integerOption('days', options.days, 120, 1),
    now,
    unknownPriceModel: options.unknownPriceModel ?? false,
  });
  const unwatchedClock = createClock(now);
  const webhooks = createWebhookSender(options.webhooks, account, () => unwatchedClock.now());
  const state = createState(
    account,
    {
      requests: integerOption('backfillReflection.requests', options.backfillReflection?.requests, 1, 0),
      ms: integerOption('backfillReflection.ms', options.backfillReflection?.ms, 0, 0),
    },
    webhooks.backfillFinished,
  );
  const clock = webhooks.watchClock(unwatchedClock);
  const truth = createTruth(state, clock);
  const faults = createFaults(account.seed);
  if (options.faults) faults.configure(options.faults);
  const requests = createRequestLog();
  const listener = createRequestListener({ state, clock, truth, faults, requests, apiKey: options.apiKey });
  let server: Server | null = null;

  return {
    clock,
    faults: { inject: (rule) => faults.inject(rule), configure: (config) => faults.configure(config), clear: () => faults.clear() },
    truth,
    history: webhooks.watchHistory(createHistory(state, clock)),
    webhooks: { sent: () => webhooks.sent(), settled: () => webhooks.settled() },
    requests: {
      count: (path) => requests.count(path),
      countsByEndpoint: () => requests.countsByEndpoint(),
      log: () => requests.log(),
      reset: () => requests.reset(),
    },
    listen(port = 0, host = '127.0.0.1') {
      if (server) return Promise.reject(new Error('simulator is already listening'));
      const started = createServer(listener);
      server = started;
      return new Promise((resolve, reject) => {
        started.once('error', reject);
        started.listen(port, host, () => {
          const { port: actual } = started.address() as AddressInfo;
          resolve(`http://${host.includes(':') ? `[${host}]` : host}:${actual}`);
        });
      });
    },
    close() {
      webhooks.close();
      const running = server;
      server = null;
      if (!running) return Promise.resolve();
      return new Promise((resolve, reject) => {
        running.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections (the SDK's fetch pools them) and hanging requests would otherwise hold close() open.
        running.closeAllConnections();
      });
    },
  };
}
