/**
 * The standard normal distribution to full double precision in both tails.
 *
 * `normCdf` follows W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev
 * approximations for the error function", Math. Comp. 1969; the ANORM routine of
 * ACM TOMS 715), which give close to machine-precision *relative* accuracy for
 * Φ(x) on the whole line: each tail is computed directly, never as `1 − (something
 * close to 1)`, and the Gaussian factor is split as `exp(−x₀²/2)·exp(−(x−x₀)(x+x₀)/2)`
 * so no precision is lost in `x²`. Underflows to 0 only below x ≈ −38.5.
 *
 * Checked in test/core/normal.test.ts against 50-digit mpmath values.
 */

const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)
const SQRT_2PI = 2.5066282746310002; // √(2π)

const A = [
  2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582, 18154.981253343561249,
  0.065682337918207449113,
];
const B = [
  47.20258190468824187, 976.09855173777669322, 10260.932208618978205, 45507.789335026729956,
];
const C = [
  0.39894151208813466764, 8.8831497943883759412, 93.506656132177855979, 597.27027639480026226,
  2494.5375852903726711, 6848.1904505362823326, 11602.651437647350124, 9842.7148383839780218,
  1.0765576773720192317e-8,
];
const D = [
  22.266688044328115691, 235.38790178262499861, 1519.377599407554805, 6485.558298266760755,
  18615.571640885098091, 34900.952721145977266, 38912.003286093271411, 19685.429676859990727,
];
const P = [
  0.21589853405795699, 0.1274011611602473639, 0.022235277870649807, 0.001421619193227893466,
  2.9112874951168792e-5, 0.02307344176494017303,
];
const Q = [
  1.28426009614491121, 0.468238212480865118, 0.0659881378689285515, 0.00378239633202758244,
  7.29751555083966205e-5,
];

const [C0, C1, C2, C3, C4, C5, C6, C7, C8] = C as [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];
const [D0, D1, D2, D3, D4, D5, D6, D7] = D as [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

/** exp(−y0²/2) for y0 = k/16, k < `SPLIT_TABLE_SIZE` (φ(y) underflows near y ≈ 38.6). */
const SPLIT_TABLE_SIZE = 640;
const SPLIT_EXP = Float64Array.from({ length: SPLIT_TABLE_SIZE }, (_, k) => splitExp(k / 16));

/** exp(−y0²/2), the factor of `gaussianFactor` at the split point y0 (a multiple of 1/16). */
function splitExp(y0: number): number {
  return Math.exp(-y0 * y0 * 0.5);
}

/**
 * exp(−y²/2) without losing the low bits of y² (Cody's split at a multiple of 1/16), for
 * y ≥ 0: exp(−y0²/2)·exp(−(y − y0)(y + y0)/2), the first factor read from a table computed
 * by the same expression (the same bits, one `Math.exp` fewer per call).
 */
function gaussianFactor(y: number): number {
  const k = Math.trunc(y * 16);
  const y0 = k / 16;
  const del = (y - y0) * (y + y0);
  return (k < SPLIT_TABLE_SIZE ? SPLIT_EXP[k]! : splitExp(y0)) * Math.exp(-del * 0.5);
}

/**
 * Cody's tail rational r(y) with Q(y) = exp(−y²/2)·r(y) for y > 0.66291 (no exponentials).
 */
function tailRational(y: number): number {
  if (y <= 5.656854248) {
    // Cody's loop num = (num + C[i])·y, den = (den + D[i])·y for i = 0 … 6, unrolled.
    const n0 = (C8 * y + C0) * y;
    const d0 = (y + D0) * y;
    const n1 = (((n0 + C1) * y + C2) * y + C3) * y;
    const d1 = (((d0 + D1) * y + D2) * y + D3) * y;
    const num = (((n1 + C4) * y + C5) * y + C6) * y;
    const den = (((d1 + D4) * y + D5) * y + D6) * y;
    return (num + C7) / (den + D7);
  }
  const z = 1 / (y * y);
  let num = P[5]! * z;
  let den = z;
  for (let i = 0; i < 4; i++) {
    num = (num + P[i]!) * z;
    den = (den + Q[i]!) * z;
  }
  return (INV_SQRT_2PI - (z * (num + P[4]!)) / (den + Q[4]!)) / y;
}

/**
 * `tailRational` with Cody's polynomials (num = Σ C·y^k, den = Σ D·y^k, positive terms) in
 * Estrin's form for y ≤ 5.657: the same rational to a few ulps with a shorter dependency
 * chain (Black-76's scenario cells; the CDF keeps `tailRational`'s bits, on which implied
 * vols, fitted surfaces and pinned hashes depend).
 */
function tailRationalEstrin(y: number): number {
  if (y > 5.656854248) return tailRational(y);
  const y2 = y * y;
  const y4 = y2 * y2;
  const num =
    C7 + C6 * y + y2 * (C5 + C4 * y) + y4 * (C3 + C2 * y + y2 * (C1 + C0 * y)) + y4 * y4 * C8;
  const den = D7 + D6 * y + y2 * (D5 + D4 * y) + y4 * (D3 + D2 * y + y2 * (D1 + D0 * y)) + y4 * y4;
  return num / den;
}

/** Upper tail Q(y) = 1 − Φ(y) for y > 0.66291, relative accuracy near 1 ulp. */
function upperTail(y: number): number {
  return gaussianFactor(y) * tailRational(y);
}

/**
 * Mills ratio R(z) = Φ(−z)/φ(z) for z ≥ 0, to a few ulps and without under- or overflow for
 * any z (the tail rational without its Gaussian factor above 0.66291).
 */
export function millsRatio(z: number): number {
  if (z <= 0.66291) return normCdf(-z) / normPdf(z);
  return SQRT_2PI * tailRational(z);
}

/**
 * Mills ratio R(z) = Φ(−z)/φ(z) for z ≥ 0 as `millsRatio`, the tail rational in Estrin's form
 * (`tailRationalEstrin`): within a few ulps of `millsRatio`, not always the same bits.
 */
export function millsRatioEstrin(z: number): number {
  if (z <= 0.66291) return normCdf(-z) / normPdf(z);
  return SQRT_2PI * tailRationalEstrin(z);
}

/** Standard normal CDF Φ(x). NaN in, NaN out; Φ(±∞) = 1 / 0. */
export function normCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= 0.66291) {
    const z = y * y;
    let num = A[4]! * z;
    let den = z;
    for (let i = 0; i < 3; i++) {
      num = (num + A[i]!) * z;
      den = (den + B[i]!) * z;
    }
    return 0.5 + (x * (num + A[3]!)) / (den + B[3]!);
  }
  if (y === Infinity) return x > 0 ? 1 : 0;
  const q = upperTail(y);
  return x > 0 ? 1 - q : q;
}

/** Standard normal density φ(x) = exp(−x²/2)/√(2π), accurate in the tails. */
export function normPdf(x: number): number {
  return INV_SQRT_2PI * gaussianFactor(Math.abs(x));
}

/**
 * φ(x)·e^{−w/2} for a small w ≥ 0 (e.g. w = t² with t ≤ 1/4) with one exponential: Cody's
 * split of x as in `normPdf`, w added to the small part of the exponent,
 * exp(−x0²/2)·exp(−((|x| − x0)(|x| + x0) + w)/2)/√(2π).
 */
export function normPdfScaled(x: number, w: number): number {
  const y = Math.abs(x);
  const k = Math.trunc(y * 16);
  const y0 = k / 16;
  const del = (y - y0) * (y + y0);
  const head = k < SPLIT_TABLE_SIZE ? SPLIT_EXP[k]! : splitExp(y0);
  return INV_SQRT_2PI * head * Math.exp(-(del + w) * 0.5);
}

// Acklam's rational approximation (relative error < 1.15e-9 for p > 1e-100 or so),
// refined by Halley steps on normCdf, which bring it to full double precision.
const IA = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
  -3.066479806614716e1, 2.506628277459239,
];
const IB = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
  -1.328068155288572e1,
];
const IC = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
  4.374664141464968, 2.938163982698783,
];
const ID = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

function acklam(p: number): number {
  const pLow = 0.02425;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((IC[0]! * q + IC[1]!) * q + IC[2]!) * q + IC[3]!) * q + IC[4]!) * q + IC[5]!) /
      ((((ID[0]! * q + ID[1]!) * q + ID[2]!) * q + ID[3]!) * q + 1)
    );
  }
  if (p <= 1 - pLow) {
    const q = p - 0.5;
    const r = q * q;
    return (
      ((((((IA[0]! * r + IA[1]!) * r + IA[2]!) * r + IA[3]!) * r + IA[4]!) * r + IA[5]!) * q) /
      (((((IB[0]! * r + IB[1]!) * r + IB[2]!) * r + IB[3]!) * r + IB[4]!) * r + 1)
    );
  }
  return -acklam(1 - p);
}

/**
 * Inverse standard normal CDF Φ⁻¹(p) for p in [0, 1] (±∞ at the ends, NaN outside).
 * The upper half is computed by symmetry from the lower tail so p close to 1 keeps
 * what precision `1 − p` has.
 */
export function normInv(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p > 0.5) return -normInv(1 - p);
  let x = acklam(p);
  // Halley steps on f(x) = Φ(x) − p; one suffices in the body, the far tail needs a few.
  for (let i = 0; i < 8; i++) {
    const u = (normCdf(x) - p) / normPdf(x);
    const dx = u / (1 + 0.5 * x * u);
    x -= dx;
    if (!(Math.abs(dx) > 1e-16 * Math.abs(x))) break;
  }
  return x;
}
