/**
 * The JSON form of a `MarketSnapshot` and its schema (published as
 * docs/schema/market-snapshot.schema.json by `npm run schemas`).
 *
 * Differences from the in-memory form: times are ISO-8601 UTC strings (`asOf`, `expiry`)
 * instead of epoch ms, and a `schema` tag names the format version.
 */
import Type, { type Static } from 'typebox';
import { BallastError } from '../core/errors.ts';
import { parseIsoUtc, toIso, yearFraction } from '../core/time.ts';
import { firstNonFinitePath } from '../core/hash.ts';
import { validateSnapshot } from '../market/snapshot-bounds.ts';
import type { MarketSnapshot, UnderlyingMarket } from '../market/snapshot.ts';
import { isJsonObject } from './read-json.ts';
import { checkSchema } from './schema-check.ts';
import { rejectUnknownFields } from './unknown-fields.ts';

/** Format tag written into every snapshot file. */
export const SNAPSHOT_FORMAT = 'ballast.market-snapshot/1';

const Positive = (description: string) => Type.Number({ exclusiveMinimum: 0, description });
const IsoTime = (description: string) =>
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$',
    description,
  });
const Unit = Type.Number({ minimum: 0, maximum: 1 });

const SviParamsSchema = Type.Object(
  {
    a: Type.Number(),
    b: Type.Number({ minimum: 0 }),
    rho: Type.Number({ exclusiveMinimum: -1, exclusiveMaximum: 1 }),
    m: Type.Number(),
    sigma: Type.Number({ exclusiveMinimum: 0 }),
  },
  { description: 'raw SVI: w(k) = a + b(ρ(k − m) + √((k − m)² + σ²)), k = ln(K/F), w = σ_imp²·T' },
);

const UnderlyingSchema = Type.Object({
  index: Positive('index (spot reference), USD per coin'),
  rate: Type.Number({
    description: 'continuously compounded discount rate for linear premia, e.g. 0.05',
  }),
  perpBasis: Type.Number({
    description: 'smoothed perpetual basis (mark − index), USD: perp mark = index + perpBasis',
  }),
  forwards: Type.Array(
    Type.Object({
      expiry: IsoTime('expiry instant, UTC'),
      forward: Positive('forward, USD per coin'),
      source: Type.Union([
        Type.Literal('future'),
        Type.Literal('put-call-parity'),
        Type.Literal('input'),
      ]),
    }),
  ),
  surface: Type.Array(
    Type.Object({
      expiry: IsoTime('expiry instant, UTC'),
      forward: Positive('forward the slice is fitted against, USD per coin'),
      params: SviParamsSchema,
      rmseVolPoints: Type.Optional(Type.Number({ minimum: 0 })),
    }),
  ),
  confidence: Type.Optional(
    Type.Object({
      index: Type.Optional(Unit),
      forwards: Type.Optional(Unit),
      vol: Type.Optional(Unit),
    }),
  ),
});

/** JSON Schema of a market snapshot file. */
export const MarketSnapshotSchema = Type.Object(
  {
    schema: Type.Literal(SNAPSHOT_FORMAT),
    asOf: IsoTime('as-of instant of the snapshot, UTC'),
    underlyings: Type.Record(Type.String({ pattern: '^[A-Z0-9]+$' }), UnderlyingSchema),
    warnings: Type.Optional(Type.Array(Type.String())),
  },
  { $id: 'https://ballast.dev/schema/market-snapshot.json', title: 'Ballast market snapshot' },
);

/** The JSON form of a snapshot. */
export type MarketSnapshotJson = Static<typeof MarketSnapshotSchema>;

/** Serialises a snapshot to its JSON form. */
export function snapshotToJson(s: MarketSnapshot): MarketSnapshotJson {
  const underlyings: MarketSnapshotJson['underlyings'] = {};
  for (const [name, u] of Object.entries(s.underlyings)) {
    underlyings[name] = {
      index: u.index,
      rate: u.rate,
      perpBasis: u.perpBasis,
      forwards: u.forwards.map((f) => ({
        expiry: toIso(f.expiryMs),
        forward: f.forward,
        source: f.source,
      })),
      surface: u.surface.map((sl) => ({
        expiry: toIso(sl.expiryMs),
        forward: sl.forward,
        params: { ...sl.params },
        ...(sl.rmseVolPoints === undefined ? {} : { rmseVolPoints: sl.rmseVolPoints }),
      })),
      ...(u.confidence ? { confidence: { ...u.confidence } } : {}),
    };
  }
  return {
    schema: SNAPSHOT_FORMAT,
    asOf: toIso(s.asOfMs),
    underlyings,
    ...(s.warnings?.length ? { warnings: [...s.warnings] } : {}),
  };
}

const SNAPSHOT_FIELDS = ['schema', 'asOf', 'underlyings', 'warnings'];
const UNDERLYING_FIELDS = ['index', 'rate', 'perpBasis', 'forwards', 'surface', 'confidence'];
const FORWARD_FIELDS = ['expiry', 'forward', 'source'];
const SLICE_FIELDS = ['expiry', 'forward', 'params', 'rmseVolPoints'];
const SVI_FIELDS = ['a', 'b', 'rho', 'm', 'sigma'];
const CONFIDENCE_FIELDS = ['index', 'forwards', 'vol'];

/** Unknown fields anywhere in a snapshot JSON, with the nearest known name. */
function rejectUnknownSnapshotFields(value: unknown, source: string): void {
  if (!isJsonObject(value)) return;
  rejectUnknownFields(value, SNAPSHOT_FIELDS, source);
  if (!isJsonObject(value.underlyings)) return;
  for (const [name, u] of Object.entries(value.underlyings)) {
    const f = `${source}.underlyings.${name}`;
    if (!/^[A-Z0-9]+$/.test(name))
      throw new BallastError(
        'SCHEMA',
        `an underlying is an upper-case coin such as BTC, got "${name}"`,
        f,
      );
    if (!isJsonObject(u)) throw new BallastError('SCHEMA', 'must be an object', f);
    rejectUnknownFields(u, UNDERLYING_FIELDS, f);
    if (isJsonObject(u.confidence))
      rejectUnknownFields(u.confidence, CONFIDENCE_FIELDS, `${f}.confidence`);
    const rows: [string, string[]][] = [
      ['forwards', FORWARD_FIELDS],
      ['surface', SLICE_FIELDS],
    ];
    for (const [key, known] of rows) {
      const list = u[key];
      if (!Array.isArray(list)) continue;
      list.forEach((row, i) => {
        if (!isJsonObject(row)) return;
        rejectUnknownFields(row, known, `${f}.${key}[${i}]`);
        if (isJsonObject(row.params))
          rejectUnknownFields(row.params, SVI_FIELDS, `${f}.${key}[${i}].params`);
      });
    }
  }
}

/**
 * Validates and converts a parsed JSON snapshot (`source` names the file in errors): the
 * schema, no unknown field, no non-finite number, expiries after `asOf` and sorted, and the
 * plausibility bounds of `validateSnapshot` (market/snapshot-bounds.ts).
 */
export function snapshotFromJson(value: unknown, source = 'snapshot'): MarketSnapshot {
  const bad = firstNonFinitePath(value, source);
  if (bad !== undefined) throw new BallastError('NOT_FINITE', 'must be a finite number', bad);
  rejectUnknownSnapshotFields(value, source);
  const json = checkSchema<MarketSnapshotJson>(MarketSnapshotSchema, value, source);
  const asOfMs = parseIsoUtc(json.asOf);
  const underlyings: Record<string, UnderlyingMarket> = {};
  for (const [name, u] of Object.entries(json.underlyings)) {
    const field = `${source}.underlyings.${name}`;
    const forwards = u.forwards.map((f, i) => {
      const expiryMs = parseIsoUtc(f.expiry);
      if (!(expiryMs > asOfMs))
        throw new BallastError(
          'EXPIRED',
          'forward expiry is not after asOf',
          `${field}.forwards[${i}].expiry`,
        );
      return { expiryMs, forward: f.forward, source: f.source };
    });
    const surface = u.surface.map((sl, i) => {
      const expiryMs = parseIsoUtc(sl.expiry);
      if (!(expiryMs > asOfMs))
        throw new BallastError(
          'EXPIRED',
          'slice expiry is not after asOf',
          `${field}.surface[${i}].expiry`,
        );
      return {
        expiryMs,
        T: yearFraction(asOfMs, expiryMs),
        forward: sl.forward,
        params: sl.params,
        ...(sl.rmseVolPoints === undefined ? {} : { rmseVolPoints: sl.rmseVolPoints }),
      };
    });
    for (let i = 1; i < forwards.length; i++) {
      if (!(forwards[i]!.expiryMs > forwards[i - 1]!.expiryMs))
        throw new BallastError(
          'SCHEMA',
          'forwards must be sorted by expiry, without duplicates',
          `${field}.forwards[${i}]`,
        );
    }
    for (let i = 1; i < surface.length; i++) {
      if (!(surface[i]!.expiryMs > surface[i - 1]!.expiryMs))
        throw new BallastError(
          'SCHEMA',
          'surface slices must be sorted by expiry, without duplicates',
          `${field}.surface[${i}]`,
        );
    }
    underlyings[name] = {
      underlying: name,
      index: u.index,
      rate: u.rate,
      perpBasis: u.perpBasis,
      forwards,
      surface,
      ...(u.confidence ? { confidence: u.confidence } : {}),
    };
  }
  const snapshot = { asOfMs, underlyings, ...(json.warnings ? { warnings: json.warnings } : {}) };
  validateSnapshot(snapshot, source);
  return snapshot;
}
