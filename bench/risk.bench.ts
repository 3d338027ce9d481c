/**
 * Risk-analytics timings on the bundled real Deribit BTC snapshot and BTC history:
 * - Monte Carlo ES with 10,000 scenarios on the whole BTC chain: the scenarios (Student-t, ν 4),
 *   the full-revaluation P&L matrix (every option and future × 10,000 paths), against a baseline
 *   of the same number of bare Black-76 prices; then the ES of 100 accounts from that one matrix
 *   (P&L vector + tail mean per account) against margining each account from scratch;
 * - historical-simulation VaR (99 %, 1 day, every day of the bundled BTC history) of a
 *   100-position options book through the `var` model, against `deribit-pm` on the same book.
 * Best of several timed rounds after a warm-up, printed as a table with ratios.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePriceCsv } from '../src/market/history.ts';
import { withHistory } from '../src/market/market-history.ts';
import { accountPnl, buildPnlMatrix } from '../src/risk/pnl-matrix.ts';
import { expectedShortfall } from '../src/risk/var.ts';
import { monteCarloScenarios } from '../src/scenarios/monte-carlo.ts';
import { atmImpliedVol } from '../src/market/market-vols.ts';
import { RISK_BASED_DEFAULTS } from '../src/margin/risk-based/params.ts';
import { esModel, varModel } from '../src/margin/risk-based/risk-based.ts';
import { deribitPmModel } from '../src/margin/deribit-pm/deribit-pm.ts';
import { portfolio, type Position } from '../src/risk/portfolio.ts';
import { black76Price } from '../src/pricing/black76.ts';
import { bestMs as best, bundledBtc, optionsBook, printRows } from './harness.ts';

const historyFile = fileURLToPath(
  new URL('../data/crypto-ohlc/bitfinex_BTC_ETH_USD_d.csv', import.meta.url),
);

/** Runs the risk benchmarks and prints their table. */
export async function runRiskBench(): Promise<void> {
  const { snapshot, chain, options } = bundledBtc();
  const btc = snapshot.underlyings.BTC!;
  const paths = 10000;
  const vol = atmImpliedVol(snapshot, 'BTC');
  const mcOptions = {
    underlyings: ['BTC'],
    vols: [vol],
    correlation: [[1]],
    horizonDays: 1,
    paths,
    seed: 1,
    model: 'student-t' as const,
    degreesOfFreedom: 4,
  };
  const scenariosMs = best(() => monteCarloScenarios(mcOptions));
  const scenarios = monteCarloScenarios(mcOptions);
  const matrixMs = best(() => buildPnlMatrix(chain, snapshot, scenarios, { cache: false }), 2, 1);
  const matrix = buildPnlMatrix(chain, snapshot, scenarios, { cache: false });
  const n = chain.length * paths;
  const F = btc.index;
  const priceMs = best(
    () => {
      let s = 0;
      for (let i = 0; i < n; i++)
        s += black76Price(
          i % 2 ? 'call' : 'put',
          F * (0.9 + (i % 21) * 0.01),
          40000 + (i % 50) * 1000,
          0.1 + (i % 7) * 0.05,
          0.5 + (i % 5) * 0.05,
          1,
        );
      return s;
    },
    2,
    1,
  );

  // 100 accounts of 10 positions each, sizes ±0.5..5, drawn deterministically from the chain.
  const accounts: Float64Array[] = [];
  const books: Position[][] = [];
  for (let a = 0; a < 100; a++) {
    const sizes = new Float64Array(chain.length);
    const book: Position[] = [];
    for (let k = 0; k < 10; k++) {
      const row = (a * 131 + k * 977) % chain.length;
      if (sizes[row] !== 0) continue;
      const size = ((a + k) % 2 ? -1 : 1) * (0.5 + ((a * 7 + k) % 10) * 0.5);
      sizes[row] = size;
      book.push({ instrument: chain[row]!, size });
    }
    accounts.push(sizes);
    books.push(book);
  }
  const perAccountMs = best(() => {
    let s = 0;
    for (const sizes of accounts) s += expectedShortfall(accountPnl(matrix, sizes), 0.99);
    return s;
  });
  const esParams = { ...RISK_BASED_DEFAULTS, mc: { ...RISK_BASED_DEFAULTS.mc, paths } };
  const fromScratchMs =
    best(
      () => {
        for (const b of books.slice(0, 10))
          esModel.evaluate(portfolio(b, [{ currency: 'BTC', amount: 10 }]), snapshot, esParams);
      },
      2,
      1,
    ) * 10;

  // HS VaR of a 100-position options book over the whole bundled BTC history.
  const { series } = parsePriceCsv(
    readFileSync(historyFile, 'utf8'),
    'bitfinex_BTC_ETH_USD_d.csv',
    { symbol: 'BTC' },
  );
  const withBtc = withHistory(snapshot, {
    series: [{ ...series, symbol: 'BTC' }],
    source: 'bitfinex',
  });
  const positions = optionsBook(options);
  const book = portfolio(positions, [{ currency: 'BTC', amount: 50 }]);
  const hsParams = { ...RISK_BASED_DEFAULTS, method: 'hs' as const };
  const hsMs = best(() => varModel.evaluate(book, withBtc, hsParams));
  const nHs = series.closes.length - 1;
  const pmMs = best(() => deribitPmModel.evaluate(book, snapshot, deribitPmModel.defaultParams));

  const rows: [string, string, string][] = [
    [`MC scenarios: ${paths} Student-t paths (BTC, 1 day)`, `${scenariosMs.toFixed(1)} ms`, ''],
    [
      `P&L matrix: ${chain.length} instruments × ${paths} MC scenarios`,
      `${matrixMs.toFixed(0)} ms`,
      `${(n / matrixMs / 1000).toFixed(2)} M revaluations/s; ${(matrixMs / priceMs).toFixed(2)}× the bare Black-76 baseline`,
    ],
    [`baseline: ${n} bare Black-76 prices`, `${priceMs.toFixed(0)} ms`, '1.00×'],
    [
      'ES 99 % of 100 accounts from that matrix',
      `${perAccountMs.toFixed(1)} ms`,
      `${(perAccountMs / 100).toFixed(3)} ms per account; ${(fromScratchMs / perAccountMs).toFixed(0)}× faster than margining each from scratch`,
    ],
    [
      'es model on each of 100 accounts from scratch (10 timed, ×10)',
      `${fromScratchMs.toFixed(0)} ms`,
      '1.00×',
    ],
    [
      `var (hs, ${nHs} daily scenarios), 100-position options book`,
      `${hsMs.toFixed(1)} ms`,
      `${((100 * nHs) / hsMs / 1000).toFixed(2)} M revaluations/s; ${(hsMs / pmMs).toFixed(2)}× deribit-pm on the same book`,
    ],
    ['baseline: deribit-pm margin, same book (35 cells)', `${pmMs.toFixed(2)} ms`, '1.00×'],
  ];
  printRows('Risk analytics (bundled Deribit BTC snapshot, bundled BTC history)', rows);
}
