/**
 * `ballast optimize`, `ballast cure`, `ballast allocate`: the optimizer commands. Thin: they
 * load the market, books and universe, turn flags and the constraints / accounts files into
 * the pure optimizers' inputs (src/optimize) and print the reports of src/io/render-optimize.ts.
 *
 * Constraints file (`--constraints`, JSON; every key optional, flags override it):
 *   { "bands": { "delta": [-1, 1], "vega": { "min": -5000 } },
 *     "bandsByUnderlying": { "BTC": { "delta": [-0.5, 0.5] } },
 *     "keepExposures": 0.1, "keepGreeks": ["delta", "vega"],
 *     "maxSize": 20, "maxTotalSize": 50, "budgetUsd": 2000, "reduceOnly": false,
 *     "allow": ["BTC-28AUG26-*"], "exclude": ["BTC-PERPETUAL"],
 *     "instrumentLimits": { "BTC-25SEP26": 5 }, "lambda": 1 }
 *
 * Accounts file (`ballast allocate`, JSON, `ballast.accounts/1`; portfolio paths are relative to
 * the file; see examples/accounts.json):
 *   { "schema": "ballast.accounts/1",
 *     "accounts": [ { "name": "deribit-main", "model": "deribit-pm", "portfolio": "hedged-book.json",
 *                     "maxUtilization": 0.9, "params": { …overrides… } },
 *                   { "name": "okx", "model": "okx-pm", "portfolio": { "positions": [], "balances": [{ "currency": "BTC", "amount": 3 }] } } ],
 *     "trades": [ { "instrument": "BTC-28AUG26-50000-P", "size": 10 } ],   // --mode route
 *     "book": "short-strangle.json",                                       // --mode split
 *     "collateralUsd": 50000 }                                             // --mode collateral
 */
import { dirname, resolve } from 'node:path';
import { Command, Option } from '@commander-js/extra-typings';
import { BallastError } from '../core/errors.ts';
import { toJsonText } from '../io/json-output.ts';
import { portfolioFromJson } from '../io/portfolio-input.ts';
import { isJsonObject, readJsonFile, writeTextFile } from '../io/read-json.ts';
import { unknownFieldMessage } from '../io/unknown-fields.ts';
import { mergeParams } from '../io/params-file.ts';
import {
  allocationJson,
  cureJson,
  esHedgeJson,
  renderAllocation,
  renderCollateral,
  renderCure,
  renderEsHedge,
  renderTracking,
  renderTradeOutcome,
  tradeOutcomeJson,
} from '../io/render-optimize.ts';
import { marginModel } from '../margin/registry.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { underlyingsOf, type Portfolio } from '../risk/portfolio.ts';
import { routeTrades, splitBook, spreadCollateral, type Account } from '../optimize/allocate.ts';
import { cureMarginCall } from '../optimize/cure.ts';
import { optimizeEsHedge } from '../optimize/cvar.ts';
import { solveOffThread } from '../workers/lp-solve.ts';
import { GREEKS, type Greek } from '../optimize/exposures.ts';
import { optimizeHedge } from '../optimize/hedge.ts';
import { robustnessReport, robustnessScenarios } from '../optimize/robustness.ts';
import { trackExposures } from '../optimize/tracking.ts';
import type { Band, Bands, TradeConstraints } from '../optimize/trade-problem.ts';
import { listedUniverse, universeFromJson, type Universe } from '../optimize/universe.ts';
import {
  loadMarketChecked,
  loadPortfolio,
  marketOptions,
  modelIds,
  modelParams,
  type MarketOptions,
} from './context.ts';
import { guarded, numberOption } from './errors.ts';

/** A number option that must also pass `ok` (INVALID_INPUT naming the flag and what it must be). */
function checkedNumber(
  flag: string,
  ok: (x: number) => boolean,
  what: string,
): (v: string) => number {
  const parse = numberOption(flag);
  return (v: string) => {
    const x = parse(v);
    if (!ok(x)) throw new BallastError('INVALID_INPUT', `must be ${what}, got ${v}`, flag);
    return x;
  };
}

/** Parses a band `lo:hi` (either side may be empty: `:1`, `-1:`). */
function parseBand(text: string, flag: string): Band {
  const m = /^\s*([^:]*):([^:]*)\s*$/.exec(text);
  const side = (s: string | undefined, which: string): number | undefined => {
    if (s === undefined || s.trim() === '') return undefined;
    const x = Number(s);
    if (!Number.isFinite(x))
      throw new BallastError(
        'INVALID_INPUT',
        `${which} of the band is not a number: "${s}" (expected lo:hi, e.g. -1:1, :0.5, -2:)`,
        flag,
      );
    return x;
  };
  if (!m)
    throw new BallastError(
      'INVALID_INPUT',
      `expected lo:hi (e.g. -1:1, :0.5, -2:), got "${text}"`,
      flag,
    );
  const min = side(m[1], 'the lower side');
  const max = side(m[2], 'the upper side');
  if (min === undefined && max === undefined)
    throw new BallastError(
      'INVALID_INPUT',
      `give at least one side of the band, got "${text}"`,
      flag,
    );
  if (min !== undefined && max !== undefined && min > max)
    throw new BallastError(
      'INVALID_INPUT',
      `lower side ${min} is above the upper side ${max}`,
      flag,
    );
  return { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
}

function bandsFromJson(v: unknown, field: string): Bands {
  if (!isJsonObject(v)) throw new BallastError('SCHEMA', 'expected {"delta": [lo, hi], …}', field);
  const out: Partial<Record<Greek, Band>> = {};
  for (const [k, b] of Object.entries(v)) {
    if (!GREEKS.includes(k as Greek))
      throw new BallastError(
        'SCHEMA',
        `unknown greek "${k}"; one of ${GREEKS.join(', ')}`,
        `${field}.${k}`,
      );
    let band: Band;
    if (Array.isArray(b) && b.length === 2)
      band = {
        ...(b[0] === null ? {} : { min: b[0] as number }),
        ...(b[1] === null ? {} : { max: b[1] as number }),
      };
    else if (isJsonObject(b))
      band = {
        ...(b.min === undefined ? {} : { min: b.min as number }),
        ...(b.max === undefined ? {} : { max: b.max as number }),
      };
    else
      throw new BallastError(
        'SCHEMA',
        'expected [lo, hi] (null for an open side) or {"min": …, "max": …}',
        `${field}.${k}`,
      );
    for (const s of ['min', 'max'] as const)
      if (band[s] !== undefined && typeof band[s] !== 'number')
        throw new BallastError('SCHEMA', `${s} must be a number`, `${field}.${k}`);
    out[k as Greek] = band;
  }
  return out;
}

/** Reads a constraints file value (see module doc) into constraints and λ. */
function constraintsFromJson(
  v: unknown,
  source: string,
): { constraints: TradeConstraints; lambda?: number } {
  if (!isJsonObject(v))
    throw new BallastError('SCHEMA', 'expected a JSON object of constraints', source);
  const known = [
    'bands',
    'bandsByUnderlying',
    'keepExposures',
    'keepGreeks',
    'maxSize',
    'maxTotalSize',
    'budgetUsd',
    'reduceOnly',
    'allow',
    'exclude',
    'instrumentLimits',
    'lambda',
  ];
  for (const k of Object.keys(v))
    if (!known.includes(k))
      throw new BallastError('SCHEMA', unknownFieldMessage(k, known, 'key'), `${source}.${k}`);
  const numberAt = (k: string): number | undefined => {
    if (v[k] === undefined) return undefined;
    if (typeof v[k] !== 'number' || !Number.isFinite(v[k]))
      throw new BallastError('SCHEMA', 'must be a finite number', `${source}.${k}`);
    const positive = k === 'maxSize' || k === 'maxTotalSize';
    if (positive ? !(v[k] > 0) : !(v[k] >= 0))
      throw new BallastError(
        'INVALID_INPUT',
        `must be ${positive ? '> 0' : '≥ 0'}, got ${v[k]}`,
        `${source}.${k}`,
      );
    return v[k];
  };
  const strings = (k: string): string[] | undefined => {
    if (v[k] === undefined) return undefined;
    if (!Array.isArray(v[k]) || !(v[k] as unknown[]).every((s) => typeof s === 'string'))
      throw new BallastError('SCHEMA', 'must be a list of strings', `${source}.${k}`);
    return v[k] as string[];
  };
  const c: Record<string, unknown> = {};
  if (v.bands !== undefined) c.bands = bandsFromJson(v.bands, `${source}.bands`);
  if (v.bandsByUnderlying !== undefined) {
    if (!isJsonObject(v.bandsByUnderlying))
      throw new BallastError(
        'SCHEMA',
        'expected {"BTC": {"delta": [lo, hi]}}',
        `${source}.bandsByUnderlying`,
      );
    c.bandsByUnderlying = Object.fromEntries(
      Object.entries(v.bandsByUnderlying).map(([u, b]) => [
        u,
        bandsFromJson(b, `${source}.bandsByUnderlying.${u}`),
      ]),
    );
  }
  for (const k of ['keepExposures', 'maxSize', 'maxTotalSize', 'budgetUsd'])
    if (v[k] !== undefined) c[k] = numberAt(k);
  if (v.reduceOnly !== undefined) {
    if (typeof v.reduceOnly !== 'boolean')
      throw new BallastError('SCHEMA', 'must be true or false', `${source}.reduceOnly`);
    c.reduceOnly = v.reduceOnly;
  }
  for (const k of ['allow', 'exclude', 'keepGreeks']) if (v[k] !== undefined) c[k] = strings(k);
  if (v.instrumentLimits !== undefined) {
    if (
      !isJsonObject(v.instrumentLimits) ||
      !Object.values(v.instrumentLimits).every(
        (x) => typeof x === 'number' && Number.isFinite(x) && x >= 0,
      )
    )
      throw new BallastError(
        'SCHEMA',
        'expected {"<symbol>": <max |size| in coins, ≥ 0>}',
        `${source}.instrumentLimits`,
      );
    c.instrumentLimits = v.instrumentLimits;
  }
  const lambda = numberAt('lambda');
  return { constraints: c as TradeConstraints, ...(lambda === undefined ? {} : { lambda }) };
}

/**
 * The universe: `listed` (from the snapshot; with a raw --market file, the strikes and futures it
 * lists, `listedSymbols`) or a universe file.
 */
function loadUniverse(
  spec: string,
  snapshot: MarketSnapshot,
  listedSymbols: readonly string[] | undefined,
): Universe {
  if (spec === 'listed') {
    return listedUniverse(snapshot, listedSymbols ? { symbols: listedSymbols } : {});
  }
  return universeFromJson(readJsonFile(spec), spec, snapshot);
}

function parseTargets(texts: readonly string[]): Partial<Record<Greek, number>> {
  const out: Partial<Record<Greek, number>> = {};
  for (const t of texts) {
    for (const part of t.split(',')) {
      const m = /^\s*(\w+)\s*=\s*(\S+)\s*$/.exec(part);
      if (!m || !GREEKS.includes(m[1] as Greek) || !Number.isFinite(Number(m[2])))
        throw new BallastError(
          'INVALID_INPUT',
          `expected greek=value (greek one of ${GREEKS.join(', ')}), got "${part}"`,
          '--target',
        );
      out[m[1] as Greek] = Number(m[2]);
    }
  }
  return out;
}

interface OptimizeFlags extends MarketOptions {
  model: string;
  universe: string;
  objective: string;
  deltaBand?: string;
  gammaBand?: string;
  vegaBand?: string;
  thetaBand?: string;
  keepExposures?: number;
  maxSize?: number;
  maxTotalSize?: number;
  budget?: number;
  lambda?: number;
  reduceOnly?: boolean;
  allow?: string[];
  exclude?: string[];
  constraints?: string;
  target?: string[];
  mu?: number;
  scenarios: number;
  seed: number;
  beta: number;
  horizon: number;
  robustness: boolean;
  exportLp?: string;
  params?: string;
  json: boolean;
}

/** Constraints from the file, overridden by flags. */
function constraintsOf(o: OptimizeFlags): { constraints: TradeConstraints; lambda: number } {
  const file =
    o.constraints === undefined
      ? { constraints: {} as TradeConstraints }
      : constraintsFromJson(readJsonFile(o.constraints), o.constraints);
  const c: Record<string, unknown> = { ...file.constraints };
  const bands: Record<string, Band> = { ...(file.constraints.bands ?? {}) };
  for (const g of GREEKS) {
    const text = o[`${g}Band` as 'deltaBand'];
    if (text !== undefined) bands[g] = parseBand(text, `--${g}-band`);
  }
  if (Object.keys(bands).length > 0) c.bands = bands;
  if (o.keepExposures !== undefined) c.keepExposures = o.keepExposures;
  if (o.maxSize !== undefined) c.maxSize = o.maxSize;
  if (o.maxTotalSize !== undefined) c.maxTotalSize = o.maxTotalSize;
  if (o.budget !== undefined) c.budgetUsd = o.budget;
  if (o.reduceOnly) c.reduceOnly = true;
  if (o.allow) c.allow = o.allow;
  if (o.exclude) c.exclude = o.exclude;
  return { constraints: c as TradeConstraints, lambda: o.lambda ?? file.lambda ?? 1 };
}

/** Builds the `optimize` command. */
export function optimizeCommand() {
  const cmd = new Command('optimize')
    .description(
      'Find the cheapest trades that lower margin (or ES, or track target exposures) within your constraints; checked with the exact model',
    )
    .argument('<portfolio>', 'portfolio file (see ballast margin --help)')
    .addOption(new Option('--model <id>', 'margin model').choices(modelIds()).default('deribit-pm'))
    .option(
      '--universe <file|listed>',
      'candidate instruments: a ballast.universe/1 JSON file, or "listed" (perpetual, futures and near-the-money options of the snapshot)',
      'listed',
    )
    .addOption(
      new Option(
        '--objective <kind>',
        'margin: min IM + λ·cost; es: min Expected Shortfall on Monte Carlo scenarios; track: QP toward --target exposures',
      )
        .choices(['margin', 'es', 'track'])
        .default('margin'),
    )
    .option('--delta-band <lo:hi>', 'net delta band per underlying, coins (e.g. -1:1, :0.5)')
    .option('--gamma-band <lo:hi>', 'gamma band, coins of delta per 1% move')
    .option('--vega-band <lo:hi>', 'vega band, USD per vol point')
    .option('--theta-band <lo:hi>', 'theta band, USD per day')
    .option(
      '--keep-exposures <tol>',
      "keep delta, gamma, vega and theta within tol × the book's gross exposure (e.g. 0.1)",
      numberOption('--keep-exposures', { min: 0 }),
    )
    .option(
      '--max-size <coins>',
      'largest |trade| per instrument, coins',
      numberOption('--max-size', { min: 0, openMin: true }),
    )
    .option(
      '--max-total-size <coins>',
      'largest total traded size, coins',
      numberOption('--max-total-size', { min: 0, openMin: true }),
    )
    .option(
      '--budget <usd>',
      'largest net premium and fees paid, USD',
      numberOption('--budget', { min: 0 }),
    )
    .option(
      '--lambda <x>',
      'USD of trading cost per USD of margin (default 1)',
      numberOption('--lambda', { min: 0 }),
    )
    .option('--reduce-only', 'only reduce held positions')
    .option('--allow <glob...>', 'only trade symbols matching these globs (e.g. "BTC-28AUG26-*")')
    .option('--exclude <glob...>', 'never trade symbols matching these globs')
    .option(
      '--constraints <file>',
      'JSON file of constraints (bands, limits, budget, λ); flags override it',
    )
    .option('--target <greek=value...>', 'track: target exposures, e.g. delta=0,vega=-500')
    .option(
      '--mu <usd>',
      "track: weight of the squared normalised deviations, USD (default: the book's IM)",
      numberOption('--mu', { min: 0 }),
    )
    .option(
      '--scenarios <n>',
      'es and robustness: Monte Carlo scenarios',
      checkedNumber(
        '--scenarios',
        (x) => Number.isInteger(x) && x >= 1 && x <= 1_000_000,
        'a whole number in [1, 1000000]',
      ),
      2000,
    )
    .option(
      '--seed <n>',
      'es and robustness: seed (same seed, same scenarios)',
      checkedNumber('--seed', (x) => Number.isSafeInteger(x + 1), 'a whole number'),
      1,
    )
    .option(
      '--beta <p>',
      'es and robustness: confidence',
      checkedNumber('--beta', (x) => x > 0 && x < 1, 'in (0, 1), e.g. 0.99'),
      0.99,
    )
    .option(
      '--horizon <days>',
      'es and robustness: Monte Carlo horizon, days',
      checkedNumber('--horizon', (x) => x > 0, 'a number of days > 0'),
      7,
    )
    .option('--no-robustness', 'skip the Monte Carlo robustness check of the result')
    .option('--export-lp <file>', 'write the LP/QP as CPLEX LP text')
    .option('--params <file>', 'JSON file of model parameter overrides')
    .option('--json', 'print JSON', false);
  return marketOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  $ ballast optimize examples/short-strangle.json --market data/deribit-quantflow/deribit_btc.json.gz --allow-stale --keep-exposures 0.1
  $ ballast optimize examples/hedged-book.json --market examples/btc-snapshot.json --allow-stale --model deribit-pm --delta-band -1:1 --max-size 5 --budget 3000
  $ ballast optimize examples/hedged-book.json --market examples/btc-snapshot.json --allow-stale --universe examples/universe.json --constraints examples/hedge-constraints.json --json
  $ ballast optimize examples/short-strangle.json --market examples/btc-snapshot.json --allow-stale --objective es --scenarios 2000 --keep-exposures 0.25
  $ ballast optimize examples/short-strangle.json --market examples/btc-snapshot.json --allow-stale --objective track --target delta=0,vega=0

The margin objective minimises IM (USD) + λ·trading cost (spread and fees against the mark) with
Deribit PM written exactly as an LP (other models by a scenario surrogate), rounds the trades to
lots (options 0.1 BTC, futures whole 10 USD contracts) and re-margins them with the exact model:
if that is not lower than the book's own IM, it says "no improvement" and trades nothing.
Sizes are in coins. Bands apply to each underlying. Exit 2 when the constraints exclude every
trade (the message names the constraint).`,
    )
    .action(
      guarded(async (file, o: OptimizeFlags) => {
        const model = marginModel(o.model);
        const { snapshot, warnings, listedSymbols } = loadMarketChecked(o);
        const portfolio = loadPortfolio(file, snapshot);
        const params = modelParams(model, o.params);
        const universe = loadUniverse(o.universe, snapshot, listedSymbols);
        const { constraints, lambda } = constraintsOf(o);
        const robust = (after: Portfolio) =>
          o.robustness
            ? robustnessReport(portfolio, after, snapshot, {
                count: o.scenarios,
                seed: o.seed,
                beta: o.beta,
                horizonDays: o.horizon,
              })
            : undefined;
        if (o.objective === 'es') {
          const scenarios = robustnessScenarios(snapshot, underlyingsOf(portfolio.positions), {
            count: o.scenarios,
            seed: o.seed + 1,
            horizonDays: o.horizon,
          });
          const r = await optimizeEsHedge({
            portfolio,
            snapshot,
            universe,
            scenarios,
            beta: o.beta,
            constraints,
            lambda,
            // solves of ~1 s or more run in a worker thread (src/workers/lp-solve.ts)
            solveAsync: solveOffThread,
          });
          process.stdout.write(
            o.json
              ? toJsonText({ ...(esHedgeJson(r) as object), warnings })
              : `${renderEsHedge(r)}\n${warnings.map((w) => `note: ${w}\n`).join('')}`,
          );
          return;
        }
        const common = {
          portfolio,
          snapshot,
          model,
          params,
          universe,
          constraints,
          lambda,
          exportLp: o.exportLp !== undefined,
        };
        const tracking =
          o.objective === 'track'
            ? await trackExposures({
                ...common,
                targets: parseTargets(o.target ?? []),
                ...(o.mu === undefined ? {} : { mu: o.mu }),
              })
            : undefined;
        const r = tracking ?? (await optimizeHedge(common));
        if (o.exportLp !== undefined && r.lp.lpText !== undefined)
          writeTextFile(o.exportLp, r.lp.lpText);
        const rob = robust(r.portfolioAfter);
        if (o.json) {
          process.stdout.write(
            toJsonText({
              ...(tradeOutcomeJson(r, rob) as object),
              warnings: [...r.warnings, ...warnings],
            }),
          );
          return;
        }
        const text = tracking
          ? renderTracking(tracking, rob)
          : renderTradeOutcome(r, `hedge of ${portfolio.name ?? file}`, rob);
        process.stdout.write(
          `${text}\n${warnings.map((w) => `note: ${w}\n`).join('')}${o.exportLp !== undefined ? `LP written to ${o.exportLp}\n` : ''}`,
        );
      }),
    );
}

/** Builds the `cure` command. */
export function cureCommand() {
  const cmd = new Command('cure')
    .description(
      'Cure a margin call: the cheapest trades (reduce-only by default) or the collateral top-up that bring IM utilization to a target, compared',
    )
    .argument(
      '<portfolio>',
      'portfolio file with its collateral balances (see ballast margin --help)',
    )
    .addOption(new Option('--model <id>', 'margin model').choices(modelIds()).default('deribit-pm'))
    .option(
      '--target-utilization <u>',
      'largest IM / equity after the cure',
      numberOption('--target-utilization', { min: 0, openMin: true, max: 1 }),
      0.8,
    )
    .option(
      '--universe <file|listed>',
      "candidate instruments (the book's own are always included)",
      'listed',
    )
    .option(
      '--allow-increase',
      'allow trades that are not reduce-only (hedges with new instruments)',
    )
    .option(
      '--max-size <coins>',
      'largest |trade| per instrument, coins',
      numberOption('--max-size', { min: 0, openMin: true }),
    )
    .option('--params <file>', 'JSON file of model parameter overrides')
    .option('--json', 'print JSON', false);
  return marketOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  $ ballast cure examples/short-strangle.json --market data/deribit-quantflow/deribit_btc.json.gz --allow-stale --target-utilization 0.2
  $ ballast cure examples/hedged-book.json --market examples/btc-snapshot.json --allow-stale --model deribit-pm --target-utilization 0.8 --allow-increase --json

Utilization is IM / equity per margin pool. The top-up is the collateral (pool currency) that
reaches the target; the trades are re-margined exactly and kept only if every pool reaches it.`,
    )
    .action(
      guarded(async (file, o) => {
        const model = marginModel(o.model);
        const { snapshot, warnings, listedSymbols } = loadMarketChecked(o);
        const portfolio = loadPortfolio(file, snapshot);
        const universe = loadUniverse(o.universe, snapshot, listedSymbols);
        const r = await cureMarginCall({
          portfolio,
          snapshot,
          model,
          params: modelParams(model, o.params),
          universe,
          targetUtilization: o.targetUtilization,
          constraints: {
            reduceOnly: !o.allowIncrease,
            ...(o.maxSize === undefined ? {} : { maxSize: o.maxSize }),
          },
        });
        process.stdout.write(
          o.json
            ? toJsonText({ ...(cureJson(r) as object), warnings })
            : `${renderCure(r)}\n${warnings.map((w) => `note: ${w}\n`).join('')}`,
        );
      }),
    );
}

/** Format tag of accounts files. */
const ACCOUNTS_FORMAT = 'ballast.accounts/1';

/** Reads an accounts file (see module doc): accounts, and the optional trades, book and amount. */
function loadAccounts(
  path: string,
  snapshot: MarketSnapshot,
): { accounts: Account[]; trades?: Portfolio; book?: Portfolio; collateralUsd?: number } {
  const v = readJsonFile(path);
  if (!isJsonObject(v) || !Array.isArray(v.accounts))
    throw new BallastError(
      'SCHEMA',
      `expected {"schema": "${ACCOUNTS_FORMAT}", "accounts": [...]}`,
      path,
    );
  if (v.schema !== undefined && v.schema !== ACCOUNTS_FORMAT)
    throw new BallastError(
      'SCHEMA',
      `unknown schema ${JSON.stringify(v.schema)} (expected ${ACCOUNTS_FORMAT})`,
      `${path}.schema`,
    );
  const dir = dirname(path);
  const portfolioAt = (p: unknown, field: string): Portfolio => {
    if (typeof p === 'string') return loadPortfolio(resolve(dir, p), snapshot);
    if (isJsonObject(p)) return portfolioFromJson({ positions: [], ...p }, field, snapshot);
    throw new BallastError(
      'SCHEMA',
      'expected a portfolio file path or an inline {"positions": [...], "balances": [...]}',
      field,
    );
  };
  const accounts = v.accounts.map((a: unknown, i: number): Account => {
    const f = `${path}.accounts[${i}]`;
    if (!isJsonObject(a) || typeof a.name !== 'string' || typeof a.model !== 'string')
      throw new BallastError('SCHEMA', 'expected {"name": …, "model": …, "portfolio": …}', f);
    const model = marginModel(a.model, `${f}.model`);
    const params =
      a.params === undefined
        ? model.defaultParams
        : mergeParams(
            model.defaultParams,
            typeof a.params === 'string' ? readJsonFile(resolve(dir, a.params)) : a.params,
            `${f}.params`,
          );
    if (a.maxUtilization !== undefined && typeof a.maxUtilization !== 'number')
      throw new BallastError('SCHEMA', 'must be a number', `${f}.maxUtilization`);
    return {
      name: a.name,
      model,
      params,
      portfolio: portfolioAt(a.portfolio ?? {}, `${f}.portfolio`),
      ...(a.maxUtilization === undefined ? {} : { maxUtilization: a.maxUtilization as number }),
    };
  });
  const out: { accounts: Account[]; trades?: Portfolio; book?: Portfolio; collateralUsd?: number } =
    { accounts };
  if (v.trades !== undefined) {
    if (!Array.isArray(v.trades))
      throw new BallastError(
        'SCHEMA',
        'expected a list of {"instrument": …, "size": …}',
        `${path}.trades`,
      );
    out.trades = portfolioFromJson({ positions: v.trades }, `${path}.trades`, snapshot);
  }
  if (v.book !== undefined) out.book = portfolioAt(v.book, `${path}.book`);
  if (v.collateralUsd !== undefined) {
    if (typeof v.collateralUsd !== 'number')
      throw new BallastError('SCHEMA', 'must be a number (USD)', `${path}.collateralUsd`);
    out.collateralUsd = v.collateralUsd;
  }
  return out;
}

/** Builds the `allocate` command. */
export function allocateCommand() {
  const cmd = new Command('allocate')
    .description(
      'Across several accounts (each with its own model and collateral): route new trades, split a book, or spread collateral',
    )
    .argument('<accounts>', `accounts file (${ACCOUNTS_FORMAT}, see examples/accounts.json)`)
    .addOption(
      new Option(
        '--mode <mode>',
        'route: new trades to the accounts where they need least IM; split: a whole book; collateral: spread --amount to maximise the smallest headroom',
      ).choices(['route', 'split', 'collateral']),
    )
    .option('--whole-trades', 'route/split: each trade goes whole to one account (mixed-integer)')
    .option(
      '--ignore-collateral',
      'route/split: do not require IM ≤ maxUtilization × equity in every account',
    )
    .option(
      '--amount <usd>',
      'collateral: USD to spread (overrides collateralUsd of the file)',
      numberOption('--amount', { min: 0, openMin: true }),
    )
    .option('--json', 'print JSON', false);
  return marketOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  $ ballast allocate examples/accounts.json --market data/deribit-quantflow/deribit_btc.json.gz --allow-stale
  $ ballast allocate examples/accounts.json --market examples/btc-snapshot.json --allow-stale --mode split --whole-trades
  $ ballast allocate examples/accounts.json --market examples/btc-snapshot.json --allow-stale --mode collateral --amount 100000 --json

Accounts file: {"schema": "${ACCOUNTS_FORMAT}", "accounts": [{"name", "model", "portfolio" (path
relative to the file, or inline), "maxUtilization"?, "params"?}], "trades"?: [{"instrument", "size"}],
"book"?: <portfolio>, "collateralUsd"?: <USD>}. The mode defaults to route if the file has trades,
else split if it has a book, else collateral. Every allocation is re-margined with each account's
exact model and compared with simple ones (all to one account, greedy); the best is returned.`,
    )
    .action(
      guarded(async (file, o) => {
        const { snapshot, warnings } = loadMarketChecked(o);
        const f = loadAccounts(file, snapshot);
        const mode = o.mode ?? (f.trades ? 'route' : f.book ? 'split' : 'collateral');
        const notes = warnings.map((w) => `note: ${w}\n`).join('');
        if (mode === 'collateral') {
          const amount = o.amount ?? f.collateralUsd;
          if (amount === undefined)
            throw new BallastError(
              'INVALID_INPUT',
              'give the USD amount to spread (--amount or "collateralUsd" in the file)',
              '--amount',
            );
          const r = await spreadCollateral(f.accounts, amount, snapshot);
          process.stdout.write(
            o.json ? toJsonText({ ...r, warnings }) : `${renderCollateral(r)}\n${notes}`,
          );
          return;
        }
        const options = {
          wholeTrades: o.wholeTrades === true,
          respectCollateral: o.ignoreCollateral !== true,
        };
        let r;
        if (mode === 'route') {
          if (!f.trades)
            throw new BallastError(
              'INVALID_INPUT',
              'route needs "trades" in the accounts file',
              `${file}.trades`,
            );
          r = await routeTrades(f.trades.positions, f.accounts, snapshot, options);
        } else {
          if (!f.book)
            throw new BallastError(
              'INVALID_INPUT',
              'split needs "book" in the accounts file',
              `${file}.book`,
            );
          r = await splitBook(f.book, f.accounts, snapshot, options);
        }
        process.stdout.write(
          o.json
            ? toJsonText({ ...(allocationJson(r) as object), warnings })
            : `${renderAllocation(r)}\n${notes}`,
        );
      }),
    );
}
