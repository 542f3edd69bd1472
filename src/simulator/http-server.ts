/**
 * The HTTP layer (node:http, no framework): strips the optional /v1 prefix, authenticates, applies
 * injected faults, dispatches to a route and renders JSON or an Orb error body. Every authenticated
 * request is recorded, including the ones that fail.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Account } from './account.js';
import type { Clock } from './clock.js';
import type { FaultInjector } from './faults.js';
import { authenticationError, OrbApiError, serverError, urlNotFound } from './orb-errors.js';
import type { RequestRecorder } from './requests.js';
import { ROUTES } from './routes/index.js';

export interface ServerDeps {
  readonly account: Account;
  readonly clock: Clock;
  readonly faults: FaultInjector;
  readonly requests: RequestRecorder;
  readonly apiKey?: string;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: OrbApiError): void {
  send(res, error.status, error.body, error.headers);
}

/** Orb routes are served both at /x and at /v1/x (the SDK's base URL ends in /v1). */
function routePath(pathname: string): string {
  if (pathname === '/v1') return '/';
  return pathname.startsWith('/v1/') ? pathname.slice(3) : pathname;
}

function bearerToken(req: IncomingMessage): string | null {
  const match = /^Bearer\s+(\S.*)$/i.exec(req.headers.authorization ?? '');
  return match ? match[1]!.trim() : null;
}

function dispatch(deps: ServerDeps, method: string, path: string, query: URLSearchParams): unknown {
  for (const route of ROUTES) {
    const match = route.method === method ? route.pattern.exec(path) : null;
    if (match) {
      let params: string[];
      try {
        params = match.slice(1).map((p) => decodeURIComponent(p));
      } catch {
        throw urlNotFound(method, path); // malformed %-escape: no resource can have that id
      }
      return route.handle({ account: deps.account, now: deps.clock.now() }, params, query);
    }
  }
  throw urlNotFound(method, path);
}

/** An authenticated request's outcome: an injected fault, the route's JSON body, or an Orb error. */
function respond(deps: ServerDeps, method: string, path: string, query: URLSearchParams): OrbApiError | { body: unknown } {
  const fault = deps.faults.take(path);
  if (fault) return fault;
  try {
    return { body: dispatch(deps, method, path, query) };
  } catch (error) {
    if (error instanceof OrbApiError) return error;
    console.error('simulator: unhandled error', error);
    return serverError(500);
  }
}

export function createRequestListener(deps: ServerDeps): RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const method = req.method ?? 'GET';
    const path = routePath(url.pathname);

    const token = bearerToken(req);
    if (token === null || (deps.apiKey !== undefined && token !== deps.apiKey)) {
      sendError(res, authenticationError(token === null ? 'Missing bearer token' : 'Invalid API key'));
      return;
    }

    const outcome = respond(deps, method, path, url.searchParams);
    if (outcome instanceof OrbApiError) sendError(res, outcome);
    else send(res, 200, outcome.body);
    const status = outcome instanceof OrbApiError ? outcome.status : 200;
    deps.requests.record({ method, path, query: url.search.slice(1), status });
  };
}
