import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { inverseOptionPrice } from '../../src/pricing/inverse.ts';
import { yearFraction } from '../../src/core/time.ts';

// Real Deribit BTC quotes (quantflow fixture, data/deribit-quantflow/README.md). Every option's
// inverse Black-76 price at its quoted bid vol, on the same-maturity forward mid, must land on
// its quoted bid within the quoting noise: median |error| ≤ 5e-5 BTC (half a 1e-4 tick).
interface Input {
  security_type: 'spot' | 'forward' | 'option';
  bid: string;
  ask: string;
  maturity?: string;
  strike?: string;
  option_type?: 'call' | 'put';
  iv_bid?: string;
}
const file = JSON.parse(
  readFileSync(
    new URL('../../data/deribit-quantflow/volsurface_btc.json', import.meta.url),
    'utf8',
  ),
) as {
  asset_curve: { ref_date: string };
  inputs: Input[];
};

describe('marks on real data: inverse Black-76 at iv_bid reproduces the BTC bids', () => {
  it('median |price − bid| ≤ 5e-5 BTC over every option', () => {
    const asOf = Date.parse(file.asset_curve.ref_date.replace(/(\.\d{3})\d+/, '$1'));
    const forwards = new Map<string, number>();
    for (const i of file.inputs)
      if (i.security_type === 'forward')
        forwards.set(i.maturity!, (Number(i.bid) + Number(i.ask)) / 2);
    const errors: number[] = [];
    for (const o of file.inputs) {
      if (o.security_type !== 'option') continue;
      const F = forwards.get(o.maturity!);
      expect(F, `forward for ${o.maturity}`).toBeDefined();
      const T = yearFraction(asOf, Date.parse(o.maturity!));
      const price = inverseOptionPrice(
        o.option_type!,
        F!,
        Number(o.strike),
        T,
        Number(o.iv_bid),
        1,
      );
      errors.push(Math.abs(price - Number(o.bid)));
    }
    errors.sort((a, b) => a - b);
    const median = errors[Math.floor(errors.length / 2)]!;
    expect(errors.length).toBe(387);
    expect(median).toBeLessThanOrEqual(5e-5);
    // Every quote within a few ticks: the file's worst case is about 1e-3 BTC (deep ITM, wide market).
    expect(errors[errors.length - 1]!).toBeLessThan(2e-3);
  });
});
