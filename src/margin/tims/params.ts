/**
 * Parameters of the TIMS-style model (US customer portfolio margin, FINRA 4210(g) / OCC
 * TIMS; docs/methodology/span-tims.md §5): valuation ranges per class group, product
 * groups with their offset percentage, the grid's shape and the per-contract minimum.
 *
 * The default set (`crypto.json`) is ours and illustrative: the notes publish ranges for
 * equities and indexes only (`TIMS_PRODUCT_RANGES` in src/scenarios/tims-grid.ts) and no
 * product-group offset percentages ([G]).
 */
import { BallastError } from '../../core/errors.ts';
import type { Instrument } from '../../instruments/instrument.ts';
import type { HaircutTable } from '../../risk/collateral.ts';
import type { VolShock } from '../../scenarios/scenario.ts';
import { validateTimsRange, type TimsRange } from '../../scenarios/tims-grid.ts';
import cryptoJson from './crypto.json' with { type: 'json' };

/** A class group: one underlying with all its derivatives (100 % offset inside). */
export interface TimsClassGroupParams extends TimsRange {
  /** Product group id (a key of `productGroups`). */
  readonly productGroup: string;
  /** Units of underlying per contract for the minimum (overrides `minimum.contractMultiplier`). */
  readonly contractMultiplier?: number;
}

/** A product group: similar class groups whose gains partly offset each other's losses. */
export interface TimsProductGroupParams {
  /** Fraction of a class group's gain at a valuation point that offsets other class groups' losses, [0, 1]. */
  readonly offset: number;
}

/** The per-contract minimum: `perUnitUsd × multiplier` per contract (FINRA: $0.375 × multiplier). */
export interface TimsMinimumParams {
  /** USD per unit of underlying (0.375). */
  readonly perUnitUsd: number;
  /** Units of underlying per contract (crypto, ours: 1 coin; US equity options: 100). */
  readonly contractMultiplier: number;
  /** Count a fractional position as whole contracts (ceil; conservative). */
  readonly roundUpContracts: boolean;
  /** Instrument kinds the minimum applies to (derivatives; not spot). */
  readonly appliesTo: readonly Instrument['kind'][];
  /** Cap a long position's minimum at its market value (FINRA text as we recall it, [I]; off = conservative). */
  readonly capLongAtMarketValue: boolean;
}

/** Where the numbers come from: `illustrative` (ours) or `published` (a regulator's/OCC's). */
export type TimsParametersSource = 'illustrative' | 'published';

/** All TIMS parameters. */
export interface TimsParams {
  readonly note?: string;
  readonly parametersSource: TimsParametersSource;
  /** Class groups keyed by underlying (`BTC`, `ETH`, `IBM`). */
  readonly classGroups: Readonly<Record<string, TimsClassGroupParams>>;
  readonly productGroups: Readonly<Record<string, TimsProductGroupParams>>;
  /** Range for unlisted underlyings (each its own product group, no offset); null = error. */
  readonly defaultClassGroup: TimsRange | null;
  /** Valuation points per side (TIMS: 5). */
  readonly pointsPerSide: number;
  /** House vol shocks; [] = none (TIMS default). */
  readonly volShocks: readonly VolShock[];
  /** Time shift of the valuation, calendar days (0). */
  readonly timeShiftDays: number;
  readonly minimum: TimsMinimumParams;
  /** IM = MM × this (US PM has one requirement: 1). */
  readonly initialToMaintenance: number;
  /** Haircuts on collateral balances valued in the USD pool. */
  readonly collateralHaircuts: HaircutTable;
}

/**
 * The default (illustrative crypto) TIMS parameters (`crypto.json`). The JSON is typed here
 * and checked by `validateTimsParams` on every evaluation.
 */
export const TIMS_DEFAULT_PARAMS: TimsParams = cryptoJson as unknown as TimsParams;

const KINDS: readonly Instrument['kind'][] = [
  'spot',
  'future',
  'perpetual',
  'option',
  'digital',
  'barrier',
];

/** Most valuation points per side (TIMS uses 5): the grid has (2n + 1)·(shocks + 1) points. */
export const TIMS_MAX_POINTS_PER_SIDE = 100;
/** Most house vol shocks. */
export const TIMS_MAX_VOL_SHOCKS = 20;

/** A house vol shock: a known kind, finite sizes, optional floor/cap ≥ 0, optional term structure. */
function validateVolShock(v: unknown, field: string): void {
  const bad = (why: string, at = field) => {
    throw new BallastError('INVALID_INPUT', why, at);
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return bad('must be a vol shock {kind, size | slope, floor?, cap?, term?}');
  const s = v as Record<string, unknown>;
  const fin = (x: unknown, at: string, min = -100, max = 100) => {
    if (!(typeof x === 'number' && Number.isFinite(x) && x >= min && x <= max))
      bad(`must be a number in [${min}, ${max}], got ${JSON.stringify(x)}`, at);
  };
  if (!['none', 'relative', 'absolute', 'skew'].includes(s.kind as string))
    bad(`must be none, relative, absolute or skew, got ${JSON.stringify(s.kind)}`, `${field}.kind`);
  if (s.kind === 'relative' || s.kind === 'absolute') fin(s.size, `${field}.size`);
  if (s.kind === 'skew') fin(s.slope, `${field}.slope`);
  if (s.floor !== undefined) fin(s.floor, `${field}.floor`, 0);
  if (s.cap !== undefined) fin(s.cap, `${field}.cap`, 0);
  if (s.term !== undefined) {
    const t = s.term as Record<string, unknown> | null;
    if (typeof t !== 'object' || t === null)
      return bad('must be a term structure', `${field}.term`);
    fin(t.pivotDays, `${field}.term.pivotDays`, 1e-6, 36500);
    fin(t.shortPower, `${field}.term.shortPower`, -10, 10);
    fin(t.longPower, `${field}.term.longPower`, -10, 10);
    fin(t.dteFloorDays, `${field}.term.dteFloorDays`, 1e-6, 36500);
  }
}

/** Validates TIMS parameters; throws INVALID_INPUT naming the bad field (`params.…`). */
export function validateTimsParams(p: TimsParams): void {
  const f = 'params';
  if (p.parametersSource !== 'illustrative' && p.parametersSource !== 'published')
    throw new BallastError(
      'INVALID_INPUT',
      `must be 'illustrative' or 'published'`,
      `${f}.parametersSource`,
    );
  validateTimsGroups(p, f);
  if (p.defaultClassGroup !== null)
    validateTimsRange(p.defaultClassGroup, `${f}.defaultClassGroup`);
  if (!(
    Number.isInteger(p.pointsPerSide) &&
    p.pointsPerSide >= 1 &&
    p.pointsPerSide <= TIMS_MAX_POINTS_PER_SIDE
  ))
    throw new BallastError(
      'INVALID_INPUT',
      `must be an integer in [1, ${TIMS_MAX_POINTS_PER_SIDE}], got ${p.pointsPerSide}`,
      `${f}.pointsPerSide`,
    );
  if (!Array.isArray(p.volShocks) || p.volShocks.length > TIMS_MAX_VOL_SHOCKS)
    throw new BallastError(
      'INVALID_INPUT',
      `must be a list of at most ${TIMS_MAX_VOL_SHOCKS} vol shocks`,
      `${f}.volShocks`,
    );
  p.volShocks.forEach((v, i) => validateVolShock(v, `${f}.volShocks[${i}]`));
  if (!(Number.isFinite(p.timeShiftDays) && p.timeShiftDays >= 0))
    throw new BallastError(
      'INVALID_INPUT',
      `must be finite and >= 0, got ${p.timeShiftDays}`,
      `${f}.timeShiftDays`,
    );
  validateTimsMinimum(p.minimum, `${f}.minimum`);
  if (!(Number.isFinite(p.initialToMaintenance) && p.initialToMaintenance >= 1))
    throw new BallastError(
      'INVALID_INPUT',
      `must be finite and >= 1, got ${p.initialToMaintenance}`,
      `${f}.initialToMaintenance`,
    );
}

/** The product groups' offsets and each class group's ranges, product group and multiplier. */
function validateTimsGroups(p: TimsParams, f: string): void {
  for (const [id, g] of Object.entries(p.productGroups)) {
    if (!(Number.isFinite(g.offset) && g.offset >= 0 && g.offset <= 1))
      throw new BallastError(
        'INVALID_INPUT',
        `must be in [0, 1], got ${g.offset}`,
        `${f}.productGroups.${id}.offset`,
      );
  }
  for (const [u, c] of Object.entries(p.classGroups)) {
    validateTimsRange(c, `${f}.classGroups.${u}`);
    if (!p.productGroups[c.productGroup])
      throw new BallastError(
        'INVALID_INPUT',
        `unknown product group ${c.productGroup}`,
        `${f}.classGroups.${u}.productGroup`,
      );
    if (
      c.contractMultiplier !== undefined &&
      !(Number.isFinite(c.contractMultiplier) && c.contractMultiplier > 0)
    )
      throw new BallastError(
        'INVALID_INPUT',
        `must be finite and > 0, got ${c.contractMultiplier}`,
        `${f}.classGroups.${u}.contractMultiplier`,
      );
  }
}

/** The minimum charge per unit (`params.minimum`). */
function validateTimsMinimum(m: TimsParams['minimum'], f: string): void {
  if (!(Number.isFinite(m.perUnitUsd) && m.perUnitUsd >= 0))
    throw new BallastError(
      'INVALID_INPUT',
      `must be finite and >= 0, got ${m.perUnitUsd}`,
      `${f}.perUnitUsd`,
    );
  if (!(Number.isFinite(m.contractMultiplier) && m.contractMultiplier > 0))
    throw new BallastError(
      'INVALID_INPUT',
      `must be finite and > 0, got ${m.contractMultiplier}`,
      `${f}.contractMultiplier`,
    );
  if (typeof m.roundUpContracts !== 'boolean')
    throw new BallastError('INVALID_INPUT', 'must be true or false', `${f}.roundUpContracts`);
  if (typeof m.capLongAtMarketValue !== 'boolean')
    throw new BallastError('INVALID_INPUT', 'must be true or false', `${f}.capLongAtMarketValue`);
  if (!Array.isArray(m.appliesTo) || m.appliesTo.some((k) => !KINDS.includes(k)))
    throw new BallastError(
      'INVALID_INPUT',
      `must list instrument kinds (${KINDS.join(', ')})`,
      `${f}.appliesTo`,
    );
}
