/**
 * `ballast verify <venue-response.json>`: Ballast checked against the venue's own answer for
 * the user's book. This file is the I/O half: the recorded request/response
 * (src/io/venue-response.ts) gives the positions, the venue's parameters and its numbers, from
 * which it builds the book, the market (or takes `--market`) and the fields to compare; the
 * readings (every combination of the readings of the hypothesis rules that can move the book,
 * the table of src/margin/hypotheses.ts), the evaluation under each and the verdict are
 * src/margin/verify.ts. It prints field by field the venue's value, Ballast's under the default
 * reading, the difference, and which readings reproduce every field; `--save` writes the
 * reproducing reading as a params file for `ballast margin --params` that pins it and records
 * it as verified (source file and date).
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import { BallastError } from '../core/errors.ts';
import { isOptionLike, type Instrument } from '../instruments/instrument.ts';
import { parseSymbol, toBaseUnits } from '../instruments/symbol.ts';
import type { ForwardPoint, MarketSnapshot, UnderlyingMarket } from '../market/snapshot.ts';
import { deribitPmModel, type DeribitPmDetails } from '../margin/deribit-pm/deribit-pm.ts';
import type { DeribitPmParams } from '../margin/deribit-pm/params.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import {
  evaluateReading,
  verifiedParams,
  verifyMatches,
  verifyReadings,
  verifyReport,
  VERIFY_TOLERANCE,
  type VerifyField,
  type VerifyReport,
} from '../margin/verify.ts';
import { okxPmModel, type OkxPmDetails } from '../margin/okx-pm/okx-pm.ts';
import type { OkxPmParams } from '../margin/okx-pm/params.ts';
import { portfolio, type Position } from '../risk/portfolio.ts';
import { toJsonText } from '../io/json-output.ts';
import { readJsonFile } from '../io/read-json.ts';
import { renderTable } from '../io/table.ts';
import {
  parseVenueResponse,
  type DeribitVenueResponse,
  type OkxVenueResponse,
} from '../io/venue-response.ts';
import { guarded } from './errors.ts';
import { loadMarketChecked, marketOptions, type MarketOptions } from './context.ts';

export type { VerifyField, VerifyReport } from '../margin/verify.ts';

/** Instrument of a response position; unknown symbols are typed errors naming the field. */
function instrumentOf(name: string, venue: 'deribit' | 'okx', field: string): Instrument {
  return parseSymbol(name, venue, field);
}

/** Fails closed when the market has nothing for an instrument of the response. */
function requireMarket(
  snapshot: MarketSnapshot,
  inst: Instrument,
  field: string,
): UnderlyingMarket {
  const u = snapshot.underlyings[inst.underlying];
  if (!u)
    throw new BallastError(
      'INVALID_INPUT',
      `the market has no data for ${inst.underlying}, needed by ${inst.symbol} in the venue response`,
      field,
    );
  if (inst.kind === 'future' && !u.forwards.some((f) => f.expiryMs === inst.expiryMs))
    throw new BallastError(
      'MISSING_FORWARD',
      `the market has no forward for ${inst.symbol}`,
      field,
    );
  if (isOptionLike(inst) && !u.surface.some((s) => s.expiryMs === inst.expiryMs))
    throw new BallastError(
      'MISSING_VOL',
      `the market has no vol slice for ${inst.symbol}'s expiry`,
      field,
    );
  return u;
}

/** A delta-one market from a pme/simulate result: index per pair, perp basis and futures marks. */
function deribitMarket(
  r: DeribitVenueResponse,
  insts: Map<string, Instrument>,
  src: string,
): MarketSnapshot {
  const general = (r.result.model_params as { general?: { timestamp?: number } }).general;
  const underlyings: Record<string, UnderlyingMarket> = {};
  for (const [pair, index] of Object.entries(r.result.index_price)) {
    const coin = pair.split('_')[0]!.toUpperCase();
    let perpBasis = 0;
    const forwards: ForwardPoint[] = [];
    for (const [name, inst] of insts) {
      if (inst.underlying !== coin) continue;
      const field = `${src}.response.result.portfolio.position.${name}`;
      if (isOptionLike(inst))
        throw new BallastError(
          'INVALID_INPUT',
          `${name} is an option: the response carries no vols, give --market (a snapshot of the same time)`,
          field,
        );
      const mark = r.result.ticker?.[name]?.mark_price;
      if (mark === undefined)
        throw new BallastError(
          'INVALID_INPUT',
          `the response has no ticker mark for ${name}`,
          field,
        );
      if (inst.kind === 'perpetual') perpBasis = mark - index;
      if (inst.kind === 'future')
        forwards.push({ expiryMs: inst.expiryMs, forward: mark, source: 'future' });
    }
    underlyings[coin] = {
      underlying: coin,
      index,
      rate: 0,
      forwards: forwards.sort((a, b) => a.expiryMs - b.expiryMs),
      surface: [],
      perpBasis,
    };
  }
  return { asOfMs: general?.timestamp ?? 0, underlyings };
}

function verifyDeribit(
  r: DeribitVenueResponse,
  src: string,
  market: MarketSnapshot | undefined,
): VerifyReport {
  const insts = new Map<string, Instrument>();
  const positions: Position[] = [];
  for (const [name, size] of Object.entries(r.result.portfolio.position)) {
    const field = `${src}.response.result.portfolio.position.${name}`;
    const inst = instrumentOf(name, 'deribit', field);
    insts.set(name, inst);
    positions.push({ instrument: inst, size });
  }
  const snapshot = market ?? deribitMarket(r, insts, src);
  for (const [name, inst] of insts)
    requireMarket(snapshot, inst, `${src}.response.result.portfolio.position.${name}`);
  const account: Record<string, DeribitPmParams['account'][string]> = {};
  for (const [ccy, m] of Object.entries(r.result.margins))
    account[ccy] = {
      open_orders_margin: m.initial_margin_details?.open_orders_margin ?? 0,
      mmp_margin: m.initial_margin_details?.mmp_margin ?? 0,
      spot_margin: m.initial_margin_details?.spot_margin ?? 0,
    };
  const base = deribitPmModel.defaultParams;
  const params: DeribitPmParams = {
    ...base,
    sources: {},
    model_params: r.result.model_params as DeribitPmParams['model_params'],
    account,
  };
  const book = portfolio(positions);
  const readings = verifyReadings(deribitPmModel, book, snapshot, params);
  const mirrors = readings.map((reading) => {
    const out = new Map<string, DeribitPmDetails['simulate']>();
    for (const res of evaluateReading(deribitPmModel, book, snapshot, params, reading)) {
      const d = res.details as DeribitPmDetails;
      out.set(d.simulate.currency.toLowerCase(), d.simulate);
    }
    return out;
  });
  const fields = [...deribitMarginFields(r, mirrors), ...deribitVectorFields(r, mirrors)];
  return verifyReport('deribit', deribitPmModel.id, readings, fields);
}

type Mirrors = readonly Map<string, DeribitPmDetails['simulate']>[];

/** IM, MM, risk-matrix margin, worst case, roll and delta shock per currency. */
function deribitMarginFields(r: DeribitVenueResponse, mirrors: Mirrors): VerifyField[] {
  const fields: VerifyField[] = [];
  for (const [ccy, m] of Object.entries(r.result.margins)) {
    const ours = mirrors.map((x) => x.get(ccy));
    const get = (f: (s: DeribitPmDetails['simulate']) => number | undefined) =>
      ours.map((s) => (s ? (f(s) ?? NaN) : NaN));
    const det = m.initial_margin_details;
    const rows: [
      string,
      number | undefined,
      (s: DeribitPmDetails['simulate']) => number | undefined,
    ][] = [
      ['initial_margin', m.initial_margin, (s) => s.margins[ccy]?.initial_margin],
      ['maintenance_margin', m.maintenance_margin, (s) => s.margins[ccy]?.maintenance_margin],
      [
        'risk_matrix_margin',
        det?.risk_matrix_margin,
        (s) => s.margins[ccy]?.initial_margin_details.risk_matrix_margin,
      ],
      [
        'worst_case',
        det?.risk_matrix_margin_details?.worst_case,
        (s) => s.margins[ccy]?.initial_margin_details.risk_matrix_margin_details.worst_case,
      ],
      [
        'roll_shock',
        det?.risk_matrix_margin_details?.roll_shock,
        (s) => s.margins[ccy]?.initial_margin_details.risk_matrix_margin_details.roll_shock,
      ],
      [
        'delta_shock',
        det?.risk_matrix_margin_details?.delta_shock,
        (s) => s.margins[ccy]?.initial_margin_details.risk_matrix_margin_details.delta_shock,
      ],
    ];
    for (const [name, venue, f] of rows)
      if (venue !== undefined)
        fields.push({ field: `margins.${ccy}.${name}`, venue, ballast: get(f) });
  }
  return fields;
}

/** Every cell of the initial and aggregated risk vectors. */
function deribitVectorFields(r: DeribitVenueResponse, mirrors: Mirrors): VerifyField[] {
  const fields: VerifyField[] = [];
  for (const kind of ['initial_risk_vectors', 'aggregated_risk_vectors'] as const)
    for (const [key, v] of Object.entries(r.result[kind] ?? {})) {
      const cells = [...v.standard, ...v.extended];
      cells.forEach((venue, i) => {
        const part =
          i < v.standard.length ? `standard[${i}]` : `extended[${i - v.standard.length}]`;
        const ballast = mirrors.map((x) => {
          for (const s of x.values()) {
            const w = s[kind][key];
            if (w) return [...w.standard, ...w.extended][i] ?? NaN;
          }
          return NaN;
        });
        fields.push({ field: `${kind}.${key}.${part}`, venue, ballast });
      });
    }
  return fields;
}

/** A market from a position-builder answer: each underlying at its position's mark, USDT at the rate its cash delta implies. */
function okxMarket(
  r: OkxVenueResponse,
  sized: { inst: Instrument; pos: number; markPx?: number; delta?: number }[],
  src: string,
): MarketSnapshot {
  const underlyings: Record<string, UnderlyingMarket> = {};
  const flat = (u: string, index: number): UnderlyingMarket => ({
    underlying: u,
    index,
    rate: 0,
    forwards: [],
    surface: [],
    perpBasis: 0,
  });
  for (const p of sized) {
    if (p.markPx === undefined || isOptionLike(p.inst))
      throw new BallastError(
        'INVALID_INPUT',
        `the response has no usable mark for ${p.inst.symbol}${isOptionLike(p.inst) ? ' (an option: the response carries no vols)' : ''}: give --market`,
        `${src}.response.data`,
      );
    underlyings[p.inst.underlying] = flat(p.inst.underlying, p.markPx);
    if (p.inst.settlementCurrency === 'USDT' && p.delta !== undefined && !underlyings.USDT) {
      const coins = toBaseUnits(p.inst, p.pos, p.markPx);
      underlyings.USDT = flat('USDT', p.delta / (coins * p.markPx));
    }
  }
  return { asOfMs: r.ts ?? 0, underlyings };
}

function verifyOkx(
  r: OkxVenueResponse,
  src: string,
  market: MarketSnapshot | undefined,
): VerifyReport {
  const sized = r.units.flatMap((u) =>
    u.positions.map((p) => ({
      ...p,
      inst: instrumentOf(p.instId, 'okx', `${src}.response.${u.riskUnit}.${p.instId}`),
    })),
  );
  const snapshot = market ?? okxMarket(r, sized, src);
  // Entry prices: the answer's avgPx, else the request's (simPos[].avgPx).
  const simPos = (r.body.simPos ?? []) as { instId: string; avgPx?: string | number }[];
  const positions: Position[] = sized.map((p) => {
    const u = requireMarket(snapshot, p.inst, `${src}.response.${p.instId}`);
    const avg = p.avgPx ?? simPos.find((x) => x.instId === p.instId)?.avgPx;
    return {
      instrument: p.inst,
      // Contract sizes change (OKX BTC options were 0.1 BTC in 2022, 0.01 now): the answer's own
      // notional (|size| × index) gives the size of its time when it has one.
      size:
        p.notionalUsd !== undefined
          ? (Math.sign(p.pos) * p.notionalUsd) / u.index
          : toBaseUnits(p.inst, p.pos, p.markPx ?? u.index),
      ...(avg !== undefined && avg !== '' ? { entryPrice: Number(avg) } : {}),
    };
  });
  const simAsset = (r.body.simAsset ?? []) as { ccy: string; amt: string | number }[];
  const book = portfolio(
    positions,
    simAsset.map((a) => ({ currency: a.ccy, amount: Number(a.amt) })),
  );
  const preMerge = r.units.some((u) => u.riskUnit.includes('-'));
  const params: OkxPmParams = { ...okxPmModel.defaultParams, riskUnitMerge: !preMerge };
  const readings = verifyReadings(okxPmModel, book, snapshot, params);
  const results = readings.map(
    (reading) =>
      evaluateReading(okxPmModel, book, snapshot, params, reading)[0]!.details as OkxPmDetails,
  );
  const fields: VerifyField[] = [];
  for (const u of r.units) {
    // Pre-merge coin-margined units (BTC-USD) report in the coin: ours are USD, converted at the index.
    const coin =
      preMerge && /-USD$/.test(u.riskUnit) && !r.account.totalMmr
        ? u.riskUnit.split('-')[0]!
        : undefined;
    const scale = coin ? 1 / snapshot.underlyings[coin]!.index : 1;
    for (const [k, venue] of Object.entries(u.mr))
      fields.push({
        field: `${u.riskUnit}.${k}${coin ? ` (${coin})` : ''}`,
        venue,
        ballast: results.map((d) => {
          const x = d.riskUnitData.find((y) => y.riskUnit === u.riskUnit);
          return x ? (x[k as keyof typeof x] as number) * scale : NaN;
        }),
      });
  }
  for (const [k, venue] of Object.entries(r.account))
    fields.push({
      field: `account.${k}`,
      venue,
      ballast: results.map((d) => d[k as keyof OkxPmDetails] as number),
    });
  return verifyReport('okx', okxPmModel.id, readings, fields);
}

const readingText = (r: Readonly<Record<string, string>>) =>
  Object.keys(r).length === 0
    ? '(no rule can move this book: the one reading)'
    : Object.entries(r)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');

/** The text report: fields under the default reading, then the readings that reproduce the venue. */
export function renderVerify(rep: VerifyReport): string {
  const def = 0;
  const fmt = (x: number) =>
    Number.isFinite(x)
      ? Math.abs(x) >= 1e-4 || x === 0
        ? x.toPrecision(12)
        : x.toExponential(9)
      : '—';
  const status = (fs: readonly VerifyField[]) => {
    const bad = fs.filter((f) => !verifyMatches(f.ballast[def]!, f.venue));
    if (bad.length === 0) return 'match';
    return bad.every((f) => f.ballast[def]! >= f.venue) ? 'MISMATCH (above)' : 'MISMATCH (below)';
  };
  const hits = (fs: readonly VerifyField[]) =>
    `${rep.readings.filter((_, k) => fs.every((f) => verifyMatches(f.ballast[k]!, f.venue))).length}/${rep.readings.length}`;
  // Risk-vector cells are summarised one row per vector: the largest |difference| of its cells.
  const groups = new Map<string, VerifyField[]>();
  for (const f of rep.fields) {
    const key = f.field.replace(/\.(standard|extended)\[\d+\]$/, '');
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const rows = [...groups].map(([key, fs]) => {
    if (fs.length === 1 && fs[0]!.field === key) {
      const b = fs[0]!.ballast[def]!;
      return [key, fmt(fs[0]!.venue), fmt(b), fmt(b - fs[0]!.venue), status(fs), hits(fs)];
    }
    const worst = Math.max(...fs.map((f) => Math.abs(f.ballast[def]! - f.venue)));
    return [`${key} (${fs.length} cells)`, '', '', `max |Δ| ${fmt(worst)}`, status(fs), hits(fs)];
  });
  const n = rep.fields.filter((f) => verifyMatches(f.ballast[def]!, f.venue)).length;
  const lines = [
    `${rep.venue} response verified with ${rep.model}: ${n} of ${rep.fields.length} fields match under the default reading (${VERIFY_TOLERANCE})`,
    renderTable(
      ['field', 'venue', 'Ballast (default)', 'difference', 'default', 'readings matching'],
      rows,
      ['left', 'right', 'right', 'right', 'left', 'right'],
    ),
  ];
  if (rep.reproducing.length === 0)
    lines.push(`no reading reproduces every field (${rep.readings.length} evaluated)`);
  else
    lines.push(
      `readings reproducing every field: ${rep.reproducing.map((k) => readingText(rep.readings[k]!)).join(' | ')}`,
    );
  return lines.join('\n');
}

/** Today's date (UTC, YYYY-MM-DD): when --save recorded the readings as verified. */
const today = () => new Date().toISOString().slice(0, 10);

/** Runs verify on a recorded file (exported for tests). */
export function verifyFile(file: string, o: MarketOptions): VerifyReport {
  const parsed = parseVenueResponse(readJsonFile(file), file);
  const market = o.market !== undefined ? loadMarketChecked(o).snapshot : undefined;
  return parsed.venue === 'deribit'
    ? verifyDeribit(parsed, file, market)
    : verifyOkx(parsed, file, market);
}

/** Builds the `verify` command. */
export function verifyCommand() {
  const cmd = new Command('verify')
    .description(
      "check Ballast against a venue's own margin answer for your book (Deribit pme/simulate, OKX position builder)",
    )
    .argument('<response>', 'JSON file {"request": …, "response": …} as the venue sent them')
    .option(
      '--save <file>',
      'write the reading that reproduces the venue as a params file (for margin --params)',
    )
    .option('--json', 'print JSON', false);
  return marketOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  $ ballast verify test/fixtures/venue-responses/W-D1_pme-simulate.json
  $ ballast verify test/fixtures/venue-responses/W-O1_position-builder.json --json
  $ ballast verify test/fixtures/venue-responses/W-D2_pme-simulate.json --save deribit-params.json

Without --market the market is read from the response (delta-one books only: the venues' answers
carry no vols). Every field is compared under each combination of the readings of the rules the
venue does not publish that can move this book; the report names the readings that reproduce
every field.`,
    )
    .action(
      guarded((file, o) => {
        const rep = verifyFile(file, o);
        if (o.save) {
          const model = rep.model === deribitPmModel.id ? deribitPmModel : okxPmModel;
          const source = `${basename(file)} (${rep.venue} ${rep.venue === 'deribit' ? 'pme/simulate' : 'position-builder'})`;
          const p = verifiedParams(model as MarginModel<unknown>, rep, source, today());
          if (!p)
            throw new BallastError(
              'INVALID_INPUT',
              'no reading reproduces every field: nothing to save',
              '--save',
            );
          writeFileSync(o.save, `${JSON.stringify(p, null, 2)}\n`);
        }
        if (o.json) {
          process.stdout.write(toJsonText(rep));
          return;
        }
        process.stdout.write(`${renderVerify(rep)}\n${o.save ? `wrote ${o.save}\n` : ''}`);
      }),
    );
}
