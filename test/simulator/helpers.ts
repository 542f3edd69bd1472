/** Shared set-up for the simulator tests: a listening simulator, an SDK client and raw fetch. */
import Orb from 'orb-billing';
import { afterEach } from 'vitest';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';

export const NOW = '2025-03-15T10:00:00Z';

export interface Running {
  sim: Simulator;
  url: string;
  client: Orb;
  get(path: string, token?: string | null): Promise<{ status: number; headers: Headers; body: any }>;
}

const running: Simulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

export async function start(options: SimulatorOptions = {}): Promise<Running> {
  const sim = createSimulator({ now: NOW, ...options });
  running.push(sim);
  const url = await sim.listen();
  const client = new Orb({ apiKey: options.apiKey ?? 'test', baseURL: `${url}/v1`, maxRetries: 0 });
  return {
    sim,
    url,
    client,
    async get(path, token = options.apiKey ?? 'test') {
      const response = await fetch(`${url}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
  };
}
