/**
 * Request and response shapes of the HTTP API (typebox → JSON Schema → the OpenAPI document).
 * Request bodies reuse the CLI's inputs: a portfolio in any format Ballast reads, a market
 * snapshot (or raw venue market) inline or a stored one by id, a model id and parameter
 * overrides merged over the model's defaults. Responses are the `--json` objects of the CLI.
 */
import { Type } from 'typebox';

/** A portfolio: Ballast JSON, a Deribit get_positions response, a ccxt array, or CSV text. */
export const PortfolioValue = Type.Union(
  [
    Type.Object({}, { additionalProperties: true }),
    Type.Array(Type.Unknown()),
    Type.String({ description: 'CSV: instrument,size[,entryPrice] (sizes in coins)' }),
  ],
  { description: 'a portfolio in any format Ballast reads (sizes in coins unless stated)' },
);

const PriceMap = (d: string) =>
  Type.Optional(
    Type.Record(Type.String(), Type.Number({ exclusiveMinimum: 0 }), { description: d }),
  );

/** Market moves for this request only (app/market-moves.ts; the CLI's --index/--mark/--vol). */
export const MarketMovesBody = Type.Object(
  {
    index: PriceMap('UNDERLYING → index in USD (--index)'),
    mark: PriceMap('SYMBOL → mark price (--mark)'),
    vol: PriceMap('option SYMBOL → implied vol, decimal (--vol)'),
    volScale: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'every implied vol × volScale' }),
    ),
    days: Type.Optional(
      Type.Number({ minimum: 0, description: 'roll the market forward this many days' }),
    ),
  },
  { additionalProperties: false, description: 'market moves applied after the staleness check' },
);

/** The market fields of every market-reading request. */
export const MarketFields = {
  market: Type.Optional(
    Type.Object(
      {},
      {
        additionalProperties: true,
        description:
          'a market snapshot (ballast market build) or a raw venue market; or give marketId',
      },
    ),
  ),
  marketId: Type.Optional(Type.String({ description: 'id of a stored market (POST /v1/markets)' })),
  allowStale: Type.Optional(
    Type.Boolean({ description: 'margin on a snapshot older than maxAge, as of its own time' }),
  ),
  maxAge: Type.Optional(
    Type.String({ description: 'largest snapshot age: 30s, 15m, 2h, 3d (default 1h)' }),
  ),
  overrides: Type.Optional(MarketMovesBody),
};

const ModelId = Type.String({ description: 'margin model id (GET /v1/models)' });
const Params = Type.Optional(
  Type.Object(
    {},
    {
      additionalProperties: true,
      description:
        'parameter overrides, merged over the model defaults (price history is market data, not a parameter: the history field)',
    },
  ),
);

/** POST /v1/compare. */
export const CompareBody = Type.Object({ portfolio: PortfolioValue, ...MarketFields });

/** A trade: venue symbol and signed size in coins (negative = sell). */
export const Trade = Type.Object({
  instrument: Type.String({ description: 'venue symbol, e.g. BTC-PERPETUAL' }),
  size: Type.Number({ description: 'signed size in coins' }),
});

/** POST /v1/whatif. */
export const WhatIfBody = Type.Object({
  portfolio: PortfolioValue,
  model: Type.Optional(ModelId),
  params: Params,
  trades: Type.Array(Trade, { minItems: 1 }),
  detail: Type.Optional(
    Type.Union([Type.Literal('full'), Type.Literal('summary')], {
      description:
        'full (default): the whatif --json object with the before/after reports and the simulate_portfolio / pme/simulate mirrors; summary: per pool the before/after/change of equity, IM, MM, utilization, the hypothesis reading that set each, the inputs hash and unverified notes, the USD totals, per-trade rows and simulate_portfolio fields (no details: app/what-if-summary.ts)',
    }),
  ),
  ...MarketFields,
});

/** POST /v1/health. */
export const HealthBody = Type.Object({
  portfolio: PortfolioValue,
  model: ModelId,
  params: Params,
  sigmaHorizonDays: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  inverseSize: Type.Optional(Type.Union([Type.Literal('usd-notional'), Type.Literal('coin')])),
  joint: Type.Optional(Type.Boolean()),
  shock: Type.Optional(
    Type.Object({
      underlying: Type.String(),
      move: Type.Number({ exclusiveMinimum: -1, description: 'fraction, e.g. -0.2 for −20 %' }),
    }),
  ),
  ...MarketFields,
});

/** An uploaded price series: CSV text of closes (time,close or OHLC columns) for one symbol. */
export const HistoryUpload = Type.Object({
  symbol: Type.String({ description: 'the underlying these closes are, e.g. BTC' }),
  csv: Type.String({
    description: 'CSV text with a header, as `ballast var --history SYM=FILE` reads',
  }),
});

const KeepOutliers = Type.Optional(
  Type.Boolean({ description: 'keep the history bad prints (excluded by default, listed)' }),
);

/**
 * The history fields of /v1/var and /v1/stress (default: the bundled BTC/ETH daily closes).
 * The closes are market data: attached to the market (`market.history`) for this request.
 */
export const HistoryFields = {
  history: Type.Optional(
    Type.Array(HistoryUpload, {
      minItems: 1,
      description:
        'price history of the book’s underlyings, attached to the market as market.history (default: the bundled BTC/ETH daily closes)',
    }),
  ),
  keepOutliers: KeepOutliers,
};

/** The history fields of /v1/margin: closes attached to the market (`market.history`) when given; none by default. */
export const MarginHistoryFields = {
  history: Type.Optional(
    Type.Array(HistoryUpload, {
      minItems: 1,
      description:
        'price history of the book’s underlyings, attached to the market as market.history for the history-driven models (var, es, stans, span2); price history is market data, not a parameter (default: none)',
    }),
  ),
  keepOutliers: KeepOutliers,
};

/** POST /v1/margin. */
export const MarginBody = Type.Object({
  portfolio: PortfolioValue,
  model: ModelId,
  params: Params,
  ...MarginHistoryFields,
  ...MarketFields,
});

/** POST /v1/var. */
export const VarBody = Type.Object({
  portfolio: PortfolioValue,
  method: Type.Optional(
    Type.Union([Type.Literal('mc'), Type.Literal('hs'), Type.Literal('fhs')], {
      description: 'mc (default), hs historical, fhs filtered historical',
    }),
  ),
  window: Type.Optional(Type.Integer({ minimum: 1, description: 'hs/fhs: newest n scenarios' })),
  ...HistoryFields,
  measure: Type.Optional(Type.Union([Type.Literal('var'), Type.Literal('es')])),
  confidence: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
  horizonDays: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  paths: Type.Optional(Type.Integer({ minimum: 1 })),
  seed: Type.Optional(Type.Integer()),
  sampler: Type.Optional(Type.Union([Type.Literal('pseudo'), Type.Literal('sobol')])),
  ...MarketFields,
});

/** POST /v1/markets. */
export const MarketUploadBody = Type.Object({
  market: Type.Object({}, { additionalProperties: true }),
});

/** POST /v1/accounts. */
export const AccountCreateBody = Type.Object({
  id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  portfolio: Type.Optional(PortfolioValue),
  ...MarketFields,
});

/** PUT /v1/accounts/:id/book. */
export const BookReplaceBody = Type.Object({
  portfolio: PortfolioValue,
  expectedVersion: Type.Optional(Type.Integer({ minimum: 1 })),
  ...MarketFields,
});

/** POST /v1/accounts/:id/trades. */
export const TradesBody = Type.Object({
  trades: Type.Array(Trade, { minItems: 1 }),
  expectedVersion: Type.Optional(Type.Integer({ minimum: 1 })),
});

/** POST /v1/accounts/:id/margin. */
export const AccountMarginBody = Type.Object({
  model: ModelId,
  params: Params,
  ...MarketFields,
});

/** `:id` path parameter. */
export const IdParams = Type.Object({ id: Type.String() });

/** A problem+json body (RFC 9457 with Ballast's `code` and `field`). */
export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  instance: Type.String(),
  code: Type.String(),
  field: Type.Union([Type.String(), Type.Null()]),
});

/** POST /v1/risk-matrix. */
export const RiskMatrixBody = Type.Object({
  portfolio: PortfolioValue,
  params: Params,
  ...MarketFields,
});

/** POST /v1/pnl-curve. */
export const PnlCurveBody = Type.Object({
  portfolio: PortfolioValue,
  underlying: Type.Optional(
    Type.String({ description: 'default: the underlying of the first position' }),
  ),
  span: Type.Optional(
    Type.Number({
      exclusiveMinimum: 0,
      maximum: 0.95,
      description: 'spot range ±span (fraction), default 0.5',
    }),
  ),
  points: Type.Optional(
    Type.Integer({ minimum: 3, maximum: 401, description: 'number of points, default 101' }),
  ),
  ...MarketFields,
});

/** POST /v1/stress. */
export const StressBody = Type.Object({
  portfolio: PortfolioValue,
  scenarios: Type.Optional(
    Type.Array(
      Type.Union([
        Type.String({ description: 'a library event id or a hypothetical id' }),
        Type.Object(
          { shocks: Type.Array(Type.Unknown()) },
          { description: 'shocks as in a --scenario JSON file: [{name, moves, default?}]' },
        ),
      ]),
      { description: 'default: every hypothetical and the library events the history covers' },
    ),
  ),
  ...HistoryFields,
  ...MarketFields,
});
