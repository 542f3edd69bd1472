import { UserError } from '../errors.js';
import { createSimulator } from '../simulator/index.js';
import { integerFlag, type Command } from './command.js';

export const simulateCommand: Command = {
  summary: 'serve a deterministic fake Orb account over HTTP (for tests, demos and your own pipelines)',
  usage: `orb-sync simulate [--port N] [--host ADDR] [--seed S] [--customers N] [--subscriptions N]
                         [--days N] [--now ISO-INSTANT] [--api-key KEY]

  Serves Orb's API at http://HOST:PORT and http://HOST:PORT/v1 until interrupted (Ctrl-C).
  Defaults: port 12111, host 127.0.0.1, seed 1, 12 customers, 30 subscriptions, 120 days of
  history, clock starting at the current hour, any non-empty Bearer key accepted.
  Point orb-sync at it with ORB_BASE_URL=http://127.0.0.1:12111 ORB_API_KEY=anything.`,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    seed: { type: 'string' },
    customers: { type: 'string' },
    subscriptions: { type: 'string' },
    days: { type: 'string' },
    now: { type: 'string' },
    'api-key': { type: 'string' },
  },
  async run({ values, stdout }) {
    const now = values.now as string | undefined;
    if (now !== undefined && Number.isNaN(Date.parse(now))) throw new UserError(`--now must be an ISO instant, got ${JSON.stringify(now)}`);
    let simulator;
    try {
      simulator = createSimulator({
        seed: integerFlag(values, 'seed'),
        customers: integerFlag(values, 'customers'),
        subscriptions: integerFlag(values, 'subscriptions'),
        days: integerFlag(values, 'days'),
        now,
        apiKey: values['api-key'] as string | undefined,
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
