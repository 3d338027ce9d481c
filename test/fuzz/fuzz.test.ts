/**
 * The fuzz harness's CI budget: a few thousand generated inputs over every importer, the
 * snapshot loader and every model's parameters (test/fuzz/classes.ts), with a fixed seed.
 * Zero crashes, zero hangs, zero silent acceptances; every class ran and every `reject` class
 * was rejected. Long runs: `npm run fuzz -- --cases 100000`.
 */
import { describe, expect, it } from 'vitest';
import { FUZZ_CLASSES } from './classes.ts';
import { runFuzz, totalsByArea } from './harness.ts';

const CASES = Number(process.env.FUZZ_CASES ?? 3000);

describe('fuzz (CI budget)', () => {
  it(`${CASES} inputs: no crash, no hang, no silent acceptance`, () => {
    const rows = runFuzz({ cases: CASES, seed: 20261121 });
    expect(rows.length).toBe(FUZZ_CLASSES.length);
    for (const r of rows) {
      expect(r.inputs, r.name).toBeGreaterThan(0);
      expect({ name: r.name, failures: r.failures }).toEqual({ name: r.name, failures: [] });
      if (r.expect === 'reject') expect(r.rejected, r.name).toBe(r.inputs);
    }
    const totals = totalsByArea(rows);
    expect(totals.map((t) => t.area)).toEqual(['importers', 'snapshot loader', 'model params']);
    for (const t of totals) {
      expect(t.crashes + t.hangs + t.silentAcceptances, t.area).toBe(0);
      expect(t.accepted, `${t.area}: some generated inputs are valid`).toBeGreaterThan(0);
    }
  }, 300_000);
});
