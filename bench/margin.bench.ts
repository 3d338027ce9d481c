/**
 * Margin-engine timings on the bundled real Deribit BTC snapshot:
 * - P&L-matrix build for the whole BTC chain (every option and future of the recorded book
 *   on a fitted expiry) × the 35 Deribit PM cells, against a baseline of the same number of
 *   bare Black-76 prices;
 * - full `deribit-pm` margin of a 100-position options book, and the what-if of one trade by
 *   the incremental path against re-evaluating the book.
 * Best of several timed rounds after a warm-up, printed as a table with ratios.
 */
import { parseSymbol } from '../src/instruments/symbol.ts';
import { buildPnlMatrix } from '../src/risk/pnl-matrix.ts';
import { deribitGrid, DERIBIT_GRID_DEFAULTS } from '../src/scenarios/deribit-grid.ts';
import { deribitPmModel } from '../src/margin/deribit-pm/deribit-pm.ts';
import { whatIf, whatIfByRevaluation } from '../src/margin/what-if.ts';
import { portfolio } from '../src/risk/portfolio.ts';
import { black76Price } from '../src/pricing/black76.ts';
import { bestMs, bundledBtc, optionsBook, printRows } from './harness.ts';

/** Best of 5 after 2 warm-ups: these runs are short. */
const best = (fn: () => unknown): number => bestMs(fn, 5, 2);

/** Runs the margin benchmarks and prints their table. */
export async function runMarginBench(): Promise<void> {
  const { snapshot, chain, options } = bundledBtc();
  const btc = snapshot.underlyings.BTC!;
  const grid = deribitGrid('BTC', {
    ...DERIBIT_GRID_DEFAULTS,
    priceRange: 0.16,
    bucketsCount: 4,
    volatilityRangeUp: 0.5,
    volatilityRangeDown: 0.25,
    minVolatilityForShockUp: 0.5,
    shortTermVegaPower: 0.3,
    longTermVegaPower: 0.13,
    extendedTableFactor: 1,
  });
  const nS = grid.scenarios.length;

  const matrixMs = best(() => buildPnlMatrix(chain, snapshot, grid.scenarios, { cache: false }));
  const F = btc.index;
  const priceMs = best(() => {
    let s = 0;
    for (let i = 0; i < chain.length * nS; i++)
      s += black76Price(
        i % 2 ? 'call' : 'put',
        F * (0.84 + (i % 9) * 0.04),
        40000 + (i % 50) * 1000,
        0.1 + (i % 7) * 0.05,
        0.5 + (i % 5) * 0.05,
        1,
      );
    return s;
  });

  // A 100-position options book (deterministic pick across the chain, sizes ±0.5..10 BTC).
  const positions = optionsBook(options);
  const book = portfolio(positions, [{ currency: 'BTC', amount: 50 }]);
  const params = deribitPmModel.defaultParams;
  const marginMs = best(() => deribitPmModel.evaluate(book, snapshot, params));
  const trade = [{ instrument: parseSymbol('BTC-PERPETUAL', 'deribit'), size: 1 }];
  const incrementalMs = best(() => whatIf(deribitPmModel, book, snapshot, params, trade));
  const revaluationMs = best(() =>
    whatIfByRevaluation(deribitPmModel, book, snapshot, params, trade),
  );
  const trades10 = options
    .slice(500, 510)
    .map((instrument, k) => ({ instrument, size: k % 2 ? 1 : -1 }));
  const incremental10Ms = best(() => whatIf(deribitPmModel, book, snapshot, params, trades10));
  const revaluation10Ms = best(() =>
    whatIfByRevaluation(deribitPmModel, book, snapshot, params, trades10),
  );

  const rows: [string, string, string][] = [
    [
      `P&L matrix: ${chain.length} instruments × ${nS} cells`,
      `${matrixMs.toFixed(1)} ms`,
      `${((chain.length * nS) / matrixMs / 1000).toFixed(2)} M revaluations/s; ${(matrixMs / priceMs).toFixed(2)}× the bare Black-76 baseline`,
    ],
    [`baseline: ${chain.length * nS} bare Black-76 prices`, `${priceMs.toFixed(1)} ms`, '1.00×'],
    [
      'deribit-pm margin, 100-position options book',
      `${marginMs.toFixed(2)} ms`,
      `${(1000 / marginMs).toFixed(0)} books/s`,
    ],
    [
      'what-if of one trade, incremental (before, after, alone)',
      `${incrementalMs.toFixed(2)} ms`,
      `${(revaluationMs / incrementalMs).toFixed(2)}× faster than re-evaluation`,
    ],
    ['what-if of one trade, by re-evaluation', `${revaluationMs.toFixed(2)} ms`, '1.00×'],
    [
      'what-if of 10 trades, incremental',
      `${incremental10Ms.toFixed(2)} ms`,
      `${(revaluation10Ms / incremental10Ms).toFixed(2)}× faster than re-evaluation`,
    ],
    ['what-if of 10 trades, by re-evaluation', `${revaluation10Ms.toFixed(2)} ms`, '1.00×'],
  ];
  printRows('Margin engine (bundled Deribit BTC snapshot)', rows);
}
