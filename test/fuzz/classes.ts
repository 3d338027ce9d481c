/**
 * The fuzz classes: each a generator of inputs, the boundary function they go through, and
 * what must happen. `reject` classes are known-bad inputs (the reproducers of issue 9 and
 * their generalisations): anything but a typed `BallastError` is a failure (a result is a
 * silent acceptance). `any` classes are random mutations and random text: a result or a typed
 * error are both fine, but a result must satisfy the boundary's invariants (finite, plausible
 * sizes; margins finite), else it too counts as a silent acceptance.
 */
import fc from 'fast-check';
import { importPortfolio, MAX_PLAUSIBLE_NOTIONAL_USD } from '../../src/io/portfolio-input.ts';
import { mergeParams } from '../../src/io/params-file.ts';
import { snapshotFromJson } from '../../src/io/snapshot-json.ts';
import type { MarginResult } from '../../src/margin/margin-result.ts';
import type { MarketSnapshot } from '../../src/market/snapshot.ts';
import type { Portfolio } from '../../src/risk/portfolio.ts';
import {
  ballastBook,
  ccxtPositions,
  csvBook,
  deribitPositions,
  MODEL_CASES,
  snapshot,
  snapshotJson,
} from './corpus.ts';
import {
  anyValue,
  getAt,
  jsonText,
  mutationOf,
  nodePaths,
  pathsWhere,
  setAt,
  typoOf,
  type Path,
} from './mutate.ts';

/** One fuzz class (see module doc). `run` returns what the boundary produced. */
export interface FuzzClass {
  readonly area: 'importers' | 'snapshot loader' | 'model params';
  readonly name: string;
  readonly expect: 'reject' | 'any';
  readonly arb: fc.Arbitrary<unknown>;
  readonly run: (input: unknown) => void;
}

class InvariantBroken extends Error {}

const INDEX = snapshot.underlyings.BTC!.index;

/** Imports and checks the invariants of an accepted portfolio. */
function importChecked(text: string, source: string): void {
  checkPortfolio(importPortfolio(text, source, snapshot).portfolio);
}

function checkPortfolio(p: Portfolio): void {
  for (const x of p.positions) {
    const idx = snapshot.underlyings[x.instrument.underlying]?.index ?? INDEX;
    if (!Number.isFinite(x.size) || Math.abs(x.size) * idx > MAX_PLAUSIBLE_NOTIONAL_USD * 1.000001)
      throw new InvariantBroken(`accepted size ${x.size} of ${x.instrument.symbol}`);
    if (x.entryPrice !== undefined && !(Number.isFinite(x.entryPrice) && x.entryPrice >= 0))
      throw new InvariantBroken(`accepted entry price ${x.entryPrice}`);
  }
  for (const b of p.balances)
    if (!Number.isFinite(b.amount)) throw new InvariantBroken(`accepted balance ${b.amount}`);
}

function checkResults(rs: readonly MarginResult[]): void {
  for (const r of rs)
    for (const x of [r.equity, r.initialMargin, r.maintenanceMargin])
      if (!Number.isFinite(x) || (x !== r.equity && x < 0))
        throw new InvariantBroken(`accepted a result with ${x}`);
}

const isolated = MODEL_CASES.find((c) => c.model.id === 'isolated')!;

/** Loads a snapshot JSON and margins a small book on it. */
function loadAndMargin(value: unknown): void {
  const s = snapshotFromJson(value, 'snapshot.json');
  checkResults(isolated.model.evaluate(isolated.book, s, isolated.params));
}

const json = (cls: Omit<FuzzClass, 'area' | 'run'>): FuzzClass => ({
  ...cls,
  area: 'importers',
  run: (v) => importChecked(typeof v === 'string' ? v : jsonText(v), 'book.json'),
});
const csv = (cls: Omit<FuzzClass, 'area' | 'run'>): FuzzClass => ({
  ...cls,
  area: 'importers',
  run: (v) => importChecked(v as string, 'book.csv'),
});

const sign = fc.constantFrom(1, -1);
const huge = (min: number) =>
  fc.tuple(fc.double({ min, max: 1e300, noNaN: true }), sign).map(([x, s]) => x * s);
const nonFinite = fc.constantFrom(Infinity, -Infinity);
const nonNumber = fc.constantFrom<unknown>(true, false, null, [1], [], '1', 'abc', {});
const positionIndex = fc.nat({ max: ballastBook().positions.length - 1 });
const withPosition = (i: number, patch: Record<string, unknown>) => {
  const b = ballastBook();
  b.positions[i] = { ...b.positions[i]!, ...patch };
  return b;
};

const POSITION_KEYS = ['instrument', 'venue', 'size', 'sizeUnit', 'entryPrice'];

const IMPORTER_CLASSES: FuzzClass[] = [
  json({
    name: 'Ballast JSON: non-finite size or entry price (1e999)',
    expect: 'reject',
    arb: fc
      .tuple(positionIndex, fc.constantFrom('size', 'entryPrice'), nonFinite)
      .map(([i, k, x]) => withPosition(i, { [k]: x })),
  }),
  json({
    name: 'Ballast JSON: implausible size in any unit',
    expect: 'reject',
    arb: fc.oneof(
      fc
        .tuple(positionIndex, huge(2e4))
        .map(([i, x]) => withPosition(i, { size: x, sizeUnit: 'base' })),
      fc
        .tuple(positionIndex, huge(2e9))
        .map(([i, x]) => withPosition(i, { size: x, sizeUnit: 'usd' })),
      huge(2e8).map((x) => withPosition(3, { size: x, sizeUnit: 'contracts' })),
    ),
  }),
  json({
    name: 'Ballast JSON: size not a number (true, null, [1], "1")',
    expect: 'reject',
    arb: fc.tuple(positionIndex, nonNumber).map(([i, x]) => withPosition(i, { size: x })),
  }),
  json({
    name: 'Ballast JSON: negative entry price',
    expect: 'reject',
    arb: fc
      .tuple(positionIndex, fc.double({ min: -1e300, max: -1e-9, noNaN: true }))
      .map(([i, x]) => withPosition(i, { entryPrice: x })),
  }),
  json({
    name: 'Ballast JSON: unknown field (typo such as "sizeUnits")',
    expect: 'reject',
    arb: fc.oneof(
      fc
        .tuple(positionIndex, typoOf(POSITION_KEYS), anyValue)
        .map(([i, k, v]) => withPosition(i, { [k]: v ?? 1 })),
      fc
        .tuple(typoOf(['schema', 'name', 'marginPool', 'positions', 'balances']), anyValue)
        .map(([k, v]) => ({ ...ballastBook(), [k]: v ?? 1 })),
    ),
  }),
  json({ name: 'Ballast JSON: random mutation', expect: 'any', arb: mutationOf(ballastBook()) }),
  csv({
    name: 'CSV: non-finite cell (1e999)',
    expect: 'reject',
    arb: fc.tuple(fc.constantFrom(1, 2), fc.constantFrom('1e999', '-1e999')).map(([col, x]) => {
      const row = ['BTC-PERPETUAL', '0.5', '61000'];
      row[col] = x;
      return `instrument,size,entryPrice\n${row.join(',')}`;
    }),
  }),
  csv({
    name: 'CSV: two rows whose merged entry price overflows',
    expect: 'reject',
    arb: fc
      .tuple(
        fc.double({ min: 1e308, max: 1.7e308, noNaN: true }),
        fc.double({ min: 1, max: 10, noNaN: true }),
      )
      .map(([e, s]) => `BTC_USDC-PERPETUAL,${s},${e}\nBTC_USDC-PERPETUAL,${s},${e}`),
  }),
  csv({
    name: 'CSV: implausible size',
    expect: 'reject',
    arb: huge(2e4).map((x) => `BTC-25SEP26-60000-P,${x}`),
  }),
  csv({
    name: 'CSV: random line edits',
    expect: 'any',
    arb: fc.tuple(fc.nat({ max: 4 }), fc.string({ maxLength: 40 })).map(([i, line]) => {
      const lines = csvBook().split('\n');
      lines[i] = line;
      return lines.join('\n');
    }),
  }),
  json({
    name: 'Deribit positions: size not a number',
    expect: 'reject',
    arb: fc.tuple(fc.nat({ max: 2 }), nonNumber).map(([i, x]) => {
      const d = deribitPositions();
      d.result[i] = { ...d.result[i]!, size: x };
      return d;
    }),
  }),
  json({
    name: 'Deribit positions: implausible size_currency',
    expect: 'reject',
    arb: huge(2e4).map((x) => {
      const d = deribitPositions();
      d.result[0] = { ...d.result[0]!, size: Math.sign(x) * 1e9, size_currency: x };
      return d;
    }),
  }),
  json({
    name: 'Deribit positions: non-positive or absurd mark_price',
    expect: 'reject',
    arb: fc
      .oneof(
        fc.double({ min: -1e300, max: 0, noNaN: true }),
        fc.double({ min: 2.01, max: 1e6, noNaN: true }).map((k) => k * INDEX),
        fc.double({ min: 1e-6, max: 0.49, noNaN: true }).map((k) => k * INDEX),
      )
      .map((m) => {
        const d = deribitPositions();
        d.result[2] = { ...d.result[2]!, mark_price: m };
        return d;
      }),
  }),
  json({
    name: 'Deribit positions: random mutation',
    expect: 'any',
    arb: mutationOf(deribitPositions()),
  }),
  json({
    name: 'ccxt positions: implausible contracts',
    expect: 'reject',
    arb: fc
      .tuple(fc.nat({ max: 1 }), fc.double({ min: 1e9, max: 1e300, noNaN: true }))
      .map(([i, x]) => {
        const c = ccxtPositions();
        c[i] = { ...c[i]!, contracts: x };
        return c;
      }),
  }),
  json({
    name: 'ccxt positions: contractSize ≤ 0 or not a number',
    expect: 'reject',
    arb: fc
      .tuple(
        fc.nat({ max: 1 }),
        fc.oneof(
          fc.double({ min: -1e300, max: 0, noNaN: true }),
          nonNumber.filter((x) => x !== null),
        ),
      )
      .map(([i, x]) => {
        const c = ccxtPositions();
        c[i] = { ...c[i]!, contractSize: x };
        return c;
      }),
  }),
  json({
    name: 'ccxt positions: non-positive or absurd markPrice (inverse)',
    expect: 'reject',
    arb: fc
      .oneof(
        fc.double({ min: -1e300, max: 0, noNaN: true }),
        fc.double({ min: 2.01, max: 1e6, noNaN: true }).map((k) => k * INDEX),
      )
      .map((m) => {
        const c = ccxtPositions();
        c[0] = { ...c[0]!, markPrice: m };
        return c;
      }),
  }),
  json({
    name: 'ccxt positions: entry price 1e999 or negative',
    expect: 'reject',
    arb: fc
      .tuple(
        fc.nat({ max: 1 }),
        fc.oneof(nonFinite, fc.double({ min: -1e300, max: -1e-9, noNaN: true })),
      )
      .map(([i, x]) => {
        const c = ccxtPositions();
        c[i] = { ...c[i]!, entryPrice: x };
        return c;
      }),
  }),
  json({
    name: 'ccxt positions: random mutation',
    expect: 'any',
    arb: mutationOf(ccxtPositions()),
  }),
  json({
    name: 'any format: random text and JSON',
    expect: 'any',
    arb: fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 4 })),
  }),
];

const SNAP = snapshotJson();
const numericPaths = pathsWhere(SNAP, (x) => typeof x === 'number');
const objectPaths: Path[] = [
  [],
  ...pathsWhere(SNAP, (x) => typeof x === 'object' && x !== null && !Array.isArray(x)),
];
const btc = SNAP.underlyings as Record<string, Record<string, unknown[]>>;
const nForwards = btc.BTC!.forwards!.length;
const nSlices = btc.BTC!.surface!.length;

const snap = (cls: Omit<FuzzClass, 'area' | 'run'>): FuzzClass => ({
  ...cls,
  area: 'snapshot loader',
  run: loadAndMargin,
});

const SNAPSHOT_CLASSES: FuzzClass[] = [
  snap({
    name: 'snapshot: forward far from the index',
    expect: 'reject',
    arb: fc
      .tuple(
        fc.oneof(
          fc
            .nat({ max: nForwards - 1 })
            .map((i): Path => ['underlyings', 'BTC', 'forwards', i, 'forward']),
          fc
            .nat({ max: nSlices - 1 })
            .map((i): Path => ['underlyings', 'BTC', 'surface', i, 'forward']),
        ),
        fc.double({ min: 2.5, max: 1e6, noNaN: true }),
        fc.boolean(),
      )
      .map(([p, k, up]) => setAt(SNAP, p, up ? INDEX * k : INDEX / k)),
  }),
  snap({
    name: 'snapshot: perpBasis beyond ±50 % of the index',
    expect: 'reject',
    arb: huge(0.51 * INDEX).map((b) => setAt(SNAP, ['underlyings', 'BTC', 'perpBasis'], b)),
  }),
  snap({
    name: 'snapshot: SVI slice with negative variance',
    expect: 'reject',
    arb: fc
      .tuple(fc.nat({ max: nSlices - 1 }), fc.double({ min: 1e-6, max: 10, noNaN: true }))
      .map(([i, d]) => {
        const p = getAt(SNAP, ['underlyings', 'BTC', 'surface', i, 'params']) as Record<
          string,
          number
        >;
        const a = -(p.b! * p.sigma! * Math.sqrt(1 - p.rho! * p.rho!)) - d;
        return setAt(SNAP, ['underlyings', 'BTC', 'surface', i, 'params', 'a'], a);
      }),
  }),
  snap({
    name: 'snapshot: a non-finite number anywhere',
    expect: 'reject',
    arb: fc.tuple(fc.constantFrom(...numericPaths), nonFinite).map(([p, x]) => setAt(SNAP, p, x)),
  }),
  snap({
    name: 'snapshot: unknown field',
    expect: 'reject',
    arb: fc
      .tuple(
        fc.constantFrom(...objectPaths.filter((p) => p.length !== 2)),
        fc.string({ minLength: 1, maxLength: 10 }),
      )
      .filter(([p, k]) => {
        const node = getAt(SNAP, p) as Record<string, unknown>;
        return !(k in node) && !['__proto__', 'constructor'].includes(k);
      })
      .map(([p, k]) => setAt(SNAP, [...p, k], 1)),
  }),
  snap({ name: 'snapshot: random mutation', expect: 'any', arb: mutationOf(SNAP) }),
  snap({
    name: 'snapshot: a number scaled by 0.5–1.5',
    expect: 'any',
    arb: fc
      .tuple(fc.constantFrom(...numericPaths), fc.double({ min: 0.5, max: 1.5, noNaN: true }))
      .map(([p, k]) => setAt(SNAP, p, (getAt(SNAP, p) as number) * k)),
  }),
  {
    area: 'snapshot loader',
    name: 'library snapshot object with NaN or ±Infinity',
    expect: 'reject',
    arb: fc
      .tuple(
        fc.constantFrom(...pathsWhere(snapshot, (x) => typeof x === 'number')),
        fc.constantFrom(NaN, Infinity, -Infinity),
      )
      .map(([p, x]) => setAt(snapshot, p, x)),
    run: (s) =>
      checkResults(isolated.model.evaluate(isolated.book, s as MarketSnapshot, isolated.params)),
  },
];

/** Params overrides that must be refused: caps on sizes and counts, and the reproducers. */
const HAZARDS: Record<string, fc.Arbitrary<unknown>> = {
  tims: fc
    .oneof(fc.integer({ min: 101, max: 1e7 }), fc.double({ min: 1e7, max: 1e300, noNaN: true }))
    .map((n) => ({ pointsPerSide: n })),
  'deribit-pm': fc
    .oneof(fc.integer({ min: 101, max: 1e9 }), fc.double({ min: 1e9, max: 1e300, noNaN: true }))
    .map((n) => ({ model_params: { general: { buckets_count: n } } })),
  var: fc.oneof(
    fc.integer({ min: 1_000_001, max: 2 ** 40 }).map((n) => ({ mc: { paths: n } })),
    fc
      .constantFrom<unknown>([null], [], ['x'], { underlyings: ['BTC'] }, 2, -1.5)
      .map((c) => ({ mc: { correlation: c } })),
  ),
  span2: fc.oneof(
    fc.constant({ stress: { hypothetical: [] } }),
    fc
      .constantFrom<unknown>({}, [], 5, 'x', { list: {} }, { description: 'd', list: [] })
      .map((s) => ({ stress: { scenarios: s } })),
  ),
};
HAZARDS.es = HAZARDS.var!;
HAZARDS.stans = HAZARDS.var!;

function paramsClasses(): FuzzClass[] {
  const out: FuzzClass[] = [];
  for (const { model, params, book } of MODEL_CASES) {
    const run = (override: unknown) =>
      checkResults(model.evaluate(book, snapshot, mergeParams(params, override, 'params.json')));
    const area = 'model params' as const;
    const leaves = pathsWhere(params, (x) => typeof x === 'number');
    const objects: Path[] = [
      [],
      ...pathsWhere(params, (x) => typeof x === 'object' && x !== null && !Array.isArray(x)),
    ];
    const typed = pathsWhere(params, (x) => ['number', 'string', 'boolean'].includes(typeof x));
    out.push({
      area,
      name: `${model.id}: random mutation`,
      expect: 'any',
      arb: mutationOf(params),
      run,
    });
    if (leaves.length > 0)
      out.push({
        area,
        name: `${model.id}: a number scaled by 0–3`,
        expect: 'any',
        arb: fc
          .tuple(fc.constantFrom(...leaves), fc.double({ min: 0, max: 3, noNaN: true }))
          .map(([p, k]) => setAt(params, p, (getAt(params, p) as number) * k)),
        run,
      });
    if (leaves.length > 0)
      out.push({
        area,
        name: `${model.id}: a non-finite number`,
        expect: 'reject',
        arb: fc.tuple(fc.constantFrom(...leaves), nonFinite).map(([p, x]) => setAt(params, p, x)),
        run,
      });
    out.push({
      area,
      name: `${model.id}: unknown key`,
      expect: 'reject',
      arb: fc
        .constantFrom(...objects)
        .chain((p) => {
          const known = Object.keys(getAt(params, p) as object);
          const key =
            known.length > 0
              ? fc.oneof(typoOf(known), fc.string({ minLength: 1 }))
              : fc.string({ minLength: 1 });
          return fc.tuple(
            fc.constant(p),
            key.filter((k) => !known.includes(k) && k !== '__proto__'),
          );
        })
        .map(([p, k]) => setAt(params, [...p, k], 1)),
      run,
    });
    if (typed.length > 0)
      out.push({
        area,
        name: `${model.id}: a value of the wrong JSON type`,
        expect: 'reject',
        arb: fc
          .tuple(fc.constantFrom(...typed), anyValue)
          .filter(([p, v]) => kind(v) !== kind(getAt(params, p)))
          .map(([p, v]) => setAt(params, p, v)),
        run,
      });
    const hazard = HAZARDS[model.id];
    if (hazard)
      out.push({
        area,
        name: `${model.id}: sizes and counts beyond the caps`,
        expect: 'reject',
        arb: hazard,
        run,
      });
  }
  return out;
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Every fuzz class, in table order. */
export const FUZZ_CLASSES: readonly FuzzClass[] = [
  ...IMPORTER_CLASSES,
  ...SNAPSHOT_CLASSES,
  ...paramsClasses(),
];

export { InvariantBroken, nodePaths };
