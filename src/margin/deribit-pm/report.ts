/**
 * The report parts of a Deribit PM pool result (computed only when a caller asks): the
 * add-ons with their formulas, the `private/pme/simulate` mirror (docs/methodology/deribit-pm.md §15) and our
 * per-key breakdown (`details`).
 */
import type { Currency } from '../../core/currency.ts';
import type { DeribitGridCell } from '../../scenarios/deribit-grid.ts';
import type { AddOn } from '../margin-result.ts';
import type { WorstCaseBucket } from './aggregate.ts';
import type { PoolRequirements, PoolWorstCase } from './pool-types.ts';
import type { KeyEval } from './key-eval.ts';
import type { DeribitPmAccountInputs, DeribitPmParams } from './params.ts';
import type { DeltaShock, RollShock } from './shocks.ts';
import type { KeyVectors } from './vectors.ts';

/** `{standard: [27], extended: [8]}` as in `pme/simulate`. */
export interface RiskVectors {
  readonly standard: number[];
  readonly extended: number[];
}

/** `margins[<ccy>]` of `pme/simulate`. */
export interface PmeMargins {
  readonly initial_margin: number;
  readonly maintenance_margin: number;
  readonly initial_margin_details: {
    readonly open_orders_margin: number;
    readonly mmp_margin: number;
    readonly spot_margin: number;
    readonly risk_matrix_margin: number;
    readonly risk_matrix_margin_details: {
      readonly worst_case: number;
      readonly worst_case_bucket: WorstCaseBucket;
      readonly roll_shock: number;
      readonly delta_shock: number;
      readonly correlation_contingency: number;
    };
  };
}

/** The part of a `private/pme/simulate` result this pool reproduces (§15). */
export interface PmeSimulateMirror {
  readonly currency: Currency;
  /** The parameters used (as passed in). */
  readonly model_params: DeribitPmParams['model_params'];
  readonly index_price: Record<string, number>;
  readonly portfolio: { readonly position: Record<string, number> };
  readonly initial_risk_vectors: Record<string, RiskVectors>;
  readonly pre_aggregated_risk_vectors: Record<string, RiskVectors>;
  readonly aggregated_risk_vectors: Record<string, RiskVectors>;
  readonly margins: Record<string, PmeMargins>;
}

/** Our breakdown of one vector key. */
export interface DeribitPmKeyDetail {
  readonly key: string;
  readonly underlying: string;
  readonly pairKey: string;
  readonly index: number;
  /** The grid cells (move, vol state, weight, conversion) aligned with the vectors. */
  readonly cells: readonly (DeribitGridCell & {
    readonly id: string;
    readonly label: string;
    readonly allowance: number;
  })[];
  readonly worstCase: number;
  readonly worstCaseBucket: WorstCaseBucket;
  /** Cap on a credited gain, pool currency (§8). */
  readonly gainCap: number;
  readonly rollShock: RollShock;
  readonly deltaShock: DeltaShock;
}

/** `details` of a Deribit PM result. */
export interface DeribitPmDetails {
  /** Mirror of `private/pme/simulate` for this pool. */
  readonly simulate: PmeSimulateMirror;
  readonly keys: readonly DeribitPmKeyDetail[];
  /** Worst case before rounding, and rounded (round9, §12). */
  readonly worstCaseUnrounded: number;
  readonly worstCaseRounded: number;
  readonly riskMatrixMargin: number;
  readonly account: DeribitPmAccountInputs;
  readonly mmFactor: number;
  /** Provenance of the parameter blocks used (stale flags). */
  readonly sources: DeribitPmParams['sources'];
}

/**
 * Position i's `initial_risk_vectors` entry: `size · unit` per cell, −0 written +0 (the same
 * numbers as `positionCell`, written straight into the two arrays).
 */
function positionRiskVectors(kv: KeyVectors, i: number): RiskVectors {
  const nC = kv.grid.cells.length;
  const nStandard = kv.grid.nStandard;
  const size = kv.positions[i]!.size;
  const { unit } = kv;
  const base = i * nC;
  const standard: number[] = [];
  const extended: number[] = [];
  for (let c = 0; c < nStandard; c++) standard.push(size * unit[base + c]! + 0);
  for (let c = nStandard; c < nC; c++) extended.push(size * unit[base + c]! + 0);
  return { standard, extended };
}

function riskVectors(v: Float64Array, nStandard: number): RiskVectors {
  const standard = new Array<number>(nStandard);
  const extended = new Array<number>(v.length - nStandard);
  for (let c = 0; c < nStandard; c++) standard[c] = v[c]! + 0;
  for (let c = nStandard; c < v.length; c++) extended[c - nStandard] = v[c]! + 0;
  return { standard, extended };
}

/** The add-ons of a pool: roll and delta shock (both requirements), account inputs (IM). */
export function poolAddOns(req: PoolRequirements, params: DeribitPmParams): AddOn[] {
  const acct = req.account;
  return [
    {
      name: 'roll_shock',
      amount: req.rollShock,
      appliesTo: 'both',
      description: `Σ|delta|·max(min_annualised_move, f(annualised_move_risk·T)) = ${req.rollShock}; enters MM as mm_factor (${req.mmFactor}) × it`,
    },
    {
      name: 'delta_shock',
      amount: req.deltaShock,
      appliesTo: 'both',
      description: `${params.rules.deltaShock} hypothesis = ${req.deltaShock}; enters MM as mm_factor × it`,
    },
    {
      name: 'open_orders_margin',
      amount: acct.open_orders_margin,
      appliesTo: 'initial',
      description: 'account input (derivation undocumented)',
    },
    {
      name: 'mmp_margin',
      amount: acct.mmp_margin,
      appliesTo: 'initial',
      description: 'account input (derivation undocumented)',
    },
    {
      name: 'spot_margin',
      amount: acct.spot_margin,
      appliesTo: 'initial',
      description: 'account input (derivation undocumented)',
    },
  ];
}

/** The `pme/simulate` mirror of a pool (§15). */
export function simulateMirror(
  keys: readonly KeyEval[],
  w: PoolWorstCase,
  req: PoolRequirements,
  params: DeribitPmParams,
  settlement: Currency,
): PmeSimulateMirror {
  const initialRiskVectors: Record<string, RiskVectors> = {};
  const pre: Record<string, RiskVectors> = {};
  const aggregated: Record<string, RiskVectors> = {};
  const indexPrice: Record<string, number> = {};
  const position: Record<string, number> = {};
  for (const k of keys) {
    const nStd = k.kv.grid.nStandard;
    k.kv.positions.forEach((p, i) => {
      initialRiskVectors[p.instrument.symbol] = positionRiskVectors(k.kv, i);
      position[p.instrument.symbol] = p.size;
    });
    pre[k.kv.key] = riskVectors(k.kv.preAggregated, nStd);
    aggregated[k.kv.key] = riskVectors(k.agg.aggregated, nStd);
    indexPrice[k.kv.pairKey] = k.kv.index;
  }
  const bucket: WorstCaseBucket = w.reported?.bucket ?? {
    index: 0,
    source: 'standard',
    bucket: 1,
    side: 'left',
  };
  const acct = req.account;
  return {
    currency: settlement,
    model_params: params.model_params,
    index_price: indexPrice,
    portfolio: { position },
    initial_risk_vectors: initialRiskVectors,
    pre_aggregated_risk_vectors: pre,
    aggregated_risk_vectors: aggregated,
    margins: {
      [settlement.toLowerCase()]: {
        initial_margin: req.initialMargin,
        maintenance_margin: req.maintenanceMargin,
        initial_margin_details: {
          open_orders_margin: acct.open_orders_margin,
          mmp_margin: acct.mmp_margin,
          spot_margin: acct.spot_margin,
          risk_matrix_margin: req.riskMatrixMargin,
          risk_matrix_margin_details: {
            worst_case: w.worstCaseUnrounded,
            worst_case_bucket: bucket,
            roll_shock: req.rollShock,
            delta_shock: req.deltaShock,
            correlation_contingency: req.correlationContingency,
          },
        },
      },
    },
  };
}

/**
 * A key's grid cells with their scenario id and label and the dampener allowance: each cell's
 * fields in `DeribitGridCell` order, then those three (written out: an object spread of each
 * cell costs several times more).
 */
function reportCells(k: KeyEval): DeribitPmKeyDetail['cells'] {
  const { cells, scenarios } = k.kv.grid;
  const out: DeribitPmKeyDetail['cells'][number][] = [];
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    out.push({
      source: c.source,
      index: c.index,
      bucket: c.bucket,
      side: c.side,
      move: c.move,
      vol: c.vol,
      weight: c.weight,
      coinConversion: c.coinConversion,
      id: scenarios[i]!.id,
      label: scenarios[i]!.label,
      allowance: k.agg.allowances[i]!,
    });
  }
  return out;
}

/** `details` of a pool: the mirror and our per-key breakdown. */
export function poolDetails(
  keys: readonly KeyEval[],
  w: PoolWorstCase,
  req: PoolRequirements,
  params: DeribitPmParams,
  settlement: Currency,
): DeribitPmDetails {
  return {
    simulate: simulateMirror(keys, w, req, params, settlement),
    keys: keys.map((k) => ({
      key: k.kv.key,
      underlying: k.kv.underlying,
      pairKey: k.kv.pairKey,
      index: k.kv.index,
      cells: reportCells(k),
      worstCase: k.worst.worstCase,
      worstCaseBucket: k.worst.bucket,
      gainCap: k.agg.gainCap,
      rollShock: k.roll,
      deltaShock: k.delta,
    })),
    worstCaseUnrounded: w.worstCaseUnrounded,
    worstCaseRounded: req.worstCaseRounded,
    riskMatrixMargin: req.riskMatrixMargin,
    account: req.account,
    mmFactor: req.mmFactor,
    sources: params.sources,
  };
}
