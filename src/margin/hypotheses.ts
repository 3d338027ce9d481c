/**
 * Fail closed on hypotheses: a venue rule the methodology notes mark as a hypothesis ([I], [G],
 * [T]) and that can change the number is not charged at one guessed reading. By default the
 * model is evaluated under every combination of the readings of the rules that can move this
 * book (`HypothesisTable.movable`), and each pool is charged the highest IM and the highest MM
 * over them (each may come from a different reading; the result says which). Rules that cannot
 * matter for the book (option rules for a futures book, coin-settled rules for a USD book) are
 * skipped, so a futures book costs one evaluation.
 *
 * A rule can be pinned to one reading (`--hypothesis name=reading`, or the rule set in a params
 * file): it is then not enumerated, and is listed in `unverified`, unless the params file's
 * `hypotheses.verified` block records it as verified against the user's own venue answer
 * (`ballast verify --save`), in which case it is listed in `verified`.
 *
 * Method: `readings = Π_rules readings(rule)` over the open (movable, unpinned) rules;
 * `IM = max_k IM_k`, `MM = max_k MM_k` per pool (pools matched by currency). Everything here
 * is pure; the per-model rule tables live next to each model (deribit-pm/hypotheses.ts,
 * okx-pm/hypotheses.ts).
 */
import { BallastError } from '../core/errors.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import type { MarginResult, Readings } from './margin-result.ts';

export type { HypothesisCharge, HypothesisReading, Readings } from './margin-result.ts';

/** A pinned reading checked against the user's own venue answer (`ballast verify --save`). */
export interface VerifiedReading {
  readonly rule: string;
  readonly reading: string;
  /** The venue answer it reproduced (file and venue endpoint). */
  readonly source: string;
  /** ISO date of the check (YYYY-MM-DD). */
  readonly date: string;
}

/** The `hypotheses` block of a model's params: pinned rule names and verified readings. */
export interface HypothesisSettings {
  /** Rules charged at the reading the params set (not enumerated). */
  readonly pinned: readonly string[];
  readonly verified: readonly VerifiedReading[];
}

/** Default block: nothing pinned, nothing verified. */
export const NO_PINS: HypothesisSettings = { pinned: [], verified: [] };

/** One hypothesis rule: where its reading lives in the params and its readings. */
export interface HypothesisRule {
  readonly name: string;
  /** Path of the reading in the params object (`['rules', 'inverseOptionPnl']`). */
  readonly path: readonly string[];
  /** The plausible readings (the model's default reading first); any of them can be pinned. */
  readonly readings: readonly string[];
  /**
   * The readings the default enumerates (a subset of `readings`: a dominated reading, e.g. a
   * charge switched `off`, is pinnable but never charged by default; one reading for a rule
   * charged at its dominant reading without enumeration: set whenever the rule is not pinned).
   */
  readonly enumerated: readonly string[];
  /** Methodology section and status, for the notes. */
  readonly section: string;
}

/** A model's hypothesis table. */
export interface HypothesisTable<P> {
  readonly rules: readonly HypothesisRule[];
  /** Names of the rules that can move this book's number (a superset is safe, a subset is not). */
  movable(portfolio: Portfolio, snapshot: MarketSnapshot, params: P): ReadonlySet<string>;
  /** Rules charged at a dominant reading without enumeration, with the reason (docs, notes). */
  readonly dominant: Readonly<Record<string, string>>;
}

/** Every combination of the given rule alternatives (first value of each first). */
export function combinations(rules: Readonly<Record<string, readonly string[]>>): Readings[] {
  let out: Record<string, string>[] = [{}];
  for (const [rule, values] of Object.entries(rules))
    out = out.flatMap((r) => values.map((v) => ({ ...r, [rule]: v })));
  return out;
}

function getPath(obj: unknown, path: readonly string[]): unknown {
  let x = obj;
  for (const k of path) {
    if (x === null || typeof x !== 'object') return undefined;
    x = (x as Record<string, unknown>)[k];
  }
  return x;
}

function setPath<P>(obj: P, path: readonly string[], value: unknown): P {
  const [k, ...rest] = path;
  const o = obj as Record<string, unknown>;
  return { ...o, [k!]: rest.length === 0 ? value : setPath(o[k!], rest, value) } as P;
}

/** The reading a params object sets for a rule. */
export function readingOf(rule: HypothesisRule, params: unknown): string {
  return String(getPath(params, rule.path));
}

/** Derived params per (params object, readings): the same object for the same readings. */
const derived = new WeakMap<object, Map<string, unknown>>();

/**
 * `params` with the given readings set (rules by name in `table`). Memoized on the params
 * object's identity and the readings, so per-params caches (the Deribit PM prepared market,
 * `deribitPmMarket`) are hit when a book is evaluated again on the same params.
 */
export function withReadings<P>(table: HypothesisTable<P>, params: P, readings: Readings): P {
  const entries = Object.entries(readings);
  if (entries.length === 0) return params;
  const key = JSON.stringify(entries);
  let byKey = derived.get(params as object);
  if (!byKey) {
    byKey = new Map();
    derived.set(params as object, byKey);
  }
  const hit = byKey.get(key);
  if (hit !== undefined) return hit as P;
  let out = params;
  for (const [name, reading] of entries)
    out = setPath(out, ruleOf(table, name, 'readings').path, reading);
  byKey.set(key, out);
  return out;
}

function ruleOf<P>(table: HypothesisTable<P>, name: string, field: string): HypothesisRule {
  const r = table.rules.find((x) => x.name === name);
  if (!r)
    throw new BallastError(
      'INVALID_INPUT',
      `unknown hypothesis rule "${name}" (known: ${table.rules.map((x) => x.name).join(', ')})`,
      field,
    );
  return r;
}

/** The params' `hypotheses` block (absent = nothing pinned). */
export function settingsOf(params: unknown): HypothesisSettings {
  const s = (params as { hypotheses?: HypothesisSettings }).hypotheses;
  return s ?? NO_PINS;
}

/** Validates a `hypotheses` block against the table (INVALID_INPUT naming the field). */
export function validateSettings<P>(table: HypothesisTable<P>, params: P): void {
  const s = settingsOf(params);
  if (!Array.isArray(s.pinned) || !Array.isArray(s.verified))
    throw new BallastError(
      'INVALID_INPUT',
      'must be {"pinned": [rule, …], "verified": [{rule, reading, source, date}, …]}',
      'params.hypotheses',
    );
  s.pinned.forEach((n, i) => ruleOf(table, n, `params.hypotheses.pinned[${i}]`));
  s.verified.forEach((v, i) => {
    const f = `params.hypotheses.verified[${i}]`;
    const rule = ruleOf(table, v.rule, `${f}.rule`);
    if (!rule.readings.includes(v.reading))
      throw new BallastError(
        'INVALID_INPUT',
        `must be one of ${rule.readings.join(', ')}, got ${String(v.reading)}`,
        `${f}.reading`,
      );
    for (const k of ['source', 'date'] as const)
      if (typeof v[k] !== 'string' || v[k] === '')
        throw new BallastError('INVALID_INPUT', `must be a non-empty string`, `${f}.${k}`);
  });
}

/**
 * Pins readings: `pins` (rule → reading, e.g. from `--hypothesis`) are set in the params and
 * their rules added to `hypotheses.pinned`. Unknown rules or readings are INVALID_INPUT naming
 * `field`.
 */
export function pinReadings<P>(
  table: HypothesisTable<P>,
  params: P,
  pins: Readings,
  field: string,
): P {
  for (const [name, reading] of Object.entries(pins)) {
    const rule = ruleOf(table, name, field);
    if (!rule.readings.includes(reading))
      throw new BallastError(
        'INVALID_INPUT',
        `${name} must be one of ${rule.readings.join(', ')}, got ${reading}`,
        field,
      );
  }
  const s = settingsOf(params);
  const pinned = [...new Set([...s.pinned, ...Object.keys(pins)])];
  return { ...withReadings(table, params, pins), hypotheses: { ...s, pinned } } as P;
}

/** The rules a raw params override sets (a rule set in a params file is pinned). */
export function readingsInOverride<P>(table: HypothesisTable<P>, override: unknown): Readings {
  const out: Record<string, string> = {};
  for (const r of table.rules) {
    const v = getPath(override, r.path);
    if (typeof v === 'string') out[r.name] = v;
  }
  return out;
}

/** Parses `name=reading` texts (`--hypothesis`, repeatable). */
export function parsePins(texts: readonly string[], field: string): Readings {
  const out: Record<string, string> = {};
  texts.forEach((t, i) => {
    const eq = t.indexOf('=');
    if (eq <= 0 || eq === t.length - 1)
      throw new BallastError(
        'INVALID_INPUT',
        `expected name=reading (e.g. inverseOptionPnl=usd-at-shocked), got "${t}"`,
        `${field}[${i}]`,
      );
    out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  });
  return out;
}

/** The open rules of a book: movable and not pinned, with their readings. */
export function openRules<P>(
  table: HypothesisTable<P>,
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: P,
): Record<string, readonly string[]> {
  const movable = table.movable(portfolio, snapshot, params);
  const pinned = new Set(settingsOf(params).pinned);
  const out: Record<string, readonly string[]> = {};
  for (const r of table.rules)
    if (movable.has(r.name) && !pinned.has(r.name) && r.enumerated.length > 1)
      out[r.name] = r.enumerated;
  return out;
}

/** `unverified` / `verified` lines for the pinned readings. */
function pinNotes<P>(
  table: HypothesisTable<P>,
  params: P,
): { unverified: string[]; verified: string[] } {
  const s = settingsOf(params);
  const unverified: string[] = [];
  const verified: string[] = [];
  for (const name of s.pinned) {
    const rule = ruleOf(table, name, 'params.hypotheses.pinned');
    const reading = readingOf(rule, params);
    const v = s.verified.find((x) => x.rule === name && x.reading === reading);
    if (v) verified.push(`${name}=${reading}: reproduced ${v.source} (${v.date})`);
    else
      unverified.push(
        `hypothesis pinned: ${name}=${reading} (${rule.section}), not verified against your venue`,
      );
  }
  return { unverified, verified };
}

/** `params` with every unpinned rule that has a single (dominant) reading set to it. */
export function withDominant<P>(table: HypothesisTable<P>, params: P): P {
  const pinned = new Set(settingsOf(params).pinned);
  const dominant: Record<string, string> = {};
  for (const r of table.rules)
    if (r.enumerated.length === 1 && !pinned.has(r.name)) dominant[r.name] = r.enumerated[0]!;
  return withReadings(table, params, dominant);
}

/**
 * `params` at the reading that set the charged IM of `results` (the first result carrying a
 * `hypothesisCharge`; else the params with their dominant readings): a single-reading method
 * (an LP built from the model's terms) then models the reading the default charges at this
 * book. Its answers must still be checked with the default evaluation (another reading may
 * charge more after trades).
 */
export function chargedParams<P>(
  table: HypothesisTable<P>,
  params: P,
  results: readonly MarginResult[],
): P {
  const charged = results.find((r) => r.hypothesisCharge)?.hypothesisCharge?.initialMargin;
  const base = withDominant(table, params);
  return charged ? withReadings(table, base, charged) : base;
}

/**
 * Whether the default evaluation of this book is a single plain evaluation of
 * `withDominant(params)`: no open rule and nothing pinned (fast paths such as an incremental
 * what-if may be used only then).
 */
export function singleReading<P>(
  table: HypothesisTable<P>,
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: P,
): boolean {
  return (
    settingsOf(params).pinned.length === 0 &&
    Object.keys(openRules(table, portfolio, snapshot, params)).length === 0
  );
}

const readingsText = (r: Readings) =>
  Object.entries(r)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/**
 * Evaluates a model under every combination of the open rules' readings and charges each pool
 * the highest IM and MM (fail closed). `evalOne` is the model's single-reading evaluation;
 * `inputsHash` is the hash of the caller's params (the readings are derived from them). With no
 * open rule this is one evaluation and no `hypotheses` list. Pools are matched by currency.
 * `evalLight`, when given, ranks the readings (the same IM and MM as `evalOne`, without the
 * report): only the readings that set a pool's IM are then evaluated with `evalOne`.
 */
export function evaluateOverReadings<P>(
  table: HypothesisTable<P>,
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: P,
  inputsHash: string,
  evalOne: (params: P) => MarginResult[],
  evalLight?: (params: P) => MarginResult[],
): MarginResult[] {
  const { charged, readings } = readingsToCharge(table, portfolio, snapshot, params);
  const rank = readings.length > 1 && evalLight ? evalLight : evalOne;
  const runs = readings.map((r) => rank(withReadings(table, charged, r)));
  const reports = new Map<number, MarginResult[]>();
  const reportOf = (k: number): MarginResult[] => {
    if (rank === evalOne) return runs[k]!;
    let r = reports.get(k);
    if (!r) reports.set(k, (r = evalOne(withReadings(table, charged, readings[k]!))));
    return r;
  };
  return chargeOverReadings(table, charged, readings, runs, reportOf, inputsHash);
}

/**
 * The readings the default evaluates for a book: `charged` (the params with the dominant
 * readings set) and every combination of its open rules' readings (`[{}]` when none is open).
 */
export function readingsToCharge<P>(
  table: HypothesisTable<P>,
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: P,
): { charged: P; readings: Readings[] } {
  const charged = withDominant(table, params);
  return { charged, readings: combinations(openRules(table, portfolio, snapshot, charged)) };
}

/**
 * The `unverified` notes `chargeOverReadings` gives a pool: the IM-setting reading's own
 * notes (`own`), the pinned readings' notes (`pinned`, `pinnedNotes`), and with several
 * readings the line naming the readings `kIm`, `kMm` that set IM and MM.
 */
export function chargedNotes(
  own: readonly string[],
  pinned: { readonly unverified: readonly string[] },
  readings: readonly Readings[],
  kIm: number,
  kMm: number,
): string[] {
  const out = [...own, ...pinned.unverified];
  if (readings.length > 1)
    out.push(
      `hypotheses: highest of ${readings.length} readings charged; IM set by ${readingsText(readings[kIm]!)}; MM set by ${readingsText(readings[kMm]!)}`,
    );
  return out;
}

/** The pinned readings' notes of `charged` (`chargeOverReadings` adds them to each pool's). */
export function pinnedNotes<P>(
  table: HypothesisTable<P>,
  charged: P,
): { unverified: string[]; verified: string[] } {
  return pinNotes(table, charged);
}

/** What ranking a reading needs of a pool's result: its currency, IM and MM. */
export type PoolCharge = Pick<MarginResult, 'currency' | 'initialMargin' | 'maintenanceMargin'>;

/**
 * Charges each pool the highest IM and MM over the readings' results (`runs[k]`: the numbers
 * of reading k; `reportOf(k)`: its full results, asked only for the readings that set a pool's
 * IM): the IM-setting reading's result with the highest MM over the readings, `inputsHash`, the pinned
 * readings' notes and, with several readings, the `hypotheses` table and `hypothesisCharge`.
 * `charged` is `readingsToCharge(…).charged`. Pools are matched by currency.
 */
export function chargeOverReadings<P>(
  table: HypothesisTable<P>,
  charged: P,
  readings: readonly Readings[],
  runs: readonly (readonly PoolCharge[])[],
  reportOf: (k: number) => readonly MarginResult[],
  inputsHash: string,
): MarginResult[] {
  const notes = pinNotes(table, charged);
  const first = runs[0]!;
  return first.map((base, i) => {
    const pool = runs.map((rs) => rs.find((x) => x.currency === base.currency) ?? rs[i]!);
    let kIm = 0;
    let kMm = 0;
    pool.forEach((r, k) => {
      if (r.initialMargin > pool[kIm]!.initialMargin) kIm = k;
      if (r.maintenanceMargin > pool[kMm]!.maintenanceMargin) kMm = k;
    });
    const report = reportOf(kIm);
    const top = report.find((x) => x.currency === base.currency) ?? report[i]!;
    const mm = pool[kMm]!.maintenanceMargin;
    const out: MarginResult = {
      ...top,
      maintenanceMargin: mm,
      inputsHash,
      unverified: chargedNotes(top.unverified, notes, readings, kIm, kMm),
      ...(notes.verified.length > 0 ? { verified: notes.verified } : {}),
    };
    if (readings.length === 1) return out;
    return {
      ...out,
      hypotheses: pool.map((r, k) => ({
        readings: readings[k]!,
        initialMargin: r.initialMargin,
        maintenanceMargin: r.maintenanceMargin,
      })),
      hypothesisCharge: { initialMargin: readings[kIm]!, maintenanceMargin: readings[kMm]! },
    };
  });
}
