/** `ballast margin`, `ballast compare`, `ballast whatif`. */
import { Command, Option } from '@commander-js/extra-typings';
import { BallastError } from '../core/errors.ts';
import { parseSymbol } from '../instruments/symbol.ts';
import { marginModel } from '../margin/registry.ts';
import { compareModels } from '../margin/compare.ts';
import { deriveCaseMargin, isDeriveCase } from '../io/derive-case.ts';
import { readJsonFile } from '../io/read-json.ts';
import { renderComparison, renderMarginResult } from '../io/render-margin.ts';
import { fmt, renderTable } from '../io/table.ts';
import { underlyingsOf, type Position } from '../risk/portfolio.ts';
import { toJsonText } from '../io/json-output.ts';
import { marginUseCase } from '../app/margin.ts';
import { compareUseCase } from '../app/compare.ts';
import { whatIfUseCase } from '../app/what-if.ts';
import { withLoadedHistory } from '../app/risk-params.ts';
import { guarded } from './errors.ts';
import { loadHistory } from './risk.ts';
import {
  HYPOTHESIS_OPTION_HELP,
  loadMarketChecked,
  loadPortfolio,
  marketOptions,
  modelIds,
  modelParams,
} from './context.ts';

/** `--history` of margin and whatif: price history is market data, attached to the market. */
const HISTORY_HELP =
  'price history CSV(s), FILE or SYM=FILE, attached to the market for the history-driven models (var, es, stans, span2: hs/fhs scenarios, EWMA vols); default: none';
const KEEP_OUTLIERS_HELP =
  'keep the history bad prints (closes that leave and come back; excluded by default, listed)';

/** Builds the `margin` command. */
export function marginCommand() {
  const cmd = new Command('margin')
    .description(
      'Margin a portfolio under one model: IM, MM, equity, worst scenario, contributors, add-ons',
    )
    .argument(
      '<portfolio>',
      'portfolio: Ballast JSON, CSV (instrument,size[,entryPrice]), Deribit get_positions, ccxt fetchPositions, or a Derive PM2 case',
    )
    .addOption(new Option('--model <id>', 'margin model').choices(modelIds()).makeOptionMandatory())
    .option('--params <file>', 'JSON file of parameter overrides, merged over the model defaults')
    .option('--hypothesis <name=reading...>', HYPOTHESIS_OPTION_HELP)
    .option('--history <file...>', HISTORY_HELP)
    .option('--keep-outliers', KEEP_OUTLIERS_HELP, false)
    .option('--json', 'print JSON', false);
  return marketOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  $ ballast margin examples/hedged-book.json --market examples/btc-snapshot.json --allow-stale --model deribit-pm
  $ ballast margin examples/short-strangle.csv --market data/deribit-quantflow/deribit_btc.json.gz --allow-stale --model deribit-standard --json
  $ ballast margin test/fixtures/derive-pm2/test_1_collateral_cash_only.json --model derive-pm2 --json
  $ ballast margin examples/mixed-book.json --market examples/btc-eth-snapshot.json --allow-stale --model deribit-xpm
  $ ballast margin examples/perp-book.json --market examples/btc-snapshot.json --allow-stale --model binance-pm --params examples/binance-pm-brackets.json
  $ ballast margin examples/short-strangle.json --market examples/btc-snapshot.json --allow-stale --model deribit-pm --hypothesis inverseOptionPnl=usd-at-shocked
  $ ballast margin examples/hedged-book.json --market examples/btc-snapshot.json --allow-stale --model deribit-pm --index BTC=60000 --vol BTC-25SEP26-70000-C=0.5 --mark BTC-PERPETUAL=60050
  $ ballast margin examples/short-strangle.json --market examples/btc-snapshot.json --allow-stale --model es --params examples/es-fhs-params.json --history data/crypto-ohlc/Coinbase_BTCUSD_d.csv

Sizes are in coins (base units). A Derive PM2 case file carries its own market and parameters.
Price history is market data, not a parameter: --history attaches it to the market.
--index, --mark and --vol override the market for one run (said in the warnings): see README "Your own marks".`,
    )
    .action(
      guarded((file, o) => {
        const model = marginModel(o.model);
        if (model.id === 'derive-pm2' && o.market === undefined) {
          const value = readJsonFile(file);
          if (isDeriveCase(value)) {
            const r = deriveCaseMargin(value, file);
            process.stdout.write(o.json ? toJsonText(r) : `${renderMarginResult(r)}\n`);
            return;
          }
        }
        const { snapshot, warnings } = loadMarketChecked(o);
        const portfolio = loadPortfolio(file, snapshot);
        const params = modelParams(model, o.params, o.hypothesis);
        const history = o.history
          ? loadHistory(o.history, underlyingsOf(portfolio.positions), o.keepOutliers)
          : null;
        const combined = marginUseCase({
          portfolio,
          snapshot: withLoadedHistory(snapshot, history),
          modelId: model.id,
          params,
          warnings,
        });
        const pools = combined.pools;
        if (o.json) {
          process.stdout.write(toJsonText(combined));
          return;
        }
        process.stdout.write(`${pools.map((r) => renderMarginResult(r)).join('\n\n')}\n`);
        if (pools.length > 1)
          process.stdout.write(
            `\ntotal over pools (USD): IM ${fmt(combined.initialMargin, 2)}, MM ${fmt(combined.maintenanceMargin, 2)}, equity ${fmt(combined.equity, 2)}\n`,
          );
      }),
    );
}

/** Builds the `compare` command. */
export function compareCommand() {
  const cmd = new Command('compare')
    .description(
      'Margin a portfolio under every applicable model, side by side, with the saving against isolated margin',
    )
    .argument('<portfolio>', 'portfolio file (see ballast margin --help)')
    .option('--json', 'print JSON', false);
  return marketOptions(cmd)
    .addHelpText(
      'after',
      `\nExamples:\n  $ ballast compare examples/hedged-book.json --market examples/btc-snapshot.json --allow-stale\n  $ ballast compare examples/short-strangle.csv --market examples/btc-snapshot.json --allow-stale --json\n  $ ballast compare examples/mixed-book.json --market examples/btc-eth-snapshot.json --allow-stale`,
    )
    .action(
      guarded((file, o) => {
        const { snapshot, warnings } = loadMarketChecked(o);
        const portfolio = loadPortfolio(file, snapshot);
        if (o.json) {
          process.stdout.write(toJsonText(compareUseCase(portfolio, snapshot, warnings)));
          return;
        }
        const { rows, baselineUsd } = compareModels(portfolio, snapshot);
        process.stdout.write(`${renderComparison(rows, baselineUsd)}\n`);
        for (const w of warnings) process.stdout.write(`note: ${w}\n`);
      }),
    );
}

/** Parses `SYMBOL:SIZE` (size in coins). */
function parseTrade(text: string, field = '--trade'): Position {
  const i = text.lastIndexOf(':');
  if (i <= 0)
    throw new BallastError(
      'INVALID_INPUT',
      `expected SYMBOL:SIZE (size in coins, e.g. BTC-PERPETUAL:-0.5), got "${text}"`,
      field,
    );
  const instrument = parseSymbol(text.slice(0, i), undefined, field);
  const size = Number(text.slice(i + 1));
  if (text.slice(i + 1).trim() === '' || !Number.isFinite(size) || size === 0)
    throw new BallastError(
      'INVALID_INPUT',
      `size must be a non-zero number of coins, got "${text.slice(i + 1)}"`,
      field,
    );
  return { instrument, size };
}

/** Builds the `whatif` command. */
export function whatifCommand() {
  const cmd = new Command('whatif')
    .description("Margin before and after trades, and each trade's incremental margin")
    .argument('<portfolio>', 'portfolio file (see ballast margin --help)')
    .addOption(new Option('--model <id>', 'margin model').choices(modelIds()).default('deribit-pm'))
    .option('--trade <SYMBOL:SIZE...>', 'trade(s), size in coins (negative = sell)')
    .option('--params <file>', 'JSON file of parameter overrides')
    .option('--hypothesis <name=reading...>', HYPOTHESIS_OPTION_HELP)
    .option('--history <file...>', HISTORY_HELP)
    .option('--keep-outliers', KEEP_OUTLIERS_HELP, false)
    .option('--json', 'print JSON', false);
  return marketOptions(cmd)
    .addHelpText(
      'after',
      `\nExamples:\n  $ ballast whatif examples/short-strangle.csv --market examples/btc-snapshot.json --allow-stale --trade BTC-PERPETUAL:0.5\n  $ ballast whatif examples/hedged-book.json --market examples/btc-snapshot.json --allow-stale --model okx-pm --trade BTC-25SEP26-60000-P:1 --trade BTC-25SEP26:-1`,
    )
    .action(
      guarded((file, o) => {
        const tradesText = o.trade ?? [];
        if (tradesText.length === 0)
          throw new BallastError(
            'INVALID_INPUT',
            'give at least one trade as SYMBOL:SIZE',
            '--trade',
          );
        const model = marginModel(o.model);
        const { snapshot, warnings } = loadMarketChecked(o);
        const portfolio = loadPortfolio(file, snapshot);
        const trades = tradesText.map((t, k) => parseTrade(t, `--trade[${k}]`));
        const unds = underlyingsOf([...portfolio.positions, ...trades]);
        const history = o.history ? loadHistory(o.history, unds, o.keepOutliers) : null;
        const r = whatIfUseCase({
          portfolio,
          snapshot: withLoadedHistory(snapshot, history),
          modelId: model.id,
          params: modelParams(model, o.params, o.hypothesis),
          trades,
          tradeField: (k) => `--trade[${k}]`,
          tradesField: '--trade',
        });
        if (o.json) {
          process.stdout.write(toJsonText({ ...r, warnings }));
          return;
        }
        const rows = [
          ['before', '', fmt(r.beforeUsd.initialMargin, 2), fmt(r.beforeUsd.maintenanceMargin, 2)],
          ...r.trades.map((t) => [
            `+ ${t.symbol} alone`,
            fmt(t.size, 4),
            `${t.incrementalInitialMarginUsd >= 0 ? '+' : ''}${fmt(t.incrementalInitialMarginUsd, 2)}`,
            `${t.incrementalMaintenanceMarginUsd >= 0 ? '+' : ''}${fmt(t.incrementalMaintenanceMarginUsd, 2)}`,
          ]),
          [
            'after all trades',
            '',
            fmt(r.afterUsd.initialMargin, 2),
            fmt(r.afterUsd.maintenanceMargin, 2),
          ],
        ];
        process.stdout.write(
          `${model.id}: what-if (USD; incremental rows are the change from "before")\n${renderTable(['', 'size', 'IM', 'MM'], rows)}\n`,
        );
        for (const w of warnings) process.stdout.write(`warning: ${w}\n`);
      }),
    );
}
