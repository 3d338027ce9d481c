/**
 * The dashboard's chart data, computed by the same use cases as everything else: the Deribit
 * PM spot × vol risk matrix with the cell that set the margin (plus the `pme/simulate` mirror),
 * and the book's P&L against spot.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { marginUseCase } from '../app/margin.ts';
import { expiryPnlCurve, multiplierGrid, pnlCurve } from '../app/pnl-curve.ts';
import { riskMatrixGrids } from '../app/risk-matrix.ts';
import { pmeSimulateFields } from '../app/what-if.ts';
import { BallastError } from '../core/errors.ts';
import type { ServerContext } from './context.ts';
import { sendJson } from './json-reply.ts';
import { checkLimit } from './limits.ts';
import { bookFor, paramsFor } from './routes-compute.ts';
import { PnlCurveBody, RiskMatrixBody } from './schemas.ts';

/** Registers the chart routes. */
export function chartRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['analytics'];
  r.post(
    '/v1/risk-matrix',
    {
      schema: {
        tags,
        summary:
          'Deribit PM spot × vol risk matrix with the worst cell, and the pme/simulate fields',
        body: RiskMatrixBody,
      },
    },
    async (req, reply) => {
      const { snapshot, warnings } = await ctx.markets.resolve(req.body);
      const result = marginUseCase({
        portfolio: bookFor(ctx, req.body.portfolio, snapshot),
        snapshot,
        modelId: 'deribit-pm',
        params: paramsFor('deribit-pm', req.body.params),
        warnings,
      });
      return sendJson(reply, {
        model: result.model,
        currency: result.currency,
        initialMargin: result.initialMargin,
        maintenanceMargin: result.maintenanceMargin,
        grids: riskMatrixGrids(result.pools),
        pme_simulate: pmeSimulateFields(result.pools),
        warnings: result.warnings,
      });
    },
  );
  r.post(
    '/v1/pnl-curve',
    {
      schema: {
        tags,
        summary:
          'Book P&L (USD) against the spot of one underlying, today and at the first expiry with breakevens',
        body: PnlCurveBody,
      },
    },
    async (req, reply) => {
      const { snapshot, warnings } = await ctx.markets.resolve(req.body);
      const portfolio = bookFor(ctx, req.body.portfolio, snapshot);
      const underlying = (
        req.body.underlying ?? portfolio.positions[0]?.instrument.underlying
      )?.toUpperCase();
      if (!underlying)
        throw new BallastError(
          'INVALID_INPUT',
          'the book has no positions: give an underlying',
          'underlying',
        );
      const n = req.body.points ?? 101;
      checkLimit(n, ctx.limits.scenarios, 'points', 'points');
      const grid = multiplierGrid(req.body.span ?? 0.5, n);
      const points = pnlCurve(portfolio, snapshot, underlying, grid);
      return sendJson(reply, {
        underlying,
        index: snapshot.underlyings[underlying]!.index,
        points,
        expiry: expiryPnlCurve(portfolio, snapshot, underlying, grid),
        warnings,
      });
    },
  );
}
