/**
 * The service's limits: request body size, positions per book, trades per what-if, Monte Carlo
 * paths and stress scenarios per request, per-key rate, the HTTP request timeout, and the
 * optimizer budgets (synchronous request, job, jobs at once). Exceeding one is a LIMIT_EXCEEDED
 * (413), RATE_LIMITED (429), TIMEOUT (504) or UNAVAILABLE (503) problem naming it, never a crash.
 */
import { BallastError } from '../core/errors.ts';

/** Limits a server enforces (defaults: `DEFAULT_LIMITS`). */
export interface ServerLimits {
  /** Largest request body, bytes. */
  readonly bodyBytes: number;
  /** Most positions in one book (request or stored account). */
  readonly positions: number;
  /** Most trades in one what-if. */
  readonly trades: number;
  /** Most scenarios one request may generate (Monte Carlo paths, stress scenarios). */
  readonly scenarios: number;
  /** Requests per key (or per client address without a key) per `rateWindowMs`. */
  readonly ratePerWindow: number;
  readonly rateWindowMs: number;
  /** Whole-request time budget, ms (fastify `requestTimeout`; the socket is closed after it). */
  readonly requestTimeoutMs: number;
  /** Budget of a synchronous optimizer request (optimize, cure, allocate), ms; past it the run is stopped (504). */
  readonly optimizerTimeoutMs: number;
  /** Budget of an optimizer job, ms; past it the job is stopped and fails with TIMEOUT. */
  readonly jobTimeoutMs: number;
  /** Most optimizer jobs queued or running at once (more: 503). */
  readonly activeJobs: number;
}

/** The default limits: a 20-position book is far inside every one. */
export const DEFAULT_LIMITS: ServerLimits = {
  bodyBytes: 8 * 1024 * 1024,
  positions: 2000,
  trades: 100,
  scenarios: 100_000,
  ratePerWindow: 6000,
  rateWindowMs: 60_000,
  requestTimeoutMs: 30_000,
  optimizerTimeoutMs: 25_000,
  jobTimeoutMs: 600_000,
  activeJobs: 32,
};

/** Throws LIMIT_EXCEEDED naming `field` when `count` > `limit`. */
export function checkLimit(count: number, limit: number, what: string, field: string): void {
  if (count > limit)
    throw new BallastError(
      'LIMIT_EXCEEDED',
      `${count} ${what}; this server accepts at most ${limit} per request`,
      field,
    );
}
