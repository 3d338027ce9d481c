/**
 * Records the SVI parameters the snapshot builder fits on the bundled BTC and ETH surfaces
 * (data/deribit-quantflow/volsurface_{btc,eth}.json) into test/fixtures/svi-params/, so a
 * refactor of the fitting numerics can be checked against them to 1e-10
 * (test/market/svi-fit-regression.test.ts).
 *
 * Three builds per asset: the plain robust fit (enforceButterfly false), the
 * butterfly-constrained fit (the default), and the plain fit repaired (repairArbitrage, which
 * runs repairButterfly and repairCalendar). Run: `npx tsx scripts/record-svi-fixture.ts`.
 * The committed fixture was recorded from the code of main at commit a0a7473, before the
 * numerics moved to src/core/optim; rerun it only on purpose (it redefines the reference).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadRawMarketFile } from '../src/io/load-market.ts';
import { buildUnderlyingMarket, type BuildOptions } from '../src/market/build-snapshot.ts';

const variants: Record<string, BuildOptions> = {
  robust: { enforceButterfly: false },
  butterflyConstrained: { enforceButterfly: true },
  repaired: { enforceButterfly: false, repairArbitrage: true },
};

const root = new URL('../', import.meta.url);
const out: Record<string, unknown> = {
  note:
    'SVI parameters fitted by buildUnderlyingMarket on the bundled quantflow surfaces, ' +
    'recorded by scripts/record-svi-fixture.ts from main at commit a0a7473 (before the ' +
    'optimisers moved to src/core/optim). Compared to 1e-10 by test/market/svi-fit-regression.test.ts.',
};
for (const asset of ['btc', 'eth']) {
  const file = fileURLToPath(new URL(`data/deribit-quantflow/volsurface_${asset}.json`, root));
  const raw = loadRawMarketFile(file).markets[0]!;
  const byVariant: Record<string, unknown> = {};
  for (const [name, options] of Object.entries(variants)) {
    const built = buildUnderlyingMarket(raw, options);
    byVariant[name] = {
      slices: built.slices.map((s) => ({
        expiryMs: s.expiryMs,
        dropped: s.dropped,
        params: s.params ?? null,
        rmseVolPoints: s.rmseVolPoints ?? null,
        maxAbsErrorVolPoints: s.maxAbsErrorVolPoints ?? null,
      })),
      surface: built.market.surface.map((s) => ({ expiryMs: s.expiryMs, params: s.params })),
    };
  }
  out[asset] = byVariant;
}
const target = fileURLToPath(new URL('test/fixtures/svi-params/svi-params.json', root));
writeFileSync(target, JSON.stringify(out, null, 2) + '\n');
console.log(`wrote ${target}`);
