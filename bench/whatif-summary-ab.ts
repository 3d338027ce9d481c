/**
 * A/B of the summary what-if in one process (the route's work without HTTP: the prepared
 * book's `whatIf` of one trade, `whatIfUseCase`, `whatIfSummary`, `toJsonCompact`), old code
 * against new: `AB_OLD` names a checkout of the old commit (its `src/` is imported beside this
 * tree's; `node_modules` linked into it), e.g.
 *
 *   git worktree add /tmp/ab-old <commit> && ln -s $PWD/node_modules /tmp/ab-old/
 *   AB_OLD=/tmp/ab-old npx tsx --expose-gc --max-semi-space-size=64 bench/whatif-summary-ab.ts
 *
 * The book and trade are `bench:server`'s (20 BTC positions on the bundled Deribit snapshot,
 * BTC-PERPETUAL −0.5; the book prepared once, as the service caches it; node:crypto's SHA-256
 * installed, as the service does). Rounds alternate old
 * and new (ROUNDS × BATCH requests each); per round: CPU µs per request (`process.cpuUsage`,
 * user + system) and bytes allocated per request (heap growth over the batch after a full
 * GC, with no GC inside the batch: rounds where one ran are not counted). Prints medians and
 * the new/old ratios, the load average before and after, and checks that both answer texts
 * are the same. Then the bytes promoted to the old generation per request (module comment at
 * `PROMOTE_N`).
 */
import { loadavg } from 'node:os';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OLD = process.env.AB_OLD;
const ROUNDS = Number(process.env.AB_ROUNDS ?? 20);
const BATCH = Number(process.env.AB_BATCH ?? 50);
if (!OLD) throw new Error('set AB_OLD to a checkout of the old commit (see the doc comment)');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

/** The summary what-if of one tree: a function answering one request with its JSON text. */
async function summaryOf(root: string): Promise<() => string> {
  const src = `${root.replace(/\/$/, '')}/src/`;
  const { buildSnapshotFromFile } = await import(`${src}io/load-market.ts`);
  const { parseSymbol } = await import(`${src}instruments/symbol.ts`);
  const { portfolio } = await import(`${src}risk/portfolio.ts`);
  const dpm = await import(`${src}margin/deribit-pm/deribit-pm.ts`);
  const { whatIfUseCase } = await import(`${src}app/what-if.ts`);
  const { whatIfSummary } = await import(`${src}app/what-if-summary.ts`);
  const { toJsonCompact } = await import(`${src}server/json-reply.ts`);
  // the service's SHA-256 (buildServer installs it): node:crypto, not the pure-JS default
  (await import(`${src}io/native-sha256.ts`)).installNativeSha256();
  const built = buildSnapshotFromFile(`${ROOT}data/deribit-quantflow/deribit_btc.json.gz`);
  const symbols: string[] = built.listedSymbols;
  const options = symbols.filter((s) => /-[CP]$/.test(s)).sort();
  const futures = symbols.filter((s) => !/-[CP]$/.test(s) && !s.endsWith('PERPETUAL')).sort();
  const step = Math.max(1, Math.floor(options.length / 18));
  const inst = (s: string) => parseSymbol(s, 'deribit');
  const positions = [
    ...Array.from({ length: 18 }, (_, i) => ({
      instrument: inst(options[(i * step) % options.length]!),
      size: (i % 2 ? -1 : 1) * (0.5 + (i % 5)),
    })),
    { instrument: inst(futures[0]!), size: -2, entryPrice: 60000 },
    { instrument: inst('BTC-PERPETUAL'), size: 1.5, entryPrice: 61000 },
  ];
  const book = portfolio(positions, [{ currency: 'BTC', amount: 25 }]);
  const snapshot = built.snapshot;
  const params = dpm.deribitPmModel.defaultParams;
  const pb = dpm.prepareDeribitPmBook(book, snapshot, params);
  const trades = [{ instrument: inst('BTC-PERPETUAL'), size: -0.5 }];
  return () => {
    const out = whatIfUseCase({
      portfolio: book,
      snapshot,
      modelId: 'deribit-pm',
      params,
      trades,
      tradeField: (k: number) => `trades[${k}].size`,
      tradesField: 'trades',
      whatIf: () => pb.whatIf(trades),
    });
    return toJsonCompact(whatIfSummary(out, []));
  };
}

let gcs = 0;
let markCompacts = 0;
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) {
    gcs++;
    if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
      markCompacts++;
  }
}).observe({ entryTypes: ['gc'] });

/** One round of BATCH requests: CPU µs and bytes per request (bytes NaN if a GC ran). */
function round(answer: () => string): { cpu: number; bytes: number } {
  gc!();
  const g0 = gcs;
  const h0 = process.memoryUsage().heapUsed;
  const c0 = process.cpuUsage();
  for (let i = 0; i < BATCH; i++) answer();
  const c = process.cpuUsage(c0);
  const h1 = process.memoryUsage().heapUsed;
  return { cpu: (c.user + c.system) / BATCH, bytes: gcs === g0 ? (h1 - h0) / BATCH : NaN };
}

const median = (xs: number[]) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};

/** Round k's order: old then new on even rounds, new then old on odd ones. */
const inTurn = (k: number) =>
  k % 2
    ? ([
        ['new', now],
        ['old', old],
      ] as const)
    : ([
        ['old', old],
        ['new', now],
      ] as const);
const load0 = loadavg();
const old = await summaryOf(OLD);
const now = await summaryOf(ROOT);
const same = old() === now();
for (let i = 0; i < 200; i++) void [old(), now()]; // warm both
const r: Record<'old' | 'new', { cpu: number[]; bytes: number[] }> = {
  old: { cpu: [], bytes: [] },
  new: { cpu: [], bytes: [] },
};
for (let k = 0; k < ROUNDS; k++)
  for (const [name, f] of inTurn(k)) {
    const x = round(f);
    r[name].cpu.push(x.cpu);
    r[name].bytes.push(x.bytes);
  }
/**
 * Promoted per request: old-generation growth (`old_space` used) over PROMOTE_N requests run
 * back to back after a full GC, scavenges only (a run with a mark-compact is not counted);
 * alternated old/new, PROMOTE_ROUNDS each, medians.
 */
const PROMOTE_N = Number(process.env.AB_PROMOTE_N ?? 3000);
const oldSpace = () =>
  getHeapSpaceStatistics().find((x) => x.space_name === 'old_space')!.space_used_size;
const promoted: Record<'old' | 'new', number[]> = { old: [], new: [] };
for (let k = 0; k < Number(process.env.AB_PROMOTE_ROUNDS ?? 4); k++)
  for (const [name, f] of inTurn(k)) {
    gc!();
    const mc0 = markCompacts;
    const o0 = oldSpace();
    for (let i = 0; i < PROMOTE_N; i++) f();
    promoted[name].push(markCompacts === mc0 ? (oldSpace() - o0) / PROMOTE_N : NaN);
  }
const load1 = loadavg();
const m = (s: 'old' | 'new', k: 'cpu' | 'bytes') => median(r[s][k]);
const counted = (s: 'old' | 'new') => r[s].bytes.filter((b) => !Number.isNaN(b)).length;
console.log(`same answer text old/new: ${same}`);
console.log(
  `CPU per summary what-if: old ${m('old', 'cpu').toFixed(0)} µs, new ${m('new', 'cpu').toFixed(0)} µs (new/old ${(m('new', 'cpu') / m('old', 'cpu')).toFixed(2)}); ${ROUNDS} alternating rounds × ${BATCH}, medians`,
);
console.log(
  `allocated per summary what-if: old ${(m('old', 'bytes') / 1024).toFixed(1)} KB, new ${(m('new', 'bytes') / 1024).toFixed(1)} KB (new/old ${(m('new', 'bytes') / m('old', 'bytes')).toFixed(2)}); rounds without a GC: ${counted('old')} / ${counted('new')}`,
);
console.log(
  `load average ${load0.map((x) => x.toFixed(2)).join(' ')} → ${load1.map((x) => x.toFixed(2)).join(' ')}`,
);
const pm = (x: 'old' | 'new') => median(promoted[x]) / 1024;
console.log(
  `promoted to the old generation per summary what-if (${PROMOTE_N} back to back): old ${pm('old').toFixed(2)} KB, new ${pm('new').toFixed(2)} KB; runs without a mark-compact: ${promoted.old.filter((x) => !Number.isNaN(x)).length} / ${promoted.new.filter((x) => !Number.isNaN(x)).length}`,
);
if (!same) process.exitCode = 1;
