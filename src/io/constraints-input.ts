/**
 * The optimizer's constraints as a JSON value (a `--constraints` file, or the `constraints`
 * field of `POST /v1/optimize`): `ConstraintsSchema` (typebox, also the OpenAPI shape) and
 * `constraintsFromJson`, which checks a value against it and returns the pure optimizer's
 * `TradeConstraints` and λ. Every key is optional:
 *   { "bands": { "delta": [-1, 1], "vega": { "min": -5000 } },
 *     "bandsByUnderlying": { "BTC": { "delta": [-0.5, 0.5] } },
 *     "keepExposures": 0.1, "keepGreeks": ["delta", "vega"],
 *     "maxSize": 20, "maxTotalSize": 50, "budgetUsd": 2000, "reduceOnly": false,
 *     "allow": ["BTC-28AUG26-*"], "exclude": ["BTC-PERPETUAL"],
 *     "instrumentLimits": { "BTC-25SEP26": 5 }, "lambda": 1 }
 * Units: band sides in the greek's unit (delta coins, gamma coins of delta per 1 % move, vega
 * USD per vol point, theta USD per day); sizes in coins; budget in USD; λ in USD of trading
 * cost per USD of margin. An unknown key is a SCHEMA error naming it (with the nearest known
 * key); a size limit ≤ 0 or a negative tolerance, budget or λ is INVALID_INPUT.
 */
import { Type, type Static } from 'typebox';
import { BallastError } from '../core/errors.ts';
import { GREEKS, type Greek } from '../optimize/exposures.ts';
import type { Band, Bands, TradeConstraints } from '../optimize/trade-problem.ts';
import { isJsonObject } from './read-json.ts';
import { checkSchema } from './schema-check.ts';
import { unknownFieldMessage } from './unknown-fields.ts';

const Side = Type.Union([Type.Number(), Type.Null()]);

/** A band: `[lo, hi]` (null for an open side) or `{ "min"?: lo, "max"?: hi }`. */
export const BandSchema = Type.Union([
  Type.Tuple([Side, Side]),
  Type.Object(
    { min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()) },
    { additionalProperties: false },
  ),
]);

/** Bands by greek (delta, gamma, vega, theta). */
export const BandsSchema = Type.Record(Type.String(), BandSchema);

/** The constraints value (see module doc). */
export const ConstraintsSchema = Type.Object(
  {
    bands: Type.Optional(BandsSchema),
    bandsByUnderlying: Type.Optional(Type.Record(Type.String(), BandsSchema)),
    keepExposures: Type.Optional(Type.Number({ minimum: 0 })),
    keepGreeks: Type.Optional(Type.Array(Type.String())),
    maxSize: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    maxTotalSize: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    budgetUsd: Type.Optional(Type.Number({ minimum: 0 })),
    reduceOnly: Type.Optional(Type.Boolean()),
    allow: Type.Optional(Type.Array(Type.String())),
    exclude: Type.Optional(Type.Array(Type.String())),
    instrumentLimits: Type.Optional(Type.Record(Type.String(), Type.Number({ minimum: 0 }))),
    lambda: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false, description: 'optimizer constraints (every key optional)' },
);

/** The parsed constraints value. */
export type ConstraintsValue = Static<typeof ConstraintsSchema>;

const KNOWN = Object.keys(ConstraintsSchema.properties);
const POSITIVE = ['maxSize', 'maxTotalSize'];
const NON_NEGATIVE = ['keepExposures', 'budgetUsd', 'lambda'];

/** INVALID_INPUT for a finite number out of range (typebox would call it SCHEMA). */
function checkRanges(v: Record<string, unknown>, source: string): void {
  for (const k of [...POSITIVE, ...NON_NEGATIVE]) {
    const x = v[k];
    if (typeof x !== 'number') continue;
    if (!Number.isFinite(x))
      throw new BallastError('SCHEMA', 'must be a finite number', `${source}.${k}`);
    const positive = POSITIVE.includes(k);
    if (positive ? !(x > 0) : !(x >= 0))
      throw new BallastError(
        'INVALID_INPUT',
        `must be ${positive ? '> 0' : '≥ 0'}, got ${x}`,
        `${source}.${k}`,
      );
  }
}

/** Bands by greek; unknown greeks are SCHEMA errors naming them. */
function bandsOf(v: Record<string, Static<typeof BandSchema>>, field: string): Bands {
  const out: Partial<Record<Greek, Band>> = {};
  for (const [k, b] of Object.entries(v)) {
    if (!GREEKS.includes(k as Greek))
      throw new BallastError(
        'SCHEMA',
        `unknown greek "${k}"; one of ${GREEKS.join(', ')}`,
        `${field}.${k}`,
      );
    const [min, max] = Array.isArray(b) ? b : [b.min, b.max];
    out[k as Greek] = {
      ...(min === null || min === undefined ? {} : { min }),
      ...(max === null || max === undefined ? {} : { max }),
    };
  }
  return out;
}

/** Reads a constraints value (see module doc) into constraints and λ; errors name `source.…`. */
export function constraintsFromJson(
  v: unknown,
  source: string,
): { constraints: TradeConstraints; lambda?: number } {
  if (!isJsonObject(v))
    throw new BallastError('SCHEMA', 'expected a JSON object of constraints', source);
  for (const k of Object.keys(v))
    if (!KNOWN.includes(k))
      throw new BallastError('SCHEMA', unknownFieldMessage(k, KNOWN, 'key'), `${source}.${k}`);
  checkRanges(v, source);
  const c = checkSchema<ConstraintsValue>(ConstraintsSchema, v, source);
  const { bands, bandsByUnderlying, lambda, ...rest } = c;
  const constraints: Record<string, unknown> = { ...rest };
  if (bands !== undefined) constraints.bands = bandsOf(bands, `${source}.bands`);
  if (bandsByUnderlying !== undefined)
    constraints.bandsByUnderlying = Object.fromEntries(
      Object.entries(bandsByUnderlying).map(([u, b]) => [
        u,
        bandsOf(b, `${source}.bandsByUnderlying.${u}`),
      ]),
    );
  return {
    constraints: constraints as TradeConstraints,
    ...(lambda === undefined ? {} : { lambda }),
  };
}
