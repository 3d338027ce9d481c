/**
 * Routes the dashboard needs beyond the analytics ones: `POST /v1/greeks`, each position's
 * delta, gamma, vega and theta and the totals per underlying (app/greeks.ts), on the request's
 * market with its `overrides`.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { greeksUseCase } from '../app/greeks.ts';
import type { ServerContext } from './context.ts';
import { sendJson } from './json-reply.ts';
import { bookFor } from './routes-compute.ts';
import { MarketFields, PortfolioValue } from './schemas.ts';

/** POST /v1/greeks. */
export const GreeksBody = Type.Object({ portfolio: PortfolioValue, ...MarketFields });

/** Registers the dashboard routes. */
export function dashboardRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post(
    '/v1/greeks',
    {
      schema: {
        tags: ['analytics'],
        summary:
          'Greeks per position and total per underlying: delta (coins), gamma (coins per 1 % move), vega (USD per vol point), theta (USD per day)',
        body: GreeksBody,
      },
    },
    async (req, reply) => {
      const { snapshot, warnings } = await ctx.markets.resolve(req.body);
      const portfolio = bookFor(ctx, req.body.portfolio, snapshot);
      return sendJson(reply, { ...greeksUseCase(portfolio, snapshot), warnings });
    },
  );
}
