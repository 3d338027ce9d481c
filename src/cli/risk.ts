/**
 * `ballast var`, `ballast stress`, `ballast health`, `ballast backtest`: the risk analytics
 * commands. Thin: they read the history files (CSV, src/market/history.ts), attach the series to
 * the market as its price history (`market.history`, src/market/market-history.ts) and print
 * the reports of src/io/render-risk.ts. Long runs show a
 * progress bar on stderr, only when stdout is a terminal.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { Command, Option } from '@commander-js/extra-typings';
import cliProgress from 'cli-progress';
import { BallastError } from '../core/errors.ts';
import { MS_PER_DAY, parseIsoDate } from '../core/time.ts';
import type { InverseSizeConvention } from '../account/liquidation.ts';
import type { AlignedSeries, PriceSeries } from '../market/history.ts';
import { withHistory, type MarketHistory } from '../market/market-history.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import { marginModel } from '../margin/registry.ts';
import {
  RISK_METHODS,
  type RiskBasedParams,
  type RiskMethod,
} from '../margin/risk-based/params.ts';
import type { Span2Params } from '../margin/risk-based/span2.ts';
import { DEFAULT_HYPOTHETICAL_STRESS } from '../margin/risk-based/span2.ts';
import { backtestMargin } from '../risk/backtest.ts';
import { underlyingsOf } from '../risk/portfolio.ts';
import { requireConfidence } from '../risk/var.ts';
import { STRESS_EVENTS } from '../scenarios/stress.ts';
import { BUNDLED_HISTORY_FILE, BUNDLED_HISTORY_LABEL } from '../io/bundled-history.ts';
import { toJsonText } from '../io/json-output.ts';
import { readJsonFile, readTextFile } from '../io/read-json.ts';
import { renderBacktest, renderHealth, renderStress, renderVarResult } from '../io/render-risk.ts';
import { healthJson, healthUnderlyings, healthUseCase } from '../app/health.ts';
import { applyRiskOverrides, RISK_MODEL_IDS, type LoadedHistory } from '../app/risk-params.ts';
import { historyFromTexts, type HistoryText } from '../app/price-history.ts';
import { stressUnderlyings, stressUseCase, type StressSpec } from '../app/stress.ts';
import { varUseCase } from '../app/var.ts';
import { guarded, numberOption } from './errors.ts';
import { runStressEvents } from './stress-event.ts';
import { CRASH_EVENTS } from '../scenarios/crash-events.ts';
import {
  loadMarketChecked,
  loadPortfolio,
  marketOptions,
  modelIds,
  modelParams,
  type MarketOptions,
} from './context.ts';

/**
 * Reads history specs: `FILE` (each needed underlying is matched to the file's symbol column,
 * `SYM:close` columns or the file name) or `SYM=FILE` (the file's prices are `SYM`). Every
 * underlying in `underlyings` must be found (INVALID_INPUT naming `--history`).
 */
export function loadHistory(
  specs: readonly string[],
  underlyings: readonly string[],
  keepOutliers = false,
): LoadedHistory {
  const files = specs.length > 0 ? specs : [BUNDLED_HISTORY_FILE];
  const texts: HistoryText[] = files.map((spec) => {
    const eq = /^([A-Za-z0-9]+)=(.+)$/.exec(spec);
    const path = eq ? eq[2]! : spec;
    return {
      text: readTextFile(path),
      source: path,
      label: spec === BUNDLED_HISTORY_FILE ? BUNDLED_HISTORY_LABEL : path,
      name: basename(path),
      ...(eq ? { symbol: eq[1]! } : {}),
    };
  });
  return historyFromTexts(texts, underlyings, keepOutliers, '--history');
}

/** The aligned history up to `end` (inclusive) as market data (no look-ahead). */
function historyUpTo(a: AlignedSeries, end: number, source: string): MarketHistory {
  const series = a.symbols.map((symbol, j) => ({
    symbol,
    interval: a.interval,
    timesMs: a.timesMs.subarray(0, end + 1),
    closes: a.closes[j]!.subarray(0, end + 1),
  }));
  return { series, source };
}

/** Parses a horizon: `1d`, `2d`, `12h`, or a number of days. */
function parseHorizonDays(text: string, flag = '--horizon'): number {
  const m = /^(\d+(?:\.\d+)?)\s*(d|h)?$/.exec(text.trim());
  const days = m ? Number(m[1]) / (m[2] === 'h' ? 24 : 1) : NaN;
  if (!(days > 0 && days <= 365))
    throw new BallastError(
      'INVALID_INPUT',
      `expected a horizon such as 1d, 2d or 12h (at most 365d), got "${text}"`,
      flag,
    );
  return days;
}

/** Parses `YYYY-MM-DD` (UTC midnight). */
function parseDay(text: string, flag: string): number {
  const ms = parseIsoDate(text);
  if (Number.isNaN(ms))
    throw new BallastError('INVALID_INPUT', `expected a date YYYY-MM-DD, got "${text}"`, flag);
  return ms;
}

function positiveInt(flag: string): (v: string) => number {
  return (v: string) => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < 1 || x > 1_000_000)
      throw new BallastError(
        'INVALID_INPUT',
        `expected a whole number in [1, 1000000], got "${v}"`,
        flag,
      );
    return x;
  };
}

/** A progress bar on stderr when stdout is a terminal and the run is long; a no-op otherwise. */
export function progressBar(
  total: number,
  label: string,
): { tick: (done: number, total?: number) => void; stop: () => void } {
  if (!process.stdout.isTTY || !process.stderr.isTTY || total < 20)
    return { tick: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total}`,
      clearOnComplete: true,
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    tick: (d, t) => {
      if (t !== undefined && t !== bar.getTotal()) bar.setTotal(t);
      bar.update(d);
    },
    stop: () => bar.stop(),
  };
}

const methodOption = () =>
  new Option(
    '--method <method>',
    'scenario method: hs (historical), fhs (filtered historical), mc (Monte Carlo)',
  ).choices(RISK_METHODS as unknown as string[]);

/** `ballast var --help` text after the options. */
const VAR_HELP = `
Examples:
  $ ballast var examples/short-strangle.json --market examples/btc-snapshot.json --allow-stale --method hs --confidence 0.99 --horizon 1d
  $ ballast var examples/hedged-book.json --market examples/btc-snapshot.json --allow-stale --method fhs --history data/crypto-ohlc/Coinbase_BTCUSD_d.csv --measure es
  $ ballast var examples/hedged-book.json --market examples/btc-snapshot.json --allow-stale --method mc --paths 10000 --seed 1 --json

hs/fhs read the history (default: data/crypto-ohlc/bitfinex_BTC_ETH_USD_d.csv); mc uses the
snapshot's 30-day ATM implied vols and a default correlation of 0.8 between coins, or, with
--history, EWMA vols and correlation of the history. Amounts are per settlement currency (coin
for inverse books). Every position is repriced in every scenario (full revaluation).`;

/** Builds the `var` command. */
export function varCommand() {
  const cmd = new Command('var')
    .description(
      'Value at Risk and Expected Shortfall of a book by full revaluation: historical, filtered historical or Monte Carlo scenarios',
    )
    .argument('<portfolio>', 'portfolio file (see ballast margin --help)')
    .addOption(methodOption().default('mc'))
    .addOption(
      new Option('--measure <measure>', 'which measure sets the margin')
        .choices(['var', 'es'])
        .default('var'),
    )
    .option(
      '--confidence <p>',
      'confidence level in (0, 1)',
      numberOption('--confidence', { min: 0, openMin: true, max: 1, openMax: true }),
      0.99,
    )
    .option('--horizon <duration>', 'risk horizon (1d, 2d, 12h)', '1d')
    .option(
      '--history <file...>',
      'price history CSV(s): FILE or SYM=FILE (default: the bundled BTC/ETH daily closes)',
    )
    .option(
      '--keep-outliers',
      'keep the history bad prints (closes that leave and come back; excluded by default, listed)',
      false,
    )
    .option('--window <n>', 'hs/fhs: newest n scenarios only', positiveInt('--window'))
    .option('--paths <n>', 'mc: number of paths', positiveInt('--paths'))
    .option(
      '--seed <n>',
      'mc: seed (same seed, same result, bit for bit)',
      numberOption('--seed', { min: 0, integer: true }),
    )
    .addOption(
      new Option('--sampler <s>', 'mc: pseudo-random or Sobol').choices(['pseudo', 'sobol']),
    )
    .option('--params <file>', 'JSON parameter overrides, merged over the var/es defaults')
    .option('--top <n>', 'tail scenarios and contributions shown', positiveInt('--top'), 10)
    .option('--json', 'print JSON', false);
  return marketOptions(cmd)
    .addHelpText('after', VAR_HELP)
    .action(
      guarded((file, o) => {
        requireConfidence(o.confidence, '--confidence');
        const horizonDays = parseHorizonDays(o.horizon);
        const { snapshot, warnings } = loadMarketChecked(o);
        const portfolio = loadPortfolio(file, snapshot);
        const needHistory = o.method !== 'mc' || o.history !== undefined;
        const out = varUseCase({
          portfolio,
          snapshot,
          measure: o.measure as 'var' | 'es',
          method: o.method as RiskMethod,
          confidence: o.confidence,
          horizonDays,
          history: needHistory
            ? loadHistory(o.history ?? [], underlyingsOf(portfolio.positions), o.keepOutliers)
            : null,
          ...(o.window === undefined ? {} : { window: o.window }),
          ...(o.paths === undefined ? {} : { paths: o.paths }),
          ...(o.seed === undefined ? {} : { seed: o.seed }),
          ...(o.sampler === undefined ? {} : { sampler: o.sampler as 'pseudo' | 'sobol' }),
          ...(o.params === undefined
            ? {}
            : { paramsOverride: readJsonFile(o.params), paramsField: o.params }),
          warnings,
          confidenceField: '--confidence',
        });
        const results = out.pools;
        if (o.json) {
          process.stdout.write(toJsonText(out));
          return;
        }
        process.stdout.write(`${results.map((r) => renderVarResult(r, o.top)).join('\n\n')}\n`);
      }),
    );
}

/** `--scenario` specs: a JSON file (by its .json name or because it exists) or an id. */
function stressSpecs(specs: readonly string[] | undefined): StressSpec[] {
  return (specs ?? []).map((spec) =>
    spec.endsWith('.json') || existsSync(spec)
      ? { shocks: readJsonFile(spec), source: spec }
      : spec,
  );
}

/** The stress action (without --event): the use case, then its table or `--json`. */
function runStress(
  file: string,
  o: MarketOptions & {
    scenario?: string[];
    history?: string[];
    keepOutliers: boolean;
    json: boolean;
  },
): void {
  const { snapshot, warnings } = loadMarketChecked(o);
  const portfolio = loadPortfolio(file, snapshot);
  const unds = stressUnderlyings(portfolio, snapshot);
  let loaded: PriceSeries[] | undefined;
  const out = stressUseCase({
    portfolio,
    snapshot,
    specs: stressSpecs(o.scenario),
    series: () => (loaded ??= loadHistory(o.history ?? [], unds, o.keepOutliers).series),
    warnings,
    field: '--scenario',
  });
  if (o.json) {
    process.stdout.write(toJsonText(out));
    return;
  }
  process.stdout.write(
    `${renderStress(out.scenarios, out.pools)}\nP&L in each pool's currency; P&L USD at the stressed index; value Δ USD: the book's USD value with its collateral. Full revaluation, no time decay.\n`,
  );
  for (const u of out.uncovered) process.stdout.write(`not covered by the history: ${u}\n`);
  for (const w of warnings) process.stdout.write(`warning: ${w}\n`);
}

/** Builds the `stress` command. */
export function stressCommand() {
  const cmd = new Command('stress')
    .description(
      'P&L of a book under stress scenarios: named crashes measured from history, hypothetical moves, or your own JSON shocks',
    )
    .argument('<portfolio>', 'portfolio file (see ballast margin --help)')
    .option(
      '--scenario <name|file...>',
      'a library event id, a hypothetical id, or a JSON file of shocks (default: the whole library)',
    )
    .option(
      '--history <file...>',
      'price history CSV(s) the library events are measured from (default: the bundled BTC/ETH daily closes)',
    )
    .option(
      '--event <id...>',
      `replay crashes that happened (published daily moves), re-margined each day by --model: ${CRASH_EVENTS.map((e) => e.id).join(', ')}, or all`,
    )
    .addOption(
      new Option('--model <id>', 'margin model of --event (default deribit-pm)').choices(
        modelIds(),
      ),
    )
    .option('--params <file>', 'parameter overrides for --model (JSON)')
    .option(
      '--keep-outliers',
      'keep the history bad prints (closes that leave and come back; excluded by default, listed)',
      false,
    )
    .option('--json', 'print JSON', false);
  return marketOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  $ ballast stress examples/hedged-book.json --market examples/btc-snapshot.json --allow-stale
  $ ballast stress examples/short-strangle.json --market examples/btc-snapshot.json --allow-stale --scenario china-ban-2017-09-14 --scenario crash-30
  $ ballast stress examples/hedged-book.json --market examples/btc-snapshot.json --allow-stale --scenario examples/stress-shocks.json --json
  $ ballast stress examples/short-strangle.json --market examples/btc-snapshot.json --allow-stale --model deribit-pm --event ftx-2022

A JSON shock file is a list of {"name", "moves": {"BTC": {"spot": -0.3, "vol": 0.5}}, "default"?: {...}}:
spot is a relative price move, vol a relative implied-vol move. Library events are the worst 1- and
3-day moves around each event date in the history (events the history does not cover are listed).
Library events: ${STRESS_EVENTS.map((e) => e.id).join(', ')}.
Hypothetical: ${DEFAULT_HYPOTHETICAL_STRESS.map((h) => h.id).join(', ')}.
--event replays a crash day by day (each day's low and close, cumulative from the pre-event close,
with the published implied-vol jump where there is one) and reports the first day the account
would have been liquidated; each event prints its sources.`,
    )
    .action(
      guarded((file, o) =>
        o.event ? runStressEvents(file, { ...o, event: o.event }) : runStress(file, o),
      ),
    );
}

/** Parses `--shock BTC:-20%` / `BTC:-0.2`. */
function parseShock(text: string): { underlying: string; shock: number } {
  const m = /^([A-Za-z0-9]+):([+-]?\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  if (!m)
    throw new BallastError(
      'INVALID_INPUT',
      `expected UNDERLYING:MOVE such as BTC:-20% or BTC:-0.2, got "${text}"`,
      '--shock',
    );
  const x = Number(m[2]) / (m[3] ? 100 : 1);
  if (!(x > -1))
    throw new BallastError('INVALID_INPUT', `a move must be above −100 %, got ${text}`, '--shock');
  return { underlying: m[1]!.toUpperCase(), shock: x };
}

/** Builds the `health` command. */
export function healthCommand() {
  const cmd = new Command('health')
    .description(
      'Account health under a margin model: state, utilization, free collateral, liquidation prices and distances, solvency, contagion',
    )
    .argument('<portfolio>', 'portfolio file (see ballast margin --help)')
    .addOption(new Option('--model <id>', 'margin model').choices(modelIds()).makeOptionMandatory())
    .option('--params <file>', 'JSON parameter overrides of the model')
    .option(
      '--history <file...>',
      'price history CSV(s): σ and correlation from EWMA of the history instead of ATM implied vols (and the history of hs/fhs risk models)',
    )
    .option(
      '--keep-outliers',
      'keep the history bad prints (closes that leave and come back; excluded by default, listed)',
      false,
    )
    .option('--sigma-horizon <duration>', 'horizon of the σ unit of distances (1d = daily σ)', '1d')
    .addOption(
      new Option(
        '--inverse-size <convention>',
        'inverse futures/perps when the price moves: keep the USD face (venue) or the coin size',
      )
        .choices(['usd-notional', 'coin'])
        .default('usd-notional'),
    )
    .option('--no-joint', 'skip the joint (first principal component) move')
    .option(
      '--shock <UNDERLYING:MOVE>',
      'contagion: shock one underlying (e.g. BTC:-20%) and carry it to the others through correlation',
    )
    .option('--json', 'print JSON', false);
  return marketOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  $ ballast health examples/hedged-book.json --market examples/btc-snapshot.json --allow-stale --model deribit-pm
  $ ballast health examples/short-strangle.json --market examples/btc-snapshot.json --allow-stale --model deribit-standard --shock BTC:-20% --json
  $ ballast health examples/hedged-book.json --market examples/btc-snapshot.json --allow-stale --model es --history data/crypto-ohlc/bitfinex_BTC_ETH_USD_d.csv

States: healthy → margin-call → reduce-only → liquidation, with each venue's thresholds (Deribit:
IM > equity reduce-only, equity < MM liquidation; Binance: uniMMR bands). Liquidation prices are
found by root finding on the full model (equity = MM, book re-margined at the moved market),
per underlying and for a joint move along the first principal component of the covariance;
distances in % and in σ (ATM implied vol, or EWMA of --history).`,
    )
    .action(
      guarded((file, o) => {
        const model = marginModel(o.model) as MarginModel<unknown>;
        const sigmaHorizon = parseHorizonDays(o.sigmaHorizon, '--sigma-horizon');
        const { snapshot, warnings } = loadMarketChecked(o);
        const portfolio = loadPortfolio(file, snapshot);
        const unds = healthUnderlyings(portfolio, snapshot);
        const loaded = o.history ? loadHistory(o.history, unds, o.keepOutliers) : undefined;
        const h = healthUseCase({
          portfolio,
          snapshot,
          modelId: model.id,
          params: modelParams(model, o.params),
          ...(loaded ? { history: loaded } : {}),
          sigmaHorizonDays: sigmaHorizon,
          inverseSize: o.inverseSize as InverseSizeConvention,
          joint: o.joint,
          ...(o.shock ? { shock: parseShock(o.shock) } : {}),
          warnings,
        });
        if (o.json) {
          process.stdout.write(toJsonText(healthJson(h)));
          return;
        }
        process.stdout.write(`${renderHealth(h.health, h.liquidation, h.solvency, h.contagion)}\n`);
        for (const w of warnings) process.stdout.write(`note: ${w}\n`);
      }),
    );
}

/** `ballast backtest --help` text after the options. */
const BACKTEST_HELP = `
Examples:
  $ ballast backtest examples/short-strangle.json --market examples/btc-snapshot.json --allow-stale --model deribit-pm --from 2019-01-01 --to 2019-10-01
  $ ballast backtest examples/hedged-book.json --market examples/btc-snapshot.json --allow-stale --model es --method hs --window 365 --from 2018-01-01 --to 2019-12-31 --json

Each day's market is the snapshot moved along the historical path (index, forwards and perp basis
scaled; the vol surface, rates and as-of time kept: the book does not age). Risk models (var, es,
stans, span2) see only the history up to each day. A breach is a day whose loss over the next
horizon, by full revaluation, exceeds the margin. Kupiec's proportion-of-failures test: LR and
its χ²₁ p-value; cost of margin = average margin / average gross notional.`;

/** Flags of `ballast backtest`. */
interface BacktestFlags extends MarketOptions {
  model: string;
  from: string;
  to: string;
  history?: string[];
  keepOutliers: boolean;
  horizon: string;
  confidence?: number;
  against: string;
  anchor: string;
  timeDecay: boolean;
  method?: string;
  window?: number;
  paths?: number;
  seed?: number;
  params?: string;
  json: boolean;
}

/** The backtest action: the model through history day by day, then its report or `--json`. */
function runBacktest(file: string, o: BacktestFlags): void {
  const model = marginModel(o.model) as MarginModel<unknown>;
  const fromMs = parseDay(o.from, '--from');
  const toMs = parseDay(o.to, '--to');
  const horizonDays = parseHorizonDays(o.horizon);
  if (!Number.isInteger(horizonDays))
    throw new BallastError(
      'INVALID_INPUT',
      `the backtest steps in whole days, got ${o.horizon}`,
      '--horizon',
    );
  if (o.confidence !== undefined) requireConfidence(o.confidence, '--confidence');
  const { snapshot, warnings } = loadMarketChecked(o);
  const portfolio = loadPortfolio(file, snapshot);
  const loaded = loadHistory(o.history ?? [], underlyingsOf(portfolio.positions), o.keepOutliers);
  const risk = RISK_MODEL_IDS.includes(model.id);
  const base = applyRiskOverrides(model.id, modelParams(model, o.params), {
    ...(o.method === undefined ? {} : { method: o.method }),
    ...(o.confidence === undefined ? {} : { confidence: o.confidence }),
    ...(o.paths === undefined ? {} : { paths: o.paths }),
    ...(o.seed === undefined ? {} : { seed: o.seed }),
    ...(o.window === undefined ? {} : { window: o.window }),
  });
  const modelConfidence = risk
    ? model.id === 'span2'
      ? (base as Span2Params).var.confidence
      : (base as RiskBasedParams).confidence
    : undefined;
  const confidence = o.confidence ?? modelConfidence ?? 0.99;
  const source = loaded.sources.join('; ');
  const bar = progressBar(
    Math.max(0, Math.round((toMs - fromMs) / MS_PER_DAY) + 1),
    `backtest ${model.id}`,
  );
  let report;
  try {
    report = backtestMargin({
      portfolio,
      snapshot,
      history: loaded.series,
      fromMs,
      toMs,
      horizonDays,
      confidence,
      against: o.against === 'mm' ? 'maintenance' : 'initial',
      anchor: o.anchor as 'from' | 'level',
      timeDecay: o.timeDecay,
      onProgress: (d, t) => bar.tick(d, t),
      marginOf: (day) => {
        const market = day.snapshot as MarketSnapshot;
        const withPast = risk
          ? withHistory(market, historyUpTo(day.history, day.historyEnd, source))
          : market;
        return model.evaluate(portfolio, withPast, base);
      },
    });
  } finally {
    bar.stop();
  }
  if (o.json) {
    process.stdout.write(
      toJsonText({ model: model.id, history: loaded.sources, ...report, warnings }),
    );
    return;
  }
  process.stdout.write(`${renderBacktest(model.id, report)}\nhistory: ${source}\n`);
  for (const w of warnings) process.stdout.write(`warning: ${w}\n`);
}

/** Builds the `backtest` command. */
export function backtestCommand() {
  const cmd = new Command('backtest')
    .description(
      "Run a margin model through history day by day and compare each day's margin with the loss over the next horizon (breaches, Kupiec test, cost of margin)",
    )
    .argument('<portfolio>', 'portfolio file (see ballast margin --help)')
    .addOption(new Option('--model <id>', 'margin model').choices(modelIds()).makeOptionMandatory())
    .requiredOption('--from <date>', 'first day (YYYY-MM-DD)')
    .requiredOption('--to <date>', 'last day (YYYY-MM-DD)')
    .option(
      '--history <file...>',
      'daily price history CSV(s): FILE or SYM=FILE (default: the bundled BTC/ETH daily closes)',
    )
    .option(
      '--keep-outliers',
      'keep the history bad prints (closes that leave and come back; excluded by default, listed)',
      false,
    )
    .option('--horizon <duration>', 'loss horizon in whole days', '1d')
    .option(
      '--confidence <p>',
      "coverage the margin should give (default: the model's confidence for risk models, else 0.99)",
      numberOption('--confidence', { min: 0, openMin: true, max: 1, openMax: true }),
    )
    .addOption(
      new Option('--against <requirement>', 'compare losses with IM or MM')
        .choices(['im', 'mm'])
        .default('im'),
    )
    .addOption(
      new Option(
        '--anchor <anchor>',
        'snapshot on the path: moved from the first day (from) or at the historical price level (level)',
      )
        .choices(['from', 'level'])
        .default('from'),
    )
    .option('--no-time-decay', 'realised loss without option time decay')
    .addOption(methodOption())
    .option(
      '--window <n>',
      'risk models with hs/fhs: newest n scenarios of the history up to each day',
      positiveInt('--window'),
    )
    .option('--paths <n>', 'risk models with mc: number of paths', positiveInt('--paths'))
    .option(
      '--seed <n>',
      'risk models with mc: seed',
      numberOption('--seed', { min: 0, integer: true }),
    )
    .option('--params <file>', 'JSON parameter overrides of the model')
    .option('--json', 'print JSON (with every day)', false);
  return marketOptions(cmd)
    .addHelpText('after', BACKTEST_HELP)
    .action(guarded((file, o) => runBacktest(file, o)));
}
