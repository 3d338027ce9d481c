/**
 * `ballast engine gen | bench | run`: the batch margin engine (src/engine) on a whole book
 * of accounts against one prepared market, in this thread or over worker threads
 * (src/workers). Only `deribit-pm` has a batch kernel so far.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { Command, Option } from '@commander-js/extra-typings';
import cliProgress from 'cli-progress';
import { BallastError } from '../core/errors.ts';
import { parseSymbol } from '../instruments/symbol.ts';
import type { Instrument } from '../instruments/instrument.ts';
import { accountLineFromJson, accountLineId } from '../io/account-line.ts';
import { portfolioFromJson } from '../io/portfolio-input.ts';
import { fmt, renderTable } from '../io/table.ts';
import { DERIBIT_PM_ID, DERIBIT_PM_VERSION } from '../margin/deribit-pm/deribit-pm.ts';
import { prepareDeribitPm, type DeribitPmMarket } from '../margin/deribit-pm/prepared.ts';
import type { DeribitPmParams } from '../margin/deribit-pm/params.ts';
import { marginModel } from '../margin/registry.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { listedUniverse } from '../optimize/universe.ts';
import {
  bookBytesPerAccount,
  buildAccountBook,
  collateralPools,
  type AccountBook,
  type AccountInput,
} from '../engine/account-book.ts';
import { errorOf, buildInstrumentTable, type InstrumentTable } from '../engine/instrument-table.ts';
import { STATE_NAMES } from '../engine/health-state.ts';
import { batchResults, RESULT_BYTES_PER_ACCOUNT, type BatchResults } from '../engine/results.ts';
import { syntheticAccounts } from '../engine/synthetic.ts';
import { marginPool } from '../workers/margin-pool.ts';
import { guarded, numberOption } from './errors.ts';
import {
  HYPOTHESIS_OPTION_HELP,
  loadMarketChecked,
  marketOptions,
  modelParams,
} from './context.ts';
import { buildReadingTables, type ReadingTables } from '../engine/reading-tables.ts';
import { DERIBIT_PM_HYPOTHESES } from '../margin/deribit-pm/hypotheses.ts';
import { readingOf, withDominant } from '../margin/hypotheses.ts';
import { changeInstruments, runTicks, type TickRun, type TickSummary } from './engine-ticks.ts';
import { benchTick, type BenchTick } from './engine-bench-tick.ts';

/** The prepared market of the command's flags (deribit-pm only). */
function prepare(o: {
  market?: string;
  allowStale: boolean;
  maxAge: string;
  model: string;
  params?: string;
  hypothesis?: string[];
}): {
  market: DeribitPmMarket;
  snapshot: MarketSnapshot;
  listed: readonly string[] | undefined;
  warnings: string[];
} {
  if (o.model !== DERIBIT_PM_ID)
    throw new BallastError(
      'UNSUPPORTED',
      `the batch engine has a kernel for deribit-pm only; margin ${o.model} accounts one by one with ballast margin`,
      '--model',
    );
  const { snapshot, warnings, listedSymbols } = loadMarketChecked(o);
  const params = modelParams(marginModel(o.model), o.params, o.hypothesis) as DeribitPmParams;
  return { market: prepareDeribitPm(snapshot, params), snapshot, listed: listedSymbols, warnings };
}

/** The market's listed instruments: a raw file's symbols, else the snapshot's listed universe. */
function listedChain(
  snapshot: MarketSnapshot,
  listed: readonly string[] | undefined,
): Instrument[] {
  if (listed) {
    const out: Instrument[] = [];
    for (const s of listed) {
      try {
        out.push(parseSymbol(s, 'deribit'));
      } catch {
        // symbols the venue lists but Ballast does not parse are not drawn
      }
    }
    for (const und of Object.keys(snapshot.underlyings))
      out.push(parseSymbol(`${und}-PERPETUAL`, 'deribit'));
    return out;
  }
  return listedUniverse(snapshot, { minDays: 1 }).candidates.map((c) => c.instrument);
}

const int = (flag: string) => (v: string) => {
  const x = numberOption(flag)(v);
  if (!Number.isInteger(x) || x < 0)
    throw new BallastError('INVALID_INPUT', `expected a whole number ≥ 0, got "${v}"`, flag);
  return x;
};

const modelOption = () =>
  new Option('--model <id>', 'margin model (batch kernel: deribit-pm)').default(DERIBIT_PM_ID);

/** The chain's table (priced rows) and the synthetic book of `gen` and `bench`. */
function syntheticSetup(
  market: DeribitPmMarket,
  snapshot: MarketSnapshot,
  listed: readonly string[] | undefined,
  o: { accounts: number; positions: number; seed: number },
  shared: boolean,
): { table: InstrumentTable; book: AccountBook; prepareMs: number } {
  const t0 = performance.now();
  const table = buildInstrumentTable(market, listedChain(snapshot, listed), shared);
  const prepareMs = performance.now() - t0;
  if (o.positions < 1)
    throw new BallastError('INVALID_INPUT', 'expected at least 1 position', '--positions');
  const book = syntheticAccounts(table, { ...o, shared });
  return { table, book, prepareMs };
}

/** One account of a book as a portfolio JSON line (sizes in coins). */
function accountLine(table: InstrumentTable, book: AccountBook, a: number): string {
  const positions = [];
  for (let j = book.ptr[a]!; j < book.ptr[a + 1]!; j++)
    positions.push({ instrument: table.rows.symbols[book.row[j]!]!, size: book.size[j]! });
  const nP = table.pools.currencies.length;
  const balances = table.pools.currencies
    .map((currency, p) => ({ currency, amount: book.collateral[a * nP + p]! }))
    .filter((b) => b.amount !== 0);
  return JSON.stringify({ id: book.ids[a], positions, balances });
}

/** Writes lines to a file in large chunks. */
function writeLines(path: string, n: number, line: (i: number) => string): void {
  const fd = openSync(path, 'w');
  try {
    let chunk: string[] = [];
    for (let i = 0; i < n; i++) {
      chunk.push(line(i));
      if (chunk.length === 10_000) {
        writeSync(fd, `${chunk.join('\n')}\n`);
        chunk = [];
      }
    }
    if (chunk.length) writeSync(fd, `${chunk.join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
}

function genCommand() {
  const cmd = new Command('gen')
    .description('Write seeded synthetic accounts (JSON lines) drawn from the listed instruments')
    .requiredOption('--accounts <n>', 'number of accounts', int('--accounts'))
    .option('--positions <k>', 'positions per account', int('--positions'), 10)
    .option('--seed <s>', 'random seed', int('--seed'), 1)
    .requiredOption('-o, --out <file>', 'output file (JSON lines)')
    .addOption(modelOption())
    .option('--params <file>', 'JSON file of parameter overrides')
    .option('--hypothesis <name=reading...>', HYPOTHESIS_OPTION_HELP);
  return marketOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  $ ballast engine gen --accounts 1000 --positions 10 --market data/deribit-quantflow/deribit_btc.json.gz --allow-stale -o accounts.jsonl

Each line is a portfolio (positions in coins, balances) plus an "id". About 90 % of the
accounts get collateral of 1.5–4 × their IM, the rest 0.7–1.3 ×.`,
    )
    .action(
      guarded((o) => {
        const { market, snapshot, listed } = prepare(o);
        const { table, book } = syntheticSetup(market, snapshot, listed, o, false);
        writeLines(o.out, book.nAccounts, (a) => accountLine(table, book, a));
        process.stderr.write(`wrote ${book.nAccounts} accounts to ${o.out}\n`);
      }),
    );
}

/** Counts per state name. */
function stateCounts(res: BatchResults, n: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of STATE_NAMES) counts[s] = 0;
  for (let a = 0; a < n; a++) counts[STATE_NAMES[res.state[a]!]!]!++;
  return counts;
}

/** `engine bench --json`: the default (highest over the readings) and the pinned reading. */
interface BenchOutput {
  model: string;
  accounts: number;
  positionsPerAccount: number;
  workers: number;
  instruments: number;
  prepareMs: number;
  seconds: number;
  accountsPerSecond: number;
  bytesPerAccount: number;
  states: Record<string, number>;
  hypotheses: { readings: number; tablesPriced: number; prepareMs: number };
  /** An index tick at the default: tick → last event (cli/engine-bench-tick.ts). */
  tick: BenchTick;
  pinned: {
    readings: Record<string, string>;
    seconds: number;
    accountsPerSecond: number;
    states: Record<string, number>;
  };
}

/** Best of `rounds` timed runs (after one warm-up), seconds. */
async function bestSeconds(
  pool: ReturnType<typeof marginPool>,
  target: InstrumentTable | ReadingTables,
  book: AccountBook,
  res: BatchResults,
  rounds: number,
): Promise<number> {
  await pool.run(target, book, res);
  let best = Infinity;
  for (let i = 0; i < Math.max(1, rounds); i++) {
    const t0 = performance.now();
    await pool.run(target, book, res);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

/** The readings of the hypothesis rules in the market's params (the pinned side of bench). */
function pinnedReadings(market: DeribitPmMarket): Record<string, string> {
  const p = withDominant(DERIBIT_PM_HYPOTHESES, market.params);
  return Object.fromEntries(
    DERIBIT_PM_HYPOTHESES.rules.map((r) => [r.name, readingOf(r, p)] as const),
  );
}

/** The text report of `engine bench`: default (highest over readings) and pinned side by side. */
function renderBench(out: BenchOutput, workers: number, readingsMs: number): string {
  const { prepareMs, seconds } = out;
  const pinnedSeconds = out.pinned.seconds;
  return `${renderTable(
    ['engine bench', DERIBIT_PM_ID],
    [
      ['instruments priced (prepare)', `${out.instruments} in ${fmt(prepareMs, 1)} ms`],
      ['accounts × positions', `${out.accounts} × ${out.positionsPerAccount}`],
      ['workers', workers === 0 ? '0 (this thread)' : String(workers)],
      [
        'hypothesis readings (tables priced)',
        `${out.hypotheses.readings} (${out.hypotheses.tablesPriced} in ${fmt(readingsMs, 1)} ms)`,
      ],
      ['default (highest over readings): best of rounds', `${fmt(seconds * 1000, 1)} ms`],
      ['default: accounts per second', fmt(out.accountsPerSecond, 0)],
      ['pinned (one reading, below): best of rounds', `${fmt(pinnedSeconds * 1000, 1)} ms`],
      ['pinned: accounts per second', fmt(out.pinned.accountsPerSecond, 0)],
      ['bytes per account (book + results)', fmt(out.bytesPerAccount, 0)],
      [
        `tick: ${out.tick.underlying} index ${fmt(out.tick.indexMove * 100, 1)} %`,
        `${fmt(out.tick.latencyMs, 1)} ms to the last event; ${out.tick.rowsRepriced} rows re-priced, ${out.tick.accountsRemargined} accounts re-margined, ${out.tick.stateChanges} state changes`,
      ],
      [
        'states (default)',
        Object.entries(out.states)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      ],
    ],
  )}\npinned reading: ${Object.entries(out.pinned.readings)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}\n`;
}

function benchCommand() {
  const cmd = new Command('bench')
    .description('Time the batch margin of synthetic accounts against one prepared market')
    .addOption(modelOption())
    .option('--accounts <n>', 'number of accounts', int('--accounts'), 100_000)
    .option('--positions <k>', 'positions per account', int('--positions'), 10)
    .option('--workers <w>', 'worker threads (0: this thread)', int('--workers'), 0)
    .option('--seed <s>', 'random seed', int('--seed'), 1)
    .option('--rounds <r>', 'timed rounds (best is reported)', int('--rounds'), 3)
    .option('--params <file>', 'JSON file of parameter overrides')
    .option('--hypothesis <name=reading...>', HYPOTHESIS_OPTION_HELP)
    .option(
      '--tick-move <pct>',
      'index move of the timed tick, percent (every row of the underlying re-priced)',
      numberOption('--tick-move', { min: -100, openMin: true, max: 1000 }),
      -8,
    )
    .option('--json', 'print one JSON object', false);
  return marketOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  $ ballast engine bench --market data/deribit-quantflow/deribit_btc.json.gz --allow-stale --accounts 100000 --positions 10
  $ ballast engine bench --market snapshot.json --allow-stale --accounts 1000000 --workers 2 --json`,
    )
    .action(
      guarded(async (o) => {
        const { market, snapshot, listed } = prepare(o);
        const shared = o.workers > 0;
        const { table, book, prepareMs } = syntheticSetup(market, snapshot, listed, o, shared);
        const t0 = performance.now();
        const readings = buildReadingTables(market, table.instruments, shared);
        const readingsMs = performance.now() - t0;
        const res = batchResults(book.nAccounts, shared);
        const pool = marginPool(o.workers);
        let seconds = Infinity;
        let pinnedSeconds = Infinity;
        let pinnedStates: Record<string, number> = {};
        let tick: BenchTick;
        let defaultStates: Record<string, number> = {};
        try {
          pinnedSeconds = await bestSeconds(pool, table, book, res, o.rounds);
          pinnedStates = stateCounts(res, book.nAccounts);
          seconds = await bestSeconds(pool, readings, book, res, o.rounds);
          defaultStates = stateCounts(res, book.nAccounts);
          tick = await benchTick(market, readings, book, res, pool, o.tickMove / 100);
        } finally {
          await pool.close();
        }
        const out: BenchOutput = {
          model: DERIBIT_PM_ID,
          accounts: book.nAccounts,
          positionsPerAccount: o.positions,
          workers: o.workers,
          instruments: table.rows.nRows,
          prepareMs,
          seconds,
          accountsPerSecond: book.nAccounts / seconds,
          bytesPerAccount: bookBytesPerAccount(book) + RESULT_BYTES_PER_ACCOUNT,
          states: defaultStates,
          hypotheses: {
            readings: readings.readings.length,
            tablesPriced: readings.rowsOf.filter((r, i) => r === i).length,
            prepareMs: readingsMs,
          },
          tick,
          pinned: {
            readings: pinnedReadings(market),
            seconds: pinnedSeconds,
            accountsPerSecond: book.nAccounts / pinnedSeconds,
            states: pinnedStates,
          },
        };
        process.stdout.write(
          o.json ? `${JSON.stringify(out, null, 2)}\n` : renderBench(out, o.workers, readingsMs),
        );
      }),
    );
}

/**
 * Parses the accounts file (JSON lines, the account line of io/account-line.ts); bad lines
 * become error accounts (a line without an id is named `line-<n>`).
 */
function readAccounts(path: string, snapshot: MarketSnapshot): AccountInput[] {
  const text = readFileSync(path, 'utf8');
  const out: AccountInput[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const field = `${path}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      out.push({
        id: `line-${i + 1}`,
        error: { code: 'MALFORMED_JSON', field, message: 'not a JSON object' },
      });
      return;
    }
    const id = accountLineId(value) ?? `line-${i + 1}`;
    try {
      const a = accountLineFromJson(value, field);
      if (a.closed)
        throw new BallastError(
          'UNSUPPORTED',
          'closing an account is a cluster change (ballast cluster publish); leave the line out',
          `${field}.closed`,
        );
      out.push({ id, portfolio: portfolioFromJson(a.portfolio, field, snapshot) });
    } catch (e) {
      out.push({ id, error: errorOf(e, field) });
    }
  });
  return out;
}

/** Instruments of the parsed accounts (first definition per symbol). */
function instrumentsOf(accounts: readonly AccountInput[]): Instrument[] {
  const m = new Map<string, Instrument>();
  for (const a of accounts)
    for (const p of a.portfolio?.positions ?? []) m.set(p.instrument.symbol, p.instrument);
  return [...m.values()];
}

/** One output line per account for tick `tick`. */
export function resultLine(
  table: InstrumentTable,
  book: AccountBook,
  res: BatchResults,
  a: number,
  tick: number,
): string {
  const id = book.ids[a];
  const err = book.errors.get(a);
  const state = STATE_NAMES[res.state[a]!];
  if (state === 'error')
    return JSON.stringify({
      tick,
      id,
      model: DERIBIT_PM_ID,
      state,
      error: err ?? { code: 'NOT_FINITE', field: 'account', message: 'the margin was not finite' },
    });
  const c = res.currency[a]!;
  return JSON.stringify({
    tick,
    id,
    model: DERIBIT_PM_ID,
    modelVersion: DERIBIT_PM_VERSION,
    currency: c < 0 ? 'USD' : table.pools.currencies[c],
    equity: res.equity[a],
    initialMargin: res.initialMargin[a],
    maintenanceMargin: res.maintenanceMargin[a],
    utilization: Number.isFinite(res.utilization[a]!) ? res.utilization[a] : 'Infinity',
    state,
  });
}

/** `engine run --help`: examples, the output and tick line formats. */
const RUN_HELP = `
Examples:
  $ ballast engine gen --accounts 1000 --market data/deribit-quantflow/deribit_btc.json.gz --allow-stale -o accounts.jsonl
  $ ballast engine run --accounts accounts.jsonl --market data/deribit-quantflow/deribit_btc.json.gz --allow-stale --out results.jsonl
  $ ballast engine run --accounts accounts.jsonl --market snapshot.json --allow-stale --ticks ticks.jsonl --events events.jsonl

Output: one line per account per tick (tick 0 = the market as loaded; accounts a tick did
not touch keep their stored result) with equity, IM, MM in "currency", utilization and
state; "error" {code, field, message} for an account that could not be margined (it is never
reported healthy). Events (state changes) go to stderr.
A tick: {"time": "2026-08-01T10:00:01Z", "underlying": "BTC", "index": 61000,
"forwards": {"2026-08-28": 61500}, "atmVolShift": {"2026-08-28": 0.02}}; every field but
"underlying" and "time" optional. Stale, unknown or malformed ticks are skipped and counted.
An account change in the same file: {"account": {"id": "acct-7", "positions": [...],
"balances": [...]}} replaces that account's portfolio and re-margins it alone (one output
line, for that account); an unknown id is skipped and counted.`;

function runCommand() {
  const cmd = new Command('run')
    .description(
      'Margin every account of a JSON-lines file against one market, then re-margin on each tick',
    )
    .requiredOption('--accounts <file>', 'accounts, one JSON portfolio with an "id" per line')
    .addOption(modelOption())
    .option('--ticks <file>', 'market ticks, one JSON object per line (see --help)')
    .option('--out <file>', 'results (JSON lines; default stdout)')
    .option('--events <file>', 'also write health-state events (JSON lines) to this file')
    .option('--workers <w>', 'worker threads (0: this thread)', int('--workers'), 0)
    .option('--params <file>', 'JSON file of parameter overrides')
    .option('--hypothesis <name=reading...>', HYPOTHESIS_OPTION_HELP);
  return marketOptions(cmd)
    .addHelpText('after', RUN_HELP)
    .action(
      guarded(async (o) => {
        const { market, snapshot, warnings } = prepare(o);
        for (const w of warnings) process.stderr.write(`note: ${w}\n`);
        const accounts = readAccounts(o.accounts, snapshot);
        const shared = o.workers > 0;
        const instruments = [
          ...instrumentsOf(accounts),
          ...(o.ticks ? changeInstruments(o.ticks, snapshot) : []),
        ];
        const collateral = collateralPools(accounts, snapshot);
        const readings = buildReadingTables(market, instruments, shared, collateral);
        const table = readings.tables[0]!;
        const book = buildAccountBook(table, accounts, snapshot, shared);
        const res = batchResults(book.nAccounts, shared);
        const pool = marginPool(o.workers);
        const bar = progress(book.nAccounts);
        try {
          const step = Math.max(10_000, Math.ceil(book.nAccounts / 50));
          for (let a = 0; a < book.nAccounts; a += step) {
            await pool.run(readings, book, res, a, Math.min(book.nAccounts, a + step));
            bar?.update(Math.min(book.nAccounts, a + step));
          }
          bar?.stop();
          const outFd = o.out ? openSync(o.out, 'w') : 1;
          const eventsFd = o.events ? openSync(o.events, 'w') : undefined;
          try {
            writeResults(outFd, table, book, res, 0);
            // Every account's current result per tick (the unchanged ones read from the
            // stored results, not recomputed); an account change writes that account's line.
            const run: TickRun = {
              ticksFile: o.ticks,
              market: readings.markets[0]!,
              table,
              readings,
              book,
              res,
              pool,
              onResults: (tick, list, change) =>
                writeResults(outFd, table, run.book, res, tick, change ? list : undefined),
              onEvent: (line) => {
                process.stderr.write(`${line}\n`);
                if (eventsFd !== undefined) writeSync(eventsFd, `${line}\n`);
              },
            };
            const summary = await runTicks(run);
            for (const l of summary.lines) process.stderr.write(`${l}\n`);
            process.stderr.write(`${runSummary(run.book, summary)}\n`);
          } finally {
            if (outFd !== 1) closeSync(outFd);
            if (eventsFd !== undefined) closeSync(eventsFd);
          }
        } finally {
          await pool.close();
        }
      }),
    );
}

/** One line on what the run did (stderr). */
function runSummary(book: AccountBook, s: TickSummary): string {
  const ignored = Object.entries(s.ignored)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const lat = s.latencyMs.length ? Math.max(...s.latencyMs) : 0;
  return (
    `engine: ${book.nAccounts} accounts (${book.errors.size} in error), ${s.events} events; ` +
    `ticks: ${s.applied} applied${ignored ? `, ignored: ${ignored}` : ''}; ` +
    `${s.rowsRepriced} rows re-priced, ${s.accountsRemargined} accounts re-margined` +
    (s.accountChanges || s.changesIgnored
      ? `; account changes: ${s.accountChanges} applied, ${s.changesIgnored} ignored`
      : '') +
    (s.applied ? `; slowest tick to last event ${fmt(lat, 1)} ms` : '')
  );
}

/** A progress bar on stderr for runs of more than 100k accounts. */
function progress(total: number): cliProgress.SingleBar | undefined {
  if (total < 100_000 || !process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      format: 'margin [{bar}] {value}/{total} accounts',
      clearOnComplete: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
}

/** Writes text to a file descriptor (stdout through `process.stdout`). */
function writeTo(fd: number, text: string): void {
  if (fd === 1) process.stdout.write(text);
  else writeSync(fd, text);
}

/** Writes every account's line for `tick` (or only `only` when given). */
function writeResults(
  fd: number,
  table: InstrumentTable,
  book: AccountBook,
  res: BatchResults,
  tick: number,
  only?: ArrayLike<number>,
): void {
  const n = only ? only.length : book.nAccounts;
  let chunk: string[] = [];
  for (let i = 0; i < n; i++) {
    chunk.push(resultLine(table, book, res, only ? only[i]! : i, tick));
    if (chunk.length === 10_000) {
      writeTo(fd, `${chunk.join('\n')}\n`);
      chunk = [];
    }
  }
  if (chunk.length) writeTo(fd, `${chunk.join('\n')}\n`);
}

/** Builds the `engine` command. */
export function engineCommand() {
  return new Command('engine')
    .description(
      'Batch margin engine: many accounts against one prepared market, ticks, benchmarks',
    )
    .addCommand(genCommand())
    .addCommand(benchCommand())
    .addCommand(runCommand());
}
