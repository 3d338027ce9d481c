/**
 * TIMS-style margin (OCC Theoretical Intermarket Margining System as used by US customer
 * portfolio margin, FINRA 4210(g) / Cboe; docs/methodology/span-tims.md §5), one USD pool.
 *
 * 1. Each class group (one underlying and all its derivatives) is revalued at 10 equidistant
 *    points over its range (`timsScenarios`: 5 down to `down`, 5 up to `up`), no vol shock
 *    unless `volShocks` is set, no time shift; inverse products in USD as in
 *    src/margin/clearing/usd-book.ts. Gains offset losses 100 % inside a class group.
 * 2. Class groups of one product group are compared at the same point; a product group's
 *    `offset` fraction of gains offsets losses of its other class groups
 *    (`productGroupRisk`).
 * 3. Each product group needs at least Σ contracts × $0.375 × multiplier (`positionMinimum`):
 *    requirement(PG) = max(risk(PG), minimum(PG)).
 *
 * Maintenance margin = Σ_PG requirement(PG) (US PM has one requirement;
 * IM = MM × `initialToMaintenance`, default 1). Equity = collateral + marked positions (USD).
 */
import { marginInputsHash } from '../inputs-hash.ts';
import { BallastError } from '../../core/errors.ts';
import { isOptionLike } from '../../instruments/instrument.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import { type Portfolio } from '../../risk/portfolio.ts';
import { timsScenarios, type TimsRange } from '../../scenarios/tims-grid.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import { underlyingsOf } from '../book.ts';
import { buildUsdBook, rowsByUnderlying, usdPnlOf, usdPoolEquity } from '../clearing/usd-book.ts';
import type { MarginModel } from '../margin-model.ts';
import {
  marginResult,
  type AddOn,
  type Contribution,
  type MarginResult,
  type WorstScenario,
  initialMultiplierAddOn,
} from '../margin-result.ts';
import { positionMinimum, type PositionMinimum } from './minimum.ts';
import { TIMS_DEFAULT_PARAMS, validateTimsParams, type TimsParams } from './params.ts';
import { productGroupRisk } from './product-group.ts';

export type {
  TimsParams,
  TimsClassGroupParams,
  TimsProductGroupParams,
  TimsMinimumParams,
} from './params.ts';
export { TIMS_DEFAULT_PARAMS, validateTimsParams } from './params.ts';

/** Model id. */
export const TIMS_MODEL_ID = 'tims';
/** Model version (bump on any change of results). */
export const TIMS_MODEL_VERSION = '1.0.0';

/** One class group's valuation. */
export interface TimsClassGroupDetail {
  readonly underlying: string;
  readonly productGroup: string;
  readonly range: TimsRange;
  /** True if the range came from `defaultClassGroup`. */
  readonly defaultRange: boolean;
  /** Net P&L (USD) at each valuation point (100 % offset inside the class group). */
  readonly pnl: number[];
  /** max(0, −min pnl). */
  readonly worstLoss: number;
  readonly minimums: PositionMinimum[];
  readonly minimum: number;
}

/** One product group's requirement. */
export interface TimsProductGroupDetail {
  readonly productGroup: string;
  readonly offset: number;
  readonly classGroups: string[];
  /** P&L after offsets per point. */
  readonly pnl: number[];
  readonly risk: number;
  readonly riskWithoutOffset: number;
  /** riskWithoutOffset − risk (what the product-group offset saved). */
  readonly offsetCredit: number;
  readonly worstScenario:
    { readonly index: number; readonly id: string; readonly label: string } | undefined;
  readonly minimum: number;
  /** max(risk, minimum). */
  readonly requirement: number;
}

/** `MarginResult.details` of the TIMS model. */
export interface TimsDetails {
  readonly scenarios: {
    readonly id: string;
    readonly label: string;
    readonly moves: Record<string, number>;
  }[];
  readonly classGroups: TimsClassGroupDetail[];
  readonly productGroups: TimsProductGroupDetail[];
  readonly collateralUsd: number;
  readonly positionsValueUsd: number;
  readonly netOptionValue: number;
}

const U = {
  parameters:
    'tims.parameters: crypto valuation ranges, product groups and offsets are illustrative (ours); the notes publish equity/index ranges only',
  defaultRange:
    'tims.default-range: an underlying without a class group used the default range in its own product group (ours)',
  offset:
    'tims.product-group-offset: OCC product-group offset percentages were not captured [G]; the offset used is a parameter',
  alignment:
    'tims.point-alignment: class groups of a product group are offset at the same (k-th) valuation point [I]',
  minimumContract:
    'tims.minimum-contract: contract = contractMultiplier units of underlying (crypto: 1 coin, ours), fractional positions rounded up [I]',
  minimumLevel:
    'tims.minimum-level: the per-contract minimum floors each product group after offsets [I]',
  minimumCap: 'tims.minimum-long-cap: a long position’s minimum capped at its market value [I]',
  prices:
    'tims.theoretical-prices: options valued on the snapshot surface, not OCC theoretical prices/class vols [G]',
  usd: 'tims.inverse-in-usd: coin-settled products are revalued in USD as their USD-settled twins (coin P&L × scenario price) [I]',
  im: 'tims.initial-margin: IM = MM × initialToMaintenance (US portfolio margin has one requirement) [I]',
};

function pctLabel(x: number): number {
  return +(x * 100).toFixed(6);
}

/** A class group's product group, offset, range source and contract multiplier. */
interface ClassGroupOf {
  readonly productGroup: string;
  readonly offset: number;
  readonly defaultRange: boolean;
  readonly multiplier: number;
}

/** Ranges and product groups of the book's class groups (typed error if one is missing). */
function classGroupsOf(
  underlyings: readonly string[],
  params: TimsParams,
): { ranges: Record<string, TimsRange>; groupOf: Record<string, ClassGroupOf> } {
  const ranges: Record<string, TimsRange> = {};
  const groupOf: Record<string, ClassGroupOf> = {};
  for (const u of underlyings) {
    const cg = params.classGroups[u];
    if (cg) {
      ranges[u] = { down: cg.down, up: cg.up };
      groupOf[u] = {
        productGroup: cg.productGroup,
        offset: params.productGroups[cg.productGroup]!.offset,
        defaultRange: false,
        multiplier: cg.contractMultiplier ?? params.minimum.contractMultiplier,
      };
    } else if (params.defaultClassGroup) {
      ranges[u] = params.defaultClassGroup;
      groupOf[u] = {
        productGroup: `${u} (default)`,
        offset: 0,
        defaultRange: true,
        multiplier: params.minimum.contractMultiplier,
      };
    } else {
      throw new BallastError(
        'INVALID_INPUT',
        `no TIMS class group for ${u} and no default range: add it to params.classGroups`,
        `params.classGroups.${u}`,
      );
    }
  }
  return { ranges, groupOf };
}

/** Per class group: the P&L per valuation point, its worst loss and the contract minimums. */
function classGroupDetails(
  book: ReturnType<typeof buildUsdBook>,
  eq: ReturnType<typeof usdPoolEquity>,
  ranges: Record<string, TimsRange>,
  groupOf: Record<string, ClassGroupOf>,
  params: TimsParams,
): TimsClassGroupDetail[] {
  const classGroups: TimsClassGroupDetail[] = [];
  const rowsOf = rowsByUnderlying(book);
  for (const [u, rows] of rowsOf) {
    const g = groupOf[u]!;
    const pnl = Array.from(usdPnlOf(book, rows));
    const minimums = rows.map((i) =>
      positionMinimum(book.positions[i]!, params.minimum, g.multiplier, eq.positionValuesUsd[i]!),
    );
    classGroups.push({
      underlying: u,
      productGroup: g.productGroup,
      range: ranges[u]!,
      defaultRange: g.defaultRange,
      pnl,
      worstLoss: Math.max(0, -Math.min(...pnl)),
      minimums,
      minimum: minimums.reduce((a, m) => a + m.amount, 0),
    });
  }

  return classGroups;
}

/** Per product group: offsets across its class groups, risk, minimum and requirement. */
function productGroupDetails(
  classGroups: readonly TimsClassGroupDetail[],
  groupOf: Record<string, ClassGroupOf>,
  scenarios: readonly Scenario[],
): TimsProductGroupDetail[] {
  const pgIds = [...new Set(classGroups.map((c) => c.productGroup))].sort();
  return pgIds.map((id) => {
    const members = classGroups.filter((c) => c.productGroup === id);
    const offset = groupOf[members[0]!.underlying]!.offset;
    const r = productGroupRisk(
      members.map((c) => c.pnl),
      offset,
    );
    const minimum = members.reduce((a, c) => a + c.minimum, 0);
    const s = r.scenarioIndex;
    return {
      productGroup: id,
      offset,
      classGroups: members.map((c) => c.underlying),
      pnl: r.pnl,
      risk: r.risk,
      riskWithoutOffset: r.riskWithoutOffset,
      offsetCredit: r.riskWithoutOffset - r.risk,
      worstScenario:
        s >= 0 ? { index: s, id: scenarios[s]!.id, label: scenarios[s]!.label } : undefined,
      minimum,
      requirement: Math.max(r.risk, minimum),
    };
  });
}

/** The worst scenario: that of the product group with the largest risk, with contributions. */
function timsWorstScenario(
  productGroups: readonly TimsProductGroupDetail[],
  book: ReturnType<typeof buildUsdBook>,
): { worstScenario: WorstScenario | undefined; contributions: Contribution[] } {
  let worstScenario: WorstScenario | undefined;
  let contributions: Contribution[] = [];
  const top = [...productGroups].sort(
    (a, b) => b.risk - a.risk || (a.productGroup < b.productGroup ? -1 : 1),
  )[0];
  if (top && top.worstScenario) {
    const s = top.worstScenario.index;
    const pnl = top.pnl[s]!;
    worstScenario = {
      id: top.worstScenario.id,
      label: `${top.productGroup} ${top.worstScenario.label}`,
      index: s,
      pnl,
      loss: Math.max(0, -pnl),
    };
    const nS = book.nScenarios;
    contributions = book.positions.flatMap((p, i) =>
      top.classGroups.includes(p.instrument.underlying)
        ? [{ symbol: p.instrument.symbol, size: p.size, pnl: p.size * book.usdPnl[i * nS + s]! }]
        : [],
    );
  }

  return { worstScenario, contributions };
}

/** The `unverified` readings the result relies on. */
function timsUnverified(
  portfolio: Portfolio,
  classGroups: readonly TimsClassGroupDetail[],
  productGroups: readonly TimsProductGroupDetail[],
  hasInverse: boolean,
  params: TimsParams,
  mm: number,
): string[] {
  const unverified: string[] = [];
  if (classGroups.length > 0) {
    if (params.parametersSource === 'illustrative') unverified.push(U.parameters);
    if (classGroups.some((c) => c.defaultRange)) unverified.push(U.defaultRange);
    if (productGroups.some((g) => g.offsetCredit > 0)) unverified.push(U.offset);
    if (productGroups.some((g) => g.classGroups.length > 1)) unverified.push(U.alignment);
    const binding = productGroups.filter((g) => g.minimum > g.risk);
    if (
      binding.length > 0 &&
      (params.minimum.roundUpContracts || params.parametersSource === 'illustrative')
    )
      unverified.push(U.minimumContract);
    if (binding.some((g) => g.classGroups.length > 1)) unverified.push(U.minimumLevel);
    if (binding.length > 0 && classGroups.some((c) => c.minimums.some((m) => m.capped)))
      unverified.push(U.minimumCap);
    if (portfolio.positions.some((p) => isOptionLike(p.instrument))) unverified.push(U.prices);
    if (hasInverse) unverified.push(U.usd);
    if (params.initialToMaintenance !== 1 && mm > 0) unverified.push(U.im);
  }

  return unverified;
}

/** Evaluates the TIMS model (module doc). One USD pool. */
export function evaluateTims(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: TimsParams,
): MarginResult[] {
  validateTimsParams(params);
  const { ranges, groupOf } = classGroupsOf(underlyingsOf(portfolio.positions), params);
  const scenarios = timsScenarios(ranges, {
    pointsPerSide: params.pointsPerSide,
    volShocks: params.volShocks,
    timeShiftDays: params.timeShiftDays,
  });
  const book = buildUsdBook(portfolio.positions, snapshot, scenarios);
  const eq = usdPoolEquity(portfolio, snapshot, book, params.collateralHaircuts);

  const classGroups = classGroupDetails(book, eq, ranges, groupOf, params);
  const productGroups = productGroupDetails(classGroups, groupOf, scenarios);
  const mm = productGroups.reduce((a, g) => a + g.requirement, 0);
  const im = mm * params.initialToMaintenance;
  const minimumUplift = productGroups.reduce((a, g) => a + Math.max(0, g.minimum - g.risk), 0);
  const addOns: AddOn[] = [
    {
      name: 'per-contract minimum',
      amount: minimumUplift,
      appliesTo: 'both',
      description: 'Σ_PG max(0, Σ contracts × $0.375 × multiplier − scenario risk)',
    },
  ];
  addOns.push(...initialMultiplierAddOn(params.initialToMaintenance, im, mm));

  const { worstScenario, contributions } = timsWorstScenario(productGroups, book);
  const unverified = timsUnverified(
    portfolio,
    classGroups,
    productGroups,
    book.hasInverse,
    params,
    mm,
  );

  const details: TimsDetails = {
    scenarios: scenarios.map((s) => ({
      id: s.id,
      label: s.label,
      moves: Object.fromEntries(
        Object.entries(s.moves).map(([u, m]) => [u, pctLabel(m.spotMultiplier - 1)]),
      ),
    })),
    classGroups,
    productGroups,
    collateralUsd: eq.collateralUsd,
    positionsValueUsd: eq.positionsValueUsd,
    netOptionValue: eq.netOptionValueUsd,
  };
  return [
    marginResult({
      model: TIMS_MODEL_ID,
      modelVersion: TIMS_MODEL_VERSION,
      currency: 'USD',
      equity: eq.equity,
      initialMargin: im,
      maintenanceMargin: mm,
      worstScenario,
      contributions,
      addOns,
      unverified,
      warnings: eq.warnings,
      inputsHash: marginInputsHash(TIMS_MODEL_ID, TIMS_MODEL_VERSION, params, portfolio, snapshot),
      details,
    }),
  ];
}

/**
 * The TIMS-style model (docs/methodology/span-tims.md §5): 10 valuation points per class
 * group, 100 % offsets inside a class group, a percentage across a product group, the
 * $0.375 × multiplier per-contract minimum; one USD pool. Default parameters are
 * illustrative crypto ones (ours).
 */
export const timsModel: MarginModel<TimsParams> = {
  id: TIMS_MODEL_ID,
  version: TIMS_MODEL_VERSION,
  title:
    'TIMS-style (US portfolio margin): 10 valuation points per class group, product-group offsets, $0.375 × multiplier per-contract minimum (USD)',
  scenarioBased: true,
  defaultParams: TIMS_DEFAULT_PARAMS,
  evaluate: evaluateTims,
};
