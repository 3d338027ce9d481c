/** `ballast price`: one option from flags, or a JSON-lines stream. */
import { Command, Option } from '@commander-js/extra-typings';
import { createInterface } from 'node:readline';
import { createReadStream } from 'node:fs';
import { BallastError } from '../core/errors.ts';
import { priceJsonLine, runPriceRequest, type PriceResult } from '../io/price-request.ts';
import { fmt, renderTable } from '../io/table.ts';
import { freshnessWarnings, type MarketOptions } from './context.ts';
import { loadSnapshotFile } from '../io/load-market.ts';
import { parseSymbol } from '../instruments/symbol.ts';
import { assertNotExpired } from '../instruments/expiry.ts';
import { forwardAt } from '../market/forwards.ts';
import { surfaceVol, underlyingMarket } from '../market/marks.ts';
import { yearFraction } from '../core/time.ts';
import { toJsonText } from '../io/json-output.ts';
import { guarded, numberOption, reportError } from './errors.ts';

const FLAG: Record<string, string> = {
  F: '--forward',
  K: '--strike',
  T: '--days/--years',
  sigma: '--vol',
  price: '--premium',
  r: '--rate',
};

/** Renders one result as a two-column table. */
function renderPrice(r: PriceResult, inverse: boolean): string {
  const ccy = inverse ? 'coin' : 'USD';
  const rows: string[][] = [
    ['forward / strike', `${r.F} / ${r.K}`],
    ['time to expiry', `${fmt(r.T, 6)} y (${fmt(r.T * 365, 2)} d)`],
    [r.impliedFromPrice ? 'implied vol' : 'vol', `${fmt(r.sigma * 100, 4)} %`],
    ['price (USD)', fmt(r.priceUsd, 6)],
    ...(r.priceCoin === undefined ? [] : [['price (coin)', fmt(r.priceCoin, 8)]]),
    [inverse ? 'delta (coin, premium-adjusted)' : 'delta', fmt(r.delta, 6)],
    ['forward delta (undiscounted)', fmt(r.forwardDelta, 6)],
    [`gamma (${ccy} per USD²)`, r.gamma.toExponential(6)],
    [`vega (${ccy} per vol point)`, fmt(r.vegaPerPoint, inverse ? 8 : 4)],
    [`theta (${ccy} per day)`, fmt(r.thetaPerDay, inverse ? 8 : 4)],
  ];
  return renderTable(
    [`${r.right.toUpperCase()} ${inverse ? 'inverse (coin-settled)' : 'linear'} Black-76`, ''],
    rows,
    ['left', 'right'],
  );
}

async function priceStream(path: string): Promise<void> {
  const input = path === '-' ? process.stdin : createReadStream(path);
  if (path !== '-') {
    await new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve());
      input.once('error', () => reject(new BallastError('FILE_NOT_FOUND', 'no such file', path)));
    });
  }
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let failed = 0;
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === '') continue;
    try {
      process.stdout.write(`${JSON.stringify(priceJsonLine(line, lineNo))}\n`);
    } catch (e) {
      if (!(e instanceof BallastError)) throw e;
      failed++;
      process.stdout.write(
        `${JSON.stringify({ line: lineNo, error: { code: e.code, field: e.field, message: e.message } })}\n`,
      );
      reportError(e);
    }
  }
  if (failed > 0)
    throw new BallastError(
      'INVALID_INPUT',
      `${failed} of ${lineNo} lines failed (see the error lines in the output)`,
      path,
    );
}

/** Prices a listed option from a snapshot: forward and expiry from the market, vol from the surface. */
function priceSymbol(
  symbol: string,
  market: MarketOptions,
  vol: number | undefined,
  premium: number | undefined,
  json: boolean,
): void {
  if (market.market === undefined)
    throw new BallastError('INVALID_INPUT', 'required with --symbol', '--market');
  const inst = parseSymbol(symbol);
  if (inst.kind !== 'option')
    throw new BallastError(
      'UNSUPPORTED',
      `${symbol} is a ${inst.kind}; price takes a vanilla option`,
      '--symbol',
    );
  const snapshot = loadSnapshotFile(market.market);
  for (const w of freshnessWarnings(snapshot, market)) process.stderr.write(`note: ${w}\n`);
  assertNotExpired(inst, snapshot.asOfMs, '--symbol');
  const u = underlyingMarket(snapshot, inst.underlying, '--symbol');
  const F = forwardAt(u, inst.expiryMs, snapshot.asOfMs, '--symbol');
  const T = yearFraction(snapshot.asOfMs, inst.expiryMs);
  const inverse = inst.settlement === 'inverse';
  // The surface's vol only when neither a vol nor a premium is given (both: the request refuses).
  const sigma =
    vol ??
    (premium === undefined
      ? surfaceVol(u, inst.strike, inst.expiryMs, snapshot.asOfMs, '--symbol')
      : undefined);
  const r = runPriceRequest(
    {
      id: symbol,
      right: inst.right,
      F,
      K: inst.strike,
      T,
      r: u.rate,
      inverse,
      ...(sigma === undefined ? {} : { sigma }),
      ...(premium === undefined ? {} : { price: premium }),
    },
    (f) => FLAG[f] ?? f,
  );
  process.stdout.write(json ? toJsonText(r) : `${symbol}\n${renderPrice(r, inverse)}\n`);
}

/** Builds the `price` command. */
export function priceCommand() {
  return new Command('price')
    .description(
      'Price a European option (Black-76, linear or inverse) with greeks, or imply its vol from a premium',
    )
    .option('--forward <F>', 'forward, USD per coin', numberOption('--forward'))
    .option('--strike <K>', 'strike, USD per coin', numberOption('--strike'))
    .option('--days <d>', 'calendar days to expiry', numberOption('--days'))
    .option('--years <T>', 'years to expiry (ACT/365)', numberOption('--years'))
    .option('--vol <sigma>', 'implied vol as a decimal (0.55 = 55%)', numberOption('--vol'))
    .option(
      '--premium <p>',
      'option premium (USD, or coin with --inverse): solve for the implied vol',
      numberOption('--premium'),
    )
    .option(
      '--rate <r>',
      'discount rate, continuously compounded per year (0.05 = 5%)',
      numberOption('--rate'),
      0,
    )
    .addOption(
      new Option('--right <right>', 'call or put')
        .choices(['call', 'put'] as const)
        .default('call' as const),
    )
    .option(
      '--inverse',
      'coin-settled option (Deribit BTC/ETH style): premium in coin = USD price / F',
      false,
    )
    .option(
      '--symbol <symbol>',
      'venue option symbol (e.g. BTC-25SEP26-70000-C); forward, expiry and vol from --market',
    )
    .option(
      '--market <snapshot>',
      'market snapshot file (from `ballast market build`) for --symbol',
    )
    .option(
      '--allow-stale',
      'use a snapshot older than --max-age, as of its own time (a note says so)',
      false,
    )
    .option('--max-age <duration>', 'maximum snapshot age (e.g. 30s, 15m, 2h, 3d)', '1h')
    .option('--jsonl <file>', 'price a JSON-lines stream (one request per line; "-" for stdin)')
    .option('--json', 'print JSON instead of a table', false)
    .addHelpText(
      'after',
      `
Examples:
  $ ballast price --forward 65000 --strike 70000 --days 30 --vol 0.55
  $ ballast price --forward 65000 --strike 60000 --days 30 --right put --premium 0.0125 --inverse
  $ ballast price --symbol BTC-25SEP26-70000-C --market examples/btc-snapshot.json --allow-stale
  $ echo '{"right":"call","F":65000,"K":70000,"T":0.1,"sigma":0.55,"inverse":true}' | ballast price --jsonl -

JSON-lines fields: right, F, K, T (years), sigma or price, r (optional), inverse (optional), id (optional).
Each output line is a result or {"line": n, "error": {...}}; the exit code is 2 if any line failed.`,
    )
    .action(guarded(runPrice));
}

/** The options `price` reads (commander's parsed options). */
interface PriceOptions {
  forward?: number;
  strike?: number;
  days?: number;
  years?: number;
  vol?: number;
  premium?: number;
  rate: number;
  right: 'call' | 'put';
  inverse: boolean;
  symbol?: string;
  market?: string;
  allowStale: boolean;
  maxAge: string;
  jsonl?: string;
  json: boolean;
}

/** Prices one option given by flags (forward, strike, time, vol or premium). */
function priceFromFlags(o: PriceOptions): void {
  const missing = (flag: string) =>
    new BallastError('INVALID_INPUT', 'required (or use --jsonl)', flag);
  if (o.forward === undefined) throw missing('--forward');
  if (o.strike === undefined) throw missing('--strike');
  if (o.days === undefined && o.years === undefined) {
    throw new BallastError(
      'INVALID_INPUT',
      'required: the time to expiry as --days or --years (or use --jsonl)',
      '--days',
    );
  }
  if (o.days !== undefined && o.years !== undefined) {
    throw new BallastError(
      'INVALID_INPUT',
      'give the time to expiry once: --days or --years, not both',
      '--years',
    );
  }
  const T = o.years ?? o.days! / 365;
  const r = runPriceRequest(
    {
      right: o.right,
      F: o.forward,
      K: o.strike,
      T,
      r: o.rate,
      inverse: o.inverse,
      ...(o.vol === undefined ? {} : { sigma: o.vol }),
      ...(o.premium === undefined ? {} : { price: o.premium }),
    },
    (f) => FLAG[f] ?? f,
  );
  process.stdout.write(o.json ? toJsonText(r) : `${renderPrice(r, o.inverse)}\n`);
}

/** The action of `price`: a JSON-lines stream, a venue symbol on a market, or flags. */
async function runPrice(o: PriceOptions): Promise<void> {
  if (o.jsonl !== undefined) return priceStream(o.jsonl);
  if (o.symbol !== undefined)
    return priceSymbol(
      o.symbol,
      {
        ...(o.market === undefined ? {} : { market: o.market }),
        allowStale: o.allowStale,
        maxAge: o.maxAge,
      },
      o.vol,
      o.premium,
      o.json,
    );
  priceFromFlags(o);
}
