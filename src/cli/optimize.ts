/**
 * `ballast optimize`, `ballast cure`, `ballast allocate`: the optimizer commands. Thin: they
 * load the market, books and universe, turn flags and the constraints / accounts files
 * (io/constraints-input.ts, io/accounts-input.ts) into the use cases' requests (app/optimize.ts,
 * app/cure.ts, app/allocate.ts; the same ones `POST /v1/optimize`, `/v1/cure`, `/v1/allocate`
 * run) and print the reports of src/io/render-optimize.ts or the use cases' `--json` objects.
 */
import { dirname, resolve } from 'node:path';
import { Command, Option } from '@commander-js/extra-typings';
import { allocateJson, allocateUseCase, type AllocateMode } from '../app/allocate.ts';
import { cureUseCase, cureUseCaseJson } from '../app/cure.ts';
import {
  optimizeJson,
  optimizeUseCase,
  type OptimizeObjective,
  type OptimizeOutput,
} from '../app/optimize.ts';
import { BallastError } from '../core/errors.ts';
import { ACCOUNTS_FORMAT, accountsFromJson } from '../io/accounts-input.ts';
import { constraintsFromJson } from '../io/constraints-input.ts';
import { toJsonText } from '../io/json-output.ts';
import { readJsonFile, writeTextFile } from '../io/read-json.ts';
import {
  renderAllocation,
  renderCollateral,
  renderCure,
  renderEsHedge,
  renderTracking,
  renderTradeOutcome,
} from '../io/render-optimize.ts';
import { marginModel } from '../margin/registry.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { GREEKS, type Greek } from '../optimize/exposures.ts';
import type { Band, TradeConstraints } from '../optimize/trade-problem.ts';
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

/** The optimize action: flags → use case → report or `--json`. */
async function runOptimize(file: string, o: OptimizeFlags): Promise<void> {
  const model = marginModel(o.model);
  const { snapshot, warnings, listedSymbols } = loadMarketChecked(o);
  const portfolio = loadPortfolio(file, snapshot);
  const params = modelParams(model, o.params);
  const universe = loadUniverse(o.universe, snapshot, listedSymbols);
  const { constraints, lambda } = constraintsOf(o);
  const out = await optimizeUseCase({
    portfolio,
    snapshot,
    model,
    params,
    universe,
    constraints,
    lambda,
    objective: o.objective as OptimizeObjective,
    ...(o.objective === 'track' ? { targets: parseTargets(o.target ?? []) } : {}),
    ...(o.mu === undefined ? {} : { mu: o.mu }),
    scenarios: o.scenarios,
    seed: o.seed,
    beta: o.beta,
    horizonDays: o.horizon,
    robustness: o.robustness,
    exportLp: o.exportLp !== undefined,
    warnings,
  });
  if (out.kind === 'trade' && o.exportLp !== undefined && out.outcome.lp.lpText !== undefined)
    writeTextFile(o.exportLp, out.outcome.lp.lpText);
  if (o.json) {
    process.stdout.write(toJsonText(optimizeJson(out)));
    return;
  }
  process.stdout.write(optimizeText(out, portfolio.name ?? file, warnings, o.exportLp));
}

/** The optimize report as text (with the market notes and the LP export line). */
function optimizeText(
  out: OptimizeOutput,
  name: string,
  warnings: readonly string[],
  exportLp: string | undefined,
): string {
  const notes = warnings.map((w) => `note: ${w}\n`).join('');
  if (out.kind === 'es') return `${renderEsHedge(out.es)}\n${notes}`;
  const text = out.tracking
    ? renderTracking(out.tracking, out.robustness)
    : renderTradeOutcome(out.outcome, `hedge of ${name}`, out.robustness);
  return `${text}\n${notes}${exportLp !== undefined ? `LP written to ${exportLp}\n` : ''}`;
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
    .action(guarded((file, o: OptimizeFlags) => runOptimize(file, o)));
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
    .action(guarded((file, o) => runCure(file, o)));
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
    .action(guarded((file, o) => runAllocate(file, o)));
}

/** Flags of `ballast cure`. */
interface CureFlags extends MarketOptions {
  model: string;
  targetUtilization: number;
  universe: string;
  allowIncrease?: boolean;
  maxSize?: number;
  params?: string;
  json: boolean;
}

/** The cure action. */
async function runCure(file: string, o: CureFlags): Promise<void> {
  const model = marginModel(o.model);
  const { snapshot, warnings, listedSymbols } = loadMarketChecked(o);
  const portfolio = loadPortfolio(file, snapshot);
  const universe = loadUniverse(o.universe, snapshot, listedSymbols);
  const r = await cureUseCase({
    portfolio,
    snapshot,
    model,
    params: modelParams(model, o.params),
    universe,
    targetUtilization: o.targetUtilization,
    allowIncrease: o.allowIncrease === true,
    ...(o.maxSize === undefined ? {} : { maxSize: o.maxSize }),
  });
  process.stdout.write(
    o.json
      ? toJsonText(cureUseCaseJson(r, warnings))
      : `${renderCure(r)}\n${warnings.map((w) => `note: ${w}\n`).join('')}`,
  );
}

/** Flags of `ballast allocate`. */
interface AllocateFlags extends MarketOptions {
  mode?: string;
  wholeTrades?: boolean;
  ignoreCollateral?: boolean;
  amount?: number;
  json: boolean;
}

/** The allocate action: portfolio and params references are files next to the accounts file. */
async function runAllocate(file: string, o: AllocateFlags): Promise<void> {
  const { snapshot, warnings } = loadMarketChecked(o);
  const dir = dirname(file);
  const input = accountsFromJson(readJsonFile(file), file, snapshot, {
    portfolio: (ref) => loadPortfolio(resolve(dir, ref), snapshot),
    params: (ref) => readJsonFile(resolve(dir, ref)),
  });
  const out = await allocateUseCase({
    input,
    snapshot,
    ...(o.mode === undefined ? {} : { mode: o.mode as AllocateMode }),
    wholeTrades: o.wholeTrades === true,
    ignoreCollateral: o.ignoreCollateral === true,
    ...(o.amount === undefined ? {} : { amountUsd: o.amount }),
    field: (k) => `${file}.${k}`,
    amountField: '--amount',
  });
  if (o.json) {
    process.stdout.write(toJsonText(allocateJson(out, warnings)));
    return;
  }
  const notes = warnings.map((w) => `note: ${w}\n`).join('');
  process.stdout.write(
    out.mode === 'collateral'
      ? `${renderCollateral(out.collateral)}\n${notes}`
      : `${renderAllocation(out.allocation)}\n${notes}`,
  );
}
