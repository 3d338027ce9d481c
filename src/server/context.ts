/**
 * What every route shares: the store, the market source, the limits, the clock, the optimizer
 * pool and jobs, and the
 * request's API key (set by the auth hook in server.ts; undefined on an open loopback server).
 */
import type { FastifyRequest } from 'fastify';
import { BallastError } from '../core/errors.ts';
import type { ApiKeyRecord, Store } from '../store/store.ts';
import { keyCovers } from './api-keys.ts';
import type { BookParser } from './book-cache.ts';
import type { Jobs } from './jobs.ts';
import type { ServerLimits } from './limits.ts';
import type { MarketSource } from './market-source.ts';
import type { OptimizerPool } from './optimizer-pool.ts';
import type { PreparedBooks } from './prepared-books.ts';
import type { ReplyTexts } from './reply-texts.ts';

/** The server's shared state. */
export interface ServerContext {
  readonly store: Store;
  readonly markets: MarketSource;
  readonly limits: ServerLimits;
  /** ms since the epoch; the only clock the use cases see. */
  readonly clock: () => number;
  /** Worker threads of the optimizer runs (optimizer-pool.ts). */
  readonly optimizer: OptimizerPool;
  /** Optimizer jobs (jobs.ts). */
  readonly jobs: Jobs;
  /** Request books, parsed once per (value, snapshot) (book-cache.ts). */
  readonly books: BookParser;
  /** Results and Deribit PM prepared books per (book, market, params) (prepared-books.ts). */
  readonly prepared: PreparedBooks;
  /** Answer texts of cached results (reply-texts.ts): the margin answer per results object. */
  readonly replies: ReplyTexts;
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKeyRecord | undefined;
  }
  interface FastifyInstance {
    /** The optimizer pool (its live thread ids show a stopped run's thread is gone). */
    optimizer: OptimizerPool;
  }
}

/** Throws FORBIDDEN unless the request's key may write (an open server allows it). */
export function requireWrite(req: FastifyRequest): void {
  if (req.apiKey?.readOnly)
    throw new BallastError(
      'FORBIDDEN',
      `the key "${req.apiKey.name}" is read-only`,
      'authorization',
    );
}

/** Throws FORBIDDEN unless the request's key covers `accountId`. */
export function requireAccount(req: FastifyRequest, accountId: string): void {
  if (req.apiKey && !keyCovers(req.apiKey, accountId))
    throw new BallastError(
      'FORBIDDEN',
      `the key "${req.apiKey.name}" is not scoped to account "${accountId}"`,
      'id',
    );
}
