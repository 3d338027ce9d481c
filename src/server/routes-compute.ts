/**
 * The stateless analytics routes: margin (with an uploaded price history attached to the
 * market when given), compare, what-if, health (with liquidation distances); VaR/ES and
 * stress are in routes-risk.ts. Each one turns the body into a use-case request (app/), runs it and
 * answers the CLI's `--json` object for the same inputs.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { compareUseCase } from '../app/compare.ts';
import { healthJson, healthUseCase } from '../app/health.ts';
import { marginUseCase } from '../app/margin.ts';
import { withLoadedHistory } from '../app/risk-params.ts';
import { pmeSimulateFields, simulatePortfolioFields, whatIfUseCase } from '../app/what-if.ts';
import { whatIfSummary } from '../app/what-if-summary.ts';
import type { Instrument } from '../instruments/instrument.ts';
import { parseSymbol } from '../instruments/symbol.ts';
import { mergeParams } from '../io/params-file.ts';
import { DERIBIT_PM_ID } from '../margin/deribit-pm/deribit-pm.ts';
import { marginModel, MARGIN_MODELS } from '../margin/registry.ts';
import { whatIf } from '../margin/what-if.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { underlyingsOf, type Portfolio } from '../risk/portfolio.ts';
import type { ServerContext } from './context.ts';
import { requestHistory } from './history-source.ts';
import { sendJson, sendJsonShared, toJsonCompact } from './json-reply.ts';
import { checkLimit } from './limits.ts';
import { CompareBody, HealthBody, MarginBody, WhatIfBody } from './schemas.ts';

/** The model's parameters with the request's overrides (strict merge: unknown keys are errors). */
export function paramsFor(modelId: string, overrides: unknown, field = 'model'): unknown {
  const model = marginModel(modelId, field);
  return overrides === undefined
    ? model.defaultParams
    : mergeParams(model.defaultParams, overrides, 'params');
}

/** The request's portfolio (parsed once per value and snapshot), within the positions limit. */
export function bookFor(ctx: ServerContext, value: unknown, snapshot: MarketSnapshot): Portfolio {
  const p = ctx.books(value, 'portfolio', snapshot);
  checkLimit(p.positions.length, ctx.limits.positions, 'positions', 'portfolio.positions');
  return p;
}

/** Trade symbols parsed (immutable instruments), bounded: cleared when full. */
const tradeSymbols = new Map<string, Instrument>();

/**
 * `parseSymbol(text)` (venue detected), memoized per text: detection tries every venue's
 * grammar and builds a typed error for each that fails, about a tenth of a summary what-if's
 * CPU for one trade. Errors are not kept (they name the field).
 */
function tradeInstrument(text: string, field: string): Instrument {
  let i = tradeSymbols.get(text);
  if (i === undefined) {
    i = parseSymbol(text, undefined, field);
    if (tradeSymbols.size >= 4096) tradeSymbols.clear();
    tradeSymbols.set(text, i);
  }
  return i;
}

/** Margin, compare and the model list. */
function marginRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['analytics'];
  r.post(
    '/v1/margin',
    {
      schema: {
        tags,
        summary: 'Margin of a book under one model (ballast margin --json)',
        body: MarginBody,
      },
    },
    async (req, reply) => {
      const { snapshot, warnings } = await ctx.markets.resolve(req.body);
      const portfolio = bookFor(ctx, req.body.portfolio, snapshot);
      const params = paramsFor(req.body.model, req.body.params);
      const history = req.body.history
        ? requestHistory(req.body, underlyingsOf(portfolio.positions))
        : null;
      const market = withLoadedHistory(snapshot, history);
      const model = marginModel(req.body.model, 'model');
      // the answer is built from the (cached) results, the model and the warnings only
      const evaluated = ctx.prepared.evaluate(model, portfolio, market, params);
      const text = ctx.replies(evaluated, `${model.id}\u0000${JSON.stringify(warnings)}`, () =>
        toJsonCompact(
          marginUseCase({
            portfolio,
            snapshot: market,
            modelId: model.id,
            params,
            warnings,
            evaluate: () => evaluated,
          }),
        ),
      );
      return reply.code(200).type('application/json; charset=utf-8').send(text);
    },
  );

  r.post(
    '/v1/compare',
    {
      schema: {
        tags,
        summary: 'Every model side by side (ballast compare --json)',
        body: CompareBody,
      },
    },
    async (req, reply) => {
      const { snapshot, warnings } = await ctx.markets.resolve(req.body);
      return sendJson(
        reply,
        compareUseCase(bookFor(ctx, req.body.portfolio, snapshot), snapshot, warnings),
      );
    },
  );

  r.get(
    '/v1/models',
    { schema: { tags, summary: 'The margin models and their default parameters' } },
    async (_req, reply) =>
      sendJson(
        reply,
        MARGIN_MODELS.map((m) => ({
          id: m.id,
          title: m.title,
          version: m.version,
          defaultParams: m.defaultParams,
        })),
      ),
  );
}

/** What-if and health. */
function whatIfRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['analytics'];
  r.post(
    '/v1/whatif',
    {
      schema: {
        tags,
        summary:
          'Margin before and after trades (ballast whatif --json) with Deribit simulate_portfolio / pme/simulate fields; detail "summary": per pool before/after/change only',
        body: WhatIfBody,
      },
    },
    async (req, reply) => {
      const { snapshot, warnings } = await ctx.markets.resolve(req.body);
      const modelId = req.body.model ?? 'deribit-pm';
      checkLimit(req.body.trades.length, ctx.limits.trades, 'trades', 'trades');
      const trades = req.body.trades.map((t, k) => ({
        instrument: tradeInstrument(t.instrument, `trades[${k}].instrument`),
        size: t.size,
      }));
      const out = whatIfUseCase({
        portfolio: bookFor(ctx, req.body.portfolio, snapshot),
        snapshot,
        modelId,
        params: paramsFor(modelId, req.body.params),
        trades,
        tradeField: (k) => `trades[${k}].size`,
        tradesField: 'trades',
        whatIf: (model, portfolio, snapshot, params, trades) =>
          model.id === DERIBIT_PM_ID
            ? ctx.prepared.deribitPm(portfolio, snapshot, params).whatIf(trades)
            : whatIf(model, portfolio, snapshot, params, trades),
      });
      // summary: no details read, so the prepared book never builds the after-trade report
      if (req.body.detail === 'summary') return sendJson(reply, whatIfSummary(out, warnings));
      // `before` is the prepared book's cached result: its text is reused
      return sendJsonShared(
        reply,
        {
          ...out,
          warnings,
          simulate_portfolio: simulatePortfolioFields(out),
          pme_simulate: pmeSimulateFields(out.after),
        },
        ['before'],
      );
    },
  );

  r.post(
    '/v1/health',
    {
      schema: {
        tags,
        summary: 'Health, liquidation distances, solvency, contagion (ballast health --json)',
        body: HealthBody,
      },
    },
    async (req, reply) => {
      const b = req.body;
      const { snapshot, warnings } = await ctx.markets.resolve(b);
      const out = healthUseCase({
        portfolio: bookFor(ctx, b.portfolio, snapshot),
        snapshot,
        modelId: b.model,
        params: paramsFor(b.model, b.params),
        sigmaHorizonDays: b.sigmaHorizonDays ?? 1,
        inverseSize: b.inverseSize ?? 'usd-notional',
        joint: b.joint ?? true,
        ...(b.shock
          ? { shock: { underlying: b.shock.underlying.toUpperCase(), shock: b.shock.move } }
          : {}),
        warnings,
      });
      return sendJson(reply, healthJson(out));
    },
  );
}

/** Registers the analytics routes. */
export function computeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  marginRoutes(app, ctx);
  whatIfRoutes(app, ctx);
}
