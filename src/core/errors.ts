/**
 * Typed errors. Every user-facing failure is a `BallastError` with a stable `code`,
 * a message a trader understands, and the path of the offending field, so the CLI can
 * print it and exit 2 without a stack trace (docs/architecture.md, "Errors").
 */

/** Stable error codes. Add new ones here; never reuse a code for a different meaning. */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_SYMBOL'
  | 'EXPIRED'
  | 'INVALID_VOL'
  | 'CROSSED_MARKET'
  | 'MISSING_FORWARD'
  | 'MISSING_VOL'
  | 'MALFORMED_JSON'
  | 'SCHEMA'
  | 'BELOW_INTRINSIC'
  | 'ABOVE_UPPER_BOUND'
  | 'NEGATIVE_PRICE'
  | 'NOT_FINITE'
  | 'BARRIER_TOUCHED'
  | 'NO_CONVERGENCE'
  | 'FIT_FAILED'
  | 'FILE_NOT_FOUND'
  /** A file could not be read or written (permissions, missing directory, device error). */
  | 'IO_ERROR'
  /** A file's container is corrupt (e.g. a truncated gzip stream). */
  | 'MALFORMED_FILE'
  | 'STALE_MARKET'
  /** Service: no such account, snapshot or route. */
  | 'NOT_FOUND'
  /** Service: the account changed since the version the request expected. */
  | 'CONFLICT'
  /** Service: no API key, or a key that does not exist. */
  | 'UNAUTHORIZED'
  /** Service: the key may not do this (read-only, or another account's). */
  | 'FORBIDDEN'
  /** Service: a request over a limit (body size, positions per book, scenarios, trades). */
  | 'LIMIT_EXCEEDED'
  /** Service: too many requests for this key in the rate window. */
  | 'RATE_LIMITED'
  /** Service: a request ran past its time budget and was stopped (504). */
  | 'TIMEOUT'
  /** Service: no capacity now (the optimizer queue is full); retry later (503). */
  | 'UNAVAILABLE'
  | 'WRONG_POOL'
  | 'UNSUPPORTED'
  /** An optimization problem has no feasible point (the message names the constraints involved). */
  | 'INFEASIBLE'
  /** An optimization problem's objective is unbounded (the message names the free direction). */
  | 'UNBOUNDED'
  /** The solver stopped without a usable answer (time or iteration limit, numerical failure). */
  | 'SOLVER_FAILED'
  /** A recorded venue response is the venue's error, not an answer (ballast verify). */
  | 'VENUE_ERROR';

/**
 * A user error: a code, a readable message and the path of the bad field (if any). `message`
 * is `field: reason` (or `reason` alone without a field), as the CLI prints it.
 */
export class BallastError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  /** The message without the field prefix: what is wrong and what is expected. */
  readonly reason: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    field?: string,
    details?: Readonly<Record<string, unknown>>,
  ) {
    super(field === undefined ? message : `${field}: ${message}`);
    this.name = 'BallastError';
    this.code = code;
    this.field = field;
    this.reason = message;
    this.details = details;
  }

  /** The same error (code, reason, details) about another field, e.g. the flag the user typed. */
  atField(field: string | undefined): BallastError {
    return new BallastError(this.code, this.reason, field, this.details);
  }
}

/** A `BallastError` as plain data (structured-clonable: what a worker thread sends back). */
export interface BallastErrorData {
  readonly code: ErrorCode;
  readonly reason: string;
  readonly field: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;
}

/** `e` as data (`errorFromData` gives the same error back). */
export function errorData(e: BallastError): BallastErrorData {
  return { code: e.code, reason: e.reason, field: e.field, details: e.details };
}

/** The error `errorData` made `d` of: same code, reason, field and details. */
export function errorFromData(d: BallastErrorData): BallastError {
  return new BallastError(d.code, d.reason, d.field, d.details);
}

/** True if `e` is a BallastError (optionally with the given code). */
export function isBallastError(e: unknown, code?: ErrorCode): e is BallastError {
  return e instanceof BallastError && (code === undefined || e.code === code);
}

/** Throws NOT_FINITE naming `field` unless `x` is a finite number. Returns `x`. */
export function requireFinite(x: number, field: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new BallastError('NOT_FINITE', `must be a finite number, got ${String(x)}`, field);
  }
  return x;
}

/** Throws INVALID_INPUT naming `field` unless `x` is finite and > 0. Returns `x`. */
export function requirePositive(x: number, field: string): number {
  requireFinite(x, field);
  if (!(x > 0)) throw new BallastError('INVALID_INPUT', `must be > 0, got ${x}`, field);
  return x;
}

/** Throws INVALID_INPUT naming `field` unless `x` is finite and >= 0. Returns `x`. */
export function requireNonNegative(x: number, field: string): number {
  requireFinite(x, field);
  if (!(x >= 0)) throw new BallastError('INVALID_INPUT', `must be >= 0, got ${x}`, field);
  return x;
}
