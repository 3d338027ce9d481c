/**
 * The risk routes: `POST /v1/var` (VaR/ES by full revaluation: Monte Carlo, or historical /
 * filtered historical on the bundled history or an uploaded price series; `ballast var
 * --json`) and `POST /v1/stress` (P&L under library, hypothetical or given shocks; `ballast
 * stress --json`). The same use cases as the CLI (app/var.ts, app/stress.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { stressUnderlyings, stressUseCase } from '../app/stress.ts';
import { varUseCase } from '../app/var.ts';
import type { PriceSeries } from '../market/history.ts';
import { underlyingsOf } from '../risk/portfolio.ts';
import type { ServerContext } from './context.ts';
import { requestHistory } from './history-source.ts';
import { sendJson } from './json-reply.ts';
import { checkLimit } from './limits.ts';
import { bookFor } from './routes-compute.ts';
import { StressBody, VarBody } from './schemas.ts';

/** Registers the risk routes. */
export function riskRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['analytics'];
  r.post(
    '/v1/var',
    {
      schema: {
        tags,
        summary:
          'VaR or ES by full revaluation: mc, hs or fhs on the bundled or an uploaded history (ballast var --json)',
        body: VarBody,
      },
    },
    async (req, reply) => {
      const b = req.body;
      const { snapshot, warnings } = await ctx.markets.resolve(b);
      const method = b.method ?? 'mc';
      const paths = b.paths ?? 10_000;
      if (method === 'mc') checkLimit(paths, ctx.limits.scenarios, 'Monte Carlo paths', 'paths');
      const portfolio = bookFor(ctx, b.portfolio, snapshot);
      const needHistory = method !== 'mc' || b.history !== undefined;
      const out = varUseCase({
        portfolio,
        snapshot,
        measure: b.measure ?? 'var',
        method,
        confidence: b.confidence ?? 0.99,
        horizonDays: b.horizonDays ?? 1,
        history: needHistory ? requestHistory(b, underlyingsOf(portfolio.positions)) : null,
        ...(b.window === undefined ? {} : { window: b.window }),
        ...(b.paths === undefined ? {} : { paths }),
        ...(b.seed === undefined ? {} : { seed: b.seed }),
        ...(b.sampler === undefined ? {} : { sampler: b.sampler }),
        warnings,
      });
      return sendJson(reply, out);
    },
  );
  r.post(
    '/v1/stress',
    {
      schema: {
        tags,
        summary: 'P&L under stress scenarios, worst first (ballast stress --json)',
        body: StressBody,
      },
    },
    async (req, reply) => {
      const b = req.body;
      const { snapshot, warnings } = await ctx.markets.resolve(b);
      const portfolio = bookFor(ctx, b.portfolio, snapshot);
      let loaded: PriceSeries[] | undefined;
      const out = stressUseCase({
        portfolio,
        snapshot,
        specs: (b.scenarios ?? []).map((s, i) =>
          typeof s === 'string' ? s : { shocks: s.shocks, source: `scenarios[${i}].shocks` },
        ),
        series: () => (loaded ??= requestHistory(b, stressUnderlyings(portfolio, snapshot)).series),
        warnings,
        field: 'scenarios',
      });
      checkLimit(out.scenarios.length, ctx.limits.scenarios, 'stress scenarios', 'scenarios');
      return sendJson(reply, out);
    },
  );
}
