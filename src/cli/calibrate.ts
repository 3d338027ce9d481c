/**
 * `ballast calibrate`: the smallest value of a shock-size parameter that meets a coverage
 * target on history (src/risk/calibrate.ts over src/risk/backtest.ts), with the coverage
 * curve, written as a params file for `margin --params`.
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from '@commander-js/extra-typings';
import { BallastError } from '../core/errors.ts';
import { MS_PER_DAY, parseIsoDate } from '../core/time.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import { marginModel } from '../margin/registry.ts';
import { backtestMargin } from '../risk/backtest.ts';
import {
  calibrateParameter,
  parameterOverride,
  parameterValue,
  withParameter,
  type Calibration,
} from '../risk/calibrate.ts';
import { underlyingsOf } from '../risk/portfolio.ts';
import { toJsonText } from '../io/json-output.ts';
import { fmt, renderTable } from '../io/table.ts';
import { guarded, numberOption } from './errors.ts';
import {
  loadMarketChecked,
  loadPortfolio,
  marketOptions,
  modelIds,
  modelParams,
  type MarketOptions,
} from './context.ts';
import { loadHistory, progressBar } from './risk.ts';

/** Models whose margin depends on the history up to each day: not calibrated here. */
const HISTORY_MODELS = ['var', 'es', 'stans', 'span2'];

function day(text: string, flag: string): number {
  const ms = parseIsoDate(text);
  if (Number.isNaN(ms))
    throw new BallastError('INVALID_INPUT', `expected YYYY-MM-DD, got "${text}"`, flag);
  return ms;
}

function parseValues(text: string): number[] {
  return text.split(',').map((x) => {
    const v = Number(x.trim());
    if (x.trim() === '' || !Number.isFinite(v))
      throw new BallastError(
        'INVALID_INPUT',
        `expected numbers separated by commas, got "${text}"`,
        '--values',
      );
    return v;
  });
}

const SHOCK_VALUES = [0.04, 0.06, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2];

/**
 * Default parameter and values (4 % … 20 %): Deribit PM's price range of the book's pair, SPAN's
 * price scan range of its combined commodity.
 */
function defaults(
  modelId: string,
  underlying: string,
): { param: string; values: number[] } | undefined {
  if (modelId === 'deribit-pm')
    return {
      param: `model_params.currency_pair.${underlying.toLowerCase()}_usd.price_range`,
      values: SHOCK_VALUES,
    };
  if (modelId === 'span')
    return { param: `commodities.${underlying}.priceScanRange`, values: SHOCK_VALUES };
  return undefined;
}

/** The coverage curve as a table. */
export function renderCalibration(c: Calibration, books: readonly string[], model: string): string {
  const rows = c.points.flatMap((p) =>
    p.books.map((b, i) => [
      i === 0 ? String(p.value) : '',
      books[i]!,
      `${b.breaches} (${b.expectedBreaches.toFixed(1)})`,
      fmt(b.kupiecP, 4),
      fmt(b.averageMargin, 6),
      `${(b.costOfMargin * 100).toFixed(2)} %`,
      b.meetsTarget ? 'yes' : 'no',
    ]),
  );
  const head = [
    'value',
    'book',
    'breaches (expected)',
    'Kupiec p',
    'average IM',
    'cost of margin',
    'meets',
  ];
  return [
    `${model}: ${c.parameter} calibrated to ${c.target * 100} % coverage (breaches ≤ expected and Kupiec not rejected at ${c.significance * 100} %)`,
    renderTable(
      head,
      rows,
      head.map((_, i) => (i < 2 ? 'left' : 'right')),
    ),
    c.chosen !== undefined
      ? `smallest value meeting the target on every book: ${c.chosen}`
      : 'no value meets the target on every book: extend --values',
  ].join('\n');
}

/** Builds the `calibrate` command. */
export function calibrateCommand() {
  const cmd = new Command('calibrate')
    .description(
      'smallest value of a shock-size parameter that meets a coverage target on history, with the coverage curve',
    )
    .argument('<portfolios...>', 'one or more portfolio files (the target must hold on each)')
    .addOption(new Option('--model <id>', 'margin model').choices(modelIds()).makeOptionMandatory())
    .option(
      '--param <path>',
      'dot path of the parameter (defaults: deribit-pm model_params.currency_pair.<pair>.price_range, span commodities.<coin>.priceScanRange)',
    )
    .option(
      '--values <list>',
      'ascending candidate values, comma separated (default for those: 0.04,0.06,…,0.2)',
    )
    .requiredOption('--from <date>', 'first day of the history window (YYYY-MM-DD)')
    .requiredOption('--to <date>', 'last day of the history window (YYYY-MM-DD)')
    .option('--target <p>', 'coverage target', numberOption('--target'), 0.99)
    .option('--horizon <days>', 'loss horizon in whole days', numberOption('--horizon'), 1)
    .option(
      '--history <file...>',
      'price history CSV(s) (default: the bundled BTC/ETH daily closes)',
    )
    .option('--params <file>', 'JSON parameter overrides the calibration starts from')
    .option('-o, --output <file>', 'write the chosen value as a params file (for margin --params)')
    .option('--json', 'print JSON', false);
  return marketOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  $ ballast calibrate examples/perp-book.json examples/short-strangle.json --market snapshot.json --allow-stale --model deribit-pm --from 2019-01-01 --to 2019-10-01 -o calibrated.json
  $ ballast calibrate examples/short-strangle.json --market snapshot.json --allow-stale --model deribit-pm --param model_params.currency_pair.btc_usd.volatility_range_up --values 0.25,0.5,0.75 --from 2019-01-01 --to 2019-10-01

Each candidate value is backtested day by day on every book (the snapshot moved along the
history, re-margined by the model; see ballast backtest --help); the smallest value with breaches
≤ n·(1 − target) and Kupiec's test not rejected at 5 % on every book is chosen.`,
    )
    .action(guarded((files, o) => runCalibrate(files, o)));
}

/** The options `calibrate` reads (commander's parsed options). */
type CalibrateOptions = MarketOptions & {
  model: string;
  param?: string;
  values?: string;
  from: string;
  to: string;
  target: number;
  horizon: number;
  history?: string[];
  params?: string;
  output?: string;
  json: boolean;
};

/** The parameter to calibrate and its candidate values: the flags, else the model's defaults. */
function calibrationTarget(
  model: MarginModel<unknown>,
  base: unknown,
  firstUnderlying: string,
  o: CalibrateOptions,
): { param: string; values: number[] } {
  const def = defaults(model.id, firstUnderlying);
  const param = o.param ?? def?.param;
  if (!param)
    throw new BallastError(
      'INVALID_INPUT',
      `required for ${model.id}: the dot path of the parameter to calibrate`,
      '--param',
    );
  if (parameterValue(base, param) === undefined)
    throw new BallastError(
      'INVALID_INPUT',
      `the ${model.id} parameters have no number at "${param}"`,
      '--param',
    );
  const values = o.values !== undefined ? parseValues(o.values) : def?.values;
  if (!values) throw new BallastError('INVALID_INPUT', 'required: candidate values', '--values');
  return { param, values };
}

/** Writes the chosen value as a params file (`--output`); nothing chosen is INVALID_INPUT. */
function writeChosen(path: string, param: string, c: Calibration): void {
  if (c.chosen === undefined)
    throw new BallastError(
      'INVALID_INPUT',
      'no value meets the target: nothing to write (extend --values)',
      '--output',
    );
  writeFileSync(path, `${JSON.stringify(parameterOverride(param, c.chosen), null, 2)}\n`);
}

/** The action of `calibrate`: backtests each candidate on every book, prints or writes the result. */
function runCalibrate(files: string[], o: CalibrateOptions): void {
  const model = marginModel(o.model) as MarginModel<unknown>;
  if (HISTORY_MODELS.includes(model.id))
    throw new BallastError(
      'UNSUPPORTED',
      `${model.id} margins from the history up to each day; calibrate moves one snapshot along the path (use backtest --confidence for it)`,
      '--model',
    );
  const fromMs = day(o.from, '--from');
  const toMs = day(o.to, '--to');
  if (!(Number.isInteger(o.horizon) && o.horizon >= 1))
    throw new BallastError('INVALID_INPUT', `whole days ≥ 1, got ${o.horizon}`, '--horizon');
  const { snapshot } = loadMarketChecked(o);
  const books = files.map((f) => loadPortfolio(f, snapshot));
  const base = modelParams(model, o.params);
  const first = underlyingsOf(books[0]!.positions)[0] ?? 'BTC';
  const { param, values } = calibrationTarget(model, base, first, o);
  const histories = books.map(
    (b) => loadHistory(o.history ?? [], underlyingsOf(b.positions)).series,
  );
  const days = Math.max(0, Math.round((toMs - fromMs) / MS_PER_DAY) + 1);
  const bar = progressBar(days * values.length * books.length, `calibrate ${model.id}`);
  let done = 0;
  let c: Calibration;
  try {
    c = calibrateParameter(
      param,
      values,
      books.length,
      (value, k) => {
        const params = withParameter(base, param, value);
        const r = backtestMargin({
          portfolio: books[k]!,
          snapshot,
          history: histories[k]!,
          fromMs,
          toMs,
          horizonDays: o.horizon,
          confidence: o.target,
          marginOf: (d) => model.evaluate(books[k]!, d.snapshot, params),
          onProgress: (d) => bar.tick(done + d),
        });
        done += r.days;
        return r;
      },
      { target: o.target },
    );
  } finally {
    bar.stop();
  }
  if (o.output) writeChosen(o.output, param, c);
  if (o.json) {
    process.stdout.write(toJsonText({ model: model.id, books: files, ...c }));
    return;
  }
  process.stdout.write(
    `${renderCalibration(c, files, model.id)}\n${o.output ? `wrote ${o.output}\n` : ''}`,
  );
}
