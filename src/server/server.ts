/**
 * The HTTP service (fastify 5, typebox type provider, OpenAPI at /openapi.json and /docs):
 * analytics routes (routes-compute.ts), markets and accounts over the store
 * (routes-markets.ts, routes-accounts.ts), the dashboard at `/` (routes-web.ts). Every error is
 * problem+json (problem.ts). API keys: with any key in the store, every /v1 request needs one
 * (`Authorization: Bearer …` or `X-API-Key`); without keys the server is open, which
 * `listen` allows on loopback only. Limits: limits.ts; a per-key (or per-address) rate limit.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { BallastError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import { hashKey, keyFromHeaders } from './api-keys.ts';
import { bookCache } from './book-cache.ts';
import { preparedBooks } from './prepared-books.ts';
import { replyTexts } from './reply-texts.ts';
import type { ServerContext } from './context.ts';
import { jobRegistry } from './jobs.ts';
import { DEFAULT_LIMITS, type ServerLimits } from './limits.ts';
import { marketSource } from './market-source.ts';
import { optimizerPool } from './optimizer-pool.ts';
import { toProblem } from './problem.ts';
import { accountRoutes } from './routes-accounts.ts';
import { chartRoutes } from './routes-charts.ts';
import { computeRoutes } from './routes-compute.ts';
import { dashboardRoutes } from './routes-dashboard.ts';
import { marketRoutes } from './routes-markets.ts';
import { jobRoutes } from './routes-jobs.ts';
import { optimizeRoutes } from './routes-optimize.ts';
import { riskRoutes } from './routes-risk.ts';
import { webRoutes } from './routes-web.ts';
import { installNativeSha256 } from '../io/native-sha256.ts';

/** What `buildServer` needs. */
export interface ServerOptions {
  readonly store: Store;
  readonly limits?: Partial<ServerLimits>;
  /** The clock (ms since the epoch); default `Date.now`. */
  readonly clock?: () => number;
  /** Log requests (JSON lines on stdout). */
  readonly logger?: boolean;
  /** Worker threads for optimizer runs (default 2). */
  readonly optimizerThreads?: number;
}

/** How long a key lookup (and the "are there keys?" answer) is cached, ms. */
const KEY_CACHE_MS = 2000;

/** Resolves the request's key (see module doc); throws UNAUTHORIZED when one is needed. */
function authHook(store: Store) {
  let keysExist = { value: false, at: -Infinity };
  const cache = new Map<string, { record: Awaited<ReturnType<Store['findKey']>>; at: number }>();
  return async (req: {
    url: string;
    headers: Record<string, string | string[] | undefined>;
    apiKey: unknown;
  }) => {
    req.apiKey = undefined;
    if (!req.url.startsWith('/v1/')) return;
    const now = performance.now();
    if (now - keysExist.at > KEY_CACHE_MS)
      keysExist = { value: (await store.countKeys()) > 0, at: now };
    const key = keyFromHeaders(req.headers);
    if (key === undefined) {
      if (keysExist.value)
        throw new BallastError(
          'UNAUTHORIZED',
          'this server needs an API key: send "Authorization: Bearer <key>"',
          'authorization',
        );
      return;
    }
    const h = hashKey(key);
    let hit = cache.get(h);
    if (!hit || now - hit.at > KEY_CACHE_MS) {
      hit = { record: await store.findKey(h), at: now };
      if (cache.size > 1000) cache.clear();
      cache.set(h, hit);
    }
    if (!hit.record) throw new BallastError('UNAUTHORIZED', 'unknown API key', 'authorization');
    req.apiKey = hit.record;
  };
}

/** The shared state of the routes: market source, optimizer pool, jobs, book cache. */
function serverContext(o: ServerOptions, limits: ServerLimits, clock: () => number): ServerContext {
  const optimizer = optimizerPool(o.optimizerThreads ?? 2);
  const jobs = jobRegistry({
    pool: optimizer,
    clock,
    timeoutMs: limits.jobTimeoutMs,
    maxActive: limits.activeJobs,
  });
  return {
    store: o.store,
    markets: marketSource(o.store, clock),
    limits,
    clock,
    optimizer,
    jobs,
    books: bookCache(),
    prepared: preparedBooks(),
    replies: replyTexts(),
  };
}

/**
 * Builds the service (not listening; `app.inject` for tests, `listen` in serve). Input hashes
 * use node:crypto's SHA-256 from here on (io/native-sha256.ts).
 */
export async function buildServer(o: ServerOptions): Promise<FastifyInstance> {
  installNativeSha256();
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const clock = o.clock ?? Date.now;
  const app = Fastify({
    logger: o.logger ?? false,
    bodyLimit: limits.bodyBytes,
    requestTimeout: limits.requestTimeoutMs,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  const ctx = serverContext(o, limits, clock);
  const optimizer = ctx.optimizer;
  app.decorate('optimizer', optimizer);
  app.addHook('onClose', () => optimizer.close());

  app.decorateRequest('apiKey', undefined);
  app.setErrorHandler((err, req, reply) => {
    const problem = toProblem(err, req.url);
    if (problem.status >= 500 && problem.code === 'INTERNAL')
      req.log.error({ err }, 'internal error');
    return reply
      .code(problem.status)
      .type('application/problem+json')
      .send(JSON.stringify(problem));
  });
  app.setNotFoundHandler((req, reply) => {
    const problem = toProblem(
      new BallastError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`),
      req.url,
    );
    return reply.code(404).type('application/problem+json').send(JSON.stringify(problem));
  });
  app.addHook('onRequest', authHook(o.store));
  await app.register(rateLimit, {
    max: limits.ratePerWindow,
    timeWindow: limits.rateWindowMs,
    keyGenerator: (req) => (req.apiKey ? `key:${req.apiKey.id}` : `ip:${req.ip}`),
    errorResponseBuilder: (_req, c) =>
      new BallastError(
        'RATE_LIMITED',
        `more than ${c.max} requests in ${Math.round(c.ttl / 1000)} s for this key; retry after ${c.after}`,
        'authorization',
      ),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Ballast API',
        version: '0.1.0',
        description:
          'Portfolio margin, risk and what-if for crypto derivatives. Sizes in coins, signed. Errors are RFC 9457 problem+json with `code` and `field`.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // pid: which server process answered (`serve --workers N` runs several on one address)
  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true, pid: process.pid }));
  computeRoutes(app, ctx);
  riskRoutes(app, ctx);
  chartRoutes(app, ctx);
  dashboardRoutes(app, ctx);
  marketRoutes(app, ctx);
  accountRoutes(app, ctx);
  optimizeRoutes(app, ctx);
  jobRoutes(app, ctx);
  await webRoutes(app);
  return app;
}
