/**
 * The HTTP layer (node:http, no framework): serves the /_simulator control API, strips the optional
 * /v1 prefix, authenticates, applies faults, dispatches to a route and renders JSON or an Orb error
 * body, dated by the simulator clock. Every authenticated request is recorded when it arrives,
 * including the ones that fail.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from './clock.js';
import { handleControl, isControlPath, type ControlReply } from './control-routes.js';
import type { BodyMutation, Fault, FaultInjector } from './faults.js';
import { authenticationError, OrbApiError, requestValidationError, serverError, urlNotFound } from './orb-errors.js';
import type { RequestRecorder } from './requests.js';
import { parseJsonOr } from './routes/body.js';
import { createRouteContext } from './routes/context.js';
import { ROUTES } from './routes/index.js';
import type { SimulatorState } from './state.js';
import type { Truth } from './truth.js';

export interface ServerDeps {
  readonly state: SimulatorState;
  readonly clock: Clock;
  readonly truth: Truth;
  readonly faults: FaultInjector;
  readonly requests: RequestRecorder;
  readonly apiKey?: string;
}

/** A route's result: its JSON body or an Orb error. */
type Outcome = OrbApiError | { body: unknown };

interface Reply {
  readonly status: number;
  readonly text: string;
  readonly headers?: Record<string, string>;
  /** A reset: only this many characters of `text` are sent before the connection is destroyed. */
  readonly cutAt?: number;
}

function jsonReply(outcome: Outcome): Reply {
  return outcome instanceof OrbApiError
    ? { status: outcome.status, text: JSON.stringify(outcome.body), headers: outcome.headers }
    : { status: 200, text: JSON.stringify(outcome.body) };
}

/**
 * The Date header comes from the simulator clock, not the machine's (Node would add its own), so a
 * client can read Orb's "now" from any response.
 */
function send(res: ServerResponse, reply: Reply, date: Date): void {
  res.writeHead(reply.status, {
    Date: date.toUTCString(),
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(reply.text)),
    ...reply.headers,
  });
  if (reply.cutAt === undefined) {
    res.end(reply.text);
    return;
  }
  // The client has the headers and promised length but the body ends early: a socket error on read.
  res.write(reply.text.slice(0, reply.cutAt), () => res.socket?.destroy());
}

function sendControl(res: ServerResponse, { status, body }: ControlReply, date: Date): void {
  if (body === undefined) res.writeHead(status, { Date: date.toUTCString() }).end();
  else send(res, { status, text: JSON.stringify(body) }, date);
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

function dispatch(deps: ServerDeps, now: Date, method: string, path: string, query: URLSearchParams, body: unknown): unknown {
  for (const route of ROUTES) {
    const match = route.method === method ? route.pattern.exec(path) : null;
    if (match) {
      let params: string[];
      try {
        params = match.slice(1).map((p) => decodeURIComponent(p));
      } catch {
        throw urlNotFound(method, path); // malformed %-escape: no resource can have that id
      }
      return route.handle(createRouteContext(deps.state, now), params, query, body);
    }
  }
  throw urlNotFound(method, path);
}

function serve(deps: ServerDeps, now: Date, method: string, path: string, query: URLSearchParams, rawBody: string): Outcome {
  try {
    return { body: dispatch(deps, now, method, path, query, parseJsonOr(rawBody, () => requestValidationError('The request body is not valid JSON'))) };
  } catch (error) {
    if (error instanceof OrbApiError) return error;
    console.error('simulator: unhandled error', error);
    return serverError(500);
  }
}

type Page = { pagination_metadata?: { has_more: boolean; next_cursor: string | null } | null } | null;

/** A list page with its pagination replaced; any other body (or a list without pagination) as it is. */
function withPagination(body: unknown, nextCursor: (served: string | null) => string | null): unknown {
  const page = body as Page;
  const next = page?.pagination_metadata && nextCursor(page.pagination_metadata.next_cursor);
  if (!page?.pagination_metadata || !next) return body;
  return { ...page, pagination_metadata: { ...page.pagination_metadata, has_more: true, next_cursor: next } };
}

/** A cursor the simulator never issued, different for every request: following it once the rule is spent is a 400. */
function repeatCursor(request: number): string {
  return Buffer.from(`repeat-page:${request}`).toString('base64url');
}

// What a reverse proxy in front of an API sends when the API is down, with a 200 (as some CDNs do).
const PROXY_ERROR_PAGE =
  '<!doctype html>\n<html><head><title>502 Bad Gateway</title></head>\n' +
  '<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n';

/** The route's body through `mutate`, on a copy (bodies share cached objects); a throwing mutation is the test's bug, logged and a 500. */
function mutatedReply(mutate: BodyMutation, body: unknown): Reply {
  try {
    const copy = structuredClone(body);
    const result = mutate(copy);
    return { status: 200, text: typeof result === 'string' ? result : JSON.stringify(result === undefined ? copy : result) };
  } catch (error) {
    console.error('simulator: a mutate fault threw', error);
    return jsonReply(serverError(500));
  }
}

/**
 * What the client gets for a request under `fault`; null for a hang (no answer at all). Status
 * faults, HTML pages and hangs never reach the route; the other faults are served by it (so a POST
 * takes effect) and then spoilt. An Orb error from the route is sent as it is.
 */
function faultedReply(fault: Fault | null, query: URLSearchParams, route: (query: URLSearchParams) => Outcome): Reply | null {
  switch (fault?.kind) {
    case undefined:
      return jsonReply(route(query));
    case 'status':
    case 'rate-limit':
      return jsonReply(fault.error);
    case 'hang':
      return null;
    case 'html':
      return { status: 200, text: PROXY_ERROR_PAGE, headers: { 'Content-Type': 'text/html; charset=utf-8' } };
    case 'reset': {
      const reply = jsonReply(route(query));
      return { ...reply, cutAt: Math.floor(reply.text.length / 2) };
    }
    case 'malformed': {
      // A proper prefix of a JSON object never parses.
      const { text } = jsonReply(route(query));
      return { status: 200, text: text.slice(0, Math.max(1, Math.floor(text.length / 2))) };
    }
    case 'stuck-cursor': {
      // The page points back at itself (page 1, which was sent no cursor, at its own next page).
      const outcome = route(query);
      const sent = query.get('cursor');
      return jsonReply(outcome instanceof OrbApiError ? outcome : { body: withPagination(outcome.body, (served) => sent || served) });
    }
    case 'repeat-page': {
      const firstPage = new URLSearchParams(query);
      firstPage.delete('cursor');
      const outcome = route(firstPage);
      return jsonReply(outcome instanceof OrbApiError ? outcome : { body: withPagination(outcome.body, () => repeatCursor(fault.request)) });
    }
    case 'mutate': {
      const outcome = route(query);
      return outcome instanceof OrbApiError ? jsonReply(outcome) : mutatedReply(fault.mutate, outcome.body);
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function createRequestListener(deps: ServerDeps): RequestListener {
  return async (req, res) => {
    let rawBody: string;
    try {
      rawBody = await readBody(req);
    } catch {
      return; // the client went away mid-request
    }
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const method = req.method ?? 'GET';
    if (isControlPath(url.pathname)) {
      const reply = handleControl(deps, method, url.pathname, url.searchParams, rawBody);
      sendControl(res, reply, deps.clock.now()); // after the call, which may have moved the clock
      return;
    }
    const path = routePath(url.pathname);
    // One reading per request: the route computes with it and the Date header reports it.
    const now = deps.clock.now();

    const token = bearerToken(req);
    if (token === null || (deps.apiKey !== undefined && token !== deps.apiKey)) {
      send(res, jsonReply(authenticationError(token === null ? 'Missing bearer token' : 'Invalid API key')), now);
      return;
    }

    const { delayMs, fault } = deps.faults.plan(method, path);
    const reply = faultedReply(fault, url.searchParams, (query) => serve(deps, now, method, path, query, rawBody));
    deps.requests.record({
      method,
      path,
      query: url.search.slice(1),
      status: reply === null || reply.cutAt !== undefined ? 0 : reply.status,
      ...(fault && { fault: fault.kind }),
    });
    // A hang keeps the socket open until the client gives up or close() destroys it.
    if (reply === null) return;
    // Unref'd: a delayed answer must not keep the process alive after the simulator closed.
    if (delayMs > 0) await sleep(delayMs, undefined, { ref: false });
    if (!res.destroyed) send(res, reply, now);
  };
}
