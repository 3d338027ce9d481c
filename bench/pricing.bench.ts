/**
 * Pricing-layer throughput: Black-76 prices, Black-76 greeks and implied vols per second on a
 * realistic mixed set of 10,000 precomputed option inputs (BTC/ETH-like forwards, strikes
 * from 0.5x to 2x, expiries from one hour to two years, vols 25%-150%, calls and puts, r = 0
 * or a few percent), against a `Math.exp` loop over the same inputs as the baseline.
 *
 * Simple timing loops (best of several rounds after a warm-up), printed as a table.
 */
import { black76Greeks, black76Price, impliedVolBlack76 } from '../src/pricing/index.ts';
import type { OptionRight } from '../src/instruments/instrument.ts';

interface Input {
  right: OptionRight;
  F: number;
  K: number;
  T: number;
  sigma: number;
  df: number;
  price: number;
}

const N = 10_000;

/** Deterministic inputs (mulberry32 PRNG, fixed seed). */
function makeInputs(): Input[] {
  let a = 0x5eed1234;
  const rnd = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: Input[] = [];
  while (out.length < N) {
    const F =
      rnd() < 0.6 ? 60000 * Math.exp(0.2 * (rnd() - 0.5)) : 3000 * Math.exp(0.2 * (rnd() - 0.5));
    const K = F * Math.exp(Math.log(0.5) + rnd() * Math.log(4));
    const T = Math.exp(Math.log(1 / 8760) + rnd() * Math.log(2 * 8760));
    const sigma = 0.25 + 1.25 * rnd();
    const df = rnd() < 0.5 ? 1 : Math.exp(-0.05 * T);
    const right: OptionRight = rnd() < 0.5 ? 'call' : 'put';
    const price = black76Price(right, F, K, T, sigma, df);
    const intrinsic = df * Math.max(right === 'call' ? F - K : K - F, 0);
    // keep quotes a market would show: some time value left (no zero / at-intrinsic prices)
    if (!(price - intrinsic > 1e-8 * F)) continue;
    out.push({ right, F, K, T, sigma, df, price });
  }
  return out;
}

/** Best time in ns per input over `rounds` passes of `fn` over all inputs. */
function time(
  inputs: readonly Input[],
  fn: (x: Input) => number,
  rounds = 7,
): { nsPerOp: number; sink: number } {
  let sink = 0;
  for (let w = 0; w < 3; w++) for (const x of inputs) sink += fn(x); // warm-up (JIT)
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (const x of inputs) sink += fn(x);
    const dt = performance.now() - t0;
    if (dt < best) best = dt;
  }
  return { nsPerOp: (best * 1e6) / inputs.length, sink };
}

/** Runs the pricing benchmarks and prints a table. */
export async function runPricingBench(): Promise<void> {
  const inputs = makeInputs();
  const cases: [string, (x: Input) => number][] = [
    ['baseline: Math.exp loop', (x) => x.F * Math.exp(-x.sigma * x.T)],
    ['black76Price', (x) => black76Price(x.right, x.F, x.K, x.T, x.sigma, x.df)],
    ['black76Greeks', (x) => black76Greeks(x.right, x.F, x.K, x.T, x.sigma, x.df).gamma],
    ['impliedVolBlack76', (x) => impliedVolBlack76(x.right, x.price, x.F, x.K, x.T, x.df)],
  ];
  const results = cases.map(([name, fn]) => ({ name, ...time(inputs, fn) }));
  const base = results[0]!.nsPerOp;
  const price = results[1]!.nsPerOp;

  // accuracy of the IV round trip on the same set (a benchmark that is wrong is no benchmark):
  // vol error where the price pins the vol down (rounding/vega < 1e-12·σ), reprice error always
  let worstVol = 0;
  let worstPrice = 0;
  for (const x of inputs) {
    const v = impliedVolBlack76(x.right, x.price, x.F, x.K, x.T, x.df);
    const vega = black76Greeks(x.right, x.F, x.K, x.T, x.sigma, x.df).vega;
    if ((4 * Number.EPSILON * x.price) / vega < 1e-12 * x.sigma) {
      worstVol = Math.max(worstVol, Math.abs(v - x.sigma) / x.sigma);
    }
    const back = black76Price(x.right, x.F, x.K, x.T, v, x.df);
    worstPrice = Math.max(worstPrice, Math.abs(back - x.price) / x.price);
  }

  const header = ['benchmark', 'ns/op', 'ops/s', 'x baseline', 'x black76Price'];
  const rows = results.map((r) => [
    r.name,
    r.nsPerOp.toFixed(1),
    Math.round(1e9 / r.nsPerOp).toLocaleString('en-US'),
    (r.nsPerOp / base).toFixed(1),
    (r.nsPerOp / price).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(
    `\npricing: ${inputs.length.toLocaleString('en-US')} mixed Black-76 inputs (Node ${process.version})`,
  );
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log(
    `implied vol round trip: worst |σ̂ − σ|/σ = ${worstVol.toExponential(2)} (well-conditioned), worst reprice error ${worstPrice.toExponential(2)} relative`,
  );
  if (results.some((r) => !Number.isFinite(r.sink))) console.log('warning: non-finite results');
}
