/**
 * The synchronous optimizer routes: `POST /v1/optimize`, `/v1/cure`, `/v1/allocate`, each
 * answering the CLI's `--json` object for the same inputs (optimizer-run.ts). The run goes to
 * the optimizer pool's worker threads with the `optimizerTimeoutMs` budget: past it the run is
 * stopped (its thread terminated) and the answer is 504 TIMEOUT; a full queue is 503. Longer
 * runs belong in jobs (routes-jobs.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ServerContext } from './context.ts';
import { sendJson } from './json-reply.ts';
import { runWithDeadline } from './optimizer-pool.ts';
import type { OptimizerKind } from './optimizer-run.ts';
import type { OptimizerTask } from './optimizer-worker.ts';
import type { MarketFields } from './market-source.ts';
import { AllocateBody, CureBody, OptimizeBody } from './schemas-optimize.ts';

/** The optimizer routes: kind, body schema, summary. */
export const OPTIMIZER_ROUTES: ReadonlyArray<{
  kind: OptimizerKind;
  body: typeof OptimizeBody | typeof CureBody | typeof AllocateBody;
  summary: string;
}> = [
  {
    kind: 'optimize',
    body: OptimizeBody,
    summary: 'Cheapest trades that lower margin, ES, or track exposures (ballast optimize --json)',
  },
  {
    kind: 'cure',
    body: CureBody,
    summary: 'Cure a margin call: trades vs collateral top-up (ballast cure --json)',
  },
  {
    kind: 'allocate',
    body: AllocateBody,
    summary:
      'Route trades, split a book or spread collateral across accounts (ballast allocate --json)',
  },
];

/**
 * The worker task of a checked optimizer body: its market resolved and checked here (so a
 * stale or unknown market is answered at once), the market fields dropped from the body.
 */
export async function optimizerTask(
  ctx: ServerContext,
  kind: OptimizerKind,
  body: MarketFields & Record<string, unknown>,
): Promise<Omit<OptimizerTask, 'port'>> {
  const { snapshot, warnings } = await ctx.markets.resolve(body);
  const { market: _m, marketId: _id, allowStale: _s, maxAge: _a, ...rest } = body;
  return { kind, body: rest, snapshot, warnings, limits: ctx.limits };
}

/** Registers the synchronous optimizer routes. */
export function optimizeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  for (const { kind, body, summary } of OPTIMIZER_ROUTES)
    r.post(
      `/v1/${kind}`,
      { schema: { tags: ['optimizer'], summary, body } },
      async (req, reply) => {
        const task = await optimizerTask(ctx, kind, req.body as Record<string, unknown>);
        const value = await runWithDeadline(ctx.optimizer, task, ctx.limits.optimizerTimeoutMs);
        return sendJson(reply, value);
      },
    );
}
