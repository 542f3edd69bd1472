/**
 * Reading JSON request bodies against Orb's schemas. Problems are collected rather than thrown one
 * at a time, so a bad body is answered with one 400 request-validation error listing all of them,
 * worded as Orb (pydantic) words them: "field required", "extra fields not permitted".
 */
import { requestValidationError } from '../orb-errors.js';

type JsonObject = Record<string, unknown>;

// JSON Schema's `date-time` (RFC 3339): a full date and time with a zone, unlike the query
// parameters' looser ISO-8601 (see query.ts), which also accepts plain dates.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

/** A request body's JSON: undefined when empty, `invalid()` thrown when it does not parse. */
export function parseJsonOr(raw: string, invalid: () => Error): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw invalid();
  }
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The fields of one JSON object; every read records its problem under the field's path. */
export class ObjectFields {
  constructor(
    private readonly value: JsonObject,
    private readonly path: string,
    private readonly problems: string[],
  ) {}

  private pathOf(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  problem(key: string, message: string): void {
    this.problems.push(`${this.pathOf(key)}: ${message}`);
  }

  /** The value, or undefined after recording a problem when it is absent but required (null counts as absent). */
  private present(key: string, required: boolean): unknown {
    const value = this.value[key];
    if ((value === undefined || value === null) && required) this.problem(key, 'field required');
    return value ?? undefined;
  }

  string(key: string, required = false): string | null {
    const value = this.present(key, required);
    if (value === undefined) return null;
    if (typeof value === 'string') return value;
    this.problem(key, `must be a string, got ${JSON.stringify(value)}`);
    return null;
  }

  /** Optional but, unlike the optional strings, not nullable (replace_existing_events). */
  boolean(key: string): boolean | null {
    const value = this.value[key];
    if (value === undefined) return null;
    if (typeof value === 'boolean') return value;
    this.problem(key, `must be a boolean, got ${JSON.stringify(value)}`);
    return null;
  }

  dateTime(key: string, required = false): Date | null {
    const text = this.string(key, required);
    if (text === null) return null;
    const instant = new Date(text);
    if (DATE_TIME.test(text) && !Number.isNaN(instant.getTime())) return instant;
    this.problem(key, `${JSON.stringify(text)} is not a valid ISO-8601 date-time`);
    return null;
  }

  array(key: string, required = false): unknown[] | null {
    const value = this.present(key, required);
    if (value === undefined) return null;
    if (Array.isArray(value)) return value;
    this.problem(key, `must be an array, got ${JSON.stringify(value)}`);
    return null;
  }

  object(key: string, required = false): JsonObject | null {
    const value = this.present(key, required);
    if (value === undefined) return null;
    if (isJsonObject(value)) return value;
    this.problem(key, `must be an object, got ${JSON.stringify(value)}`);
    return null;
  }
}

/**
 * `value` as an object allowing only `keys` (the schema's `additionalProperties: false`), or null
 * after recording why not. `path` names it in messages.
 */
export function readObject(value: unknown, path: string, keys: readonly string[], problems: string[]): ObjectFields | null {
  if (!isJsonObject(value)) {
    problems.push(`${path}: must be an object, got ${JSON.stringify(value)}`);
    return null;
  }
  return fieldsOf(value, path, keys, problems);
}

/** The request body, like readObject; a body that is no object at all is rejected at once. */
export function readBody(body: unknown, keys: readonly string[], problems: string[]): ObjectFields {
  if (!isJsonObject(body)) throw requestValidationError('The request body must be a JSON object');
  return fieldsOf(body, '', keys, problems);
}

function fieldsOf(object: JsonObject, path: string, keys: readonly string[], problems: string[]): ObjectFields {
  const fields = new ObjectFields(object, path, problems);
  for (const key of Object.keys(object)) if (!keys.includes(key)) fields.problem(key, 'extra fields not permitted');
  return fields;
}

/** Throws the collected problems as one Orb 400, if there are any. */
export function rejectProblems(problems: readonly string[]): void {
  if (problems.length > 0) throw requestValidationError(problems.join('; '), [...problems]);
}
