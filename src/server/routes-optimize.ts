/**
 * The synchronous optimizer routes: `POST /v1/optimize`, `/v1/cure`, `/v1/allocate`, each
 * answering the CLI's `--json` object for the same inputs (optimizer-run.ts). Long runs belong
 * in jobs (routes-jobs.ts); a synchronous request is bounded by the request timeout.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ServerContext } from './context.ts';
import { sendJson } from './json-reply.ts';
import { runOptimizer, type OptimizerKind } from './optimizer-run.ts';
import { AllocateBody, CureBody, OptimizeBody } from './schemas-optimize.ts';

const ROUTES: ReadonlyArray<{ kind: OptimizerKind; body: object; summary: string }> = [
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

/** Registers the synchronous optimizer routes. */
export function optimizeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  for (const { kind, body, summary } of ROUTES)
    r.post(
      `/v1/${kind}`,
      { schema: { tags: ['optimizer'], summary, body } },
      async (req, reply) => {
        const market = await ctx.markets.resolve(
          req.body as Parameters<typeof ctx.markets.resolve>[0],
        );
        return sendJson(reply, await runOptimizer(kind, req.body, market, ctx.limits));
      },
    );
}
