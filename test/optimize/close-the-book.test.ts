import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { importPortfolio } from '../../src/io/portfolio-input.ts';
import { parseJson, readTextFile } from '../../src/io/read-json.ts';
import { marginModel } from '../../src/margin/registry.ts';
import { optimizeHedge } from '../../src/optimize/hedge.ts';
import { marginSummary } from '../../src/optimize/outcome.ts';
import { realSnapshot } from '../helpers/real-market.ts';

// Closing every position leaves the collateral: the optimizer's "after" is the balances less
// what the closing trades cost, not 0 (a book without positions has its collateral's pools).
const snapshot = realSnapshot();
const pm = marginModel('deribit-pm');
const path = fileURLToPath(new URL('../../examples/short-strangle.json', import.meta.url));
const strangle = importPortfolio(
  readTextFile(path),
  'examples/short-strangle.json',
  snapshot,
  parseJson,
).portfolio;

describe('a book closed by the optimizer keeps its equity', () => {
  it('marginSummary of a book with balances and no positions: the balances at the index', () => {
    const s = marginSummary(pm, pm.defaultParams, { ...strangle, positions: [] }, snapshot);
    expect(s.results.map((r) => r.currency)).toEqual(['BTC']);
    expect(s.initialMarginUsd).toBe(0);
    expect(s.equityUsd).toBe(4 * snapshot.underlyings.BTC!.index);
  });

  it('short strangle, held instruments only: both legs closed, equity after = before − cost', async () => {
    const r = await optimizeHedge({
      portfolio: strangle,
      snapshot,
      model: pm,
      universe: { source: 'none', candidates: [] },
    });
    expect(r.status).toBe('improved');
    expect(r.portfolioAfter.positions.filter((p) => p.size !== 0)).toEqual([]);
    expect(r.after.initialMarginUsd).toBe(0);
    expect(r.costUsd).toBeGreaterThan(0);
    const want = r.before.equityUsd - r.costUsd;
    expect(Math.abs(r.after.equityUsd - want)).toBeLessThan(1e-9 * r.before.equityUsd);
    expect(r.after.equityUsd).toBeGreaterThan(0.99 * r.before.equityUsd);
  });
});
