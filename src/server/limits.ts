/**
 * The service's limits: request body size, positions per book, trades per what-if, Monte Carlo
 * paths and stress scenarios per request, per-key rate, and the HTTP request timeout. Exceeding
 * one is a LIMIT_EXCEEDED (413) or RATE_LIMITED (429) problem naming it, never a crash.
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
