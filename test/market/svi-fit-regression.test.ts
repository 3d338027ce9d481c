import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadRawMarketFile } from '../../src/io/load-market.ts';
import { buildUnderlyingMarket, type BuildOptions } from '../../src/market/build-snapshot.ts';
import type { SviParams } from '../../src/market/svi.ts';

// Regression guard for the SVI numerics: the parameters fitted on the bundled BTC and ETH
// surfaces must equal those recorded from main's code before the optimisers moved to
// src/core/optim (test/fixtures/svi-params/svi-params.json, made by
// scripts/record-svi-fixture.ts) to 1e-10 absolute in each of a, b, ρ, m, σ.

const TOL = 1e-10;
const root = new URL('../../', import.meta.url);
const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL('test/fixtures/svi-params/svi-params.json', root)), 'utf8'),
) as Record<string, Record<string, RecordedBuild>>;

interface RecordedBuild {
  readonly slices: {
    expiryMs: number;
    dropped: number;
    params: SviParams | null;
    rmseVolPoints: number | null;
  }[];
  readonly surface: { expiryMs: number; params: SviParams }[];
}

const variants: Record<string, BuildOptions> = {
  robust: { enforceButterfly: false },
  butterflyConstrained: { enforceButterfly: true },
  repaired: { enforceButterfly: false, repairArbitrage: true },
};

const KEYS = ['a', 'b', 'rho', 'm', 'sigma'] as const;

/** Largest |Δ| over the five parameters of every slice; counts the slices compared. */
function maxParamDiff(
  got: readonly { params: SviParams | undefined | null }[],
  want: readonly { params: SviParams | null }[],
): { diff: number; compared: number } {
  expect(got.length).toBe(want.length);
  let diff = 0;
  let compared = 0;
  want.forEach((w, i) => {
    const g = got[i]!.params ?? null;
    if (w.params === null || g === null) {
      expect(g).toBe(w.params);
      return;
    }
    for (const key of KEYS) diff = Math.max(diff, Math.abs(g[key] - w.params[key]));
    compared++;
  });
  return { diff, compared };
}

for (const asset of ['btc', 'eth']) {
  describe(`SVI fits on the bundled ${asset.toUpperCase()} surface match the recorded parameters`, () => {
    const file = fileURLToPath(new URL(`data/deribit-quantflow/volsurface_${asset}.json`, root));
    const raw = loadRawMarketFile(file).markets[0]!;
    for (const [name, options] of Object.entries(variants)) {
      it(`${name}: every slice's parameters within ${TOL}`, () => {
        const recorded = fixture[asset]![name]!;
        const built = buildUnderlyingMarket(raw, options);
        const slices = maxParamDiff(built.slices, recorded.slices);
        const surface = maxParamDiff(built.market.surface, recorded.surface);
        expect(slices.compared).toBeGreaterThan(5);
        expect(surface.compared).toBe(recorded.surface.length);
        expect(slices.diff).toBeLessThanOrEqual(TOL);
        expect(surface.diff).toBeLessThanOrEqual(TOL);
        built.slices.forEach((s, i) => expect(s.dropped).toBe(recorded.slices[i]!.dropped));
      }, 60_000);
    }
  });
}
