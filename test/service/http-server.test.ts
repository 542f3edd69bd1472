import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { startHttpServer, type RunningServer, type ServiceRoutes } from '../../src/service/http-server.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(routes: Partial<ServiceRoutes> = {}): Promise<string> {
  const server = await startHttpServer(
    { host: '127.0.0.1', port: 0 },
    {
      health: () => ({ status: 200, body: { status: 'ok' } }),
      metrics: () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', text: '# HELP x y\n# TYPE x gauge\nx 1\n' }),
      webhook: (_headers, rawBody) => ({ status: 202, body: { bytes: rawBody.length } }),
      ...routes,
    },
    silentLogger,
  );
  servers.push(server);
  return server.url;
}

describe('the service HTTP server', () => {
  it('routes GET /healthz, GET /metrics and POST /webhooks/orb with the raw body; anything else is a 404 or a 405', async () => {
    const url = await serve();
    const health = await fetch(`${url}/healthz`);
    expect([health.status, health.headers.get('content-type'), await health.json()]).toEqual([200, 'application/json', { status: 'ok' }]);
    const metrics = await fetch(`${url}/metrics`);
    expect([metrics.headers.get('content-type'), await metrics.text()]).toEqual(['text/plain; version=0.0.4; charset=utf-8', '# HELP x y\n# TYPE x gauge\nx 1\n']);
    const webhook = await fetch(`${url}/webhooks/orb`, { method: 'POST', body: 'é{}' });
    expect([webhook.status, await webhook.json()]).toEqual([202, { bytes: 4 }]);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    const wrongMethod = await fetch(`${url}/webhooks/orb`);
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await fetch(`${url}/healthz`, { method: 'POST', body: '' })).status).toBe(405);
  });

  it('refuses a webhook body over 1 MiB without reading it all, and answers 500 when a route throws', async () => {
    let called = false;
    const url = await serve({
      webhook: () => ((called = true), { status: 202, body: {} }),
      health: () => {
        throw new Error('a bug');
      },
    });
    const tooLarge = await fetch(`${url}/webhooks/orb`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
    expect(tooLarge.status).toBe(413);
    expect(called).toBe(false);
    expect((await fetch(`${url}/webhooks/orb`, { method: 'POST', body: 'x'.repeat(1024 * 1024) })).status).toBe(202);
    expect((await fetch(`${url}/healthz`)).status).toBe(500);
  });

  it('reports an address it cannot have as the user\'s mistake', async () => {
    const url = await serve();
    const port = Number(new URL(url).port);
    const taken = await startHttpServer({ host: '127.0.0.1', port }, {} as ServiceRoutes, silentLogger).catch((error: unknown) => error);
    expect(taken).toBeInstanceOf(UserError);
    expect((taken as UserError).message).toBe(`cannot listen on 127.0.0.1:${port}: the port is in use`);
  });
});
