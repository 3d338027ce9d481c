/**
 * Derive PMRM_2 case files (the JSON format of `derivexyz/v2-core`'s
 * `test/risk-managers/unit-tests/PMRM_2/portfolio_cases/*.json`; methodology spec
 * `docs/methodology/derive-pm2.md`, §3, §4, §11): `{ Scenario, Parameters, Result? }`, numbers as JSON
 * numbers or decimal strings. Parsed into the model's input and parameters (and the
 * published `Result` as `expected`), with typed errors naming the JSON field.
 */
import { BallastError, isBallastError } from '../core/errors.ts';
import { derivePm2Margin } from '../margin/derive-pm2/derive-pm2.ts';
import type { DerivePm2Details } from '../margin/derive-pm2/details.ts';
import type {
  DerivePm2Collateral,
  DerivePm2ExpiryFeed,
  DerivePm2Input,
  DerivePm2Option,
} from '../margin/derive-pm2/input.ts';
import {
  VOL_SHOCK_DIRECTIONS,
  type DerivePm2Params,
  type DerivePm2Scenario,
  type ScenarioGroup,
  type VolShockDirection,
} from '../margin/derive-pm2/params.ts';
import { validateDerivePm2Input, validateDerivePm2Params } from '../margin/derive-pm2/validate.ts';
import type { MarginResult } from '../margin/margin-result.ts';
import { isJsonObject } from './read-json.ts';

/** The `Result` fields of a case that `DerivePm2Details` reproduces (same names and signs). */
export type DeriveCaseResult = Partial<
  Omit<
    DerivePm2Details,
    'worstLoss' | 'scenarioPnls' | 'nakedShorts' | 'mtm' | 'expiries' | 'options'
  >
>;

/** Per-option values published in `Scenario.Options[]` (informational / skew intermediates, §3.2). */
export interface DeriveCaseOptionExpected {
  readonly MarkVol?: number;
  readonly MarkDiscount?: number;
  readonly k?: number;
  readonly k_star?: number;
  readonly linear_mult_cap?: number;
  readonly abs_mult_cap?: number;
  readonly linear_multiplier?: number;
  readonly abs_multiplier?: number;
}

/** What a case publishes besides the input: its `Result` and the per-option intermediates. */
export interface DeriveCaseExpected {
  /** `Result` with decimal strings turned into numbers. */
  readonly result: DeriveCaseResult;
  /** Per option, in the order of `Scenario.Options`. */
  readonly options: readonly DeriveCaseOptionExpected[];
}

/** A parsed case. */
export interface DeriveCase {
  readonly input: DerivePm2Input;
  readonly params: DerivePm2Params;
  /** Present when the file has a `Result` object. */
  readonly expected?: DeriveCaseExpected;
}

type Json = Record<string, unknown>;

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Field path in the error convention of src/io (`source.Scenario.Options[2].Strike`). */
function at(source: string, path: string): string {
  return `${source}.${path}`;
}

function schema(message: string, source: string, path: string): BallastError {
  return new BallastError('SCHEMA', message, at(source, path));
}

/** A finite number from a JSON number or a decimal string. */
function toNumber(v: unknown, source: string, path: string): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v))
      throw new BallastError('NOT_FINITE', `must be finite, got ${v}`, at(source, path));
    return v;
  }
  if (typeof v === 'string' && DECIMAL.test(v.trim())) return Number(v.trim());
  if (v === undefined) throw schema('is required (a number or decimal string)', source, path);
  throw schema(`must be a number or decimal string, got ${JSON.stringify(v)}`, source, path);
}

function num(o: Json, key: string, source: string, path: string): number {
  return toNumber(o[key], source, `${path}.${key}`);
}

function obj(v: unknown, source: string, path: string): Json {
  if (!isJsonObject(v))
    throw schema(v === undefined ? 'is required (an object)' : 'must be an object', source, path);
  return v;
}

function arr(v: unknown, source: string, path: string): unknown[] {
  if (!Array.isArray(v))
    throw schema(v === undefined ? 'is required (an array)' : 'must be an array', source, path);
  return v;
}

/** Booleans as true/false or 0/1 (the cases write `IsCall` as 0/1). */
function bool(o: Json, key: string, source: string, path: string): boolean {
  const v = o[key];
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1 || v === '0' || v === '1') return v === 1 || v === '1';
  throw schema(
    v === undefined
      ? 'is required (true/false or 0/1)'
      : `must be true/false or 0/1, got ${JSON.stringify(v)}`,
    source,
    `${path}.${key}`,
  );
}

function str(o: Json, key: string, source: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string')
    throw schema(
      v === undefined ? 'is required (a string)' : 'must be a string',
      source,
      `${path}.${key}`,
    );
  return v;
}

/** Reads the listed numeric keys of a parameter group, rejecting unknown keys (typos). */
function group<K extends string>(
  parent: Json,
  name: string,
  keys: readonly K[],
  ignored: readonly string[],
  source: string,
): Record<K, number> {
  const path = `Parameters.${name}`;
  const g = obj(parent[name], source, path);
  for (const k of Object.keys(g)) {
    if (!(keys as readonly string[]).includes(k) && !ignored.includes(k)) {
      throw schema(
        `unknown parameter (expected one of ${keys.join(', ')})`,
        source,
        `${path}.${k}`,
      );
    }
  }
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = num(g, k, source, path);
  return out;
}

/** Decimal strings → numbers, recursively (other strings kept). */
function normalise(v: unknown): unknown {
  if (typeof v === 'string' && DECIMAL.test(v.trim())) return Number(v.trim());
  if (Array.isArray(v)) return v.map(normalise);
  if (isJsonObject(v))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  return v;
}

/**
 * True if `value` looks like a Derive PMRM_2 case: an object with a `Scenario` object holding
 * an `Options` array and a `Parameters` object holding a `Scenarios` array (format detection).
 */
export function isDeriveCase(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  const s = value['Scenario'];
  const p = value['Parameters'];
  return (
    isJsonObject(s) &&
    Array.isArray(s['Options']) &&
    isJsonObject(p) &&
    Array.isArray(p['Scenarios'])
  );
}

function parseScenarios(
  params: Json,
  result: Json | undefined,
  source: string,
): DerivePm2Scenario[] {
  const list = arr(params['Scenarios'], source, 'Parameters.Scenarios');
  // Reporting blocks (§11) by position when the case publishes its Result.
  let groups: ScenarioGroup[] | undefined;
  if (
    result &&
    Array.isArray(result['reg_losses']) &&
    Array.isArray(result['tail_losses']) &&
    Array.isArray(result['skew_losses'])
  ) {
    const nReg = result['reg_losses'].length;
    const nTail = result['tail_losses'].length;
    if (nReg + nTail + result['skew_losses'].length === list.length) {
      groups = list.map((_, i) => (i < nReg ? 'regular' : i < nReg + nTail ? 'tail' : 'skew'));
    }
  }
  return list.map((v, i) => {
    const path = `Parameters.Scenarios[${i}]`;
    const o = obj(v, source, path);
    const dir = str(o, 'VolShockDirection', source, path);
    if (!(VOL_SHOCK_DIRECTIONS as readonly string[]).includes(dir)) {
      throw schema(
        `must be one of ${VOL_SHOCK_DIRECTIONS.join(', ')}, got ${JSON.stringify(dir)}`,
        source,
        `${path}.VolShockDirection`,
      );
    }
    const sc: DerivePm2Scenario = {
      spotShock: num(o, 'SpotShock', source, path),
      volShockDirection: dir as VolShockDirection,
      dampeningFactor: num(o, 'DampeningFactor', source, path),
    };
    const g = groups?.[i];
    return g === undefined ? sc : { ...sc, group: g };
  });
}

function parseParams(root: Json, result: Json | undefined, source: string): DerivePm2Params {
  const p = obj(root['Parameters'], source, 'Parameters');
  return {
    scenarios: parseScenarios(p, result, source),
    volShock: group(
      p,
      'VolShock',
      [
        'VOLRANGEUP',
        'VOLRANGEDOWN',
        'SHORTTERMPOWER',
        'LONGTERMPOWER',
        'DTE_FLOOR',
        'MIN_VOL_EVAL_SHOCKED',
      ],
      [],
      source,
    ),
    skewShock: group(
      p,
      'SkewShock',
      [
        'LINEAR_SCALE_CAP',
        'LINEAR_CBASE',
        'ABS_SCALE_CAP',
        'ABS_CBASE',
        'MIN_K_STAR',
        'MIN_WIDTH_SCALE',
        'VOL_PARAM_STATIC',
        'VOL_PARAM_SCALE',
      ],
      [],
      source,
    ),
    margin: group(
      p,
      'Margin',
      [
        'MM_LOSS_FACTOR',
        'IM_LOSS_FACTOR',
        'BASE_STATIC_DISCOUNT',
        'LONG_RATE_MULTSCALE',
        'LONG_RATE_ADDSCALE',
        'BASE_STATIC_DISCOUNT_NEG',
        'SHORT_RATE_MULTSCALE',
        'SHORT_RATE_ADDSCALE',
      ],
      [],
      source,
    ),
    basisContingency: group(
      p,
      'BasisContingency',
      ['SCENARIO_SPOT_UP', 'SCENARIO_SPOT_DOWN', 'BASIS_CONT_ADD_FACTOR', 'BASIS_CONT_MULT_FACTOR'],
      [],
      source,
    ),
    otherContingency: group(
      p,
      'OtherContingency',
      [
        'PEG_LOSS_THRESHOLD',
        'PEG_LOSS_FACTOR',
        'CONF_THRESHOLD',
        'CONF_MARGIN',
        'MM_PERP_PERCENT',
        'IM_PERP_PERCENT',
        'MM_OPTION_PERCENT',
        'IM_OPTION_PERCENT',
      ],
      // Reporting-only keys (§4.6): MM% + IM%, not read by the engine.
      ['IM_PERP_PERCENT_NORMAL', 'IM_OPTION_PERCENT_NORMAL'],
      source,
    ),
  };
}

/** Option keys a case may carry as the venue's own per-option outputs (compared, not read). */
const OPTION_EXPECTED_KEYS = [
  'MarkVol',
  'MarkDiscount',
  'k',
  'k_star',
  'linear_mult_cap',
  'abs_mult_cap',
  'linear_multiplier',
  'abs_multiplier',
] as const;

/** The case's `Scenario`: the engine's input and each option's expected per-option outputs. */
function parseInput(
  root: Json,
  source: string,
): { input: DerivePm2Input; optionsExpected: DeriveCaseOptionExpected[] } {
  const s = obj(root['Scenario'], source, 'Scenario');
  const optionsExpected: DeriveCaseOptionExpected[] = [];
  const options = arr(s['Options'], source, 'Scenario.Options').map((v, i) =>
    parseOption(v, source, `Scenario.Options[${i}]`, optionsExpected),
  );
  const collaterals = arr(s['Collaterals'], source, 'Scenario.Collaterals').map((v, i) =>
    parseCollateral(v, source, `Scenario.Collaterals[${i}]`),
  );
  const feeds = arr(s['OptionFeeds'], source, 'Scenario.OptionFeeds').map((v, i) =>
    parseFeed(v, source, `Scenario.OptionFeeds[${i}]`),
  );
  const input: DerivePm2Input = {
    portfolio: {
      cash: num(s, 'Cash', source, 'Scenario'),
      numPerps: num(s, 'NumPerps', source, 'Scenario'),
      unrealisedPerpPnl: num(s, 'UnrealisedPerpPNL', source, 'Scenario'),
      unrealisedFunding: num(s, 'UnrealisedFunding', source, 'Scenario'),
      options,
      collaterals,
    },
    market: {
      spotPrice: num(s, 'SpotPrice', source, 'Scenario'),
      spotConfidence: num(s, 'SpotConfidence', source, 'Scenario'),
      stablePrice: num(s, 'StablePrice', source, 'Scenario'),
      stableConfidence: num(s, 'StableConfidence', source, 'Scenario'),
      perpPrice: num(s, 'PerpPrice', source, 'Scenario'),
      perpConfidence: num(s, 'PerpConfidence', source, 'Scenario'),
      feeds,
    },
  };
  return { input, optionsExpected };
}

/** One `Scenario.Options[i]`; its expected per-option outputs are pushed onto `expectedOut`. */
function parseOption(
  v: unknown,
  source: string,
  path: string,
  expectedOut: DeriveCaseOptionExpected[],
): DerivePm2Option {
  const o = obj(v, source, path);
  const expected: Record<string, number> = {};
  for (const k of OPTION_EXPECTED_KEYS) {
    if (o[k] !== undefined) expected[k] = toNumber(o[k], source, `${path}.${k}`);
  }
  expectedOut.push(expected);
  return {
    expiry: num(o, 'Expiry', source, path),
    strike: num(o, 'Strike', source, path),
    isCall: bool(o, 'IsCall', source, path),
    amount: num(o, 'Amount', source, path),
  };
}

/** One `Scenario.Collaterals[i]`. */
function parseCollateral(v: unknown, source: string, path: string): DerivePm2Collateral {
  const o = obj(v, source, path);
  return {
    name: str(o, 'Name', source, path),
    amount: num(o, 'Amount', source, path),
    price: num(o, 'Price', source, path),
    confidence: num(o, 'Confidence', source, path),
    isRiskCancelling: bool(o, 'IsRiskCancelling', source, path),
    mmHaircut: num(o, 'MMHaircut', source, path),
    imHaircut: num(o, 'IMHaircut', source, path),
  };
}

/** One `Scenario.OptionFeeds[i]`: forward, rate, SVI `[a, b, rho, m, sigma, forward, tau]`. */
function parseFeed(v: unknown, source: string, path: string): DerivePm2ExpiryFeed {
  const o = obj(v, source, path);
  const svi = arr(o['SVIparam'], source, `${path}.SVIparam`);
  if (svi.length !== 7)
    throw schema(
      `must hold 7 numbers [a, b, rho, m, sigma, forward, tau], got ${svi.length}`,
      source,
      `${path}.SVIparam`,
    );
  const x = svi.map((e, j) => toNumber(e, source, `${path}.SVIparam[${j}]`));
  return {
    expiry: num(o, 'FeedExpiry', source, path),
    forward: num(o, 'Forward', source, path),
    forwardConfidence: num(o, 'ForwardConfidence', source, path),
    rate: num(o, 'Rate', source, path),
    rateConfidence: num(o, 'RateConfidence', source, path),
    svi: { a: x[0]!, b: x[1]!, rho: x[2]!, m: x[3]!, sigma: x[4]!, forward: x[5]!, tau: x[6]! },
    volConfidence: num(o, 'OptionVolConfidences', source, path),
  };
}

const TOP_FIELDS: Readonly<Record<string, string>> = {
  'portfolio.cash': 'Cash',
  'portfolio.numPerps': 'NumPerps',
  'portfolio.unrealisedPerpPnl': 'UnrealisedPerpPNL',
  'portfolio.unrealisedFunding': 'UnrealisedFunding',
  'market.spotPrice': 'SpotPrice',
  'market.spotConfidence': 'SpotConfidence',
  'market.stablePrice': 'StablePrice',
  'market.stableConfidence': 'StableConfidence',
  'market.perpPrice': 'PerpPrice',
  'market.perpConfidence': 'PerpConfidence',
};
const OPTION_FIELDS: Readonly<Record<string, string>> = {
  expiry: 'Expiry',
  strike: 'Strike',
  amount: 'Amount',
  isCall: 'IsCall',
};
const COLLATERAL_FIELDS: Readonly<Record<string, string>> = {
  amount: 'Amount',
  price: 'Price',
  confidence: 'Confidence',
  isRiskCancelling: 'IsRiskCancelling',
  mmHaircut: 'MMHaircut',
  imHaircut: 'IMHaircut',
};
const FEED_FIELDS: Readonly<Record<string, string>> = {
  expiry: 'FeedExpiry',
  forward: 'Forward',
  rate: 'Rate',
  forwardConfidence: 'ForwardConfidence',
  rateConfidence: 'RateConfidence',
  volConfidence: 'OptionVolConfidences',
  'svi.a': 'SVIparam[0]',
  'svi.b': 'SVIparam[1]',
  'svi.rho': 'SVIparam[2]',
  'svi.m': 'SVIparam[3]',
  'svi.sigma': 'SVIparam[4]',
  'svi.forward': 'SVIparam[5]',
  'svi.tau': 'SVIparam[6]',
};
const SCENARIO_FIELDS: Readonly<Record<string, string>> = {
  spotShock: 'SpotShock',
  volShockDirection: 'VolShockDirection',
  dampeningFactor: 'DampeningFactor',
};
const PARAM_GROUPS: Readonly<Record<string, string>> = {
  volShock: 'VolShock',
  skewShock: 'SkewShock',
  margin: 'Margin',
  basisContingency: 'BasisContingency',
  otherContingency: 'OtherContingency',
};

/** Maps a model field path (`portfolio.options[3].strike`) to the case file's JSON path. */
export function caseFieldPath(modelField: string): string {
  const top = TOP_FIELDS[modelField];
  if (top) return `Scenario.${top}`;
  let m = /^portfolio\.options\[(\d+)\](?:\.(\w+))?$/.exec(modelField);
  if (m) return `Scenario.Options[${m[1]}]${m[2] ? `.${OPTION_FIELDS[m[2]] ?? m[2]}` : ''}`;
  m = /^portfolio\.collaterals\[(\d+)\]\.(\w+)$/.exec(modelField);
  if (m) return `Scenario.Collaterals[${m[1]}].${COLLATERAL_FIELDS[m[2]!] ?? m[2]}`;
  m = /^market\.feeds\[(\d+)\]\.([\w.]+)$/.exec(modelField);
  if (m) return `Scenario.OptionFeeds[${m[1]}].${FEED_FIELDS[m[2]!] ?? m[2]}`;
  m = /^params\.scenarios\[(\d+)\]\.(\w+)$/.exec(modelField);
  if (m) return `Parameters.Scenarios[${m[1]}].${SCENARIO_FIELDS[m[2]!] ?? m[2]}`;
  if (modelField === 'params.scenarios') return 'Parameters.Scenarios';
  m = /^params\.(\w+)\.(\w+)$/.exec(modelField);
  if (m && PARAM_GROUPS[m[1]!]) return `Parameters.${PARAM_GROUPS[m[1]!]}.${m[2]}`;
  return modelField;
}

/** Re-throws a model error with the case file's field path (and `source`) in place of the model's. */
function inCaseTerms<T>(source: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isBallastError(e) && e.field !== undefined && !e.field.startsWith(`${source}.`)) {
      throw e.atField(at(source, caseFieldPath(e.field)));
    }
    throw e;
  }
}

/**
 * Parses and validates a Derive PMRM_2 case (`{ Scenario, Parameters, Result? }`) into the
 * model's input and parameters, and the published `Result` (decimal strings as numbers)
 * plus per-option intermediates as `expected`. Scenario reporting blocks (§11) are taken
 * from the lengths of `reg_losses` / `tail_losses` / `skew_losses` when present.
 *
 * Errors name the JSON field, prefixed by `source`: SCHEMA for a missing field or a wrong
 * type (e.g. `case.json.Scenario.Options[2].Strike`), INVALID_INPUT / NOT_FINITE for a value
 * the model rejects (ranges of spec §4, §12).
 */
export function parseDeriveCase(value: unknown, source: string): DeriveCase {
  if (!isJsonObject(value))
    throw new BallastError(
      'SCHEMA',
      'a Derive case must be a JSON object with Scenario and Parameters',
      source,
    );
  const resultRaw = value['Result'];
  if (resultRaw !== undefined && !isJsonObject(resultRaw))
    throw schema('must be an object', source, 'Result');
  const result = resultRaw === undefined ? undefined : (normalise(resultRaw) as Json);
  const { input, optionsExpected } = parseInput(value, source);
  const params = parseParams(value, result, source);
  inCaseTerms(source, () => {
    validateDerivePm2Params(params);
    validateDerivePm2Input(input);
  });
  if (result) {
    for (const k of ['IM', 'MM', 'OptionMTM']) {
      if (result[k] !== undefined) toNumber(result[k], source, `Result.${k}`);
    }
  }
  return result === undefined
    ? { input, params }
    : { input, params, expected: { result: result as DeriveCaseResult, options: optionsExpected } };
}

/**
 * Margin of a Derive case value (parsed JSON) with model `derive-pm2`: parse, validate and
 * run `derivePm2Margin` with the case's own parameters. The single entry point for the CLI
 * (`ballast margin <case> --model derive-pm2`); errors name the case file's fields.
 */
export function deriveCaseMargin(value: unknown, source: string): MarginResult {
  const c = parseDeriveCase(value, source);
  return inCaseTerms(source, () => derivePm2Margin(c.input, c.params));
}
