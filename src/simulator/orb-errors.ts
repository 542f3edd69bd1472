/**
 * Orb's error responses (RFC 7807-style bodies with Orb's type URLs), thrown by route handlers and
 * rendered by the HTTP layer. The orb-billing SDK maps `type` + `status` to its typed error classes,
 * so the URLs must match Orb's exactly.
 */
const BASE = 'https://docs.withorb.com/reference/error-responses';

export interface OrbErrorBody {
  type: string;
  status: number;
  title: string;
  detail: string;
  validation_errors?: string[];
}

export class OrbApiError extends Error {
  constructor(
    readonly body: OrbErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.detail);
  }

  get status(): number {
    return this.body.status;
  }
}

export function requestValidationError(detail: string, validationErrors: string[] = [detail]): OrbApiError {
  return new OrbApiError({
    type: `${BASE}#400-request-validation-errors`,
    status: 400,
    title: 'Request validation error',
    detail,
    validation_errors: validationErrors,
  });
}

export function constraintViolation(detail: string): OrbApiError {
  return new OrbApiError({ type: `${BASE}#400-constraint-violation`, status: 400, title: 'Constraint violation', detail });
}

export function authenticationError(detail: string): OrbApiError {
  return new OrbApiError({ type: `${BASE}#401-authentication-error`, status: 401, title: 'Authentication error', detail });
}

export function resourceNotFound(detail: string): OrbApiError {
  return new OrbApiError({ type: `${BASE}#404-resource-not-found`, status: 404, title: 'Resource not found', detail });
}

export function urlNotFound(method: string, path: string): OrbApiError {
  return new OrbApiError({
    type: `${BASE}#404-url-not-found`,
    status: 404,
    title: 'URL not found',
    detail: `No route for ${method} ${path}`,
  });
}

export function tooManyRequests(retryAfterSeconds: number): OrbApiError {
  return new OrbApiError(
    { type: `${BASE}#429-too-many-requests`, status: 429, title: 'Too many requests', detail: 'Rate limit exceeded' },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

/** Any 5xx; Orb documents a single server-error type, so it is reused with the actual status. */
export function serverError(status: number): OrbApiError {
  return new OrbApiError({
    type: `${BASE}#500-internal-server-error`,
    status,
    title: 'Internal server error',
    detail: 'An unexpected error occurred',
  });
}
