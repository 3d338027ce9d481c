/**
 * Request shapes of the optimizer routes (`POST /v1/optimize`, `/v1/cure`, `/v1/allocate`, and
 * the same bodies as jobs). Field names follow the CLI flags in camelCase; units as there:
 * sizes in coins, money in USD, horizons in days, utilization = IM / equity.
 */
import { Type } from 'typebox';
import { AccountsSchema } from '../io/accounts-input.ts';
import { ConstraintsSchema } from '../io/constraints-input.ts';
import { MarketFields, PortfolioValue } from './schemas.ts';

const Params = Type.Optional(
  Type.Object(
    {},
    { additionalProperties: true, description: 'parameter overrides, merged over the defaults' },
  ),
);

/** `"listed"` (built from the snapshot) or an inline `ballast.universe/1` value. */
const UniverseValue = Type.Optional(
  Type.Union([
    Type.Literal('listed'),
    Type.Object({}, { additionalProperties: true, description: 'a ballast.universe/1 value' }),
  ]),
);

/** POST /v1/optimize (ballast optimize). */
export const OptimizeBody = Type.Object({
  portfolio: PortfolioValue,
  model: Type.Optional(Type.String({ description: 'margin model id, default deribit-pm' })),
  params: Params,
  universe: UniverseValue,
  objective: Type.Optional(
    Type.Union([Type.Literal('margin'), Type.Literal('es'), Type.Literal('track')]),
  ),
  constraints: Type.Optional(ConstraintsSchema),
  targets: Type.Optional(
    Type.Record(Type.String(), Type.Number(), {
      description: 'track: target exposures by greek, e.g. {"delta": 0}',
    }),
  ),
  mu: Type.Optional(Type.Number({ minimum: 0 })),
  scenarios: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  seed: Type.Optional(Type.Integer()),
  beta: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
  horizonDays: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  robustness: Type.Optional(Type.Boolean()),
  ...MarketFields,
});

/** POST /v1/cure (ballast cure). */
export const CureBody = Type.Object({
  portfolio: PortfolioValue,
  model: Type.Optional(Type.String({ description: 'margin model id, default deribit-pm' })),
  params: Params,
  universe: UniverseValue,
  targetUtilization: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
  allowIncrease: Type.Optional(Type.Boolean()),
  maxSize: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  ...MarketFields,
});

/** POST /v1/allocate (ballast allocate): the accounts value with the mode and options. */
export const AllocateBody = Type.Object({
  accounts: AccountsSchema,
  mode: Type.Optional(
    Type.Union([Type.Literal('route'), Type.Literal('split'), Type.Literal('collateral')]),
  ),
  wholeTrades: Type.Optional(Type.Boolean()),
  ignoreCollateral: Type.Optional(Type.Boolean()),
  amountUsd: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  ...MarketFields,
});
