/**
 * optimize/ uses a margin model's public face only: nothing under src/margin/deribit-pm/ but
 * its index.ts (the LP form comes through `MarginModel.linearTerms`). Scans every import and
 * export-from specifier (static and dynamic) of src/optimize/ and resolves it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? tsFiles(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** Repository-relative targets of the relative import specifiers of `source` at `file`. */
function importTargets(file: string, source: string): string[] {
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
  return [...source.matchAll(re)].map((m) => relative(root, resolve(dirname(file), m[1]!)));
}

const privateDeribitPm = (target: string): boolean =>
  target.startsWith('src/margin/deribit-pm/') && target !== 'src/margin/deribit-pm/index.ts';

describe("optimize/ uses Deribit PM's public face only", () => {
  it('the scanner flags a private import (fixture text)', () => {
    const file = join(root, 'src/optimize/x.ts');
    const t = importTargets(
      file,
      "import { a } from '../margin/deribit-pm/vectors.ts';\nimport type { B } from '../margin/deribit-pm/index.ts';\nconst c = await import('../margin/deribit-pm/shocks.ts');\n",
    );
    expect(t).toEqual([
      'src/margin/deribit-pm/vectors.ts',
      'src/margin/deribit-pm/index.ts',
      'src/margin/deribit-pm/shocks.ts',
    ]);
    expect(t.filter(privateDeribitPm)).toEqual([
      'src/margin/deribit-pm/vectors.ts',
      'src/margin/deribit-pm/shocks.ts',
    ]);
  });
  it('no file of src/optimize/ imports under margin/deribit-pm/ except index.ts', () => {
    const files = tsFiles(join(root, 'src/optimize'));
    expect(files.length).toBeGreaterThan(10);
    const all = files.flatMap((f) =>
      importTargets(f, readFileSync(f, 'utf8')).map((t) => ({ file: relative(root, f), t })),
    );
    // The scan sees the imports that exist (the index, and the contract the LP reads).
    expect(all.some((x) => x.t === 'src/margin/deribit-pm/index.ts')).toBe(true);
    expect(all.some((x) => x.t === 'src/margin/linear-terms.ts')).toBe(true);
    expect(all.filter((x) => privateDeribitPm(x.t))).toEqual([]);
  });
});
