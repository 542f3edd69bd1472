import { ZodError } from 'zod';

/**
 * An error the user can act on: the CLI prints its message as one line on stderr and exits
 * non-zero, with no stack trace. Anything else is a bug and is printed in full.
 */
export class UserError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
  }
}

/** Records that failed validation were kept in the rejects table; the run must still fail. */
export class RejectedRecordsError extends UserError {
  constructor(readonly rejects: ReadonlyArray<{ stream: string; partition: string; reason: string }>) {
    const first = rejects[0];
    super(
      `${rejects.length} record(s) failed validation and were kept in the rejects table` +
        (first ? `; first: stream ${first.stream}, ${first.partition}: ${first.reason}` : ''),
    );
    this.name = 'RejectedRecordsError';
  }
}

/** SIGINT or SIGTERM stopped the run: committed work is kept, the run is recorded as cancelled. */
export class CancelledError extends UserError {
  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(`cancelled by ${signal}`);
    this.name = 'CancelledError';
  }

  /** The shell's convention: 128 + the signal's number. */
  get exitCode(): number {
    return this.signal === 'SIGINT' ? 130 : 143;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why a record failed validation, in one line ("per_price_costs.0.total: not a plain decimal amount"). */
export function invalidReason(error: unknown): string {
  if (!(error instanceof ZodError)) return errorMessage(error);
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'record'}: ${issue.message}` : 'invalid record';
}
