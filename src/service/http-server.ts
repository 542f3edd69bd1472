/**
 * The HTTP side of `orb-sync schedule` (node:http, no framework): GET /healthz, GET /metrics and
 * POST /webhooks/orb. It only routes and reads bodies; what each answer says is the caller's.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from '../errors.js';
import type { Logger } from '../log.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface JsonReply {
  status: number;
  body: unknown;
}

export interface ServiceRoutes {
  health(): JsonReply;
  metrics(): { contentType: string; text: string };
  webhook(headers: IncomingHttpHeaders, rawBody: Buffer): JsonReply;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:9464, with the port actually bound (for port 0). */
  url: string;
  close(): Promise<void>;
}

/** Orb's webhook bodies are a few kilobytes; anything this large is not one. */
const MAX_WEBHOOK_BYTES = 1024 * 1024;

const METHODS: Record<string, string> = { '/healthz': 'GET', '/metrics': 'GET', '/webhooks/orb': 'POST' };

function sendJson(res: ServerResponse, { status, body }: JsonReply): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

/** The body, or null once it passes `limit` bytes (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        resolve(null);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function handle(routes: ServiceRoutes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://orb-sync.invalid').pathname;
  const method = METHODS[path];
  if (method === undefined) return sendJson(res, { status: 404, body: { error: `no such path; this service answers ${Object.keys(METHODS).join(', ')}` } });
  if (req.method !== method) {
    res.setHeader('Allow', method);
    return sendJson(res, { status: 405, body: { error: `${path} takes ${method}` } });
  }
  if (path === '/healthz') return sendJson(res, routes.health());
  if (path === '/metrics') {
    const { contentType, text } = routes.metrics();
    res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) }).end(text);
    return;
  }
  const rawBody = await readBody(req, MAX_WEBHOOK_BYTES);
  if (rawBody === null) {
    // The unread rest of the body would otherwise be taken for the next request on this connection.
    res.once('finish', () => req.destroy());
    return sendJson(res, { status: 413, body: { error: `a webhook body is at most ${MAX_WEBHOOK_BYTES} bytes` } });
  }
  sendJson(res, routes.webhook(req.headers, rawBody));
}

/** Listens on `address`; an address that cannot be had is the user's to fix. */
export function startHttpServer(address: ListenAddress, routes: ServiceRoutes, log: Logger): Promise<RunningServer> {
  const server = createServer((req, res) => {
    handle(routes, req, res).catch((error: unknown) => {
      log.error({ error, path: req.url }, 'HTTP request failed');
      if (!res.headersSent) sendJson(res, { status: 500, body: { error: 'internal error' } });
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? 'the port is in use' : error.code === 'EADDRNOTAVAIL' ? 'no such address here' : error.message;
      reject(new UserError(`cannot listen on ${address.host}:${address.port}: ${reason}`));
    });
    server.listen(address.port, address.host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${port}`,
        close: () =>
          new Promise((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            // Keep-alive connections (Prometheus scrapers keep theirs) would hold close() open.
            server.closeAllConnections();
          }),
      });
    });
  });
}
