/** Parsing of query parameters, rejecting bad values with Orb's 400 request-validation error. */
import { requestValidationError } from '../orb-errors.js';

// Orb accepts ISO-8601 date-times (and plain dates, read as UTC midnight); Date.parse alone is too lenient.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

export function optionalInstant(query: URLSearchParams, name: string): Date | null {
  const text = query.get(name);
  if (text === null || text === '') return null;
  return parseInstant(name, text);
}

function parseInstant(name: string, text: string): Date {
  const instant = new Date(text);
  if (!ISO_INSTANT.test(text) || Number.isNaN(instant.getTime())) {
    throw requestValidationError(`${name}: ${JSON.stringify(text)} is not a valid ISO-8601 date-time`);
  }
  return instant;
}

export function integerInRange(query: URLSearchParams, name: string, min: number, max: number, fallback: number): number {
  const text = query.get(name);
  if (text === null) return fallback;
  const value = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw requestValidationError(`${name}: must be an integer between ${min} and ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

export function oneOf<T extends string>(query: URLSearchParams, name: string, allowed: readonly T[], fallback: T): T {
  const text = query.get(name);
  if (text === null || text === '') return fallback;
  if (!(allowed as readonly string[]).includes(text)) {
    throw requestValidationError(`${name}: must be one of ${allowed.join(', ')}, got ${JSON.stringify(text)}`);
  }
  return text as T;
}

/** The `name[gte]`, `name[gt]`, `name[lte]` and `name[lt]` filters as one predicate on an instant (ms). */
export function instantRange(query: URLSearchParams, name: string): (instant: number) => boolean {
  const gte = optionalInstant(query, `${name}[gte]`)?.getTime() ?? -Infinity;
  const gt = optionalInstant(query, `${name}[gt]`)?.getTime() ?? -Infinity;
  const lte = optionalInstant(query, `${name}[lte]`)?.getTime() ?? Infinity;
  const lt = optionalInstant(query, `${name}[lt]`)?.getTime() ?? Infinity;
  return (instant) => instant >= gte && instant > gt && instant <= lte && instant < lt;
}
