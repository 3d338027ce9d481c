/**
 * Validation of PMRM_2 inputs and parameters (methodology spec `docs/methodology/derive-pm2.md`, §4 ranges,
 * §12.4–§12.5 hazards). Fail closed: anything the engine would reject, divide by zero on,
 * or that could make a requirement negative is a typed error naming the field.
 */
import { BallastError } from '../../core/errors.ts';
import type { Pm2Expiry } from './expiries.ts';
import type { DerivePm2Input } from './input.ts';
import { VOL_SHOCK_DIRECTIONS, type DerivePm2Params } from './params.ts';
import { skewShape } from './skew-shocks.ts';

function finite(x: number, field: string): void {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new BallastError('NOT_FINITE', `must be a finite number, got ${String(x)}`, field);
  }
}

/** x finite and lo ≤ x ≤ hi (open ends when `open` says so). */
function inRange(
  x: number,
  lo: number,
  hi: number,
  field: string,
  open: { lo?: boolean; hi?: boolean } = {},
): void {
  finite(x, field);
  const okLo = open.lo ? x > lo : x >= lo;
  const okHi = open.hi ? x < hi : x <= hi;
  if (!(okLo && okHi)) {
    const l = `${open.lo ? '(' : '['}${lo}`;
    const h = `${hi}${open.hi ? ')' : ']'}`;
    throw new BallastError('INVALID_INPUT', `must be in ${l}, ${h}, got ${x}`, field);
  }
}

function checkGroup(
  group: object,
  ranges: Readonly<Record<string, readonly [number, number]>>,
  path: string,
): void {
  for (const [key, [lo, hi]] of Object.entries(ranges)) {
    inRange((group as Record<string, number>)[key]!, lo, hi, `${path}.${key}`);
  }
}

/**
 * Checks a parameter set against the on-chain setter's validation (§4; a lower bound of 0
 * where the spec gives only an upper one). Throws INVALID_INPUT / NOT_FINITE naming
 * `params.<group>.<KEY>` or `params.scenarios[i].<field>`.
 */
export function validateDerivePm2Params(params: DerivePm2Params): void {
  validateScenarios(params.scenarios);
  validateGroups(params);
}

/** The scenario list (§4): 1–40 scenarios, shocks in range, at most one of each skew kind. */
function validateScenarios(sc: DerivePm2Params['scenarios']): void {
  if (!Array.isArray(sc) || sc.length < 1 || sc.length > 40) {
    throw new BallastError(
      'INVALID_INPUT',
      `must hold 1 to 40 scenarios, got ${Array.isArray(sc) ? sc.length : 'none'}`,
      'params.scenarios',
    );
  }
  const seen = new Set<string>();
  sc.forEach((s, i) => {
    const path = `params.scenarios[${i}]`;
    inRange(s.spotShock, 0, Infinity, `${path}.spotShock`, { lo: true, hi: true });
    inRange(s.dampeningFactor, 0, Infinity, `${path}.dampeningFactor`, { hi: true });
    if (!VOL_SHOCK_DIRECTIONS.includes(s.volShockDirection)) {
      throw new BallastError(
        'INVALID_INPUT',
        `must be one of ${VOL_SHOCK_DIRECTIONS.join(', ')}, got ${String(s.volShockDirection)}`,
        `${path}.volShockDirection`,
      );
    }
    if (s.volShockDirection === 'LINEAR' || s.volShockDirection === 'ABS') {
      if (seen.has(s.volShockDirection)) {
        throw new BallastError(
          'INVALID_INPUT',
          `at most one ${s.volShockDirection} scenario is allowed`,
          `${path}.volShockDirection`,
        );
      }
      seen.add(s.volShockDirection);
      if (s.spotShock !== 1) {
        throw new BallastError(
          'INVALID_INPUT',
          `a skew scenario must have spotShock exactly 1, got ${s.spotShock} (§13.2)`,
          `${path}.spotShock`,
        );
      }
    }
  });
}

/** The parameter groups' ranges (§4). */
function validateGroups(params: DerivePm2Params): void {
  checkGroup(
    params.volShock,
    {
      VOLRANGEUP: [0, 10],
      VOLRANGEDOWN: [0, 10],
      SHORTTERMPOWER: [0, 10],
      LONGTERMPOWER: [0, 10],
      DTE_FLOOR: [0, 400],
      MIN_VOL_EVAL_SHOCKED: [0, 20],
    },
    'params.volShock',
  );
  checkGroup(
    params.skewShock,
    {
      LINEAR_SCALE_CAP: [0, 10],
      LINEAR_CBASE: [-10, 10],
      ABS_SCALE_CAP: [0, 10],
      ABS_CBASE: [-10, 10],
      MIN_K_STAR: [0, 10],
      MIN_WIDTH_SCALE: [0, 10],
      VOL_PARAM_STATIC: [0, 10],
      VOL_PARAM_SCALE: [-20, 20],
    },
    'params.skewShock',
  );
  checkGroup(
    params.margin,
    {
      MM_LOSS_FACTOR: [0.1, 10],
      IM_LOSS_FACTOR: [0.5, 10],
      BASE_STATIC_DISCOUNT: [0, 4],
      LONG_RATE_MULTSCALE: [0, 10],
      LONG_RATE_ADDSCALE: [0, 10],
      BASE_STATIC_DISCOUNT_NEG: [0, 4],
      SHORT_RATE_MULTSCALE: [0, 10],
      SHORT_RATE_ADDSCALE: [0, 10],
    },
    'params.margin',
  );
  const b = params.basisContingency;
  inRange(b.SCENARIO_SPOT_UP, 1, 3, 'params.basisContingency.SCENARIO_SPOT_UP', {
    lo: true,
    hi: true,
  });
  inRange(b.SCENARIO_SPOT_DOWN, 0, 1, 'params.basisContingency.SCENARIO_SPOT_DOWN', {
    lo: true,
    hi: true,
  });
  checkGroup(
    b,
    { BASIS_CONT_ADD_FACTOR: [0, 20], BASIS_CONT_MULT_FACTOR: [0, 20] },
    'params.basisContingency',
  );
  checkGroup(
    params.otherContingency,
    {
      PEG_LOSS_THRESHOLD: [0, 100],
      PEG_LOSS_FACTOR: [0, 10],
      CONF_THRESHOLD: [0, 1],
      CONF_MARGIN: [0, 20],
      MM_PERP_PERCENT: [0, 3],
      IM_PERP_PERCENT: [0, 3],
      MM_OPTION_PERCENT: [0, 2],
      IM_OPTION_PERCENT: [0, 2],
    },
    'params.otherContingency',
  );
}

/**
 * Checks the input (§3): finite numbers, confidences in [0, 1], positive spot and stable
 * price (§12.4: P_st = 0 divides), non-negative strikes, forwards and collateral amounts
 * and prices, haircuts with MM ≤ 1 and MM + IM ≤ 1, a positive perp price when perps are
 * held, SVI with τ > 0 and F_svi > 0. Throws INVALID_INPUT / NOT_FINITE naming the field.
 */
export function validateDerivePm2Input(input: DerivePm2Input): void {
  const p = input.portfolio;
  const m = input.market;
  finite(p.cash, 'portfolio.cash');
  finite(p.numPerps, 'portfolio.numPerps');
  finite(p.unrealisedPerpPnl, 'portfolio.unrealisedPerpPnl');
  finite(p.unrealisedFunding, 'portfolio.unrealisedFunding');
  inRange(m.spotPrice, 0, Infinity, 'market.spotPrice', { lo: true, hi: true });
  inRange(m.stablePrice, 0, Infinity, 'market.stablePrice', { lo: true, hi: true });
  for (const k of ['spotConfidence', 'stableConfidence', 'perpConfidence'] as const)
    inRange(m[k], 0, 1, `market.${k}`);
  if (p.numPerps !== 0)
    inRange(m.perpPrice, 0, Infinity, 'market.perpPrice', { lo: true, hi: true });
  else inRange(m.perpPrice, 0, Infinity, 'market.perpPrice', { hi: true });
  p.options.forEach((o, i) => {
    const path = `portfolio.options[${i}]`;
    finite(o.expiry, `${path}.expiry`);
    inRange(o.strike, 0, Infinity, `${path}.strike`, { hi: true });
    finite(o.amount, `${path}.amount`);
    if (typeof o.isCall !== 'boolean')
      throw new BallastError('INVALID_INPUT', 'must be true or false', `${path}.isCall`);
  });
  p.collaterals.forEach((c, i) => {
    const path = `portfolio.collaterals[${i}]`;
    inRange(c.amount, 0, Infinity, `${path}.amount`, { hi: true });
    inRange(c.price, 0, Infinity, `${path}.price`, { hi: true });
    inRange(c.confidence, 0, 1, `${path}.confidence`);
    inRange(c.mmHaircut, 0, 1, `${path}.mmHaircut`);
    inRange(c.imHaircut, 0, 1, `${path}.imHaircut`);
    if (c.mmHaircut + c.imHaircut > 1 + 1e-12) {
      throw new BallastError(
        'INVALID_INPUT',
        `mmHaircut + imHaircut must be <= 1, got ${c.mmHaircut + c.imHaircut}`,
        `${path}.imHaircut`,
      );
    }
    if (typeof c.isRiskCancelling !== 'boolean') {
      throw new BallastError('INVALID_INPUT', 'must be true or false', `${path}.isRiskCancelling`);
    }
  });
  m.feeds.forEach((f, i) => {
    const path = `market.feeds[${i}]`;
    finite(f.expiry, `${path}.expiry`);
    inRange(f.forward, 0, Infinity, `${path}.forward`, { hi: true });
    finite(f.rate, `${path}.rate`);
    for (const k of ['forwardConfidence', 'rateConfidence', 'volConfidence'] as const)
      inRange(f[k], 0, 1, `${path}.${k}`);
    for (const k of ['a', 'b', 'rho', 'm', 'sigma'] as const) finite(f.svi[k], `${path}.svi.${k}`);
    inRange(f.svi.forward, 0, Infinity, `${path}.svi.forward`, { lo: true, hi: true });
    inRange(f.svi.tau, 0, Infinity, `${path}.svi.tau`, { lo: true, hi: true });
  });
}

/**
 * The division hazards of §12.4 that depend on both input and parameters: DTE_FLOOR = 0 with
 * an expired expiry (30 days / 0), and a skew width k* ≤ 0 for a held expiry when a skew
 * scenario exists. Throws INVALID_INPUT naming the parameter.
 */
export function validateDerivePm2Hazards(
  expiries: readonly Pm2Expiry[],
  params: DerivePm2Params,
): void {
  for (const e of expiries) {
    if (Math.max(e.seconds, params.volShock.DTE_FLOOR) <= 0) {
      throw new BallastError(
        'INVALID_INPUT',
        `DTE_FLOOR = 0 with the expired expiry ${e.expiry} s divides by zero (§12.4)`,
        'params.volShock.DTE_FLOOR',
      );
    }
    for (const s of params.scenarios) {
      const dir = s.volShockDirection;
      if (dir !== 'LINEAR' && dir !== 'ABS') continue;
      const shape = skewShape(e.T, dir, params.skewShock);
      if (!(shape.kStar > 0)) {
        throw new BallastError(
          'INVALID_INPUT',
          `skew width k* = ${shape.kStar} ≤ 0 for expiry ${e.expiry} s divides by zero (§12.4)`,
          'params.skewShock.MIN_K_STAR',
        );
      }
    }
  }
}
