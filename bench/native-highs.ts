/**
 * Runs bench/native_highs_lp.py on an LP: writes the model (lpModelData, raw little-endian
 * arrays) to a temporary directory and reads back the native HiGHS (scipy) time per method.
 * Returns why it was skipped when python3 or scipy is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LpModel } from '../src/optimize/lp-model.ts';
import { lpModelData } from '../src/optimize/lp-transport.ts';

/** Native HiGHS timing of one method. */
export interface NativeSolve {
  readonly method: string;
  readonly ms: number;
  readonly objective: number;
}

function bytes(a: Float64Array | Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Solves `lp` with scipy's native HiGHS (each method, best of `rounds`). */
export function nativeHighs(
  lp: LpModel,
  rounds = 1,
): { solves: NativeSolve[] } | { skipped: string } {
  const d = lpModelData(lp);
  if (d.hessian || d.integrality) return { skipped: 'not a continuous LP' };
  const dir = mkdtempSync(join(tmpdir(), 'ballast-lp-'));
  try {
    const meta = { rows: d.rowLower.length, cols: d.colLower.length, offset: d.offset };
    writeFileSync(join(dir, 'lp.json'), JSON.stringify(meta));
    const arrays = {
      colLower: d.colLower,
      colUpper: d.colUpper,
      colCost: d.colCost,
      rowLower: d.rowLower,
      rowUpper: d.rowUpper,
      starts: d.starts,
      indices: d.indices,
      values: d.values,
    };
    for (const [name, a] of Object.entries(arrays))
      writeFileSync(join(dir, `${name}.bin`), bytes(a));
    const script = fileURLToPath(new URL('./native_highs_lp.py', import.meta.url));
    const r = spawnSync('python3', [script, dir, String(rounds)], { encoding: 'utf8' });
    if (r.error) return { skipped: `python3 not runnable (${r.error.message})` };
    if (r.status !== 0)
      return { skipped: `python3/scipy failed: ${r.stderr.trim().split('\n').pop()}` };
    const solves = [
      ...r.stdout.matchAll(/native (\S+): ([\d.]+) ms objective (\S+) status 0/g),
    ].map((m) => ({ method: m[1]!, ms: Number(m[2]), objective: Number(m[3]) }));
    return solves.length ? { solves } : { skipped: `no solve in its output: ${r.stdout.trim()}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
